"""Recovery orchestration: live rows from the b-trees, then every region that can hold deleted rows.

Order of work (each step bounded, each problem a warning):
1. the current database (main file + committed WAL frames): sqlite_master, live rows of every table
   (these also feed de-duplication and the header-rebuilding profiles); with a damaged sqlite_master, the
   b-trees found by walking pages (orphans.py);
2. page 1's free space and older page-1 images for deleted sqlite_master rows (schemas of dropped tables);
3. free space of live interior pages, freelist trunk and leaf pages, orphan pages, main-file pages
   superseded by the WAL, every WAL frame that is not the current version of its page (uncommitted,
   invalid, stale salts), rollback journal page images: collected and grouped (grouping.py);
4. free space of live leaf pages (freeblocks, unallocated): streamed, each record merged with the copies
   of its row collected in 3; then the collected rows no streamed record took.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from trowel.errors import EvidenceError, SqliteFormatError
from trowel.model import Region
from trowel.sqlite.btree import LeafCell, TreeWalker
from trowel.sqlite.carve import Profile
from trowel.sqlite.database import Database, map_readonly
from trowel.sqlite.dedupe import LiveIndex
from trowel.sqlite.eras import Eras
from trowel.sqlite.freelist import walk_freelist
from trowel.sqlite.grouping import Grouper
from trowel.sqlite.images import Carving, ImageMeta
from trowel.sqlite.journal import read_journal
from trowel.sqlite.livetables import SchemaReader, decode_cell, live_rows, to_table_order
from trowel.sqlite.orphans import choose_schema, inferred_schema, orphan_roots, rooted, schemas_from_bytes
from trowel.sqlite.page import INDEX_INTERIOR, TABLE_INTERIOR
from trowel.sqlite.plausible import table_kind, virtual_modules
from trowel.sqlite.result import RecoveryResult, SqliteRecord
from trowel.sqlite.schema import MASTER_SCHEMA, TableSchema, parse_create_table
from trowel.sqlite.wal import WalFrame

Loader = Callable[[], bytes]
PROFILE_ROWS = 5000
BTREE = Region.BTREE.value
INDEX_OWNER = "index:"
MIN_FREED = 3  # zeroed freeblocks / free pages needed before "freed space is zeroed" is said


def _slice(buf: Any, start: int, size: int) -> bytes:
    return bytes(buf[start:start + size])


def companion(db: Path, suffix: str) -> Path | None:
    """The ``-wal`` / ``-journal`` file beside ``db`` when it exists."""
    path = db.with_name(db.name + suffix)
    return path if path.is_file() else None


class Engine:
    """One recovery run over a database and its companions; ``run`` may be called again (it re-reads)."""

    def __init__(self, db: Path, wal: Path | None, journal: Path | None, tables: set[str] | None,
                 deleted_only: bool, all_candidates: bool = False) -> None:
        self.all_candidates = all_candidates
        self.db = db
        self.wal = wal
        self.journal = journal
        self.tables = tables
        self.deleted_only = deleted_only
        self._handles: list[Any] = []
        self._grouper: Grouper | None = None
        self._streaming = False

    def read_schema(self, warnings: list[str]) -> dict[str, TableSchema]:
        try:
            database = Database(self.db, self.wal, warnings)
        except SqliteFormatError as exc:
            warnings.append(f"{self.db.name}: {exc}")
            return {}
        try:
            reader = SchemaReader(database, [])
            reader.read(set())
            return dict(reader.tables)
        finally:
            database.close()

    def run(self, result: RecoveryResult) -> Iterator[SqliteRecord]:
        warnings = result.warnings
        warnings.clear()
        result.findings.clear()
        try:
            database = Database(self.db, self.wal, warnings)
        except SqliteFormatError as exc:
            warnings.append(f"{self.db.name}: {exc}; nothing could be read")
            return
        self._handles = []
        self._grouper = None
        self._streaming = False
        try:
            for rec in self._run(database, result):
                if rec.state != "deleted" or self._grouper is None:
                    yield rec
                elif self._streaming:
                    merged = self._grouper.absorb(rec)
                    if merged is not None:
                        yield merged
                else:
                    self._grouper.add(rec)  # copies of one deleted row become one record (grouping.py)
            if self._grouper is not None:
                yield from self._grouper.records()
        finally:
            database.close()
            for handle in self._handles:
                if hasattr(handle, "close"):
                    handle.close()
            self._handles = []

    def _wanted(self, name: str) -> bool:
        return self.tables is None or name in self.tables

    def _run(self, database: Database, result: RecoveryResult) -> Iterator[SqliteRecord]:
        warnings = result.warnings
        claimed: set[int] = set()
        reader = SchemaReader(database, warnings)
        reader.read(claimed)
        result.schema.clear()
        result.schema.update(reader.tables)
        owner: dict[int, str] = {p: MASTER_SCHEMA.name for p in reader.pages}
        own: dict[str, set[int]] = {}
        live = LiveIndex(database.encoding, database.header.schema_format if database.header else 4,
                         partial(self._load_rows, database, reader.tables, claimed, own),
                         partial(self._load_cell, database, {}))
        profiles: dict[str, Profile] = {}
        leaves: dict[str, list[int]] = {MASTER_SCHEMA.name: []}
        encoding = database.encoding
        for master_rowid, row in reader.master_rows:
            live.add(MASTER_SCHEMA.name, master_rowid, tuple(row))
        modules = virtual_modules(row for _rowid, row in reader.master_rows)
        bounds: dict[int, tuple[int | None, int | None]] = {}  # leaf -> the parent's divider keys around it
        for table in sorted(reader.tables.values(), key=lambda t: t.root_page):
            kind = table_kind(table.name, modules)
            live_note = None if kind is None else f"internal table: {kind}"
            walker = TreeWalker(database.page, database.usable, database.page_count, warnings, claimed)
            profile = profiles[table.name] = Profile.empty(len(table.columns))
            emit = not self.deleted_only and self._wanted(table.name)
            name = table.name
            profiled = 0
            for leaf in walker.cells(table.root_page, name):
                rowid = None if table.without_rowid else leaf.rowid
                # De-duplication keeps complete cells by their payload bytes (not decoded, see dedupe.py);
                # values are decoded only for the profile, for output and for cells cut short.
                if leaf.complete:
                    live.add_cell(name, rowid, leaf.payload, leaf.page, leaf.offset)
                    if not emit and profiled >= PROFILE_ROWS:
                        continue
                stored = decode_cell(leaf, encoding, name, warnings)
                if stored is None:
                    continue
                if not leaf.complete:
                    live.add(name, rowid, tuple(stored))  # stored values, INTEGER PRIMARY KEY as NULL
                if profiled < PROFILE_ROWS:
                    profile.add(stored)
                    profiled += 1
                if emit:
                    values, columns = to_table_order(stored, table, rowid)
                    frame = database.current.get(leaf.page)
                    yield SqliteRecord(
                        table=table.name, state="live", region=BTREE, page=leaf.page,
                        offset=leaf.offset, rowid=rowid, values=values, columns=columns, confidence=1.0,
                        partial=not leaf.complete, source_file="wal" if frame else "db",
                        frame=frame.index if frame else None, salts=frame.salts if frame else None,
                        commit=frame.commit if frame else None, note=live_note,
                    )
            for p in walker.pages + walker.overflow:
                owner[p] = table.name
            own[table.name] = set(walker.pages + walker.overflow)
            leaves[table.name] = walker.leaf_pages
            bounds.update(walker.bounds)
        for index in reader.indexes.values():
            walker = TreeWalker(database.page, database.usable, database.page_count, warnings, claimed)
            for _cell in walker.cells(index.root_page, index.name):
                pass
            for p in walker.pages + walker.overflow:
                owner[p] = INDEX_OWNER + index.name
        master_walker = TreeWalker(database.page, database.usable, database.page_count, [], set())
        for _cell in master_walker.cells(1, MASTER_SCHEMA.name):
            pass
        leaves[MASTER_SCHEMA.name] = master_walker.leaf_pages
        header = database.header
        freelist_warnings: list[str] = []
        freelist = walk_freelist(database.page, header.freelist_trunk if header else 0,
                                 header.freelist_count if header else 0, database.page_count, database.usable,
                                 freelist_warnings)
        warnings.extend(freelist_warnings)
        free_pages = set(freelist.trunks) | set(freelist.leaves)
        if reader.damaged or reader.unparsed:
            # 0. b-trees the damaged schema lost: found by walking pages, their rows stay live
            certain = header is not None and not freelist_warnings
            yield from self._orphan_trees(database, reader, certain, owner, own, leaves, profiles, live, claimed,
                                          free_pages, result)
        tables = {MASTER_SCHEMA.name: MASTER_SCHEMA, **reader.tables}
        carving = Carving(database, tables, live, profiles, owner, warnings, self.tables, modules,
                          self.all_candidates, reader.indexes)
        carving.bounds = bounds
        self._grouper = Grouper(tables)
        wal_frames = self._wal_images(database)
        journal_pages = self._journal_images(database, warnings, self._handles)

        # 1. deleted sqlite_master rows: schemas of dropped tables
        master_records: list[SqliteRecord] = []
        for n in leaves[MASTER_SCHEMA.name]:
            master_records.extend(carving.live_page(self._page(database, n), MASTER_SCHEMA.name,
                                                    self._meta(database, n)))
        older_master: list[tuple[Loader, ImageMeta]] = []
        if 1 in database.current and database.main_page(1) is not None:  # page 1 before the WAL's versions
            older_master.append((lambda: database.main_page(1) or b"", ImageMeta(
                page=1, region=None, source_file="db",
                note=f"main-file version of page 1, superseded by WAL frame {database.current[1].index}")))
        for load, meta in older_master + wal_frames + journal_pages:
            if meta.page == 1:
                data = load()
                master_records.extend(
                    r for r in carving.old_image(data, meta) if r.table == MASTER_SCHEMA.name)
        for rec in master_records:
            self._adopt_dropped(rec, reader.tables, carving, result)
            if self.tables is None:
                yield rec

        # 2. free space of live interior pages (they keep bytes of the leaf pages they once were)
        leaf_pages: list[tuple[str, int]] = []
        for name, pages in leaves.items():
            if name == MASTER_SCHEMA.name:
                continue
            for n in pages:
                current = self._page(database, n)
                if current[100 if n == 1 else 0] in (TABLE_INTERIOR, INDEX_INTERIOR):
                    yield from carving.live_page(current, name, self._meta(database, n))
                else:
                    leaf_pages.append((name, n))

        # 3. freelist trunk and leaf pages (a freed page's rows belong to whoever held it: eras.py)
        eras = Eras(database, reader.tables, carving.register)
        journal_images: dict[int, Loader] = {}
        for load, meta in journal_pages:
            journal_images.setdefault(meta.page, load)  # a page's first record is its original image
        eras.use_journal(journal_images)
        barren: list[tuple[int, ImageMeta]] = []  # free pages without rows: maybe overflow pages
        zeroed_pages = sum(not any(self._page(database, n)) for n in freelist.leaves)
        for n in freelist.leaves:
            meta = replace(self._meta(database, n), region=Region.FREELIST.value)
            found = 0
            for rec in carving.old_image(self._page(database, n), meta, era_owner=eras.freed_owner(n)):
                found += 1
                yield rec
            if not found:
                barren.append((n, meta))
        for n in freelist.trunks:
            yield from carving.old_image(self._page(database, n),
                                         replace(self._meta(database, n), region=Region.FREELIST.value,
                                                 note="freelist trunk page slack"),
                                         start=freelist.trunk_slack.get(n, 8), era_owner=eras.freed_owner(n))

        # 4. pages in no tree and not on the freelist; pages past the database end in the main file
        skip = set(owner) | free_pages | database.ptrmap | {database.lock_page, 1}
        last = max(database.page_count, database.main_pages)
        for n in range(2, last + 1):
            if n in skip:
                continue
            image = self._page(database, n) if n <= database.page_count else database.main_page(n)
            if image is None or not any(image):
                continue
            where = "past the end of the database" if n > database.page_count else "in no b-tree and not free"
            meta = replace(self._meta(database, n), region=Region.UNALLOCATED.value, note=f"page {where}")
            found = 0
            for rec in carving.old_image(image, meta):
                found += 1
                yield rec
            if not found and n <= database.page_count:
                barren.append((n, meta))
        # 5. main-file versions of pages the WAL supersedes (owned as the main file's own schema says)
        first_frame: dict[int, WalFrame] = {}
        for f in database.wal.frames if database.wal else []:
            if f.committed:
                first_frame.setdefault(f.page, f)
        for n, frame in sorted(database.current.items()):
            old = database.main_page(n)
            if old is None or not any(old):
                continue
            nxt = first_frame.get(n)
            meta = ImageMeta(page=n, region=None, source_file="db",
                             note=f"main-file version of page {n}, superseded by WAL frame {frame.index}",
                             next_frame=nxt.index if nxt else None, next_commit=nxt.commit if nxt else None)
            yield from carving.old_image(old, meta, era_owner=eras.main_owner(n))

        # 6. every other WAL frame (older committed versions, uncommitted, invalid, stale salts)
        frames = database.wal.frames if database.wal else []
        for load, meta in wal_frames:
            era = eras.frame_owner(frames[meta.frame - 1]) if meta.frame and meta.frame <= len(frames) else None
            yield from carving.old_image(load(), meta, era_owner=era)

        # 7. rollback journal page images (attributed by the journal's own schema where it differs: eras.py)
        for load, meta in journal_pages:
            yield from carving.old_image(load(), meta, era_owner=eras.journal_owner(meta.page))
        for key, table in carving.registered:
            result.schema.setdefault(key, table)

        # 8. free space of live leaf pages: most deleted rows; streamed, each merged with its copies found above
        self._streaming = True
        for name, n in leaf_pages:
            yield from carving.live_page(self._page(database, n), name, self._meta(database, n))
        if self.tables is None:
            for n, meta in barren:
                fragment = carving.overflow_fragment(self._page(database, n), meta)
                if fragment is not None:
                    yield fragment
        for table in carving.inferred.values():
            result.schema.setdefault(table.name, table)
        result.findings.extend(_findings(database, carving, len(freelist.leaves), zeroed_pages))
        if carving.implausible:
            result.findings.append(f"{carving.implausible} implausible candidate(s) dropped (values their columns "
                                   "cannot hold, or rebuilt records of index structures); all_candidates keeps them")

    def _orphan_trees(self, database: Database, reader: SchemaReader, certain: bool, owner: dict[int, str],
                      own: dict[str, set[int]], leaves: dict[str, list[int]], profiles: dict[str, Profile],
                      live: LiveIndex, claimed: set[int], free_pages: set[int],
                      result: RecoveryResult) -> Iterator[SqliteRecord]:
        """Rows of the b-trees found by walking pages (see orphans.py): live, or unknown when the freelist
        could not be read (the tree might then be freed pages of a dropped table)."""
        warnings = result.warnings
        skip = set(owner) | free_pages | database.ptrmap | {database.lock_page, 1} | claimed
        roots = orphan_roots(database.page, database.usable, database.page_count, skip)
        if not roots:
            return
        images = [self._page(database, n) for n in sorted(set(reader.pages) | {1})]
        known = schemas_from_bytes(images, database.encoding, database.usable)
        known += [(t, t.root_page) for t in reader.tables.values()]
        state = "live" if certain else "unknown"
        why = ("sqlite_master could not be read" if reader.damaged
               else "its CREATE statement could not be read")
        warnings.append(f"{len(roots)} b-tree(s) found by walking pages ({why}); their rows are reported "
                        f"as {state}")
        for lost_name, lost_root in reader.unparsed.items():
            known.append((TableSchema(name=lost_name, columns=[], types=[], root_page=lost_root, origin="inferred"),
                          lost_root))
        encoding = database.encoding
        for root in roots:
            walker = TreeWalker(database.page, database.usable, database.page_count, warnings, claimed)
            if not root.table:
                for _cell in walker.cells(root.page, f"b-tree at page {root.page}"):
                    pass
                for p in walker.pages + walker.overflow:
                    owner[p] = INDEX_OWNER + f"root{root.page}"
                continue
            cells = walker.cells(root.page, f"b-tree at page {root.page}")
            sample: list[tuple[LeafCell, list[Any]]] = []
            for leaf in cells:
                stored = decode_cell(leaf, encoding, f"b-tree at page {root.page}", warnings)
                if stored is not None:
                    sample.append((leaf, stored))
                if len(sample) >= 50:
                    break
            table, how = choose_schema(root.page, [s for _, s in sample], known)
            if table is not None and not table.columns:  # named by sqlite_master, CREATE unreadable
                width = max((len(s) for _, s in sample), default=0)
                table = inferred_schema(table.name, width, root.page)
            if table is None:
                width = max((len(s) for _, s in sample), default=0)
                table = inferred_schema(f"unknown_{width}_columns", width, root.page)
            name = table.name
            if name in reader.tables or name in profiles:
                name = f"{name}~root{root.page}"
            table = rooted(table, root.page, name)
            reader.tables[name] = table
            result.schema[name] = table
            note = f"b-tree at root page {root.page} found by walking pages ({why}); table: {how}"
            profile = profiles[name] = Profile.empty(len(table.columns))
            emit = not self.deleted_only and self._wanted(name)
            for leaf, stored in _chain(sample, cells, encoding, name, warnings):
                rowid = None if table.without_rowid else leaf.rowid
                if leaf.complete:
                    live.add_cell(name, rowid, leaf.payload, leaf.page, leaf.offset)
                else:
                    live.add(name, rowid, tuple(stored))
                profile.add(stored)
                if emit:
                    values, columns = to_table_order(stored, table, rowid)
                    yield SqliteRecord(table=name, state=state, region=BTREE, page=leaf.page, offset=leaf.offset,
                                       rowid=rowid, values=values, columns=columns,
                                       confidence=0.9 if table.origin != "inferred" else 0.8,
                                       partial=not leaf.complete, note=note)
            for p in walker.pages + walker.overflow:
                owner[p] = name
            own[name] = set(walker.pages + walker.overflow)
            leaves[name] = walker.leaf_pages

    @staticmethod
    def _load_rows(database: Database, tables: dict[str, TableSchema], claimed: set[int], own: dict[str, set[int]],
                   name: str) -> Iterator[tuple[int | None, list[Any]]]:
        """The live rows of one table decoded, walking exactly the pages the first walk gave it."""
        table = tables.get(name)
        if table is None:
            return
        blocked = claimed - own.get(name, set())
        walker = TreeWalker(database.page, database.usable, database.page_count, [], blocked)
        for _leaf, stored, rowid in live_rows(database, table, walker, []):
            yield rowid, stored

    @staticmethod
    def _load_cell(database: Database, cache: dict[int, dict[int, LeafCell]], page: int,
                   offset: int) -> list[Any] | None:
        """The stored values of the live cell at ``page``/``offset`` (the last pages read are cached)."""
        cells = cache.get(page)
        if cells is None:
            if len(cache) >= 64:
                cache.clear()
            walker = TreeWalker(database.page, database.usable, database.page_count, [], set())
            cells = cache[page] = {leaf.offset: leaf for leaf in walker.cells(page, "live cell")}
        leaf = cells.get(offset)
        return None if leaf is None else decode_cell(leaf, database.encoding, "live cell", [])

    @staticmethod
    def _page(database: Database, n: int) -> bytes:
        return database.page(n) or b"\x00" * database.page_size

    @staticmethod
    def _meta(database: Database, n: int) -> ImageMeta:
        frame = database.current.get(n)
        if frame is None:
            return ImageMeta(page=n, region=None)
        return ImageMeta(page=n, region=None, source_file="wal", frame=frame.index, salts=frame.salts,
                         commit=frame.commit)

    def _wal_images(self, database: Database) -> list[tuple[Loader, ImageMeta]]:
        """WAL frames that are not the current version of their page, each distinct image once.

        Only metadata is kept; the page bytes are read again when the image is carved (bounded memory).
        """
        wal = database.wal
        if wal is None:
            return []
        out: list[tuple[Loader, ImageMeta]] = []
        seen: set[int] = set()
        following: dict[int, WalFrame] = {}
        last: dict[tuple[int, tuple[int, int]], WalFrame] = {}
        for frame in wal.frames:
            prev = last.get((frame.page, frame.salts))
            if prev is not None:
                following[prev.index] = frame
            last[(frame.page, frame.salts)] = frame
        for frame in wal.frames:
            if database.current.get(frame.page) is frame:
                continue
            data = wal.frame_data(frame)
            digest = hash((frame.page, data))
            if digest in seen or not any(data):
                continue
            seen.add(digest)
            del data
            if frame.stale:
                region, note = Region.WAL_STALE.value, "frame of an earlier WAL generation (stale salts)"
            elif frame.committed:
                region, note = Region.WAL.value, "older committed version of the page"
            elif frame.valid:
                region, note = Region.WAL.value, "frame of an uncommitted transaction"
            else:
                region, note = Region.WAL.value, "frame after the end of the valid WAL (checksum or salts)"
            nxt = following.get(frame.index)
            out.append((partial(wal.frame_data, frame), ImageMeta(page=frame.page, region=region, source_file="wal", frame=frame.index,
                                        salts=frame.salts, commit=frame.commit, note=note,
                                        next_frame=nxt.index if nxt else None,
                                        next_commit=nxt.commit if nxt else None)))
        return out

    def _journal_images(self, database: Database, warnings: list[str],
                        handles: list[Any]) -> list[tuple[Loader, ImageMeta]]:
        """Page records of the rollback journal (the file stays mapped until the run ends)."""
        if self.journal is None:
            return []
        fh, buf = map_readonly(self.journal)
        handles.extend((buf, fh))
        size_limit = max(database.page_count, database.main_pages) * 4 + 1000
        page_size, pages = read_journal(buf, database.page_size, size_limit, warnings, self.journal.name)
        if pages and page_size != database.page_size:
            warnings.append(f"{self.journal.name}: journal page size {page_size} differs from the database's {database.page_size}; "
                            "journal not used")
            return []
        out: list[tuple[Loader, ImageMeta]] = []
        for jp in pages:
            if not any(buf[jp.offset:jp.offset + page_size]):
                continue
            note = "original page image saved by a transaction"
            if jp.checksum_ok is False:
                note += " (record checksum does not match)"
            out.append((partial(_slice, buf, jp.offset, page_size),
                        ImageMeta(page=jp.page, region=Region.JOURNAL.value, source_file="journal", note=note)))
        return out

    def _adopt_dropped(self, rec: SqliteRecord, live_tables: dict[str, TableSchema], carving: Carving,
                       result: RecoveryResult) -> None:
        """A deleted sqlite_master row of a table gives that (dropped) table's schema."""
        row = rec.as_dict()
        if row.get("type") != "table" or not isinstance(row.get("sql"), str) or not isinstance(row.get("name"), str):
            return
        name = row["name"]
        root = row["rootpage"] if isinstance(row.get("rootpage"), int) else 0
        live_table = live_tables.get(name)
        if live_table is not None and live_table.sql == row["sql"] and live_table.root_page == root:
            return
        table = parse_create_table(row["sql"], name, root, origin="recovered")
        if table is None:
            return
        if live_table is not None and live_table.columns == table.columns and live_table.types == table.types:
            return  # dropped and re-created with the same schema: rows are attributed to the name already
        key = name if name not in carving.tables else f"{name}~root{root}"
        if key in carving.tables:
            return
        carving.add_table(table, key)
        result.schema[key] = table


