"""A truncated or damaged WAL or rollback journal costs only its own damaged part, never the main file.

Ground truth comes from SQLite itself: a scratch copy of the main file with the damaged WAL beside it is
opened with sqlite3, which recovers the WAL exactly as an app would (the complete, committed frames count;
an incomplete frame at the end does not).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from trowel.sqlite import recover
from trowel.sqlite.wal import WAL_HEADER

PAGE = 1024


def _wal_database(folder: Path) -> tuple[Path, Path, list[int]]:
    """msgs.db (checkpointed: 300 rows in the main file) and msgs.db-wal (12 later transactions)."""
    folder.mkdir()
    db = folder / "live.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute(f"PRAGMA page_size={PAGE}")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE TABLE msg (_id INTEGER PRIMARY KEY, body TEXT, ts INTEGER)")
    con.execute("BEGIN")
    for i in range(1, 301):
        con.execute("INSERT INTO msg VALUES (?, ?, ?)", (i, f"main file row {i}", 1_700_000_000 + i))
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for k in range(12):  # 12 transactions, each adding one row and deleting another
        con.execute("BEGIN")
        con.execute("INSERT INTO msg VALUES (?, ?, ?)", (1000 + k, f"wal row {k}", k))
        con.execute("DELETE FROM msg WHERE _id = ?", (10 * k + 5,))
        con.execute("COMMIT")
    main = folder / "msgs.db"
    wal = folder / "msgs.db-wal"
    shutil.copyfile(db, main)
    shutil.copyfile(folder / "live.db-wal", wal)
    con.close()
    data = wal.read_bytes()
    frame = 24 + PAGE
    commits = [WAL_HEADER + (i + 1) * frame for i in range((len(data) - WAL_HEADER) // frame)
               if int.from_bytes(data[WAL_HEADER + i * frame + 4:WAL_HEADER + i * frame + 8], "big")]
    return main, wal, commits


def _sqlite_sees(main: Path, wal_bytes: bytes, scratch: Path) -> set[tuple[int, str, int]]:
    scratch.mkdir()
    db = scratch / "x.db"
    shutil.copyfile(main, db)
    (scratch / "x.db-wal").write_bytes(wal_bytes)
    con = sqlite3.connect(db)
    rows = set(con.execute("SELECT _id, body, ts FROM msg"))
    con.close()
    return rows


def test_truncated_wal_keeps_main_file_and_complete_frames(tmp_path: Path) -> None:
    main, wal, commits = _wal_database(tmp_path / "src")
    data = wal.read_bytes()
    frame = 24 + PAGE
    complete = (len(data) - WAL_HEADER) // frame
    assert complete >= 12 and len(commits) == 12
    cuts = [WAL_HEADER + 17, WAL_HEADER + frame + 17, commits[5] - 5, commits[5] + 17, len(data) - 100]
    for n, cut in enumerate(cuts):
        truth = _sqlite_sees(main, data[:cut], tmp_path / f"truth{n}")
        assert len(truth) >= 300
        folder = tmp_path / f"case{n}"
        folder.mkdir()
        shutil.copyfile(main, folder / "msgs.db")
        (folder / "msgs.db-wal").write_bytes(data[:cut])
        result = recover(folder / "msgs.db")
        live = {tuple(r.values) for r in result.records if r.state == "live" and r.table == "msg"}
        assert live == truth, n  # every main-file row, and exactly the committed WAL frames
        whole = (cut - WAL_HEADER) // frame
        tail = (cut - WAL_HEADER) % frame
        before = (f"the {whole} complete frames before it were read" if whole > 1
                  else "the complete frame before it was read" if whole else "no complete frame precedes it")
        assert f"msgs.db-wal: WAL ends with {tail} bytes of an incomplete frame; {before}" in result.warnings
        assert not any(w.startswith("WAL") for w in result.warnings)  # every WAL warning names its file


def test_damaged_wal_frame_keeps_main_file_and_frames_before(tmp_path: Path) -> None:
    """A frame in the middle with damaged page bytes: its checksum fails, so it and every later frame are
    no longer part of the database (as for SQLite); the main file and the commits before it are read."""
    main, wal, commits = _wal_database(tmp_path / "src")
    data = bytearray(wal.read_bytes())
    data[commits[6] - 300:commits[6] - 200] = bytes(range(100))
    truth = _sqlite_sees(main, bytes(data), tmp_path / "truth")
    folder = tmp_path / "case"
    folder.mkdir()
    shutil.copyfile(main, folder / "msgs.db")
    (folder / "msgs.db-wal").write_bytes(bytes(data))
    result = recover(folder / "msgs.db")
    live = {tuple(r.values) for r in result.records if r.state == "live" and r.table == "msg"}
    assert live == truth
    assert {r[0] for r in truth} == (set(range(1, 301)) - {10 * k + 5 for k in range(6)}) | {1000 + k for k in range(6)}
    damaged_frame = (commits[6] - WAL_HEADER) // (24 + PAGE)  # 1-based number of the frame hit
    later = [r for r in result.records if r.source_file == "wal" and r.frame and r.frame >= damaged_frame]
    assert later and all(r.state != "live" and "frame after the end of the valid WAL" in (r.note or "")
                         for r in later)
    assert all(r.frame < damaged_frame for r in result.records if r.state == "live" and r.frame)


def test_truncated_wal_rows_deleted_in_lost_frames_stay_live(tmp_path: Path) -> None:
    """The cut removes the last 6 commits: the rows they deleted are live (as SQLite sees them), the rows
    they inserted are not live, and the main file's 300 rows minus the 6 earlier deletions are all there."""
    main, wal, commits = _wal_database(tmp_path / "src")
    data = wal.read_bytes()
    folder = tmp_path / "case"
    folder.mkdir()
    shutil.copyfile(main, folder / "msgs.db")
    (folder / "msgs.db-wal").write_bytes(data[:commits[5] + 17])
    result = recover(folder / "msgs.db")
    live = {r.values[0] for r in result.records if r.state == "live" and r.table == "msg"}
    assert live == (set(range(1, 301)) - {10 * k + 5 for k in range(6)}) | {1000 + k for k in range(6)}


