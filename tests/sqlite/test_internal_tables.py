"""FTS3/4/5 and R*Tree shadow tables, sqlite_sequence and sqlite_stat1 are reported as what they are, and
their free space (varint-dense index bytes) gives no garbage rows; implausible candidates are dropped
unless all_candidates asks for them."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from trowel.sqlite import RecoveryResult, SqliteRecord, recover

WORDS = ["alpha", "beta", "gamma", "delta", "station", "meet", "later", "call", "home", "keys", "photo"]


@pytest.fixture(scope="module")
def fts_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, str], set[int]]:
    db = tmp_path_factory.mktemp("fts") / "fts.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("PRAGMA synchronous=OFF")  # no fsync: same bytes, faster tests
    con.execute("CREATE TABLE msg(_id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, ts INTEGER)")
    con.execute("CREATE VIRTUAL TABLE search4 USING fts4(body)")
    con.execute("CREATE VIRTUAL TABLE search5 USING fts5(body)")
    con.execute("CREATE VIRTUAL TABLE geo USING rtree(id, minx, maxx, miny, maxy)")
    rng = random.Random(1)
    bodies: dict[int, str] = {}
    con.execute("BEGIN")
    for i in range(1, 801):
        body = bodies[i] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 20))) + f" n{i}"
        con.execute("INSERT INTO msg(body, ts) VALUES (?,?)", (body, 1_700_000_000 + i))
        con.execute("INSERT INTO search4(docid, body) VALUES (?,?)", (i, body))
        con.execute("INSERT INTO search5(rowid, body) VALUES (?,?)", (i, body))
        x, y = rng.uniform(-180, 180), rng.uniform(-90, 90)
        con.execute("INSERT INTO geo VALUES (?,?,?,?,?)", (i, x, x + 1, y, y + 1))
    con.execute("COMMIT")
    gone = set(range(1, 801, 9))
    for i in sorted(gone):
        con.execute("DELETE FROM msg WHERE _id=?", (i,))
        con.execute("DELETE FROM search4 WHERE docid=?", (i,))
        con.execute("DELETE FROM search5 WHERE rowid=?", (i,))
        con.execute("DELETE FROM geo WHERE id=?", (i,))
    con.execute("INSERT INTO search4(search4) VALUES('optimize')")
    con.execute("ANALYZE")
    con.close()
    return db, bodies, gone


def _deleted(result: RecoveryResult, table: str) -> list[list[object]]:
    return [r.values for r in result.records if r.state == "deleted" and r.table == table]


def test_internal_tables_are_named_and_give_no_garbage(fts_db: tuple[Path, dict[int, str], set[int]]) -> None:
    db, bodies, gone = fts_db
    result = recover(db)
    records = result.records
    # the application table: exactly the deleted rows (rowid lost with the freeblock header for most)
    msg = _deleted(result, "msg")
    assert sorted(str(v[1]) for v in msg) == sorted(bodies[i] for i in gone)
    # the indexed text of both full-text indexes comes back: every deleted document, nothing invented
    for content in ("search4_content", "search5_content"):
        texts = {v[-1] for v in _deleted(result, content)}
        assert texts <= set(bodies.values())
        assert len(texts & {bodies[i] for i in gone}) >= len(gone) - 1
    # internal tables: every row, live or deleted, says what the table is
    internal = [r for r in records if r.table and (r.table.startswith(("search", "geo_")) or
                                                    r.table.startswith("sqlite_"))]
    assert internal and all("internal table: " in (r.note or "") for r in internal)
    notes = {r.table: r.note for r in records if r.state == "live"}
    assert notes["search4_segdir"] == "internal table: FTS3/4 segment directory of fts4 table search4"
    assert notes["search5_data"] == "internal table: FTS5 index data of fts5 table search5"
    assert notes["geo_node"] == "internal table: R*Tree nodes of rtree table geo"
    assert notes["sqlite_sequence"] == "internal table: AUTOINCREMENT counters (sqlite_sequence)"
    assert notes["sqlite_stat1"] == "internal table: SQLite statistics"
    assert notes["msg"] is None
    # no deleted counters, statistics or segment rows made of misread bytes
    for table in ("sqlite_sequence", "sqlite_stat1", "search4_segdir", "search5_idx"):
        assert _deleted(result, table) == [], table
    assert all(isinstance(v[0], int) and isinstance(v[1], int) for v in _deleted(result, "geo_rowid"))
    structure = [r for r in records if r.table and r.table.startswith(("geo_", "search"))
                 and not r.table.endswith("_content")]
    assert structure and not any("rebuilt" in (r.note or "") for r in structure)
    assert any("implausible candidate(s) dropped" in f for f in result.findings)


def test_all_candidates_keeps_them_marked(fts_db: tuple[Path, dict[int, str], set[int]]) -> None:
    db, _bodies, _gone = fts_db
    strict = recover(db).records
    everything = recover(db, all_candidates=True)
    kept = everything.records
    extra = [r for r in kept if "implausible" in (r.note or "")]
    assert len(kept) == len(strict) + len(extra) and extra
    assert all(r.confidence <= 0.3 for r in extra if "rebuilt record" not in (r.note or ""))
    assert {r.table for r in extra} >= {"sqlite_sequence", "sqlite_stat1"}
    assert not any("implausible candidate(s) dropped" in f for f in everything.findings)
    # the plausible records are the same with and without the option
    def place(r: object) -> tuple[object, ...]:
        assert isinstance(r, SqliteRecord)
        return (r.table, r.state, r.region, r.page, r.offset, r.rowid, repr(r.values))

    assert sorted(place(r) for r in kept if r not in extra) == sorted(place(r) for r in strict)
