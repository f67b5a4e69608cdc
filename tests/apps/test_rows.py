"""Row sources and de-duplication of recovered rows against live ones."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tests.conftest import sha256_of
from tests.fixtures.imo.schema import IMOFRIENDS
from trowel.apps.dedupe import DeletedRows
from trowel.apps.rows import DatabaseCopy, Row
from trowel.model import State


def _wal_db(tmp_path: Path) -> Path:
    """A message edited after it was stored: the WAL keeps the earlier version in an older frame."""
    work = tmp_path / "work"
    work.mkdir()
    conn = sqlite3.connect(work / "imofriends.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.executescript(IMOFRIENDS)
    conn.execute("INSERT INTO messages (buid, message_type, message_state, last_message, timestamp) "
                 "VALUES ('1', 0, 0, 'original text', 1700000000000000000)")
    conn.execute("INSERT INTO messages (buid, message_type, message_state, last_message, timestamp) "
                 "VALUES ('1', 1, 1, 'gone', 1700000000000000001)")
    conn.execute("UPDATE messages SET message_state = 1, last_message = 'edited text' WHERE _id = 1")
    conn.execute("DELETE FROM messages WHERE _id = 2")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for name in ("imofriends.db", "imofriends.db-wal"):
        shutil.copyfile(work / name, evidence / name)
    conn.close()
    return evidence / "imofriends.db"


def _copy(db: Path, scratch: Path) -> DatabaseCopy:
    scratch.mkdir()
    shutil.copyfile(db, scratch / db.name)
    shutil.copyfile(db.with_name(db.name + "-wal"), scratch / (db.name + "-wal"))
    return DatabaseCopy(db=scratch / db.name, wal=scratch / (db.name + "-wal"), journal=None, evidence="E1",
                        path="databases/imofriends.db", wal_path="databases/imofriends.db-wal")


def test_live_and_deleted_rows_with_earlier_versions(tmp_path: Path) -> None:
    db = _wal_db(tmp_path)
    before = (sha256_of(db), sha256_of(db.with_name("imofriends.db-wal")))
    copy = _copy(db, tmp_path / "scratch")
    found = DeletedRows(("buid", "timestamp"), copy.deleted_rows(["messages"]))
    live = list(copy.live_rows("messages", ["buid", "last_message", "timestamp", "nonexistent"]))
    assert [(r.rowid, r.values) for r in live] == [
        (1, {"buid": "1", "last_message": "edited text", "timestamp": 1700000000000000000})]
    for row in live:
        found.seen_live(row)
    rest = found.remaining()
    assert sorted(r.values["last_message"] for r in rest) == ["gone", "original text"]
    older = next(r for r in rest if r.values["last_message"] == "original text")
    assert older.state is State.DELETED and older.region == "wal" and older.source_file == "databases/imofriends.db-wal"
    assert older.detail is not None and older.detail.endswith("earlier version of live row #1")
    assert (sha256_of(db), sha256_of(db.with_name("imofriends.db-wal"))) == before
    copy.close()


def test_dedupe_keeps_the_best_copy_and_counts_the_others() -> None:
    def row(conf: float, partial: bool, region: str) -> Row:
        return Row("messages", {"buid": "1", "timestamp": 5, "last_message": "x"}, State.DELETED, None, region,
                   1, 100, None, conf, partial)

    found = DeletedRows(("buid", "timestamp"), [row(0.7, False, "freeblock"), row(0.95, True, "wal"),
                                                row(0.9, False, "freelist")])
    [best] = found.remaining()
    assert (best.region, best.confidence, best.detail) == ("freelist", 0.9, "2 more copies found")
    live = Row("messages", {"buid": "1", "timestamp": 5, "last_message": "x"}, State.LIVE, 3)
    found.seen_live(live)
    assert found.remaining() == []
    unkeyed = DeletedRows(("buid", "timestamp"), [Row("messages", {"buid": None, "last_message": "y"},
                                                      State.DELETED)] * 2)
    assert [r.detail for r in unkeyed.remaining()] == ["1 more copy found"]


def test_missing_table_gives_no_rows(tmp_path: Path) -> None:
    copy = _copy(_wal_db(tmp_path), tmp_path / "scratch")
    assert list(copy.live_rows("no_such_table")) == []
    assert copy.count("messages") == 1 and copy.count("no_such_table") == 0
    copy.close()


def test_text_that_is_not_utf8_stays_bytes_and_no_row_is_lost(tmp_path: Path) -> None:
    """The fast text reader stops at invalid UTF-8; reading resumes after the last row and keeps the bytes."""
    db = tmp_path / "t.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE m (_id INTEGER PRIMARY KEY, t TEXT, n INTEGER)")
    bad = {7, 8, 5003, 9999}  # inside the first batch, twice in a row, inside a later batch, the last row
    for i in range(1, 10000):
        text = b"bad \xff" + str(i).encode() if i in bad else f"ok {i} привет"
        conn.execute("INSERT INTO m VALUES (?, CAST(? AS TEXT), ?)", (i, text, i * 3))
    conn.commit()
    conn.close()
    (tmp_path / "scratch").mkdir()
    shutil.copyfile(db, tmp_path / "scratch" / db.name)
    copy = DatabaseCopy(db=tmp_path / "scratch" / db.name, wal=None, journal=None, evidence="E1", path="t.db")
    rows = list(copy.live_rows("m", ["t", "n"]))
    assert [r.rowid for r in rows] == list(range(1, 10000))
    assert rows[6].values == {"t": b"bad \xff7", "n": 21}
    assert rows[7].values["t"] == b"bad \xff8" and rows[5002].values["t"] == b"bad \xff5003"
    assert rows[9997].values == {"t": "ok 9998 привет", "n": 29994}
    assert rows[9998].values["t"] == b"bad \xff9999"
    assert all(type(r.values["t"]) is str for r in rows if r.rowid not in bad)
    assert rows[0] == Row("m", {"t": "ok 1 привет", "n": 3}, State.LIVE, 1)
    assert copy.warnings == []
    # another order than rowid reads with the bytes-keeping factory from the start
    assert [r.values["t"] for r in copy.live_rows("m", ["t"], order="n DESC")][:2] == [b"bad \xff9999", "ok 9998 привет"]
    copy.close()
