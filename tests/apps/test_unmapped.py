"""Nothing an app parser claims is silently dropped: a made-up app spec that maps one table of its database.

The runner extracts every other table (live and deleted rows) as generic rows with typed time columns, and a
``schema_differs`` finding lists the unknown tables and columns with their row counts.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trowel.apps.extraction import AppData
from trowel.apps.registry import AppSpec, TableSpec
from trowel.apps.registry import ColumnSpec as C
from trowel.apps.runner import run_apps
from trowel.evidence import open_evidence
from trowel.model import Message, Record, State

PACKAGE = "com.example.madeup"
DB = "databases/main.db"


def _extract(data: AppData) -> Iterator[Record]:
    """The made-up parser: reads ``notes(_id, body)`` only, and never mentions the other tables."""
    db = data.database(PACKAGE, DB)
    assert db is not None
    for row in db.live_rows("notes", ["_id", "body"]):
        yield Message(source=row.provenance(data.evidence, db.path), app="madeup", package=PACKAGE, user=data.user,
                      text=str(row.get("body")), raw=row.values)
    db.close()


SPEC = AppSpec("madeup", (PACKAGE,), (DB, "files/*.json"), (),
               (TableSpec("notes", DB, {"_id": C("row id"), "body": C("text")}),), _extract)


def _build(root: Path) -> None:
    path = root / "data/user/0" / PACKAGE / DB
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.executescript("""
        PRAGMA secure_delete = OFF;
        CREATE TABLE notes (_id INTEGER PRIMARY KEY, body TEXT, mood TEXT);
        CREATE TABLE secrets (_id INTEGER PRIMARY KEY, owner TEXT, note TEXT, created_ms INTEGER);
        CREATE TABLE empty_one (_id INTEGER PRIMARY KEY, x TEXT);
        INSERT INTO notes VALUES (1, 'hello', 'happy'), (2, 'bye', NULL);
    """)
    for i in range(1, 6):
        conn.execute("INSERT INTO secrets VALUES (?, ?, ?, ?)",
                     (i, f"owner-{i}", f"secret note number {i} " + "x" * 40, 1_700_000_000_000 + i * 60_000))
    conn.commit()
    conn.execute("DELETE FROM secrets WHERE _id = 3")
    conn.commit()
    conn.close()
    # a claimed file that is not a database is not touched
    (root / "data/user/0" / PACKAGE / "files").mkdir()
    (root / "data/user/0" / PACKAGE / "files/x.json").write_text("{}")


def _records(root: Path, scratch: Path) -> list[Any]:
    with open_evidence(root) as source:
        return [r for _, r in run_apps(source, "ev", scratch, [SPEC])]


def test_unknown_tables_and_columns_of_a_claimed_database_are_kept(tmp_path: Path) -> None:
    _build(tmp_path / "ev")
    records = _records(tmp_path / "ev", tmp_path / "scratch")
    kinds = sorted((r.kind, r.state.value, getattr(r, "table", None)) for r in records)
    assert kinds == [("finding", "live", None)] + [("generic_row", "deleted", "secrets")] + \
        [("generic_row", "live", "secrets")] * 4 + [("message", "live", None)] * 2
    rows = [r for r in records if r.kind == "generic_row"]
    assert all(r.app == "madeup" and r.package == PACKAGE and r.user == 0 for r in rows)
    live = sorted(r.values["_id"] for r in rows if r.state is State.LIVE)
    assert live == [1, 2, 4, 5]
    [gone] = [r for r in rows if r.state is State.DELETED]
    assert (gone.values["owner"], gone.values["created_ms"]) == ("owner-3", 1_700_000_180_000)
    assert gone.source.region is not None and gone.source.offset is not None
    assert gone.time_fields["created_ms"].format == "unix_ms"
    assert gone.time is not None and gone.time.to_json()["utc"].startswith("2023-11-14T22:16:20")
    first = next(r for r in rows if r.values["_id"] == 1)
    assert first.time_fields["created_ms"].to_json()["utc"].startswith("2023-11-14T22:14:20")
    assert first.source.table == "secrets" and first.source.rowid == 1
    [finding] = [r for r in records if r.kind == "finding"]
    assert finding.finding == "schema_differs" and finding.app == "madeup"
    assert finding.source.path == f"data/user/0/{PACKAGE}/{DB}"
    assert finding.raw["unknown_columns"] == {"notes": {"mood": 1}}
    census = finding.raw["unknown_tables"]
    assert {t: (c["live"], c["deleted"]) for t, c in census.items()} == {"empty_one": (0, 0), "secrets": (4, 1)}
    assert census["secrets"]["time_columns"] == {"created_ms": "unix_ms"}
    assert finding.message == (
        "schema differs from what the madeup parser knows: tables it does not know, extracted as generic rows: "
        "empty_one (0 live, 0 deleted), secrets (4 live, 1 deleted); columns it does not know, kept in the "
        "records' raw values: notes.mood (1 rows with a value)")


def _crashing(data: AppData) -> Iterator[Record]:
    yield from _extract(data)
    raise RuntimeError("unexpected layout")


def test_a_parser_that_stops_leaves_its_databases_to_generic_rows(tmp_path: Path) -> None:
    _build(tmp_path / "ev")
    spec = AppSpec("crashing", (PACKAGE,), (DB,), (), SPEC.tables, _crashing)
    with open_evidence(tmp_path / "ev") as source:
        records = [r for _, r in run_apps(source, "ev", tmp_path / "scratch", [spec])]
    kinds = Counter((r.kind, r.state.value, getattr(r, "table", None)) for r in records)
    assert kinds == Counter({("message", "live", None): 2, ("warning", "live", None): 1,
                             ("generic_row", "live", "notes"): 2, ("generic_row", "live", "secrets"): 4,
                             ("generic_row", "deleted", "secrets"): 1})
    [warning] = [r for r in records if r.kind == "warning"]
    assert warning.message == ("crashing parser stopped for user 0: RuntimeError: unexpected layout; its databases "
                               "are extracted as generic rows")
