"""Which table a recovered record belongs to, judged by column count and value types against schemas.

Page ownership (the record sits on a page of a table's b-tree) is the strongest evidence and is applied by
the caller; this module scores the shape of the values when ownership is unknown (freelist pages, WAL
frames, journal pages, dropped tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trowel.sqlite.schema import TableSchema

NATURAL = {
    "INTEGER": (int,),
    "REAL": (float, int),
    "TEXT": (str,),
    "BLOB": (bytes, str, int, float),
    "NUMERIC": (int, float, str),
}


def column_fit(value: Any, aff: str, is_ipk: bool) -> int:
    """2 = the type this affinity stores, 1 = possible (SQLite keeps it as given), 0 = impossible."""
    if is_ipk:
        return 2 if value is None else 0
    if value is None:
        return 1
    if isinstance(value, NATURAL[aff]):
        return 2
    if aff in ("INTEGER", "REAL") and isinstance(value, str):
        # text that looked numeric would have been converted; other text stays text
        try:
            float(value)
        except ValueError:
            return 1
        return 0
    if aff == "TEXT" and isinstance(value, int | float):
        return 0
    return 1


def fit_score(stored: Sequence[Any], table: TableSchema) -> float:
    """0 when the record cannot belong to ``table``; otherwise how naturally its types fit (0..1]."""
    n = len(table.columns)
    if not stored or len(stored) > n:
        return 0.0
    order = table.storage
    affs = table.affinities
    ipk = table.ipk_index
    total = 0.0
    for pos, value in enumerate(stored):
        col = order[pos]
        fit: float = column_fit(value, affs[col], col == ipk)
        if fit == 0:
            return 0.0
        if value is not None and not table.types[col]:
            fit = 1.5  # an untyped column takes anything: a declared type that matches is the better fit
        total += fit
    score = total / (2 * n)
    if len(stored) < n:
        score *= 0.5  # possible after ALTER TABLE ADD COLUMN, but less likely than a full match
    return score


def attribute(stored: Sequence[Any], tables: Sequence[TableSchema],
              owner: TableSchema | None = None) -> tuple[TableSchema | None, float, list[str]]:
    """Best table for a record: (table, confidence, other equally good tables)."""
    if owner is not None:
        score = fit_score(stored, owner)
        if score > 0:
            return owner, 1.0 if score >= 0.5 else 0.8, []
    scored = [(fit_score(stored, t), t) for t in tables]
    scored = [(s, t) for s, t in scored if s > 0]
    if not scored:
        return None, 0.0, []
    best = max(s for s, _ in scored)
    top = [t for s, t in scored if s >= best - 1e-9]
    confidence = (0.9 if best >= 0.5 else 0.6) / len(top)
    return top[0], confidence, [t.name for t in top[1:]]
