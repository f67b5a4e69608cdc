"""A damaged sqlite_master: the b-trees it no longer names are found by walking pages and stay live."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from trowel.sqlite import recover

CONTACTS = "CREATE TABLE contacts(_id INTEGER PRIMARY KEY, name TEXT, phone TEXT, starred INTEGER)"
NOTES = "CREATE TABLE notes(_id INTEGER PRIMARY KEY, title TEXT, body TEXT, created INTEGER, score REAL)"


def _build(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA page_size=1024")
    con.execute(CONTACTS)
    con.execute(NOTES)
    con.execute("CREATE UNIQUE INDEX contacts_phone ON contacts(phone)")
    con.execute("BEGIN")
    for i in range(1, 301):
        con.execute("INSERT INTO contacts VALUES (?,?,?,?)", (i, f"person {i}", f"+4917{i:07d}", i % 2))
        con.execute("INSERT INTO notes VALUES (?,?,?,?,?)",
                    (i, f"title {i}", "note text " * (i % 7 + 1), 1_700_000_000 + i, i / 4))
    con.execute("COMMIT")
    truth = {t: [tuple(r) for r in con.execute(f"SELECT * FROM {t} ORDER BY _id")] for t in ("contacts", "notes")}
    con.close()
    return truth


def _rows(result: object, table: str) -> list[tuple[object, ...]]:
    from trowel.sqlite import RecoveryResult

    assert isinstance(result, RecoveryResult)
    return sorted(tuple(r.values) for r in result.records if r.table == table)


def test_unreadable_master_page_keeps_rows_live(tmp_path: Path) -> None:
    """Page 1's b-tree header destroyed: every row is still live, in its table, never deleted."""
    db = tmp_path / "broken.db"
    truth = _build(db)
    data = bytearray(db.read_bytes())
    data[100] = 0x00  # page type byte of sqlite_master's root page
    db.write_bytes(bytes(data))
    result = recover(db)
    records = result.records
    assert _rows(result, "contacts") == truth["contacts"]
    assert _rows(result, "notes") == truth["notes"]
    assert {r.state for r in records} == {"live"}
    assert all(r.region == "btree" and "found by walking pages" in (r.note or "") for r in records)
    assert all("names root page" in (r.note or "") for r in records)  # master cells carved from page 1
    assert result.schema["contacts"].origin == "recovered"
    assert any("sqlite_master" in w and "b-tree" in w for w in result.warnings)
    assert any("found by walking pages" in w for w in result.warnings)


def test_wiped_master_keeps_rows_live_by_shape(tmp_path: Path) -> None:
    """Page 1 wiped after the file header: no schema at all; rows stay live under their shape."""
    db = tmp_path / "wiped.db"
    truth = _build(db)
    data = bytearray(db.read_bytes())
    data[100:1024] = bytes(924)
    db.write_bytes(bytes(data))
    result = recover(db)
    records = result.records
    assert {r.state for r in records} == {"live"}
    by_table: dict[str, set[tuple[object, ...]]] = {}
    for r in records:
        assert r.table is not None
        by_table.setdefault(r.table, set()).add(tuple(r.values))
    assert sorted(by_table) == ["unknown_4_columns", "unknown_5_columns"]
    # the INTEGER PRIMARY KEY is stored as NULL: the inferred table shows NULL there (rowid kept apart)
    assert by_table["unknown_4_columns"] == {(None, *row[1:]) for row in truth["contacts"]}
    assert by_table["unknown_5_columns"] == {(None, *row[1:]) for row in truth["notes"]}
    assert sorted(r.rowid for r in records if r.table == "unknown_4_columns") == list(range(1, 301))


def test_unparseable_create_statement_keeps_rows_live(tmp_path: Path) -> None:
    """A CREATE statement the parser cannot read: that table's rows stay live under its name."""
    db = tmp_path / "odd.db"
    truth = _build(db)
    data = bytearray(db.read_bytes())
    at = data.index(b"CREATE TABLE notes")
    data[at:at + 6] = b"CRE@TE"  # same length: the cell stays intact, the statement unreadable
    db.write_bytes(bytes(data))
    result = recover(db)
    notes = [r for r in result.records if r.table == "notes"]
    assert {r.state for r in result.records} == {"live"}
    assert sorted((r.rowid, *r.values[1:]) for r in notes) == [(row[0], *row[1:]) for row in truth["notes"]]
    assert _rows(result, "contacts") == truth["contacts"]
    assert result.schema["notes"].origin == "inferred"


def test_unreadable_master_records_keep_rows_live(tmp_path: Path) -> None:
    """Every sqlite_master record's header made impossible: the tables are named from their CREATE text
    (found as plain text on page 1, fitted to the rows) and every row stays live."""
    from trowel.sqlite.page import parse_page

    db = tmp_path / "records.db"
    truth = _build(db)
    data = bytearray(db.read_bytes())
    for ptr in parse_page(bytes(data[:1024]), 1, 1024).pointers:
        p = ptr
        for _ in range(2):  # payload length and rowid varints
            while data[p] & 0x80:
                p += 1
            p += 1
        data[p] = 0x7F  # record header length past the payload
    db.write_bytes(bytes(data))
    result = recover(db)
    assert {r.state for r in result.records} == {"live"}
    assert _rows(result, "contacts") == truth["contacts"]
    assert _rows(result, "notes") == truth["notes"]
    assert all("its rows fit the columns of" in (r.note or "") for r in result.records)
    assert sum("sqlite_master row at page 1" in w for w in result.warnings) == 3
