"""De-duplication without decoding live rows: the deleted-only run reports exactly what a full run reports,
and the serialisations used to look records up are byte for byte what SQLite writes."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.sqlite.generate import SCENARIOS
from tests.sqlite.conftest import Built
from trowel.sqlite import recover
from trowel.sqlite.btree import TreeWalker
from trowel.sqlite.database import Database
from trowel.sqlite.dedupe import LiveIndex, header_has_real

engine = importlib.import_module("trowel.sqlite.recover")  # the module (the package exports the function)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_deleted_only_equals_full_run(scenarios: Built, name: str) -> None:
    sc, full = scenarios.get(name)
    expected = [r.to_json() for r in full.records if r.state == "deleted"]
    lean = recover(sc.db, sc.wal, sc.journal, deleted_only=True)
    got = [r.to_json() for r in lean.records]
    assert all(r.state == "deleted" for r in lean.records)
    assert got == expected


def test_big_table_lean_run_decodes_only_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the profile rows, live rows are not decoded, and the deleted records are those of a full run."""
    path = tmp_path / "big.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("CREATE TABLE m(_id INTEGER PRIMARY KEY, peer TEXT, body TEXT, ts INTEGER, flag INTEGER)")
    con.executemany("INSERT INTO m VALUES (?,?,?,?,?)",
                    [(i, f"peer{i % 37}", f"message number {i} " + "x" * (i % 90), 1_600_000_000_000 + i, i % 2)
                     for i in range(1, 8001)])
    con.execute("INSERT INTO m SELECT NULL, peer, body, ts, flag FROM m WHERE _id BETWEEN 7001 AND 7200")
    con.commit()
    con.execute("DELETE FROM m WHERE _id % 7 = 3 OR _id BETWEEN 4000 AND 4400")
    con.commit()
    con.close()
    full = [r.to_json() for r in recover(path).records if r.state == "deleted"]
    calls: list[int] = []
    real = engine.decode_cell

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(engine, "decode_cell", counting)
    lean = [r.to_json() for r in recover(path, deleted_only=True).records]
    assert lean == full
    assert len(full) > 1000
    live = 8200 - sum(1 for i in range(1, 8201) if i % 7 == 3 or 4000 <= i <= 4400)
    assert live > engine.PROFILE_ROWS + 1000
    # the profile rows, plus the few live rows read by rowid to compare a recovered copy with the same rowid
    assert engine.PROFILE_ROWS <= len(calls) < engine.PROFILE_ROWS + 100


ROWS: list[tuple[Any, ...]] = [
    (None, 0, 1, -1, 127, 128, -32769, 8388608, 2**31, -(2**47), 2**47, 2**62, -(2**63)),
    ("", "abc", "é" * 70, "x" * 300, b"", b"\x00\xff", b"y" * 200, 1.5, -0.25, 3.0e300, 0, 1, None),
]


def _live_payloads(path: Path) -> list[bytes]:
    warnings: list[str] = []
    db = Database(path, None, warnings)
    try:
        walker = TreeWalker(db.page, db.usable, db.page_count, warnings, set())
        return [leaf.payload for leaf in walker.cells(2, "t")]
    finally:
        db.close()


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16le", "UTF-16be"])
def test_serialisation_is_what_sqlite_writes(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "t.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA encoding='{encoding}'")
    con.execute("CREATE TABLE t(" + ", ".join(f"c{i}" for i in range(13)) + ")")
    con.executemany("INSERT INTO t VALUES (" + ",".join("?" * 13) + ")", ROWS)
    con.commit()
    con.close()
    payloads = _live_payloads(path)
    index = LiveIndex(encoding={"UTF-8": "utf-8", "UTF-16le": "utf-16-le", "UTF-16be": "utf-16-be"}[encoding])
    for row, payload in zip(ROWS, payloads, strict=True):
        variants = index._serialisations(row)
        assert variants is not None and payload in variants
        one = index._serialise(row)
        assert one is None or one == payload
    assert index._serialise(ROWS[0]) == payloads[0]  # integers and NULL: the one-variant path
    assert index._serialise(ROWS[1]) is None  # BLOBs may also be undecodable text: several variants


def test_equal_values_with_other_bytes_are_live() -> None:
    index = LiveIndex()
    index.add_cell("t", 7, bytes([3, 1, 9, 5]), 2, 100)  # (5, 1) as SQLite stores it
    assert index.is_live("t", None, (5, 1))
    assert index.is_live("t", None, (5.0, 1.0))  # an integral REAL equals the INTEGER, like Python's ==
    assert not index.is_live("t", None, (5, 2))
    assert not index.is_live("t", None, (float("nan"), 1))
    legacy = LiveIndex(schema_format=1)
    legacy.add_cell("t", 7, bytes([3, 1, 1, 5, 1]), 2, 100)  # format 1 stores 1 as a one-byte integer
    assert legacy.is_live("t", None, (5, 1))


def test_reals_in_live_rows_compare_decoded_values() -> None:
    rows = {"t": [(1, [2.0, "a"]), (2, [-0.0, "b"])]}
    index = LiveIndex(load_rows=lambda name: iter(rows[name]))
    index.add_cell("t", 1, b"\x03\x07\x0f" + b"@" + b"\x00" * 7 + b"a", 2, 8)
    index.add_cell("t", 2, b"\x03\x07\x0f" + b"\x80" + b"\x00" * 7 + b"b", 2, 30)
    assert index.is_live("t", None, (2, "a"))  # live 2.0 equals a recovered 2
    assert index.is_live("t", None, (0, "b"))  # live -0.0 equals 0
    assert not index.is_live("t", None, (3, "a"))
    assert index.partial_is_live("t", (None, "b"), [1])
    assert not index.partial_is_live("t", (None, "c"), [1])


def test_rowid_questions_read_only_that_live_row() -> None:
    read: list[tuple[int, int]] = []

    def load_cell(page: int, offset: int) -> list[Any] | None:
        read.append((page, offset))
        return [None, "a"] if (page, offset) == (2, 8) else None

    index = LiveIndex(load_cell=load_cell)
    index.add_cell("t", 5, b"\x03\x00\x0fa", 2, 8)
    index.add_cell("u", 9, b"\xff", 3, 9)  # a live cell whose record cannot be decoded
    assert index.is_live("t", 5, (None, "a"))
    assert not index.is_live("t", 5, (None, "b"))
    assert not index.is_live("t", 6, (None, "a"))
    assert index.is_live("t", None, (None, "a"))
    assert index.rowid_live("t", 5) and not index.rowid_live("t", 6) and not index.rowid_live("u", 9)
    assert set(read) == {(2, 8), (3, 9)}


def test_real_detection_from_the_header_only() -> None:
    assert header_has_real(b"\x03\x07\x0f")
    assert not header_has_real(b"\x03\x01\x0f")
    assert not header_has_real(b"\x03\x87\x07")  # 0x87 0x07 is one varint (TEXT), not serial type 7
    assert header_has_real(b"\x05\x07")  # header runs past the payload: undecidable, compare decoded values
    assert not header_has_real(b"")
