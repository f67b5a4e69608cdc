"""Freed cells coalesced into one freeblock: every record inside is recovered, each exactly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from trowel.sqlite import recover
from trowel.sqlite.page import freeblocks, parse_page


def test_several_records_in_one_coalesced_freeblock(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INTEGER, x REAL)")
    rows = [(i, f"name number {i}", i * 1000 + 7, i / 8) for i in range(1, 21)]
    con.executemany("INSERT INTO t VALUES (?,?,?,?)", rows)
    for rowid in (9, 8, 10, 11):  # adjacent cells, freed out of order: merged with both neighbours
        con.execute("DELETE FROM t WHERE id = ?", (rowid,))
    con.close()
    data = db.read_bytes()[4096:8192]
    page = parse_page(data, 2, 4096)
    blocks = freeblocks(data, page)
    assert len(blocks) == 1  # one coalesced freeblock holds all four
    start, size = blocks[0]
    deleted = [r for r in recover(db).records if r.state == "deleted"]
    assert all(r.region == "freeblock" and start <= (r.offset or 0) < start + size for r in deleted)
    truth = {row[1:] for row in rows if row[0] in (8, 9, 10, 11)}
    assert {tuple(r.values[1:]) for r in deleted} == truth and len(deleted) == 4


def test_without_rowid_deleted_rows(tmp_path: Path) -> None:
    """WITHOUT ROWID rows live in index-format cells; freed ones are carved in storage order and reordered."""
    db = tmp_path / "w.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("CREATE TABLE w(k TEXT, n INT, v TEXT, PRIMARY KEY(n, k)) WITHOUT ROWID")
    rows = [(f"key{i}", i % 13, f"value number {i}") for i in range(300)]
    con.executemany("INSERT INTO w VALUES (?,?,?)", rows)
    con.execute("DELETE FROM w WHERE n = 5")
    con.close()
    records = recover(db).records
    truth = {r for r in rows if r[1] == 5}
    live = {r for r in rows if r[1] != 5}
    complete = [tuple(r.values) for r in records if r.state == "deleted" and not r.partial]
    assert len(set(complete) & truth) >= 15
    assert all(row in truth for row in complete)
    assert sorted(tuple(r.values) for r in records if r.state == "live") == sorted(live)
