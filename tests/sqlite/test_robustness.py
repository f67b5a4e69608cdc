"""Hostile and damaged input: bounded work, warnings, never a traceback or a hang."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fixtures.sqlite import generate
from tests.fixtures.sqlite.scoring import score
from tests.sqlite.conftest import Built
from trowel.sqlite import recover


def _run(db: Path) -> tuple[list, list[str]]:
    result = recover(db)
    return result.records, result.warnings


def test_freeblock_cycle(scenarios: Built, tmp_path: Path) -> None:
    sc, clean = scenarios.get("mixed_ipk_single")
    bad = tmp_path / "cycle.db"
    page = generate.manipulate_freeblock_cycle(sc.db, bad)
    records, warnings = _run(bad)
    assert any(f"page {page}: freeblock chain" in w for w in warnings), warnings
    # free space is carved from the cell layout, so the deleted rows are still found
    s = score(sc.__class__(sc.name, bad, sc.live, sc.deleted, sc.ipk), records)
    assert s.recall >= 0.99 and not s.live_as_deleted


def test_freeblock_absurd_size(scenarios: Built, tmp_path: Path) -> None:
    sc, _ = scenarios.get("mixed_ipk_single")
    bad = tmp_path / "size.db"
    page = generate.manipulate_freeblock_size(sc.db, bad)
    records, warnings = _run(bad)
    assert any(f"page {page}: freeblock at" in w and "impossible size 65535" in w for w in warnings), warnings
    assert sum(1 for r in records if r.state == "live") == len(sc.live["msg"])


def test_freelist_trunk_cycle_and_absurd_count(scenarios: Built, tmp_path: Path) -> None:
    sc, _ = scenarios.get("mixed_ipk_block")
    bad = tmp_path / "trunk.db"
    trunk = generate.manipulate_freelist_cycle(sc.db, bad)
    started = time.monotonic()
    records, warnings = _run(bad)
    assert time.monotonic() - started < 30
    assert any(f"freelist trunk page {trunk} claims 1000000000 leaves" in w for w in warnings), warnings
    assert any("freelist trunk chain has a cycle" in w for w in warnings), warnings
    assert sum(1 for r in records if r.state == "live") == len(sc.live["msg"])


def test_overflow_chain_cycle(scenarios: Built, tmp_path: Path) -> None:
    sc, _ = scenarios.get("overflow")
    bad = tmp_path / "ovf.db"
    page = generate.manipulate_overflow_cycle(sc.db, bad)
    records, warnings = _run(bad)
    assert any(f"overflow chain has a cycle at page {page}" in w for w in warnings), warnings
    partial = [r for r in records if r.state == "live" and r.partial]
    assert len(partial) == 1


def test_truncated_file(scenarios: Built, tmp_path: Path) -> None:
    sc, _ = scenarios.get("mixed_ipk_single")
    data = sc.db.read_bytes()
    bad = tmp_path / "trunc.db"
    bad.write_bytes(data[: len(data) // 2 + 100])
    records, warnings = _run(bad)
    assert any("truncated" in w for w in warnings), warnings
    live = [r for r in records if r.state == "live"]
    assert 0 < len(live) < len(sc.live["msg"])
    assert all(tuple(r.values) in set(sc.live["msg"]) for r in live)


def test_random_bytes_and_empty_and_zero_files(tmp_path: Path) -> None:
    rnd = tmp_path / "random.db"
    rnd.write_bytes(os.urandom(1 << 16))
    records, warnings = _run(rnd)
    assert records == [] and any("not an SQLite 3 database" in w for w in warnings)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    records, warnings = _run(empty)
    assert records == [] and any("shorter than the 100-byte" in w for w in warnings)
    zeros = tmp_path / "zeros.db"
    zeros.write_bytes(bytes(8192))
    records, warnings = _run(zeros)
    assert records == [] and warnings


@settings(max_examples=60, deadline=None, database=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_mutated_databases(scenarios: Built, tmp_path: Path, data: st.DataObject) -> None:
    """Random byte changes and truncation of real databases: recovery always completes, bounded."""
    name = data.draw(st.sampled_from(["mixed_ipk_block", "overflow", "dropped", "pagesize_512", "wal"]))
    sc, _ = scenarios.get(name)
    raw = bytearray(sc.db.read_bytes())
    for _ in range(data.draw(st.integers(1, 40))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    bad = tmp_path / f"fuzz-{name}.db"
    bad.write_bytes(bytes(raw))
    wal = None
    total = len(raw)
    if sc.wal is not None:
        wraw = bytearray(sc.wal.read_bytes())
        for _ in range(data.draw(st.integers(0, 20))):
            pos = data.draw(st.integers(0, len(wraw) - 1))
            wraw[pos] = data.draw(st.integers(0, 255))
        wal = tmp_path / f"fuzz-{name}.db-wal"
        wal.write_bytes(bytes(wraw))
        total += len(wraw)
    started = time.monotonic()
    result = recover(bad, wal)
    records = result.records
    assert time.monotonic() - started < 20
    assert len(records) < max(total // 8, 1)
    for rec in records:
        assert rec.state in ("live", "deleted", "unknown") and len(rec.values) == len(rec.columns)
        rec.to_json()


def test_absurd_page_count_in_header(scenarios: Built, tmp_path: Path) -> None:
    """A header claiming 2**31 pages (with a matching version-valid-for) is bounded by the file."""
    sc, _ = scenarios.get("mixed_ipk_single")
    data = bytearray(sc.db.read_bytes())
    data[28:32] = (2**31 - 1).to_bytes(4, "big")
    data[92:96] = data[24:28]
    bad = tmp_path / "huge.db"
    bad.write_bytes(bytes(data))
    started = time.monotonic()
    records, warnings = _run(bad)
    assert time.monotonic() - started < 20
    assert any("the header says 2147483647 pages" in w for w in warnings)
    assert sum(1 for r in records if r.state == "live") == len(sc.live["msg"])
