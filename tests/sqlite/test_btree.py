"""The walker's shortcut for leaf pages give exactly the cells the general cell parser gives."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from trowel.sqlite.btree import TreeWalker
from trowel.sqlite.database import Database


def _walk(db: Path, shortcuts: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[list[object], list[int],
                                                                                         list[int]]]:
    with monkeypatch.context() as patch:
        if not shortcuts:
            patch.setattr(TreeWalker, "_leaf", TreeWalker._general_leaf)
        warnings: list[str] = []
        database = Database(db, None, warnings)
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        roots = dict(con.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0"))
        con.close()
        out = {}
        for name, root in sorted(roots.items()):
            walker = TreeWalker(database.page, database.usable, database.page_count, warnings)
            cells: list[object] = list(walker.cells(root, name))
            out[name] = (cells, walker.pages, walker.overflow)
        database.close()
        assert warnings == []
        return out


@pytest.mark.parametrize("page_size", [512, 4096])
def test_the_leaf_shortcut_gives_the_general_parse(tmp_path: Path, page_size: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(page_size)
    db = tmp_path / "a.db"
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute("CREATE TABLE m(_id INTEGER PRIMARY KEY, a TEXT, b BLOB)")
    con.execute("CREATE INDEX m_a ON m(a)")  # keys from 1 byte to several pages: 1-, 2- and 3-byte sizes, overflow
    con.execute("CREATE INDEX m_ab ON m(a, b)")
    rows = [(i * rng.choice((1, 7, 1000, 10**12)), "k" * rng.choice((0, 1, 50, 200, 3000, 20_000)) + str(i),
             bytes(rng.randrange(256) for _ in range(rng.choice((0, 10, 300))))) for i in range(1, 600)]
    con.executemany("INSERT OR REPLACE INTO m VALUES (?, ?, ?)", rows)
    con.commit()
    con.close()
    fast, general = _walk(db, True, monkeypatch), _walk(db, False, monkeypatch)
    assert fast == general
    assert sum(len(cells) for cells, _, _ in fast.values()) > 3 * 500
    assert any(overflow for name, (_, _, overflow) in fast.items() if name.startswith("m_"))
