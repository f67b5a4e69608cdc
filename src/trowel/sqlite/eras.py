"""Schema eras: which table an old copy of a page belonged to when that copy was written.

Today's b-trees say who owns a page now. An older copy (the main-file version of a page the WAL since
replaced, an older WAL frame) was written under the schema of its time: a table may have been dropped and
created again with other columns since, and its pages reused. The schema of a time is the sqlite_master of
the page-1 version of that time (the main file's page 1 for main-file copies; the latest page-1 frame at or
before a WAL frame, in its salt generation, for WAL frames; the rollback journal's page 1 for journal page
images and for pages free now that no older main-file schema explains). Where that schema differs from today's, the
changed tables' b-trees are walked in the page images of that time, and the copies of their pages are
attributed to those tables (added to the schema as ``recovered``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from trowel.errors import SqliteFormatError
from trowel.sqlite.btree import TreeWalker
from trowel.sqlite.database import Database
from trowel.sqlite.record import decode_record
from trowel.sqlite.schema import TableSchema, parse_create_table
from trowel.sqlite.wal import WalFrame

Register = Callable[[TableSchema], str]  # adds a recovered table to the run, returns its key
PageGetter = Callable[[int], bytes | None]
MAX_ERAS = 16  # older schemas walked per run (each walks that time's b-trees); later ones keep today's owners


class Eras:
    """Owners of old page copies by the schema of their time (cached per schema version)."""

    def __init__(self, database: Database, tables: dict[str, TableSchema], register: Register) -> None:
        self.db = database
        self.tables = tables
        self.register = register
        self._cache: dict[int, dict[int, str] | None] = {}  # era: page-1 frame index, 0 main file, -1 journal
        self._by_page: dict[tuple[int, tuple[int, int]], list[WalFrame]] = {}
        self._page1: dict[tuple[int, int], list[int]] = {}
        self._journal: dict[int, Callable[[], bytes]] = {}
        wal = database.wal
        for f in wal.frames if wal is not None else []:
            self._by_page.setdefault((f.page, f.salts), []).append(f)
            if f.page == 1:
                self._page1.setdefault(f.salts, []).append(f.index)

    def main_owner(self, page: int) -> str | None:
        """Owner of the main-file copy of ``page`` when the main file's schema differs from today's."""
        owners = self._era(0, self.db.main_page)
        return None if owners is None else owners.get(page, "-")

    def freed_owner(self, page: int) -> str | None:
        """Who held a page that is free now, when the main file's schema (or else the rollback journal's)
        differs from today's (else None)."""
        owner = self.main_owner(page)
        if owner in (None, "-"):
            owner = self.journal_owner(page)
        return None if owner in (None, "-") else owner

    def use_journal(self, images: dict[int, Callable[[], bytes]]) -> None:
        """The rollback journal's page images (page -> loader of its first, original image)."""
        self._journal = images

    def journal_owner(self, page: int) -> str | None:
        """Owner of a journal page image by the schema of its time: the journal's own page 1 (every write
        transaction journals page 1 first) over the main file's pages the transaction did not change. None
        when that schema is today's, the journal holds no page 1, or no table of that time held the page."""
        if 1 not in self._journal:
            return None
        owners = self._era(-1, self._journal_page)
        return None if owners is None else owners.get(page)

    def _journal_page(self, n: int) -> bytes | None:
        load = self._journal.get(n)
        return load() if load is not None else self.db.main_page(n)

    def frame_owner(self, frame: WalFrame) -> str | None:
        """Owner of a WAL frame's copy by the schema of its time (None: today's owner holds; "-": none)."""
        indexes = self._page1.get(frame.salts, [])
        i = bisect_right(indexes, frame.index)
        era = indexes[i - 1] if i else 0
        if era == 0:
            getter: PageGetter = self.db.main_page
        else:
            getter = self._getter(era, frame.salts)
        owners = self._era(era, getter)
        if owners is None:
            return None
        owner = owners.get(frame.page)
        if owner is None and era:
            # a page no b-tree held then was freed: its bytes are those of whoever held it in the main file
            before = self._era(0, self.db.main_page)
            owner = before.get(frame.page) if before is not None else None
        return owner or "-"

    def _getter(self, era: int, salts: tuple[int, int]) -> PageGetter:
        wal = self.db.wal

        def page(n: int) -> bytes | None:
            frames = self._by_page.get((n, salts), [])
            best = None
            for f in frames:
                if f.index <= era:
                    best = f
            if best is not None and wal is not None:
                return wal.frame_data(best)
            return self.db.main_page(n)
        return page

    def _era(self, era: int, getter: PageGetter) -> dict[int, str] | None:
        if era in self._cache:
            return self._cache[era]
        walked = sum(1 for v in self._cache.values() if v is not None)
        owners = self._owners(getter) if walked < MAX_ERAS else None
        self._cache[era] = owners
        return owners

    def _owners(self, getter: PageGetter) -> dict[int, str] | None:
        """page -> table key for the b-trees of that time, or None when that schema is today's."""
        limit = max(self.db.page_count, self.db.main_pages)
        walker = TreeWalker(getter, self.db.usable, limit, [], set())
        rows: list[list[Any]] = []
        try:
            for leaf in walker.cells(1, "sqlite_master (older version)"):
                try:
                    rows.append((decode_record(leaf.payload, self.db.encoding) + [None] * 5)[:5])
                except SqliteFormatError:
                    continue
        except SqliteFormatError:
            return None
        changed: list[TableSchema] = []
        same: list[TableSchema] = []
        for kind, name, _tbl, root, sql in rows:
            if kind != "table" or not isinstance(name, str) or not isinstance(sql, str) or not isinstance(root, int):
                continue
            now = self.tables.get(name)
            if now is not None and now.sql == sql and now.root_page == root:
                same.append(now)
                continue
            table = parse_create_table(sql, name, root, origin="recovered")
            if table is not None and root >= 2:
                changed.append(table)
        if not changed and len(same) == len(self.tables):
            return None  # the schema of that time is today's
        owners: dict[int, str] = dict.fromkeys(walker.pages, "sqlite_master")
        for table in changed:
            key = self.register(table)
            tree = TreeWalker(getter, self.db.usable, limit, [], set())
            for _cell in tree.cells(table.root_page, f"{table.name} (older schema)"):
                pass
            for p in tree.pages:
                owners.setdefault(p, key)
        for table in same:
            key = next((k for k, t in self.tables.items() if t is table), table.name)
            tree = TreeWalker(getter, self.db.usable, limit, [], set())
            for _cell in tree.cells(table.root_page, f"{table.name} (older schema)"):
                pass
            for p in tree.pages:
                owners.setdefault(p, key)
        return owners
