"""Turning page images into recovered records: attribution, de-duplication and provenance in one place.

A page image is any copy of a page: the current version (live b-tree page, freelist page, orphan page),
an older version in the main file that the WAL supersedes, a WAL frame, or a rollback-journal record.
Intact cells of images that are not the current b-tree are old rows; free space is carved with the
schemas that can apply.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from trowel.errors import SqliteFormatError
from trowel.model import Region
from trowel.sqlite.attribution import attribute
from trowel.sqlite.carve import Carved, Profile, SchemaCarver, generic_cells
from trowel.sqlite.database import Database
from trowel.sqlite.dedupe import LiveIndex
from trowel.sqlite.freeblock import carve_free_space
from trowel.sqlite.indexrowids import IndexResidue, index_columns
from trowel.sqlite.livetables import to_table_order
from trowel.sqlite.neighbours import infer_rowids, live_rowids
from trowel.sqlite.overflow import read_chain
from trowel.sqlite.page import (
    INDEX_LEAF,
    TABLE_LEAF,
    BtreePage,
    cell_extents,
    cell_spans,
    freeblocks,
    parse_page,
)
from trowel.sqlite.plausible import implausible, is_structure, table_kind
from trowel.sqlite.record import RecordError, decode_record
from trowel.sqlite.result import SqliteRecord
from trowel.sqlite.schema import IndexSchema, TableSchema


@dataclass(frozen=True, slots=True)
class ImageMeta:
    """Where a page image came from; ``region`` is set for images that are old copies as a whole."""

    page: int
    region: str | None
    source_file: str = "db"
    frame: int | None = None
    salts: tuple[int, int] | None = None
    commit: int | None = None
    note: str | None = None
    next_frame: int | None = None  # the WAL frame holding the next version of this page (same generation)
    next_commit: int | None = None


class Carving:
    """Shared state of one recovery run's carving phase."""

    def __init__(self, database: Database, tables: dict[str, TableSchema], live: LiveIndex,
                 profiles: dict[str, Profile], owner: dict[int, str], warnings: list[str],
                 wanted: set[str] | None, modules: dict[str, str] | None = None, all_candidates: bool = False,
                 indexes: dict[str, IndexSchema] | None = None) -> None:
        self.db = database
        self.modules = modules or {}
        self.all_candidates = all_candidates
        self.implausible = 0  # candidates dropped as implausible (kept when all_candidates)
        self.indexes = indexes or {}
        self._index_cols: dict[str, list[tuple[str, list[int]]]] | None = None
        self._residue: dict[str, IndexResidue] = {}
        self.registered: list[tuple[str, TableSchema]] = []
        self.bounds: dict[int, tuple[int | None, int | None]] = {}  # leaf -> parent's divider keys around it
        self.freeblocks = 0  # freeblocks of live b-tree pages seen, and those holding only zeros
        self.zeroed_freeblocks = 0
        self.tables = tables
        self.live = live
        self.owner = owner
        self.warnings = warnings
        self.wanted = wanted
        self.carvers = {
            name: SchemaCarver(t, database.encoding, database.usable, database.page_count, database.page,
                               profiles.get(name))
            for name, t in tables.items()
        }
        self.inferred: dict[int, TableSchema] = {}
        self._frame_rowids: dict[int, set[int]] = {}
        self.chain_pages: set[int] = set()  # overflow pages that recovered records were read from

    def _rowids_in_frame(self, index: int) -> set[int]:
        """Rowids of the cells of one WAL frame's page image (cached; used to date a deletion)."""
        found = self._frame_rowids.get(index)
        if found is None:
            found = set()
            wal = self.db.wal
            frame = wal.frames[index - 1] if wal is not None and 0 < index <= len(wal.frames) else None
            if wal is not None and frame is not None:
                data = wal.frame_data(frame)
                try:
                    page = parse_page(data, frame.page, self.db.usable)
                    if page.kind == TABLE_LEAF:
                        found = {c.rowid for c in cell_extents(data, page) if c.rowid is not None}
                except SqliteFormatError:
                    pass
            self._frame_rowids[index] = found
        return found

    def _bounds(self, page: int, order: list[tuple[int, int]]) -> tuple[int | None, int | None]:
        """The parent's divider keys around a leaf, when its live rows lie inside them."""
        low, high = self.bounds.get(page, (None, None))
        if order and ((low is not None and order[-1][1] <= low) or (high is not None and order[0][1] > high)):
            return None, None  # the keys do not hold this page's rows: do not use them
        return low, high

    def register(self, table: TableSchema) -> str:
        """The key of a table of another time: an equal one already known, or the table added."""
        for k, t in self.tables.items():
            if t.name == table.name and t.sql == table.sql and t.root_page == table.root_page:
                return k
        key = table.name if table.name not in self.tables else f"{table.name}~root{table.root_page}"
        n = 2
        while key in self.tables:
            key = f"{table.name}~root{table.root_page}~{n}"
            n += 1
        self.add_table(table, key)
        self.registered.append((key, table))
        return key

    def add_table(self, table: TableSchema, key: str) -> None:
        self.tables[key] = table
        self.carvers[key] = SchemaCarver(table, self.db.encoding, self.db.usable, self.db.page_count,
                                         self.db.page, None)

    # -- one image -----------------------------------------------------------------------------
    def live_page(self, data: bytes, table_key: str, meta: ImageMeta) -> Iterator[SqliteRecord]:
        """Free space of a page of a live table b-tree (freeblocks, unallocated)."""
        try:
            page = parse_page(data, meta.page, self.db.usable)
        except SqliteFormatError as exc:
            self.warnings.append(str(exc))
            return
        for o, size in freeblocks(data, page):
            if size >= 8:
                self.freeblocks += 1
                self.zeroed_freeblocks += not any(data[o + 4:o + size])
        spans = cell_spans(data, page)
        carvers = [self.carvers[table_key]] if table_key in self.carvers else []
        found = carve_free_space(data, page, spans, carvers, self.db.usable, self.warnings)
        inferred: dict[int, tuple[int, int, int]] = {}
        table = self.tables.get(table_key)
        if found and table is not None and not table.without_rowid:
            order = live_rowids(data, page)
            if order is not None and order:
                # a leaf holds one range of rowids: an intact-looking prefix whose rowid is far outside the
                # range of the page's live rows is bytes that happen to read as one (freeblock header remains);
                # rows deleted at the range's ends stay inside the margin
                low, high = order[-1][1], order[0][1]
                margin = high - low + 128
                for c, _region in found:
                    if c.how == "cell" and c.rowid is not None and not low - margin <= c.rowid <= high + margin:
                        c.how, c.rowid, c.confidence = "header", None, min(c.confidence, 0.85)
            unknown = [c.start for c, _region in found if c.rowid is None]
            if order is not None and unknown:
                name = table.name
                inferred = infer_rowids(order, unknown, lambda r: self.live.rowid_live(name, r),
                                        self._bounds(meta.page, order))
        for cand, region in found:
            rowid_source = None
            guess = inferred.get(cand.start)
            if guess is not None:
                cand.rowid = guess[0]
                rowid_source = (f"neighbour order: the freed cells between rowids {guess[1]} and {guess[2]} on page "
                                f"{meta.page} (live neighbours or the parent's keys) are exactly the rowids missing")
            rec = self._emit_carved(cand, region, meta, 1.0, rowid_source)
            if rec is not None:
                yield rec

    def old_image(self, data: bytes, meta: ImageMeta, start: int | None = None,
                  era_owner: str | None = None) -> Iterator[SqliteRecord]:
        """Every row an old copy of a page holds: intact cells, then carved free space.

        ``start`` (freelist trunk pages) carves only the bytes after it, as one free range. ``era_owner``:
        the table (key) the page belonged to when this copy was written, when that differs from today's
        ("-": no table owned it then).
        """
        usable = self.db.usable
        page: BtreePage | None = None
        if start is None:
            try:
                page = parse_page(data, meta.page, usable)
            except SqliteFormatError:
                page = None
        owner_key = None if era_owner == "-" else era_owner or self.owner.get(meta.page)
        if owner_key is not None and owner_key.startswith("index:"):
            return
        owner = self.tables.get(owner_key) if owner_key else None
        matched: dict[str, TableSchema] = {}
        cells = []
        if page is not None:
            cells = cell_extents(data, page, [])
            if page.kind in (TABLE_LEAF, INDEX_LEAF):
                for cell in cells:
                    rec = self._intact(data, page, cell, owner, meta, matched)
                    if rec is not None:
                        yield rec
        if owner is not None:
            carvers = [self.carvers[owner_key]] if owner_key in self.carvers else []
        elif matched:
            carvers = [self.carvers[k] for k in matched if k in self.carvers]
        else:
            carvers = list(self.carvers.values())
        if start is None:
            start = 100 if meta.page == 1 and page is None else (8 if page is None else 0)
        if page is None:
            yield from self._generic(data, start, meta, owner)
        spans = [(c.offset, c.size) for c in cells]
        for cand, region in carve_free_space(data, page, spans, carvers, usable, [], start):
            rec = self._emit_carved(cand, meta.region or region, meta, 0.9 if owner is None else 1.0)
            if rec is not None:
                yield rec

    def _intact(self, data: bytes, page: BtreePage, cell: Any, owner: TableSchema | None, meta: ImageMeta,
                matched: dict[str, TableSchema]) -> SqliteRecord | None:
        payload = cell.local
        complete = True
        overflow_note = None
        if cell.overflow is not None and cell.payload_size is not None:
            chain = read_chain(self.db.page, cell.overflow, cell.payload_size - len(cell.local), self.db.usable,
                               self.db.page_count)
            payload = cell.local + chain.data
            complete = chain.complete
            self.chain_pages.update(chain.pages)
            overflow_note = chain.problem
        try:
            stored = decode_record(payload, self.db.encoding, strict=True)
        except RecordError:
            return None  # overflow pages reused, or not a record: the free-space carver still sees the bytes
        if page.kind == INDEX_LEAF:
            candidates = [t for t in self.tables.values() if t.without_rowid]
            if owner is not None and not owner.without_rowid:
                return None
        else:
            candidates = self._rowid_tables()
        table, conf, others = attribute(stored, candidates, owner)
        note = overflow_note
        if others:
            note = _join(note, "also fits " + ", ".join(others))
        if table is None:
            if page.kind == INDEX_LEAF:
                return None  # index entry residue: not a row
            table = self._inferred(len(stored))
            conf = 0.5
            note = _join(note, "no table in the schema fits; columns inferred")
        key = next((k for k, t in self.tables.items() if t is table), table.name)
        matched[key] = table
        rowid = cell.rowid if page.kind == TABLE_LEAF else None
        region = meta.region or Region.BTREE.value
        return self._emit(table, stored, [], rowid, region, cell.offset, conf * (1.0 if complete else 0.7), meta,
                          note, partial=not complete, intact=True)

    def _generic(self, data: bytes, start: int, meta: ImageMeta, owner: TableSchema | None) -> Iterator[SqliteRecord]:
        """Self-consistent intact cells in a page that is no b-tree page any more (no schema needed)."""
        tables = self._rowid_tables()
        for offset, _end, rowid, stored in generic_cells(data, start, self.db.usable, self.db.encoding,
                                                         self.db.usable):
            table, conf, others = attribute(stored, tables, owner)
            note = "also fits " + ", ".join(others) if others else None
            if table is None:
                table = self._inferred(len(stored))
                conf = 0.5
                note = "no table in the schema fits; columns inferred"
            region = meta.region or Region.UNALLOCATED.value
            rec = self._emit(table, stored, [], rowid, region, offset, conf * 0.95, meta, note, partial=False,
                             intact=True)
            if rec is not None:
                yield rec

    def overflow_fragment(self, data: bytes, meta: ImageMeta) -> SqliteRecord | None:
        """A free page that is the tail of a deleted long row whose cell is gone: its text, as a fragment.

        Only pages no recovered record's chain used, whose first 4 bytes are a plausible next-page number
        and whose content is text in the database encoding, are reported (table unknown, partial).
        """
        if meta.page in self.chain_pages:
            return None
        nxt = int.from_bytes(data[0:4], "big")
        if nxt > self.db.page_count:
            return None
        body = bytes(data[4:self.db.usable])
        width = 2 if self.db.encoding.startswith("utf-16") else 1
        body = body.rstrip(b"\x00")
        if len(body) % width:
            body += b"\x00"
        if len(body) < 16:
            return None
        try:
            text = body.decode(self.db.encoding)
        except UnicodeDecodeError:
            return None
        printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
        if printable < 0.95 * len(text):
            return None
        note = "overflow page of a deleted row whose cell is gone" + (f"; next overflow page {nxt}" if nxt else "")
        return SqliteRecord(table=None, state="deleted", region=Region.OVERFLOW.value, page=meta.page, offset=4,
                            rowid=None, values=[text], columns=["fragment"], confidence=0.3, partial=True,
                            source_file=meta.source_file, note=_join(meta.note, note))

    def _rowid_tables(self) -> list[TableSchema]:
        """Tables a row of an unowned page may belong to (sqlite_master rows live only on its own pages)."""
        return [t for t in self.tables.values() if not t.without_rowid and t.name != "sqlite_master"]

    def _inferred(self, n: int) -> TableSchema:
        table = self.inferred.get(n)
        if table is None:
            name = f"unknown_{n}_columns"
            table = TableSchema(name=name, columns=[f"c{i + 1}" for i in range(n)], types=[""] * n,
                                origin="inferred")
            self.inferred[n] = table
            self.tables[name] = table
        return table

    def _emit_carved(self, c: Carved, region: str, meta: ImageMeta, attribution: float,
                     rowid_source: str | None = None, intact: bool = False) -> SqliteRecord | None:
        how = {"cell": None, "header": "cell header overwritten", "rebuilt": "record header rebuilt from the schema"}[
            c.how]
        if how is not None and rowid_source is None:
            how += ": rowid unknown"
        self.chain_pages.update(c.overflow)
        note = _join(how, c.note)
        if c.how != "cell" and is_structure(table_kind(c.table.name, self.modules)):
            # index structures (FTS segments, R*Tree nodes, statistics): only intact cells are trusted
            if not self.all_candidates:
                self.implausible += 1
                return None
            note = _join(note, "implausible: rebuilt record of an index structure table")
        return self._emit(c.table, c.stored, c.lost, c.rowid, region, c.start, c.confidence * attribution, meta,
                          note, partial=bool(c.lost), rowid_source=rowid_source, intact=c.how == "cell")

    def _index_rowid(self, table: TableSchema, stored: list[Any], lost: Sequence[int]) -> tuple[int, str] | None:
        """The rowid of a deleted row from a freed entry of one of its table's indexes (indexrowids.py)."""
        if self._index_cols is None:
            self._index_cols = {}
            for index in self.indexes.values():
                t = self.tables.get(index.table)
                cols = index_columns(index, t) if t is not None and not t.without_rowid else None
                if cols:
                    self._index_cols.setdefault(index.table, []).append((index.name, cols))
        specs = self._index_cols.get(table.name)
        if not specs or table.origin != "schema" or len(stored) != len(table.columns):
            return None
        ipk = table.ipk_index
        header = self.db.header
        format4 = header is None or header.schema_format >= 4
        answers: set[int] = set()
        names: list[str] = []
        for name, cols in specs:
            if any(c in lost or c == ipk for c in cols):
                continue
            residue = self._residue.get(name)
            if residue is None:
                pages = sorted(p for p, o in self.owner.items() if o == "index:" + name)
                residue = self._residue[name] = IndexResidue(pages, self.db.page, self.db.usable)
            found = residue.rowid([stored[c] for c in cols], self.db.encoding, format4)
            if found is not None:
                answers.add(found)
                names.append(name)
        if len(answers) != 1:
            return None
        return answers.pop(), f"index {', '.join(names)}: a freed entry with this row's key"

    def _emit(self, table: TableSchema, stored: list[Any], lost: Sequence[int], rowid: int | None, region: str,
              offset: int, confidence: float, meta: ImageMeta, note: str | None, partial: bool,
              rowid_source: str | None = None, intact: bool = False) -> SqliteRecord | None:
        if self.wanted is not None and table.name not in self.wanted:
            return None
        if rowid is None and not table.without_rowid and self.indexes:
            by_index = self._index_rowid(table, stored, lost)
            if by_index is not None and not self.live.rowid_live(table.name, by_index[0]):
                rowid, rowid_source = by_index
        key = tuple(stored)  # as the record stores it, like the live-row keys
        if partial or lost:
            ipk = None if table.without_rowid else table.ipk_index
            known = [i for i in range(len(stored)) if i not in lost and i != ipk]
            if rowid is not None and self.live.is_live(table.name, rowid, key):
                return None
            if self.live.partial_is_live(table.name, key, known):
                return None
        elif self.live.is_live(table.name, rowid, key):
            return None
        elif rowid is not None and rowid_source not in (None, "cell") and self.live.is_live(table.name, None, key):
            return None  # a rowid found elsewhere, but the values are a live row's: residue, not a deleted row
        values, columns = to_table_order(list(stored), table, rowid)
        kind = table_kind(table.name, self.modules)
        problem = implausible(values, table, kind, intact)
        if problem is not None:
            if not self.all_candidates:
                self.implausible += 1
                return None
            note = _join(note, f"implausible: {problem}")
            confidence *= 0.3
        if kind is not None:
            note = _join(f"internal table: {kind}", note)
        older = len(stored) < len(table.columns)
        if older:
            # fewer values than the table has columns: written under an older schema of this table (it was
            # dropped and created again, or columns were added later); the rowid is not the live row's
            note = _join(note, f"{len(stored)} values for {len(table.columns)} columns: written under an older "
                               f"schema of {table.name} (re-created or altered table; the columns after them did "
                               "not exist then)")
        dropped_page = older and region == Region.FREELIST.value  # a freed page of the table's earlier b-tree
        same_table = table.origin == "schema" and not table.without_rowid and not dropped_page
        if rowid is not None and same_table and self.live.rowid_live(table.name, rowid):
            note = _join(note, f"older version of live rowid {rowid} (row changed)")
        elif rowid is not None and meta.next_frame is not None and rowid not in self._rowids_in_frame(
                meta.next_frame):
            when = f"transaction {meta.next_commit}" if meta.next_commit else "an uncommitted transaction"
            note = _join(note, f"gone from page {meta.page} in {when} (WAL frame {meta.next_frame})")
        if table.origin != "schema":
            note = _join(note, f"table {table.name}: schema {table.origin}")
        if region == Region.FREELIST.value and table.origin in ("recovered", "inferred"):
            region = Region.DROPPED.value
        return SqliteRecord(
            table=table.name, state="deleted", region=region, page=meta.page, offset=offset, rowid=rowid,
            values=values, columns=columns, confidence=round(min(confidence, 1.0), 3), partial=partial,
            frame=meta.frame, salts=meta.salts, commit=meta.commit, source_file=meta.source_file,
            note=_join(meta.note, note), rowid_source=None if rowid is None else rowid_source or "cell",
        )


def _join(a: str | None, b: str | None) -> str | None:
    if a and b:
        return f"{a}; {b}"
    return a or b
