"""One logical row, one record: copies of the same deleted row found in several places are grouped.

A deleted row often survives more than once: in a freeblock of its page (rowid lost with the cell's first
bytes), in the unallocated area or an interior page that was once its leaf (left by a page split), on a
freelist page, in WAL frames and in rollback-journal page images. The copies are grouped by table and
values; the record reported is the most complete copy (every value, then a known rowid, then the highest
confidence) and ``also_in`` lists where the other copies are (page, offset, region, frame, file).

* Complete copies group when their values are equal and their rowids agree (a copy without a rowid joins
  a copy with one; two different rowids are two rows that happen to hold the same values).
* A partial copy (values lost) joins the one complete group whose values agree on every value it kept.
* When the reported copy lost its rowid and another copy kept it, the rowid is taken from that copy and
  ``rowid_source`` says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from trowel.sqlite.result import SqliteRecord
from trowel.sqlite.schema import TableSchema

MAX_PLACES = 64  # copies listed per record; more are counted in the note
MAX_CANDIDATES = 256  # groups a partial copy is compared with (bounded work on files of repeated values)


class _Group:
    __slots__ = ("best", "copies", "done", "extra", "rowid", "rowid_from")

    def __init__(self, rec: SqliteRecord) -> None:
        self.best = rec
        self.copies: list[SqliteRecord] = []
        self.extra = 0
        self.rowid = rec.rowid
        self.rowid_from: SqliteRecord | None = rec if rec.rowid is not None else None
        self.done = False  # given out already (merged into a streamed record)

    def add(self, rec: SqliteRecord) -> None:
        if _place(rec) == _place(self.best) or any(_place(rec) == _place(c) for c in self.copies):
            return
        if self.rowid is None and rec.rowid is not None:
            self.rowid, self.rowid_from = rec.rowid, rec
        if _rank(rec) > _rank(self.best):
            rec, self.best = self.best, rec
        if len(self.copies) < MAX_PLACES:
            self.copies.append(rec)
        else:
            self.extra += 1


def _rank(rec: SqliteRecord) -> tuple[bool, bool, float]:
    return (not rec.partial, rec.rowid is not None, rec.confidence)


def _place(rec: SqliteRecord) -> tuple[Any, ...]:
    return (rec.source_file, rec.frame, rec.page, rec.offset, rec.region)


def place_json(rec: SqliteRecord) -> dict[str, Any]:
    return {"page": rec.page, "offset": rec.offset, "region": rec.region, "frame": rec.frame,
            "source_file": rec.source_file, "rowid": rec.rowid, "partial": rec.partial}


class Grouper:
    """Groups the deleted records of one run.

    Records from secondary places (old page images, freelist, WAL, journal, interior pages) are collected
    with :meth:`add`; the many records of live leaf pages' free space then stream through :meth:`absorb`,
    each merged with the collected copies of its row and given out at once (memory stays bounded by the
    secondary records); :meth:`records` gives the collected groups no streamed record took."""

    def __init__(self, tables: dict[str, TableSchema]) -> None:
        self.tables = tables
        self.groups: list[_Group] = []
        self.by_values: dict[tuple[Any, ...], list[int]] = {}
        self.partials: list[tuple[SqliteRecord, tuple[Any, ...]]] = []
        self._ipk_cache: dict[tuple[Any, ...], int | None] = {}
        self.streamed: set[int] = set()  # rows already given out by absorb (hash of values with rowid, without)
        self._partial_index: dict[tuple[Any, ...], list[int]] | None = None
        self._partial_pos: dict[tuple[Any, ...], set[int]] = {}
        self._partial_used: set[int] = set()
        # complete rows attributed to an older schema of a table (other columns than today's): a copy of the
        # same values found later in today's table's free space is that row, not a row of today's schema
        self.older: dict[tuple[Any, ...], list[int]] = {}

    def _ipk(self, rec: SqliteRecord) -> int | None:
        cache_key = (rec.table, len(rec.columns), rec.columns[0] if rec.columns else None)
        if cache_key in self._ipk_cache:
            return self._ipk_cache[cache_key]
        found = self._find_ipk(rec)
        self._ipk_cache[cache_key] = found
        return found

    def _find_ipk(self, rec: SqliteRecord) -> int | None:
        table = self.tables.get(rec.table or "")
        if table is None or table.without_rowid or table.columns != rec.columns[:len(table.columns)]:
            for t in self.tables.values():
                if t.name == rec.table and t.columns == rec.columns[:len(t.columns)]:
                    table = t
                    break
            else:
                return None
        return None if table.without_rowid else table.ipk_index

    def _key(self, rec: SqliteRecord) -> tuple[Any, ...]:
        values = list(rec.values)
        ipk = self._ipk(rec)
        if ipk is not None and ipk < len(values):
            values[ipk] = None
        return (rec.table, tuple(rec.columns), tuple(values))

    def add(self, rec: SqliteRecord) -> None:
        key = self._key(rec)
        if rec.partial:
            self.partials.append((rec, key))
            return
        ids = self.by_values.setdefault(key, [])
        for i in ids[-MAX_CANDIDATES:]:
            g = self.groups[i]
            if rec.rowid is None or g.rowid is None or g.rowid == rec.rowid:
                g.add(rec)
                return
        if self._is_older(rec):
            self.older.setdefault((rec.table, key[2]), []).append(len(self.groups))
        ids.append(len(self.groups))
        self.groups.append(_Group(rec))

    def _is_older(self, rec: SqliteRecord) -> bool:
        now = self.tables.get(rec.table) if rec.table is not None else None
        return now is not None and list(now.columns) != list(rec.columns)

    def _place_partials(self) -> None:
        """Partial copies join the single complete group that agrees with every value they kept."""
        if not self.partials:
            return
        wanted: dict[tuple[Any, ...], dict[int, dict[Any, list[int]]]] = {}
        plans: list[tuple[SqliteRecord, tuple[Any, ...], int | None]] = []
        for rec, key in self.partials:
            known = [i for i, v in enumerate(key[2]) if v is not None]
            pos = known[0] if known else None
            plans.append((rec, key, pos))
            if pos is not None:
                wanted.setdefault(key[:2], {}).setdefault(pos, {})
        if wanted:
            for gid, g in enumerate(self.groups):
                gkey = self._key(g.best)
                slots = wanted.get(gkey[:2])
                if slots is None:
                    continue
                for pos, index in slots.items():
                    index.setdefault(gkey[2][pos], []).append(gid)
        for rec, key, pos in plans:
            match: list[int] = []
            if pos is not None:
                for gid in wanted[key[:2]][pos].get(key[2][pos], [])[:MAX_CANDIDATES]:
                    g = self.groups[gid]
                    gvals = self._key(g.best)[2]
                    if all(v is None or v == gvals[i] for i, v in enumerate(key[2])) and (
                            rec.rowid is None or g.rowid is None or g.rowid == rec.rowid):
                        match.append(gid)
            if len(match) == 1:
                self.groups[match[0]].add(rec)
            else:
                self.groups.append(_Group(rec))

    def absorb(self, rec: SqliteRecord) -> SqliteRecord | None:
        """A record found after the collected ones, given out at once (streamed) with the copies collected so
        far merged in; None when an earlier streamed record already was this row (reported once)."""
        key = self._key(rec)
        seen = hash((key, rec.rowid))
        anon = hash((key, None))  # the same number when the rowid is unknown: one entry
        if seen in self.streamed or (rec.rowid is None and anon in self.streamed):
            return None
        self.streamed.add(seen)
        self.streamed.add(anon)
        if not self.groups and not self.partials:
            return rec
        group: _Group | None = None
        if not rec.partial:
            for i in self.by_values.get(key, [])[:MAX_CANDIDATES]:
                g = self.groups[i]
                if not g.done and (rec.rowid is None or g.rowid is None or g.rowid == rec.rowid):
                    group = g
                    break
        older = False
        if group is None and not rec.partial and self.older:
            for i in self.older.get((rec.table, key[2]), [])[:MAX_CANDIDATES]:
                g = self.groups[i]
                if not g.done and (rec.rowid is None or g.rowid is None or g.rowid == rec.rowid):
                    group, older = g, True
                    break
        if group is None:
            group = _Group(rec)
        else:
            best = group.best
            group.add(rec)
            if older and group.best is rec:  # the row keeps the schema of its time; this copy is listed
                group.best = best
                group.copies = [rec if c is best else c for c in group.copies]
        for part in self._partial_copies(key, rec.rowid, exact=rec.partial):
            group.add(part)
        group.done = True
        return _merged(group, self._ipk(group.best))

    def _partial_copies(self, key: tuple[Any, ...], rowid: int | None, exact: bool = False) -> list[SqliteRecord]:
        """Collected partial copies that agree with a complete record's values (``exact``: with a partial
        record's values, lost ones included), each used once."""
        if self._partial_index is None:
            self._partial_index = {}
            for n, (_part, pkey) in enumerate(self.partials):
                known = [i for i, v in enumerate(pkey[2]) if v is not None]
                if known:
                    self._partial_index.setdefault((pkey[:2], known[0], pkey[2][known[0]]), []).append(n)
                    self._partial_pos.setdefault(pkey[:2], set()).add(known[0])
        out: list[SqliteRecord] = []
        for pos in self._partial_pos.get(key[:2], ()):
            for n in self._partial_index.get((key[:2], pos, key[2][pos]), [])[:MAX_CANDIDATES]:
                part, pkey = self.partials[n]
                if n in self._partial_used or (rowid is not None and part.rowid not in (None, rowid)):
                    continue
                if (pkey[2] == key[2]) if exact else all(v is None or v == key[2][i] for i, v in enumerate(pkey[2])):
                    self._partial_used.add(n)
                    out.append(part)
        return out

    def records(self) -> Iterator[SqliteRecord]:
        """The collected groups no streamed record took, partial copies placed."""
        if self._partial_used:
            self.partials = [p for n, p in enumerate(self.partials) if n not in self._partial_used]
        self._place_partials()
        for g in self.groups:
            if not g.done:
                yield _merged(g, self._ipk(g.best))
        self.groups = []
        self.by_values = {}
        self.older = {}
        self.partials = []


def _merged(g: _Group, ipk: int | None) -> SqliteRecord:
    rec = g.best
    if not g.copies and g.rowid == rec.rowid:
        return rec
    changes: dict[str, Any] = {}
    if g.copies:
        changes["also_in"] = tuple(place_json(c) for c in g.copies)
        changes["note"] = _join(rec.note, f"{len(g.copies) + g.extra + 1} copies of this row found")
    if rec.rowid is None and g.rowid is not None and g.rowid_from is not None:
        src = g.rowid_from
        changes["rowid"] = g.rowid
        changes["rowid_source"] = (f"another copy of this row ({src.region}, page {src.page} offset {src.offset}"
                                   + (f", WAL frame {src.frame}" if src.frame else "") + ")")
        if ipk is not None and ipk < len(rec.values) and rec.values[ipk] is None:
            values = list(rec.values)
            values[ipk] = g.rowid
            changes["values"] = values
    return replace(rec, **changes)


def _join(a: str | None, b: str | None) -> str | None:
    if a and b:
        return f"{a}; {b}"
    return a or b
