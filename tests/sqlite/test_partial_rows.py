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
    con.execute("PRAGMA synchronous=OFF")  # no fsync: same bytes, faster tests
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


def test_reused_overflow_pages_keep_the_rows_other_values(tmp_path: Path) -> None:
    """Long rows deleted, their overflow pages then reused by a blob: each row comes back once, partial,
    with every value that was on its own page and the overflowing one marked lost."""
    from trowel.sqlite.page import local_payload
    from trowel.sqlite.record import serial_for_value, varint_length

    def payload(vals: tuple[object, ...]) -> int:
        serials = [0] + [serial_for_value(v) for v in vals[1:]]
        body = sum(len(v.encode()) if isinstance(v, str) else (0 if v in (0, 1) else 1) for v in vals[1:])
        h = sum(varint_length(s) for s in serials)
        return h + varint_length(h + 1) + body

    def long_body(i: int) -> str:  # long enough to overflow, keeping only the minimum on the leaf page
        for n in range(2500, 4000):
            body = (f"long body {i} " * 400)[:n]
            if local_payload(payload((i, f"title {i}", i % 3, body)), 1024, True) < 120:
                return body
        raise AssertionError("no length keeps the minimum local payload")

    db = tmp_path / "o.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("PRAGMA synchronous=OFF")  # no fsync: same bytes, faster tests
    con.execute("PRAGMA page_size=1024")
    con.execute("CREATE TABLE notes(_id INTEGER PRIMARY KEY, title TEXT, flag INTEGER, body TEXT)")
    con.execute("BEGIN")
    for i in range(1, 201):
        con.execute("INSERT INTO notes VALUES (?,?,?,?)", (i, f"title {i}", i % 3, long_body(i) if i % 10 == 0 else f"b{i}"))
    con.execute("COMMIT")
    con.execute("DELETE FROM notes WHERE _id IN (30, 70, 120)")
    con.execute("CREATE TABLE other(x BLOB)")
    con.execute("INSERT INTO other VALUES (?)", (b"\xff" * 20000,))  # takes the freed overflow pages
    con.close()
    deleted = [r for r in recover(db).records if r.state == "deleted"]
    assert sorted((r.rowid, r.values, r.partial) for r in deleted) == [
        (30, [30, "title 30", 0, None], True), (70, [70, "title 70", 1, None], True),
        (120, [120, "title 120", 0, None], True)]
    assert all("lost: body (in overflow pages later data reused)" in (r.note or "") for r in deleted)