def _journal_database(folder: Path) -> tuple[Path, Path]:
    """A database and the hot rollback journal of a transaction that deleted 40 rows (copied mid-way)."""
    folder.mkdir()
    db = folder / "live.db"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute(f"PRAGMA page_size={PAGE}")
    con.execute("PRAGMA journal_mode=PERSIST")
    con.execute("CREATE TABLE note (_id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
    con.execute("BEGIN")
    for i in range(1, 201):
        con.execute("INSERT INTO note VALUES (?, ?, ?)", (i, f"title {i}", f"body of note {i} " * 3))
    con.execute("COMMIT")
    con.execute("BEGIN")
    con.execute("DELETE FROM note WHERE _id % 5 = 0")
    con.execute("COMMIT")
    main = folder / "notes.db"
    journal = folder / "notes.db-journal"
    shutil.copyfile(db, main)
    shutil.copyfile(folder / "live.db-journal", journal)
    con.close()
    return main, journal


def test_truncated_or_damaged_journal_keeps_main_file(tmp_path: Path) -> None:
    main, journal = _journal_database(tmp_path / "src")
    data = journal.read_bytes()
    clean = recover(main, journal=journal)
    clean_live = {tuple(r.values) for r in clean.records if r.state == "live"}
    assert len(clean_live) == 160
    damaged = bytearray(data)
    damaged[0:28] = b"\xab" * 28  # header overwritten with garbage
    damaged[len(data) // 2:len(data) // 2 + 700] = bytes(700)  # a zeroed run inside the records
    variants = [data[:cut] for cut in (5, 27, 512 + 300, len(data) - 333)] + [bytes(damaged)]
    for n, variant in enumerate(variants):
        folder = tmp_path / f"case{n}"
        folder.mkdir()
        shutil.copyfile(main, folder / "notes.db")
        (folder / "notes.db-journal").write_bytes(variant)
        result = recover(folder / "notes.db")
        live = {tuple(r.values) for r in result.records if r.state == "live"}
        assert live == clean_live, n
        assert not any(r.state == "deleted" and tuple(r.values) in clean_live for r in result.records)
        journal_warnings = [w for w in result.warnings if "journal" in w]
        assert journal_warnings and all(w.startswith("notes.db-journal: ") for w in journal_warnings), n
