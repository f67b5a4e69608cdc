"""Deleted rows of wide tables that fill only a few columns (most values NULL), as apps write them.

Databases are written by sqlite3 (secure_delete off); every 10th row is deleted. Ground truth: a deleted
row counts as physically present when its record body (its non-NULL values, in stored form) is still in
the file; each such row must come back exactly, with its table, and nothing else may be reported deleted.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.sqlite.scoring import body_bytes
from trowel.sqlite import recover


def _build(path: Path, ncols: int, filled: int, ipk: bool, rows: int = 300,
           secure: bool = False) -> tuple[list[tuple[Any, ...]], set[int]]:
    rng = random.Random(1)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA secure_delete={'ON' if secure else 'OFF'}")
    con.execute("PRAGMA synchronous=OFF")
    cols = [f"c{i} TEXT" if i % 3 == 0 else f"c{i} INTEGER" for i in range(1, ncols)]
    first = "_id INTEGER PRIMARY KEY" if ipk else "k TEXT"
    con.execute(f"CREATE TABLE t ({first}, {', '.join(cols)})")
    con.execute("CREATE TABLE other (a TEXT, b INTEGER)")
    con.execute("BEGIN")
    out = []
    for i in range(1, rows + 1):
        values: list[Any] = [None] * (ncols - 1)
        for j in rng.sample(range(ncols - 1), filled):
            values[j] = f"text {i} {j}" if (j + 1) % 3 == 0 else rng.randint(2, 10**9)
        row = (i if ipk else f"key{i}", *values)
        con.execute(f"INSERT INTO t VALUES ({', '.join('?' * ncols)})", row)
        con.execute("INSERT INTO other VALUES (?, ?)", (f"other {i}", i))
        out.append(row)
    con.execute("COMMIT")
    gone = {i for i in range(1, rows + 1) if i % 10 == 4}
    con.execute("BEGIN")
    for i in sorted(gone):
        con.execute("DELETE FROM t WHERE rowid = ?", (i,))
    con.execute("COMMIT")
    con.close()
    return out, gone


@pytest.mark.parametrize(("ncols", "filled", "ipk", "present"),
                         [(12, 2, True, 17), (16, 3, False, 23), (24, 3, True, 30), (31, 2, False, 30),
                          (8, 2, True, 30)])
def test_sparse_deleted_rows_of_wide_tables(tmp_path: Path, ncols: int, filled: int, ipk: bool,
                                            present: int) -> None:
    db = tmp_path / "sparse.db"
    rows, gone = _build(db, ncols, filled, ipk)
    data = db.read_bytes()
    result = recover(db)
    deleted = [r for r in result.records if r.state == "deleted"]
    live = {tuple(r.values) for r in result.records if r.state == "live" and r.table == "t"}
    assert live == {row for i, row in enumerate(rows, 1) if i not in gone}
    there = [rows[i - 1] for i in sorted(gone) if body_bytes(rows[i - 1], 0 if ipk else None, "utf-8") in data]
    assert len(there) == present
    skip = 1 if ipk else 0
    found = {tuple(r.values[skip:]): r for r in deleted}
    assert len(found) == len(deleted) == present  # one record per row present, nothing else
    for row in there:
        rec = found[tuple(row[skip:])]
        assert rec.table == "t" and not rec.partial and 0 < rec.confidence <= 1
        assert rec.rowid in (None, rows.index(row) + 1)


@pytest.mark.parametrize(("ncols", "filled", "ipk"), [(12, 2, True), (31, 2, False), (24, 3, True)])
def test_sparse_rows_zeroed_by_secure_delete_give_nothing(tmp_path: Path, ncols: int, filled: int,
                                                          ipk: bool) -> None:
    """The same tables with secure_delete on: the freed cells are zeros, and the looser rule for sparse rows
    finds no record in them (the live rows are all there, once)."""
    db = tmp_path / "zeroed.db"
    rows, gone = _build(db, ncols, filled, ipk, secure=True)
    result = recover(db)
    assert [r for r in result.records if r.state != "live"] == []
    assert sorted(tuple(r.values) for r in result.records if r.table == "t") == sorted(
        row for i, row in enumerate(rows, 1) if i not in gone)
