"""Schema history: rows of a dropped table keep the schema they were written under, also when a table of
that name was created again with other columns."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from trowel.sqlite import recover


def test_recreated_table_rows_keep_the_dropped_schema(tmp_path: Path) -> None:
    """WAL database: the table is dropped and created again with other columns (same count) in the WAL; the
    main file's page 1 still holds the old CREATE statement, so the old rows get the old column names."""
    src = tmp_path / "src.db"
    con = sqlite3.connect(src, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("PRAGMA synchronous=OFF")  # no fsync: same bytes, faster tests
    con.execute("CREATE TABLE calls(_id INTEGER PRIMARY KEY, number TEXT, duration INTEGER, kind INTEGER)")
    con.execute("BEGIN")
    for i in range(1, 201):
        con.execute("INSERT INTO calls VALUES (?,?,?,?)", (i, f"+3312{i:06d}", 10 * i, i % 3 + 2))
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("DROP TABLE calls")
    con.execute("CREATE TABLE calls(_id INTEGER PRIMARY KEY, subject TEXT, seconds INTEGER, answered INTEGER)")
    con.execute("INSERT INTO calls VALUES (1, 'standup', 900, 1)")
    db = tmp_path / "calls.db"
    shutil.copyfile(src, db)
    shutil.copyfile(str(src) + "-wal", str(db) + "-wal")
    con.close()
    result = recover(db)
    old = [r for r in result.records if r.table == "calls" and r.state == "deleted"]
    assert sorted(tuple(r.values) for r in old) == [(i, f"+3312{i:06d}", 10 * i, i % 3 + 2) for i in range(1, 201)]
    assert all(r.columns == ["_id", "number", "duration", "kind"] for r in old)
    assert all("table calls: schema recovered" in (r.note or "") for r in old)
    assert not any("older version of live rowid" in (r.note or "") for r in old)
    live = [(r.columns, r.values) for r in result.records if r.state == "live" and r.table == "calls"]
    assert live == [(["_id", "subject", "seconds", "answered"], [1, "standup", 900, 1])]
    assert result.schema["calls"].columns[1] == "subject"
    history = [t for t in result.schema.values() if t.name == "calls" and t.origin == "recovered"]
    assert [t.columns for t in history] == [["_id", "number", "duration", "kind"]]


def test_recreated_table_without_history_is_said_so(tmp_path: Path) -> None:
    """The old CREATE statement is overwritten: the old rows stay under the name, with their own values only,
    said to be written under an older schema, never taken for older versions of the new table's rows."""
    db = tmp_path / "h.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("PRAGMA synchronous=OFF")  # no fsync: same bytes, faster tests
    con.execute("CREATE TABLE contacts(_id INTEGER PRIMARY KEY, name TEXT, phone TEXT)")
    con.execute("CREATE TABLE other(x TEXT)")
    con.execute("BEGIN")
    for i in range(1, 301):
        con.execute("INSERT INTO contacts VALUES (?,?,?)", (i, f"old name {i}", f"+49{i:08d}"))
    for i in range(1, 50):
        con.execute("INSERT INTO other VALUES (?)", (f"filler {i}",))
    con.execute("COMMIT")
    con.execute("DROP TABLE contacts")
    con.execute("CREATE TABLE contacts(_id INTEGER PRIMARY KEY, name TEXT, phone TEXT, email TEXT, starred INTEGER)")
    con.execute("BEGIN")
    for i in range(1, 40):
        con.execute("INSERT INTO contacts VALUES (?,?,?,?,?)", (i, f"new name {i}", f"+44{i:08d}", f"u{i}@x", i % 2))
    con.execute("COMMIT")
    con.close()
    assert b"phone TEXT)" not in db.read_bytes()  # no trace of the old schema is left
    result = recover(db)
    old = [r for r in result.records if r.state == "deleted"]
    assert sorted((r.rowid, *r.values[1:3]) for r in old) == [(i, f"old name {i}", f"+49{i:08d}")
                                                               for i in range(1, 301)]
    assert all(r.table == "contacts" and r.values[3:] == [None, None] for r in old)
    assert all("3 values for 5 columns: written under an older schema of contacts" in (r.note or "") for r in old)
    assert not any("older version of live rowid" in (r.note or "") for r in old)


def test_journal_pages_keep_the_schema_of_their_time(tmp_path: Path) -> None:
    """Rollback journal (PERSIST): one transaction dropped the table and created it again with other columns
    (same count), reusing its pages. The journal's page 1 holds the schema of before: the journal's page
    images, the pages freed since and the old rows left in the new table's pages are the old table's rows,
    each reported once under the old column names."""
    src = tmp_path / "src.db"
    con = sqlite3.connect(src, isolation_level=None)
    con.execute("PRAGMA journal_mode=PERSIST")
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE TABLE calls(_id INTEGER PRIMARY KEY, number TEXT, duration INTEGER, kind INTEGER)")
    con.execute("CREATE TABLE other(x TEXT)")
    con.execute("BEGIN")
    for i in range(1, 201):
        con.execute("INSERT INTO calls VALUES (?,?,?,?)", (i, f"+3312{i:06d}", 10 * i, i % 3 + 2))
    for i in range(1, 50):
        con.execute("INSERT INTO other VALUES (?)", (f"filler {i}",))
    con.execute("COMMIT")
    con.execute("BEGIN")
    con.execute("DROP TABLE calls")
    con.execute("CREATE TABLE calls(_id INTEGER PRIMARY KEY, subject TEXT, seconds INTEGER, answered INTEGER)")
    for i in range(1, 60):
        con.execute("INSERT INTO calls VALUES (?, ?, ?, ?)", (i, f"meeting {i}", 900 + i, i % 2 + 2))
    con.execute("COMMIT")
    db = tmp_path / "calls.db"
    shutil.copyfile(src, db)
    shutil.copyfile(str(src) + "-journal", str(db) + "-journal")
    con.close()
    result = recover(db)
    old = [r for r in result.records if r.table == "calls" and r.state == "deleted"]
    assert sorted(tuple(r.values) for r in old) == [(i, f"+3312{i:06d}", 10 * i, i % 3 + 2) for i in range(1, 201)]
    assert all(r.columns == ["_id", "number", "duration", "kind"] for r in old)
    assert sum(r.region == "journal" for r in old) > 100
    assert any(c["region"] == "unallocated" for r in old for c in r.also_in)  # residue in today's pages, listed
    live = [(r.columns, r.values) for r in result.records if r.state == "live" and r.table == "calls"]
    assert live == [(["_id", "subject", "seconds", "answered"], [i, f"meeting {i}", 900 + i, i % 2 + 2])
                    for i in range(1, 60)]
    history = [t for t in result.schema.values() if t.name == "calls" and t.origin == "recovered"]
    assert [t.columns for t in history] == [["_id", "number", "duration", "kind"]]