def _findings(database: Database, carving: Carving, free_pages: int, zeroed_pages: int) -> list[str]:
    """Why little or nothing came back: freed space zeroed (secure_delete), auto-vacuum."""
    out: list[str] = []
    total = carving.freeblocks + free_pages
    zeroed = carving.zeroed_freeblocks + zeroed_pages
    counts = (f"{carving.zeroed_freeblocks} of {carving.freeblocks} freeblocks and {zeroed_pages} of {free_pages} "
              "free pages hold only zeros")
    if total >= MIN_FREED and zeroed * 10 >= total * 9:
        out.append(f"freed space is zeroed in this file (secure_delete): {counts}; deleted rows can only come "
                   "from the WAL, the rollback journal and page areas SQLite did not clear")
    elif zeroed >= MIN_FREED:
        out.append(f"part of the freed space is zeroed (secure_delete was on for some deletions): {counts}")
    header = database.header
    if header is not None and header.auto_vacuum:
        if header.incremental_vacuum:
            out.append(f"incremental vacuum is on: free pages stay in the file until the app vacuums "
                       f"({free_pages} free pages now)")
        else:
            out.append("auto-vacuum (full) is on: pages freed by each transaction are removed from the end of "
                       "the file at commit, so deleted rows survive only in free space of live pages, the WAL "
                       "and the rollback journal")
    return out


