"""Where a record came from and in what state it was found."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

JSON_SAFE_INT = 2**53  # integers at or beyond this size go into JSON as text (JavaScript reads them rounded)


class State(enum.StrEnum):
    LIVE = "live"
    DELETED = "deleted"
    ORPHANED = "orphaned"
    UNKNOWN = "unknown"  # live or deleted cannot be decided (e.g. a b-tree found by walking a damaged file)


class Region(enum.StrEnum):
    """Where inside an SQLite file (or its companions) a record's bytes were found."""

    BTREE = "btree"
    FREEBLOCK = "freeblock"
    UNALLOCATED = "unallocated"
    FREELIST = "freelist"
    DROPPED = "dropped"
    OVERFLOW = "overflow"
    WAL = "wal"
    WAL_STALE = "wal-stale"
    JOURNAL = "journal"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Evidence item, path inside it, and the exact place of the bytes.

    Either ``table`` + ``rowid`` (a live row read through the b-tree), or ``page`` + ``offset`` + ``region``
    (recovered bytes), or only a path (a whole file). ``frame`` is the WAL frame number for WAL regions.
    """

    evidence: str
    path: str
    table: str | None = None
    rowid: int | None = None
    page: int | None = None
    offset: int | None = None
    region: str | None = None
    frame: int | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields that are not None; a number of 2**53 or more (a hostile rowid) as text, so that no JSON
        reader rounds it. A live row's provenance (only evidence, path, table and rowid: one per record of a
        big table) is written out directly, a fifth of the time of the general way."""
        rowid = self.rowid
        if self.page is None and self.offset is None and self.region is None and self.frame is None \
                and self.detail is None and self.table is not None and type(rowid) is int \
                and -JSON_SAFE_INT < rowid < JSON_SAFE_INT and self.evidence is not None and self.path is not None:
            return {"evidence": self.evidence, "path": self.path, "table": self.table, "rowid": rowid}
        detail = self.detail
        if rowid is None and self.table is None and self.page is None and self.offset is None \
                and self.region is None and self.frame is None and type(detail) is str \
                and type(self.evidence) is str and type(self.path) is str:  # a place named in words (captures)
            return {"evidence": self.evidence, "path": self.path, "detail": detail}
        # every field is a plain value: read them all at once (dataclasses.asdict deep-copies, slow per record)
        return {k: str(v) if type(v) is int and not -JSON_SAFE_INT < v < JSON_SAFE_INT else v
                for k, v in zip(_NAMES, _VALUES(self), strict=True) if v is not None}

    @classmethod
    def of_row(cls, evidence: str, path: str, table: str | None, rowid: int | None,
               detail: str | None = None) -> Provenance:
        """``Provenance(evidence=..., path=..., table=..., rowid=..., detail=...)`` of a live row, made by the
        slot setters directly (the frozen ``__init__`` costs twice as much; one per record of a big table)."""
        obj = object.__new__(cls)
        set_evidence, set_path, set_table, set_rowid, set_page, set_offset, set_region, set_frame, set_detail = \
            _SETTERS
        set_evidence(obj, evidence)
        set_path(obj, path)
        set_table(obj, table)
        set_rowid(obj, rowid)
        set_page(obj, None)
        set_offset(obj, None)
        set_region(obj, None)
        set_frame(obj, None)
        set_detail(obj, detail)
        return obj

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Provenance:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for name in _NUMBERS:  # written as text when too big for a JSON number
            value = known.get(name)
            if type(value) is str and value.lstrip("-").isdigit():
                known[name] = int(value)
        known.setdefault("evidence", "")
        known.setdefault("path", "")
        return cls(**known)


_NAMES: tuple[str, ...] = tuple(Provenance.__dataclass_fields__)
_VALUES = attrgetter(*_NAMES)
_NUMBERS = ("rowid", "page", "offset", "frame")
_SETTERS = tuple(Provenance.__dict__[name].__set__ for name in _NAMES)
if _NAMES != ("evidence", "path", "table", "rowid", "page", "offset", "region", "frame", "detail"):
    raise RuntimeError("Provenance.of_row and to_json know the fields in declaration order: update them")
