"""An app database whose ``sqlite_master`` cannot be parsed keeps its live rows live, end to end through
``examine`` (the SQLite engine's side is issue 14's; this is the case-level check)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from trowel.cli.main import main

PKG = "com.example.notes"


def _broken_schema_db(path: Path) -> set[int]:
    """400 notes, every tenth deleted; the CREATE statement made invalid SQL (sqlite3 refuses the file)."""
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT, created INTEGER)")
    db.executemany("INSERT INTO notes VALUES (?, ?, ?)",
                   [(i, f"note number {i} " * 5, 1_700_000_000_000 + i * 1000) for i in range(1, 401)])
    db.commit()
    db.execute("DELETE FROM notes WHERE id % 10 = 0")
    db.commit()
    db.close()
    data = path.read_bytes()
    at = data.index(b"CREATE TABLE notes(")
    path.write_bytes(data[:at] + b"CREATE TABLX notes(" + data[at + 19:])
    return {i for i in range(1, 401) if i % 10}


def test_unparseable_schema_keeps_live_rows_live(tmp_path: Path) -> None:
    root = tmp_path / "extraction"
    live = _broken_schema_db(root / "data" / "data" / PKG / "databases" / "notes.db")
    try:
        sqlite3.connect(root / "data" / "data" / PKG / "databases" / "notes.db").execute("SELECT 1 FROM notes")
        raise AssertionError("the schema was meant to be unreadable")
    except sqlite3.DatabaseError as exc:
        assert "malformed database schema" in str(exc)
    out = tmp_path / "case"
    assert main(["-q", "examine", str(root), "--out", str(out)]) == 0
    db = sqlite3.connect(out / "case.sqlite")
    rows = [json.loads(r[0]) for r in db.execute("SELECT json FROM records WHERE kind = 'generic_row'")]
    by_state: dict[str, set[int]] = {}
    for row in rows:
        by_state.setdefault(row["state"], set()).add(row["source"].get("rowid"))
    assert by_state.get("live") == live
    assert not (by_state.get("deleted", set()) & live)