def _chain(sample: list[tuple[LeafCell, list[Any]]], rest: Iterator[LeafCell], encoding: str, name: str,
           warnings: list[str]) -> Iterator[tuple[LeafCell, list[Any]]]:
    """The sampled cells, then the rest of the walk decoded."""
    yield from sample
    for leaf in rest:
        stored = decode_cell(leaf, encoding, name, warnings)
        if stored is not None:
            yield leaf, stored


def recover(db: Path | str, wal: Path | str | None = None, journal: Path | str | None = None, *,
            tables: Iterable[str] | None = None, deleted_only: bool = False,
            all_candidates: bool = False) -> RecoveryResult:
    """Read a database with its WAL and rollback journal and recover every row that is physically there.

    ``wal``/``journal`` default to the ``-wal``/``-journal`` files beside ``db`` when they exist.
    ``tables`` limits the work to those tables; ``deleted_only`` leaves live rows out of the records.
    ``all_candidates`` keeps candidates that are implausible for their table (see plausible.py), noted and
    with a low confidence; by default they are dropped and counted in a warning.
    The files are only read (memory-mapped read-only); nothing is written anywhere.
    """
    db = Path(db)
    if not db.is_file():
        raise EvidenceError(f"{db}: no such file")
    wal_path = Path(wal) if wal is not None else companion(db, "-wal")
    journal_path = Path(journal) if journal is not None else companion(db, "-journal")
    for label, path in (("WAL", wal_path), ("journal", journal_path)):
        if path is not None and not path.is_file():
            raise EvidenceError(f"{path}: no such {label} file")
    engine = Engine(db, wal_path, journal_path, set(tables) if tables is not None else None, deleted_only,
                    all_candidates)
    warnings: list[str] = []
    schema = engine.read_schema(warnings)
    return RecoveryResult(schema=schema, _run=engine.run, warnings=warnings)
