"""An older imo schema (few columns, no newer tables) and unknown newer columns are read without failing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.apps.imo.conftest import run_imo


def test_old_schema_with_unknown_columns(tmp_path: Path) -> None:
    db = tmp_path / "ev/data/data/com.imo.android.imoimlite/databases/imofriends.db"
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.executescript("""
        CREATE TABLE friends (buid TEXT, name TEXT, brand_new_column BLOB);
        CREATE TABLE messages (buid TEXT, message_type INTEGER, last_message TEXT, timestamp INTEGER,
                               future_flag INTEGER);
        INSERT INTO friends VALUES ('42', 'Old Friend', x'00');
        INSERT INTO messages VALUES ('42', 1, 'old imo', 1400000000000000000, 9);
        INSERT INTO messages VALUES ('43', 0, 'to a stranger', 1400000001000000000, NULL);
    """)
    conn.commit()
    conn.close()
    records = run_imo(tmp_path / "ev")
    assert sorted(r["kind"] for r in records) == ["contact", "message", "message"]
    first = next(r for r in records if r.get("text") == "old imo")
    assert (first["package"], first["sender_name"], first["delivered"], first["read"]) == (
        "com.imo.android.imoimlite", "Old Friend", None, None)
    assert first["raw"] == {"buid": "42", "message_type": 1, "last_message": "old imo",
                            "timestamp": "1400000000000000000"}
    second = next(r for r in records if r.get("text") == "to a stranger")
    assert (second["direction"], second["conversation"]) == ("outgoing", "43")
