"""The parallel path of ``messages`` (worker processes, pre-encoded blocks) writes the single-process bytes.

The fixture is far below the 50,000-row threshold, so the test forces the parallel path with a threshold of one
row and ranges of three rows: the 30-odd live messages go through several workers and ranges, the rowid-order
check must carry its state across range boundaries, and attachment references and story replies must be merged
in range order for the media and orphaned-reply records that follow.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps.imo.test_output_bytes import GOLDEN
from tests.fixtures.imo.generate import GroundTruth
from trowel.apps import get_app
from trowel.apps.blocks import BlockWriter, EncodedBlock, summary_key
from trowel.apps.imo import parallel, parser
from trowel.apps.imo.scope import Scope
from trowel.apps.rows import DatabaseCopy
from trowel.apps.runner import find_app_data, run_app
from trowel.cli.common import _record_text, record_line
from trowel.evidence import open_evidence
from trowel.model import Message, Provenance, Record


def _run(evidence: Path, scratch: Path, min_rows: int | None, range_rows: int = 3) -> tuple[str, Counter[tuple[
        str, str, int | None, str, str]], list[EncodedBlock]]:
    """What ``trowel imo --json`` writes, and its summary counts, with or without the parallel path."""
    parts: list[str] = []
    counts: Counter[tuple[str, str, int | None, str, str]] = Counter()
    blocks: list[EncodedBlock] = []

    def take(block: EncodedBlock) -> None:
        out = io.StringIO()
        block.write(out)
        parts.append(out.getvalue())
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
    assert len(parallel.splitlines()) == 94
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
    assert sum(counts.values()) == 94


def test_start_method_is_fork_only_without_other_threads() -> None:
    # A fresh interpreter has one thread (earlier tests in this process may have left helper threads).
    fresh = subprocess.run(
        [sys.executable, "-c", "from trowel.apps.imo import parallel; print(parallel.start_method())"],
        capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == "fork"
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert parallel.start_method() == "forkserver"
    finally:
        stop.set()
        thread.join()


def test_early_blocks_are_used_only_when_the_names_are_final(imo_truth: GroundTruth, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranges mapped during the recovery engine with the live friends' names: kept when no recovered friend added
    a name, thrown away (and mapped again) when one did; the bytes are the same either way.

    The fixture's recovered friends add names in both databases; giving the early ranges the final names makes
    them usable, giving them a wrong one makes them unusable.
    """
    golden = GOLDEN.read_text(encoding="utf-8")
    used: list[bool] = []
    final: dict[tuple[str, int | None], dict[str, str]] = {}
    original = parallel.MessagePool.map_messages

    def spy(self: parallel.MessagePool, scope: Scope, *args: Any) -> Iterator[Record]:
        self.plan.wait()
        final[(scope.package, scope.user)] = dict(scope.names)
        used.append(scope.names == self.early.names and len(self.started) > 0)
        return original(self, scope, *args)

    monkeypatch.setattr(parallel.MessagePool, "map_messages", spy)
    assert _run(imo_truth.root, tmp_path / "natural", 1, range_rows=2)[0] == golden
    assert used == [False, False]  # recovered friends added names
    live_names = parser._live_names

    def given(names: Callable[[Scope], dict[str, str]]) -> Callable[[Scope, DatabaseCopy], Scope]:
        def early(scope: Scope, db: DatabaseCopy) -> Scope:
            out = live_names(scope, db)
            out.names = names(scope)
            return out
        return early

    used.clear()
    monkeypatch.setattr(parser, "_live_names", given(lambda scope: dict(final[(scope.package, scope.user)])))
    assert _run(imo_truth.root, tmp_path / "final", 1, range_rows=2)[0] == golden
    assert used == [True, True]
    used.clear()
    monkeypatch.setattr(parser, "_live_names", given(lambda scope: {**final[(scope.package, scope.user)],
                                                                    "100000000": "Somebody Else"}))
    assert _run(imo_truth.root, tmp_path / "wrong", 1, range_rows=2)[0] == golden
    assert used == [False, False]


SOURCE = Provenance(evidence="E", path="data/a.db", table="messages", rowid=1)


def _writer(spool: Path | None, *records: Record) -> BlockWriter:
    writer = BlockWriter(spool, record_line, _record_text)
    for record in records:
        writer.add(record)
    return writer


def test_a_block_goes_to_the_byte_buffer_of_a_utf8_stream_and_as_text_elsewhere() -> None:
    records = (Message(source=SOURCE, text="привет 😀"), Message(source=SOURCE, text="n"))
    expected = "".join(_record_text(r) + "\n" for r in records)
    block = _writer(None, *records).finish({})
    assert block.utf8 == expected.encode() and block.records == 2 and block.size == len(block.utf8)
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    stream.write("before\n")
    block.write(stream)
    stream.flush()
    assert raw.getvalue() == b"before\n" + block.utf8
    latin = io.BytesIO()
    other = io.TextIOWrapper(latin, encoding="utf-16-le")
    block.write(other)
    other.flush()
    assert latin.getvalue() == expected.encode("utf-16-le")


def test_a_record_utf8_cannot_hold_turns_the_block_into_text(tmp_path: Path) -> None:
    records = (Message(source=SOURCE, text="a"), Message(source=SOURCE, text="\ud800"), Message(source=SOURCE, text="b"))
    expected = "".join(_record_text(r) + "\n" for r in records)
    for spool in (None, tmp_path / "block"):
        block = _writer(spool, *records).finish({})
        assert block.utf8 is None and block.spool is None and block.text == expected and block.records == 3
        assert list(tmp_path.iterdir()) == []  # the spool file made before the odd record is gone


