"""The parallel path of ``messages`` (worker processes, pre-encoded blocks) writes the single-process bytes.

The fixture is far below the 50,000-row threshold, so the test forces the parallel path with a threshold of one
row and ranges of three rows: the 30-odd live messages go through several workers and ranges, the rowid-order
check must carry its state across range boundaries, and attachment references and story replies must be merged
in range order for the media and orphaned-reply records that follow.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections import Counter
from pathlib import Path

import pytest

from tests.apps.imo.test_output_bytes import GOLDEN
from tests.fixtures.imo.generate import GroundTruth
from trowel.apps import get_app
from trowel.apps.blocks import EncodedBlock, summary_key
from trowel.apps.imo import parallel
from trowel.apps.runner import find_app_data, run_app
from trowel.cli.common import _record_text
from trowel.evidence import open_evidence


def _run(evidence: Path, scratch: Path, min_rows: int | None, range_rows: int = 3) -> tuple[str, Counter[tuple[
        str, str, int | None, str, str]], list[EncodedBlock]]:
    """What ``trowel imo --json`` writes, and its summary counts, with or without the parallel path."""
    parts: list[str] = []
    counts: Counter[tuple[str, str, int | None, str, str]] = Counter()
    blocks: list[EncodedBlock] = []

    def take(block: EncodedBlock) -> None:
        parts.append(block.text)
        counts.update(block.counts)
        blocks.append(block)

    with open_evidence(evidence, None) as source:
        for data in find_app_data(source, evidence.name, scratch, [get_app("imo")]):
            if min_rows is not None:
                data.block_sink = take
                data.parallel_min_rows = min_rows
                data.parallel_range_rows = range_rows
            for record in run_app(data):
                parts.append(_record_text(record) + "\n")
                counts[summary_key(record)] += 1
    return "".join(parts), counts, blocks


def _digest(root: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        sha.update(path.relative_to(root).as_posix().encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def test_parallel_path_writes_the_same_bytes_and_counts(imo_truth: GroundTruth, tmp_path: Path) -> None:
    before = _digest(imo_truth.root)
    serial, serial_counts, none = _run(imo_truth.root, tmp_path / "serial", None)
    parallel, parallel_counts, blocks = _run(imo_truth.root, tmp_path / "parallel", 1)
    assert none == []
    assert serial == GOLDEN.read_text(encoding="utf-8")
    assert parallel.encode("utf-8") == serial.encode("utf-8")
    assert len(parallel.splitlines()) == 91
    assert parallel_counts == serial_counts
    assert len(blocks) >= 2  # several ranges really went through the workers
    assert sum(block.records for block in blocks) == sum(n for b in blocks for n in b.counts.values())
    assert _digest(imo_truth.root) == before  # the evidence was only read
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_one_range_and_large_ranges_give_the_same_bytes(imo_truth: GroundTruth, tmp_path: Path) -> None:
    serial, _, _ = _run(imo_truth.root, tmp_path / "serial", None)
    whole, _, blocks = _run(imo_truth.root, tmp_path / "whole", 1, range_rows=10_000)
    single, _, singles = _run(imo_truth.root, tmp_path / "single", 1, range_rows=1)
    assert whole == serial == single
    assert len(blocks) == 2  # one block per imofriends.db (users 0 and 10)
    assert all(block.records for block in singles)
    assert len(singles) > 20  # one block per live message row


def test_forkserver_workers_give_the_same_bytes(imo_truth: GroundTruth, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a progress bar's thread the workers start from a fork server, not a fork: same bytes."""
    monkeypatch.setattr(parallel, "start_method", lambda: "forkserver")
    served, counts, blocks = _run(imo_truth.root, tmp_path / "served", 1, range_rows=4)
    assert served == GOLDEN.read_text(encoding="utf-8")
    assert len(blocks) > 2
    assert sum(counts.values()) == 91


def test_start_method_is_fork_only_without_other_threads() -> None:
    assert threading.active_count() == 1
    assert parallel.start_method() == "fork"
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert parallel.start_method() == "forkserver"
    finally:
        stop.set()
        thread.join()
