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
    assert sorted(r["kind"] for r in records) == ["contact", "finding", "message", "message"]
    [finding] = [r for r in records if r["kind"] == "finding"]
    assert finding["finding"] == "schema_differs"
    assert finding["raw"]["unknown_columns"] == {"friends": {"brand_new_column": 1}, "messages": {"future_flag": 1}}
    first = next(r for r in records if r.get("text") == "old imo")
    assert (first["package"], first["sender_name"], first["delivered"], first["read"]) == (
        "com.imo.android.imoimlite", "Old Friend", None, None)
    assert first["raw"] == {"buid": "42", "message_type": 1, "last_message": "old imo",
                            "timestamp": "1400000000000000000", "future_flag": 9}  # unknown columns kept raw
    second = next(r for r in records if r.get("text") == "to a stranger")
    assert (second["direction"], second["conversation"]) == ("outgoing", "43")


def test_same_file_with_different_content_by_two_paths_is_warned(tmp_path: Path) -> None:
    for prefix, phone in (("data/data", "+31600000001"), ("data/user/0", "+31600000002222")):
        prefs = tmp_path / "ev" / prefix / "com.imo.android.imoim/files/VerificationPrefs.json"
        prefs.parent.mkdir(parents=True)
        prefs.write_text(f'{{"phone": "{phone}"}}')
    records = run_imo(tmp_path / "ev")
    assert [r["phone"] for r in records if r["kind"] == "account"] == ["+31600000001"]
    [warning] = [r for r in records if r["kind"] == "warning"]
    assert warning["source"]["path"] == "data/user/0/com.imo.android.imoim/files/VerificationPrefs.json"
    assert warning["message"] == ("same Android file as data/data/com.imo.android.imoim/files/VerificationPrefs.json"
                                  " but 28 bytes instead of 25: only data/data/com.imo.android.imoim/files/"
                                  "VerificationPrefs.json was read")
