from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.fixtures.generic import unknown_app
from trowel.case.store import CaseStore
from trowel.cli.main import main


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def test_generic_rows_with_times_and_deleted(tmp_path: Path) -> None:
    evidence = tmp_path / "extraction"
    app = unknown_app.build(evidence)
    (app / "shared_prefs" / "gms_session.xml").write_bytes(
        b"<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map>\n"
        b'    <string name="session_blob">ab&#1;&#2;cd</string>\n    <long name="ttl_millis" value="2592000000000" />\n'
        b'    <long name="last_sync_timestamp_ms" value="1700000000000" />\n</map>\n')
    (app / "shared_prefs" / "broken.xml").write_bytes(
        b'<map>\n<int name="kept" value="7" />\n<string name="x">y</strin>\n</map>\n')
    before = _tree_hash(evidence)
    out = tmp_path / "case"
    assert main(["-q", "examine", str(evidence), "--out", str(out)]) == 0
    assert _tree_hash(evidence) == before
    store = CaseStore(out / "case.sqlite")
    rows = [r for r in store.records("generic_row") if r["package"] == unknown_app.PKG]
    notes = [r for r in rows if r["table"] == "notes"]
    live = {r["values"]["_id"]: r for r in notes if r["state"] == "live"}
    deleted = [r for r in notes if r["state"] == "deleted"]
    assert sorted(live) == [n[0] for n in unknown_app.NOTES if n[0] not in unknown_app.DELETED_IDS]
    recovered = {r["values"]["body"] for r in deleted}
    assert recovered == {f"note {i} caf\u00e9" for i in unknown_app.DELETED_IDS}
    assert all(r["source"]["region"] in ("freeblock", "unallocated", "freelist") for r in deleted)
    first = live[1]
    assert first["time_fields"]["created_ms"]["format"] == "unix_ms"
    assert first["time_fields"]["created_ms"]["utc"] == "2023-11-14T23:13:20.000000Z"
    assert first["time_fields"]["edited_s"]["format"] == "unix_s"
    assert first["time"]["raw"] in (unknown_app.NOTES[0][2], unknown_app.NOTES[0][3])
    assert "body" not in first["time_fields"] and "_id" not in first["time_fields"]
    prefs = {r["values"]["key"]: r for r in rows if r["container"] == "xml"}
    assert prefs["launch_count"]["values"]["value"] == 42 and "value" not in prefs["launch_count"]["time_fields"]
    assert prefs["last_sync_time"]["time_fields"]["value"]["utc"] == "2023-11-14T22:13:20.000000Z"
    assert prefs["last_query"]["values"]["value"] == "<script>alert(1)</script>"
    assert prefs["tags"]["values"]["value"] == ["a", "b"]
    assert prefs["session_blob"]["values"]["value"] == "ab\x01\x02cd"
    assert prefs["ttl_millis"]["time_fields"] == {}
    assert prefs["last_sync_timestamp_ms"]["time_fields"]["value"]["utc"] == "2023-11-14T22:13:20.000000Z"
    assert prefs["kept"]["values"]["value"] == 7 and prefs["kept"]["table"] == "broken.xml"
    warnings = [w["message"] for w in store.records("warning") if w["source"]["path"].endswith("broken.xml")]
    assert warnings == ["generic extraction: shared_prefs XML does not parse (mismatched tag: line 3, column 20); "
                        "kept the 1 preferences read before the error"]
    assert first["raw"]["time_columns"]["created_ms"]["format"] == "unix_ms"
    assert "named as a time" in first["raw"]["time_columns"]["created_ms"]["reason"]
    logged = [json.loads(line) for line in (out / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    notes_types = next(e for e in logged if e.get("action") == "generic column types"
                       and (e.get("arguments") or {}).get("table") == "notes")
    assert notes_types["details"]["_id"]["format"] is None
    assert notes_types["details"]["_id"]["reason"].startswith("primary key")
    settings = {r["values"]["key"]: r for r in rows if r["container"] == "json"}
    assert settings["installed_at"]["time_fields"]["value"]["format"] == "unix_s"
    assert settings["nested"]["values"]["value"] == '{"a": [1, 2]}'
    store.close()


def test_imo_files_are_left_to_the_imo_spec(tmp_path: Path) -> None:
    from trowel.apps.generic import _claimed
    from trowel.apps.registry import load_specs
    from trowel.evidence import locate

    index: dict[str, list] = {}
    for spec in load_specs().values():
        for package in spec.packages:
            index.setdefault(package, []).append(spec)
    assert _claimed(index, locate("data/data/com.imo.android.imoim/databases/imofriends.db"))
    assert not _claimed(index, locate(f"data/data/{unknown_app.PKG}/databases/notes.db"))


def test_zeroed_free_space_is_a_finding_of_the_database(tmp_path: Path) -> None:
    import sqlite3

    evidence = tmp_path / "extraction"
    app = unknown_app.build(evidence)
    db = sqlite3.connect(app / "databases" / "wiped.db")
    db.execute("PRAGMA secure_delete = ON")
    db.execute("CREATE TABLE log (_id INTEGER PRIMARY KEY, line TEXT)")
    db.executemany("INSERT INTO log VALUES (?, ?)", [(i, f"line {i}") for i in range(1, 30)])
    db.commit()
    db.execute("DELETE FROM log WHERE _id IN (3, 9, 17)")
    db.commit()
    db.close()
    out = tmp_path / "case"
    assert main(["-q", "examine", str(evidence), "--out", str(out)]) == 0
    store = CaseStore(out / "case.sqlite")
    findings = [f for f in store.records("finding") if f.get("finding") == "sqlite_recovery"]
    by_path = {f["source"]["path"]: f["message"] for f in findings}
    wiped = f"data/data/{unknown_app.PKG}/databases/wiped.db"
    assert by_path[wiped].startswith("freed space is zeroed in this file (secure_delete): 3 of 3 freeblocks")
    assert f"data/data/{unknown_app.PKG}/databases/notes.db" not in by_path
    assert not [r for r in store.records("generic_row") if r["table"] == "log" and r["state"] == "deleted"]
