"""Partial rows: text holding NUL characters is kept when the record header says it is text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.fixtures.sqlite.scoring import body_bytes
from trowel.sqlite import recover


def test_text_with_nul_characters_is_recovered(tmp_path: Path) -> None:
    db = tmp_path / "nul.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("CREATE TABLE notes(_id INTEGER PRIMARY KEY, title TEXT, flag INTEGER, body TEXT)")
    con.execute("BEGIN")
    for i in range(1, 301):
        con.execute("INSERT INTO notes VALUES (?,?,?,?)",
                    (i, f"title\x00with nul {i}", i % 3, f"body {i}\x00tail" * (1 + i % 4)))
    con.execute("COMMIT")
    gone = [tuple(r) for r in con.execute("SELECT * FROM notes WHERE _id % 13 = 5 ORDER BY _id")]
    con.execute("DELETE FROM notes WHERE _id % 13 = 5")
    con.close()
    data = db.read_bytes()
    present = [row for row in gone if body_bytes(row, 0, "utf-8") in data]  # the last page was rebuilt
    result = recover(db)
    records = [r for r in result.records if r.state == "deleted"]
    deleted = [r for r in records if not r.partial]
    assert (len(gone), len(present), len(deleted)) == (23, 17, 17)
    # one more row is there in part (its body overwritten): the values that are there, the rest lost
    partial = [r for r in records if r.partial]
    assert [r.values for r in partial] == [[None, "title\x00with nul 239", 2, None]]
    # every value exact, the NUL characters included; the rowid from the cell or the neighbours' order
    assert sorted(tuple(r.values[1:]) for r in deleted) == sorted(row[1:] for row in present)
    assert all(r.rowid is None or tuple(r.values) in present for r in deleted)
    assert sum(r.rowid is not None for r in deleted) >= 15
