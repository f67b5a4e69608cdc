"""Plausibility: what a table is (an application table, or SQLite's or an extension's own), and whether a
recovered candidate holds values its columns could really have held.

Internal tables are reported as what they are: the shadow tables of FTS3/4/5 full-text indexes and of
R*Tree indexes, ``sqlite_sequence`` (AUTOINCREMENT counters) and ``sqlite_stat1..4`` (planner statistics).
Their deleted rows carry a note saying so; the tables whose rows are index structures (FTS segments and
segment directories, FTS5 data and idx, R*Tree nodes, rowid and parent maps, statistics) are carved only as
intact cells, never with a rebuilt header (their free space is full of varint-dense index bytes that look
like records).

A candidate is implausible when a value could not have been stored by SQLite in that column (numeric text
in a column of numeric affinity, a number in a TEXT column, an integral REAL where the affinity stores
integers) or looks like misread bytes (text with control characters, a REAL of absurd magnitude). Such
candidates are dropped unless ``all_candidates`` asks for them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from trowel.sqlite.schema import TableSchema

_FTS3 = {"content": "FTS3/4 content (the indexed text)", "segments": "FTS3/4 index segments",
         "segdir": "FTS3/4 segment directory", "docsize": "FTS4 document sizes", "stat": "FTS4 statistics"}
_FTS5 = {"content": "FTS5 content (the indexed text)", "data": "FTS5 index data", "idx": "FTS5 index segments",
         "docsize": "FTS5 document sizes", "config": "FTS5 configuration"}
_RTREE = {"node": "R*Tree nodes", "rowid": "R*Tree rowid map", "parent": "R*Tree parent map"}
STRUCTURE = {"FTS3/4 index segments", "FTS3/4 segment directory", "FTS4 statistics", "FTS5 index data",
             "FTS5 index segments", "FTS5 configuration", "FTS4 document sizes", "FTS5 document sizes",
             "R*Tree nodes", "R*Tree rowid map", "R*Tree parent map", "SQLite statistics"}
_VIRTUAL = re.compile(r"CREATE\s+VIRTUAL\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\"(?:[^\"]|\"\")+\"|`[^`]+`|\[[^\]]+\]|"
                      r"[\w.]+)\s+USING\s+(\w+)", re.I)
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")  # NUL is judged by the carver


def virtual_modules(master_rows: Iterable[Sequence[Any]]) -> dict[str, str]:
    """Virtual table name -> module (fts3, fts4, fts5, rtree, ...) from sqlite_master rows."""
    out: dict[str, str] = {}
    for row in master_rows:
        sql = row[4] if len(row) > 4 else None
        if not isinstance(sql, str):
            continue
        m = _VIRTUAL.match(sql.strip())
        if m:
            name = m.group(1).strip("\"`[]").split(".")[-1]
            out[name] = m.group(2).lower()
    return out


def table_kind(name: str, modules: dict[str, str]) -> str | None:
    """What an internal table is (None for an application table)."""
    if name == "sqlite_sequence":
        return "AUTOINCREMENT counters (sqlite_sequence)"
    if re.fullmatch(r"sqlite_stat[1-4]", name):
        return "SQLite statistics"
    if name == "sqlite_master":
        return None
    for owner, module in modules.items():
        prefix = owner + "_"
        if not name.startswith(prefix):
            continue
        suffix = name[len(prefix):]
        table = {"fts3": _FTS3, "fts4": _FTS3, "fts5": _FTS5, "rtree": _RTREE, "rtree_i32": _RTREE}.get(module, {})
        if suffix in table:
            return f"{table[suffix]} of {module} table {owner}"
    # extension tables whose virtual table row is gone (dropped, or a damaged schema): by the name alone
    m = re.fullmatch(r"(.+)_(segments|segdir|node|parent|data|idx|config)", name)
    if m:
        kinds = {**_FTS3, **_FTS5, **_RTREE}
        return f"{kinds[m.group(2)]} of {m.group(1)} (virtual table row not found)"
    return None


def is_structure(kind: str | None) -> bool:
    return kind is not None and any(kind.startswith(s) for s in STRUCTURE)


def _identifier(v: Any) -> bool:
    return isinstance(v, str) and bool(v) and v.isprintable() and len(v) < 256


def internal_problem(values: Sequence[Any], table: TableSchema, kind: str) -> str | None:
    """Why values cannot be a row of an internal table (what SQLite or the extension writes there is known)."""
    if kind.startswith("AUTOINCREMENT"):
        if len(values) < 2 or not _identifier(values[0]) or not isinstance(values[1], int) or values[1] < 0:
            return "not a (table name, counter) row of sqlite_sequence"
        return None
    if kind.startswith("SQLite statistics"):
        if not values or not _identifier(values[0]) or not all(v is None or _identifier(v) for v in values[1:3]):
            return "not a statistics row (table, index, numbers as text)"
        return None
    if kind.startswith("FTS5 index segments"):  # (segid, term, pgno): untyped, but always these types
        shape = (int, bytes, int)
        if len(values) < 3 or not all(isinstance(v, t) for v, t in zip(values, shape, strict=False)):
            return "not a (segment id, term, page) row of an FTS5 index"
        return None
    if is_structure(kind):
        affs = table.affinities
        ipk = table.ipk_index
        for i, v in enumerate(values[:len(affs)]):
            if i == ipk:
                continue
            want = {"INTEGER": int, "BLOB": bytes}.get(affs[i])
            if want is bytes and table.types[i] == "":
                want = None  # untyped columns (FTS5 config values, R*Tree auxiliaries) may hold anything
            if want is not None and not isinstance(v, want) and not (want is int and isinstance(v, str)):
                return f"column {table.columns[i]}: {type(v).__name__} where the index structure stores {affs[i]}"
    return None


def implausible(values: Sequence[Any], table: TableSchema, kind: str | None = None,
                intact: bool = False) -> str | None:
    """Why these table-order values cannot be a row of ``table`` as SQLite stores it (None when they can).

    ``intact``: the record came from a whole cell (its payload length agreed with its header): only what
    SQLite cannot have stored is held against it, not values that merely look unusual (control
    characters, extreme REALs), which applications do store."""
    if kind is not None:
        problem = internal_problem(values, table, kind)
        if problem is not None:
            return problem
    affs = table.affinities
    ipk = table.ipk_index
    for i, (v, aff) in enumerate(zip(values, affs, strict=False)):
        if v is None or i == ipk:
            continue
        vtype = type(v)
        if vtype is int:
            if aff == "TEXT":
                return f"column {table.columns[i]}: a number in a TEXT column (SQLite stores text)"
            continue
        if vtype is bytes:
            continue
        col = table.columns[i]
        if isinstance(v, str):
            if not intact and (_CONTROL.search(v) and len(_CONTROL.findall(v)) * 10 > len(v)
                               or len(v) <= 8 and _CONTROL.search(v)):
                return f"column {col}: text with control characters"
            if aff in ("INTEGER", "REAL", "NUMERIC") and _numeric_text(v):
                return f"column {col}: numeric text in a column of {aff} affinity (SQLite stores a number)"
        elif isinstance(v, float):
            if aff == "TEXT":
                return f"column {col}: a number in a TEXT column (SQLite stores text)"
            if not intact and v != 0 and math.isfinite(v) and not 1e-60 < abs(v) < 1e60:
                return f"column {col}: REAL of absurd magnitude {v:.3g}"
            if aff in ("INTEGER", "NUMERIC") and v.is_integer() and abs(v) < 2**63 and table.origin != "inferred":
                return f"column {col}: integral REAL in a column of {aff} affinity (SQLite stores an integer)"
        elif isinstance(v, int) and aff == "TEXT":
            return f"column {col}: a number in a TEXT column (SQLite stores text)"
    return None


def _numeric_text(v: str) -> bool:
    s = v.strip()
    if not s or s != v:
        return False
    try:
        float(s)
    except ValueError:
        return False
    return s.lower() not in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity")
