"""The b-tree reader against sqlite3 (run on scratch copies): every live row, every layout."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from trowel.sqlite import recover
from trowel.sqlite.header import parse_header, ptrmap_pages


def _sqlite_rows(db: Path, table: str, scratch: Path) -> list[tuple[Any, ...]]:
    copy = scratch / f"copy-{db.name}"
    shutil.copyfile(db, copy)
    for suffix in ("-wal", "-journal"):
        if db.with_name(db.name + suffix).exists():
            shutil.copyfile(db.with_name(db.name + suffix), copy.with_name(copy.name + suffix))
    con = sqlite3.connect(copy)
    rows = [tuple(r) for r in con.execute(f"SELECT * FROM {table}")]
    con.close()
    return rows


def _ours(db: Path, table: str) -> list[tuple[Any, ...]]:
    return [tuple(r.values) for r in recover(db, tables=[table]).records if r.state == "live"]


@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_tables_indexes_without_rowid_overflow(tmp_path: Path, page_size: int) -> None:
    db = tmp_path / "a.db"
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute("PRAGMA auto_vacuum=FULL")
    con.execute("CREATE TABLE m(_id INTEGER PRIMARY KEY, a TEXT, b REAL, c BLOB, d INT)")
    con.execute("CREATE INDEX m_a ON m(a)")
    con.execute("CREATE TABLE w(k TEXT, n INT, v TEXT, PRIMARY KEY(n, k)) WITHOUT ROWID")
    for i in range(1, 700):
        con.execute("INSERT INTO m VALUES (?,?,?,?,?)", (i, "x" * (i * 7 % 3000), i / 7, bytes([i % 256]) * (i % 9),
                                                        i * 10**9))
        con.execute("INSERT INTO w VALUES (?,?,?)", (f"k{i}", i % 13, "v" * (i % 700)))
    con.execute("ALTER TABLE m ADD COLUMN e TEXT DEFAULT NULL")
    con.execute("INSERT INTO m(a, e) VALUES ('after alter', 'e')")
    con.commit()
    con.close()
    for table in ("m", "w"):
        ours = _ours(db, table)
        theirs = _sqlite_rows(db, table, tmp_path)
        assert sorted(ours, key=repr) == sorted(theirs, key=repr)
        assert len(ours) == (700 if table == "m" else 699)
    result = recover(db)
    assert result.schema["w"].without_rowid and result.schema["w"].pk_columns == ["n", "k"]
    assert result.schema["m"].ipk == "_id" and result.schema["m"].columns[-1] == "e"
    header = parse_header(db.read_bytes()[:100])
    assert header.auto_vacuum and 2 in ptrmap_pages(header.page_count, header.page_size, header.usable_size)


def test_sqlite_master_with_overflow(tmp_path: Path) -> None:
    """A CREATE statement longer than a 512-byte page: sqlite_master's own row overflows."""
    db = tmp_path / "m.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA page_size=512")
    cols = ", ".join(f"column_with_a_long_name_{i} TEXT" for i in range(60))
    con.execute(f"CREATE TABLE wide({cols})")
    con.execute(f"INSERT INTO wide VALUES ({','.join(['?'] * 60)})", [f"v{i}" for i in range(60)])
    con.commit()
    con.close()
    result = recover(db)
    assert len(result.schema["wide"].columns) == 60
    assert [r.values for r in result.records if r.table == "wide"] == [[f"v{i}" for i in range(60)]]


def test_wal_overlay_is_current_state(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
    con.executemany("INSERT INTO t(b) VALUES (?)", [(f"row {i}",) for i in range(300)])
    con.commit()
    con.execute("UPDATE t SET b = 'new' WHERE a < 10")
    con.commit()
    copy = tmp_path / "c.db"
    shutil.copyfile(db, copy)
    shutil.copyfile(tmp_path / "w.db-wal", tmp_path / "c.db-wal")
    con.close()
    ours = _ours(copy, "t")
    assert sorted(ours) == sorted(_sqlite_rows(copy, "t", tmp_path))
    assert sum(1 for r in ours if r[1] == "new") == 9
