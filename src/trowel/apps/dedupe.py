"""De-duplication of recovered rows: one record per deleted row, none for copies of rows that are still live.

The recovery engine may find the same row several times (a freeblock and two WAL frames) and finds old page
versions that still hold rows that are live. A table's identity columns (from its spec) say which copies are
the same row; the best copy is kept (complete before partial, then higher confidence) and the others are
counted in its detail. A recovered row identical to a live row is dropped; one that differs from the live row
with the same identity is kept as an earlier version of that row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from trowel.apps.rows import Row


def _norm(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _better(a: Row, b: Row) -> bool:
    """Is ``a`` a better copy than ``b``?"""
    return (not a.partial, a.confidence, -(a.frame or 0)) > (not b.partial, b.confidence, -(b.frame or 0))


class DeletedRows:
    """The recovered rows of one table, de-duplicated among themselves and against the live rows."""

    def __init__(self, identity: tuple[str, ...], rows: Iterable[Row] = ()) -> None:
        self.identity = identity
        self.keyed: dict[tuple[Any, ...], Row] = {}
        self.copies: dict[tuple[Any, ...], int] = {}
        self.loose: dict[tuple[Any, ...], Row] = {}
        for row in rows:
            self.add(row)

    def key(self, row: Row) -> tuple[Any, ...] | None:
        if not self.identity:
            return None
        values = row.values
        key = tuple([v if (t := type(v)) is str or t is int else _norm(v)
                     for v in [values.get(c) for c in self.identity]])
        return None if None in key else key

    def add(self, row: Row) -> None:
        key = self.key(row)
        if key is None:
            key = ("\0sig",) + tuple(sorted((c, repr(_norm(v))) for c, v in row.values.items() if v is not None))
            target = self.loose
        else:
            target = self.keyed
        self.copies[key] = self.copies.get(key, 0) + 1
        current = target.get(key)
        if current is None or _better(row, current):
            target[key] = row

    def __bool__(self) -> bool:
        return bool(self.keyed or self.loose)

    def seen_live(self, row: Row) -> None:
        """A live row: drop recovered copies identical to it, mark differing ones as earlier versions."""
        if not self.keyed:
            return
        key = self.key(row)
        if key is None or key not in self.keyed:
            return
        old = self.keyed[key]
        same = all(_norm(v) == _norm(row.values.get(c)) for c, v in old.values.items()
                   if v is not None and c in row.values)
        if same:
            del self.keyed[key]
        else:
            note = f"earlier version of live row #{row.rowid}"
            self.keyed[key] = dataclasses.replace(old, detail="; ".join(x for x in (old.detail, note) if x))

    def remaining(self) -> list[Row]:
        """The recovered rows left, in file order, with how many copies were found."""
        out = []
        for store in (self.keyed, self.loose):
            for key, row in store.items():
                extra = self.copies.get(key, 1) - 1
                if extra:
                    row = dataclasses.replace(row, detail="; ".join(
                        x for x in (row.detail, f"{extra} more cop{'y' if extra == 1 else 'ies'} found") if x))
                out.append(row)
        return sorted(out, key=lambda r: (r.source_file or "", r.frame or 0, r.page or 0, r.offset or 0))