def test_a_spooled_block_writes_the_same_bytes_by_the_kernel_or_by_copying(tmp_path: Path) -> None:
    records = (Message(source=SOURCE, text="привет 😀"), Message(source=SOURCE, text="n"))
    data = "".join(_record_text(r) + "\n" for r in records).encode()
    block = _writer(tmp_path / "b1", *records).finish({("p", "message", 0, "live", ""): 2})
    assert block.utf8 is None and block.spool == str(tmp_path / "b1") and (tmp_path / "b1").read_bytes() == data
    assert block.size == len(data)
    with open(tmp_path / "out.jsonl", "w", encoding="utf-8") as out:  # a real file: os.sendfile
        out.write("before\n")
        block.write(out)
        out.write("after\n")
    assert (tmp_path / "out.jsonl").read_bytes() == b"before\n" + data + b"after\n"
    raw = io.BytesIO()  # no file descriptor: copied
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    block.write(stream)
    stream.flush()
    assert raw.getvalue() == data
    text = io.StringIO()
    block.write(text)
    assert text.getvalue() == data.decode()
    block.discard()
    assert list(tmp_path.iterdir()) == [tmp_path / "out.jsonl"]
    abandoned = _writer(tmp_path / "b2", *records)
    abandoned.abandon()
    assert list(tmp_path.iterdir()) == [tmp_path / "out.jsonl"]


def test_a_spool_file_that_cannot_be_written_sends_the_block_in_memory(
        imo_truth: GroundTruth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full = tmp_path / "full"
    full.mkdir()
    monkeypatch.setattr(parallel, "spool_folder", lambda scratch: full / "missing")  # every open fails
    golden = _run(imo_truth.root, tmp_path / "single", None)[0]
    served, _, blocks = _run(imo_truth.root, tmp_path / "served", 1)
    assert served == golden and blocks and all(b.spool is None and b.utf8 for b in blocks)


def test_blocks_travel_as_spool_files_that_are_gone_after_the_run(imo_truth: GroundTruth, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folders: list[Path | None] = []
    made = parallel.spool_folder

    def spy(scratch: Path) -> Path | None:
        folders.append(made(scratch))
        return folders[-1]

    monkeypatch.setattr(parallel, "spool_folder", spy)
    _, _, blocks = _run(imo_truth.root, tmp_path / "run", 1)
    assert blocks and all(block.spool for block in blocks)
    assert len(folders) == 2 and all(f is not None and not f.exists() for f in folders)


def test_spool_folders_of_a_process_that_is_gone_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    orphan = tmp_path / f"{parallel.SPOOL_PREFIX}{dead}-abc"
    mine = tmp_path / f"{parallel.SPOOL_PREFIX}{os.getpid()}-def"
    other = tmp_path / "trowel-blocks-notapid-x"
    for folder in (orphan, mine, other):
        folder.mkdir()
        (folder / "1-0").write_bytes(b"{}\n")
    parallel._remove_orphans(tmp_path)
    assert not orphan.exists() and mine.exists() and other.exists()


def _dying(original: Callable[..., Any], marker: Path | None) -> Callable[..., Any]:
    """``original``, in a worker process that dies (as if killed) the first time, or always when ``marker`` is None."""
    def run(*args: Any) -> Any:
        if marker is None or not marker.exists():
            if marker is not None:
                marker.write_text("died once")
            os._exit(9)
        return original(*args)
    return run


def test_a_worker_that_dies_has_its_range_mapped_again(imo_truth: GroundTruth, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A killed worker's task gets no answer from the pool: the wait notices the replacement worker and maps the
    unanswered ranges again (the same bytes), instead of waiting forever."""
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")  # the patched functions reach the workers
    monkeypatch.setattr(parallel, "_map_into", _dying(parallel._map_into, tmp_path / "range-died"))
    served, _, _ = _run(imo_truth.root, tmp_path / "range", 1, range_rows=4)
    assert (tmp_path / "range-died").exists() and served == GOLDEN.read_text(encoding="utf-8")
    marker, read = tmp_path / "plan-died", DatabaseCopy.live_values

    def plan_dies(db: DatabaseCopy, table: str, use: list[str], *args: Any) -> Any:
        if use == ["buid", "timestamp"] and not marker.exists():  # only the light pass reads just these
            marker.write_text("died once")
            os._exit(9)
        return read(db, table, use, *args)

    monkeypatch.setattr(DatabaseCopy, "live_values", plan_dies)
    served, _, _ = _run(imo_truth.root, tmp_path / "plan", 1, range_rows=4)
    assert (tmp_path / "plan-died").exists() and served == GOLDEN.read_text(encoding="utf-8")


def test_workers_that_keep_dying_end_in_a_warning_not_a_hang(imo_truth: GroundTruth, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")
    monkeypatch.setattr(parallel, "POLL_S", 0.05)
    monkeypatch.setattr(parallel, "_map_into", _dying(parallel._map_into, None))
    served, _, _ = _run(imo_truth.root, tmp_path / "always", 1, range_rows=4)
    assert served.count("worker processes died while mapping messages") == 2  # users 0 and 10
