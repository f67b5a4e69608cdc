"""One logical row, one record: copies of a deleted row in several places are grouped (also_in), and a
rowid another copy kept is given back with its source."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tests.fixtures.sqlite.realistic import build
from trowel.sqlite import recover


def _wal_db(tmp_path: Path) -> Path:
    src = tmp_path / "src.db"
    con = sqlite3.connect(src, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("PRAGMA synchronous=OFF")  # no fsync: same bytes, faster tests
    con.execute("CREATE TABLE chat(_id INTEGER PRIMARY KEY, peer TEXT, body TEXT, ts INTEGER)")
    con.execute("BEGIN")
    for i in range(1, 201):
        con.execute("INSERT INTO chat VALUES (?,?,?,?)",
                    (i, f"peer{i % 7}", f"message number {i} " * (1 + i % 3), 1_700_000_000_000 + i))
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for i in (50, 51, 52, 120):
        con.execute("DELETE FROM chat WHERE _id=?", (i,))
    db = tmp_path / "g.db"
    shutil.copyfile(src, db)  # copied while the connection is open: the WAL is not checkpointed
    shutil.copyfile(str(src) + "-wal", str(db) + "-wal")
    con.close()
    return db


def test_copies_of_one_deleted_row_are_one_record(tmp_path: Path) -> None:
    result = recover(_wal_db(tmp_path))
    deleted = [r for r in result.records if r.state == "deleted"]
    assert sorted(r.rowid for r in deleted if r.rowid is not None) == [50, 51, 52, 120]
    assert len(deleted) == 4
    for r in deleted:
        assert r.values == [r.rowid, f"peer{r.rowid % 7}", f"message number {r.rowid} " * (1 + r.rowid % 3),
                            1_700_000_000_000 + r.rowid]
        # the most complete copy is reported: the intact cell in the main file's older page version
        assert (r.region, r.source_file, r.rowid_source) == ("btree", "db", "cell")
        # the freed cell in the current page (a WAL frame) is listed, not reported again
        fb = [p for p in r.also_in if p["region"] == "freeblock"]
        assert len(fb) == 1 and fb[0]["source_file"] == "wal"
        assert fb[0]["rowid"] == r.rowid  # given by the order of its live neighbours
        assert fb[0]["offset"] == r.offset and fb[0]["frame"] in (3, 4)
        assert f"{len(r.also_in) + 1} copies of this row found" in (r.note or "")
        assert r.to_json()["also_in"] == [dict(p) for p in r.also_in]
    assert {len(r.also_in) for r in deleted} == {4, 1}


def test_partial_copy_with_rowid_is_grouped(tmp_path: Path) -> None:
    """A row whose freed cell lost its rowid, and whose older copy (left on the page that was its leaf
    before a split) kept the rowid but lost its last value: one record, complete, with that rowid."""
    r = build(tmp_path, seed=6, deletions=20)
    result = recover(r.db)
    row = r.deleted["big_group_message_translation"][0]
    recs = [x for x in result.records if x.table == "big_group_message_translation" and x.state == "deleted"]
    assert len(recs) == 1
    rec = recs[0]
    assert rec.values == list(row) and rec.rowid == row[0] == 1
    assert not rec.partial and rec.region == "freeblock"
    # the rowid the partial copy kept agrees with the freed entry of the table's UNIQUE index, found first
    assert rec.rowid_source == "index sqlite_autoindex_big_group_message_translation_1: a freed entry with this row's key"
    assert [(p["region"], p["rowid"], p["partial"]) for p in rec.also_in] == [("unallocated", 1, True)]


def test_rowid_from_freed_index_entries(tmp_path: Path) -> None:
    """Rows inserted out of rowid order (the neighbours' order says nothing): the rowid comes back from the
    freed entries of the table's UNIQUE autoindex and of a CREATE INDEX index, and is always right."""
    import random

    db = tmp_path / "i.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("PRAGMA synchronous=OFF")  # no fsync: same bytes, faster tests
    con.execute("CREATE TABLE contacts(_id INTEGER PRIMARY KEY, buid TEXT UNIQUE, name TEXT, phone TEXT, ts INTEGER)")
    con.execute("CREATE INDEX contacts_name ON contacts(name, ts)")
    rng = random.Random(7)
    ids = list(range(1, 401))
    rng.shuffle(ids)
    con.execute("BEGIN")
    for i in ids:
        con.execute("INSERT INTO contacts VALUES (?,?,?,?,?)",
                    (i, f"bu{i:06x}zz", f"name {i}", f"+49{i:08d}", 1_700_000_000_000 + i))
    con.execute("COMMIT")
    gone = {r[0]: tuple(r) for r in con.execute("SELECT * FROM contacts WHERE _id % 17 = 3")}
    con.execute("DELETE FROM contacts WHERE _id % 17 = 3")
    con.close()
    deleted = [r for r in recover(db).records if r.state == "deleted"]
    assert len(deleted) == len(gone) == 24
    assert all(r.rowid is not None and tuple(r.values) == gone[r.rowid] for r in deleted)
    sources = sorted((r.rowid_source or "").split(":")[0] for r in deleted)
    assert sources.count("cell") == 9
    assert sources.count("index sqlite_autoindex_contacts_1, contacts_name") == 14
    assert sources.count("index contacts_name") == 1
