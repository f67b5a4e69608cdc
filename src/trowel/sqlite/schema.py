"""Table schemas: sqlite_master rows and a small CREATE TABLE parser (columns, types, key, affinity)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

MASTER_COLUMNS = ["type", "name", "tbl_name", "rootpage", "sql"]
MASTER_TYPES = ["text", "text", "text", "int", "text"]


def affinity(declared: str) -> str:
    """SQLite's column affinity rules (section 3.1 of the datatype document)."""
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or not t.strip():
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"


@dataclass(frozen=True)
class TableSchema:
    """One table: columns in declared order, declared types, rowid alias, root page and where it came from.

    ``origin`` is ``schema`` (sqlite_master), ``recovered`` (a deleted sqlite_master row found in free
    space) or ``inferred`` (only the records' shape is known; column names are made up and said so).
    ``storage`` lists, for WITHOUT ROWID tables, the column indexes in the order the record stores them.
    """

    name: str
    columns: list[str]
    types: list[str]
    ipk: str | None = None
    root_page: int = 0
    without_rowid: bool = False
    sql: str | None = None
    origin: str = "schema"
    pk_columns: list[str] = field(default_factory=list)

    @cached_property
    def ipk_index(self) -> int | None:
        return self.columns.index(self.ipk) if self.ipk in self.columns else None

    @cached_property
    def affinities(self) -> list[str]:
        return [affinity(t) for t in self.types]

    @cached_property
    def real_columns(self) -> list[int]:
        """Columns with REAL affinity (SQLite stores their integral values as integers)."""
        return [i for i, a in enumerate(self.affinities) if a == "REAL"]

    @cached_property
    def storage(self) -> list[int]:
        """Column index for each value position in a stored record."""
        if not self.without_rowid or not self.pk_columns:
            return list(range(len(self.columns)))
        lower = [c.lower() for c in self.columns]
        pk = [lower.index(c.lower()) for c in self.pk_columns if c.lower() in lower]
        return pk + [i for i in range(len(self.columns)) if i not in pk]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "columns": self.columns, "types": self.types, "ipk": self.ipk,
                "root_page": self.root_page, "without_rowid": self.without_rowid, "origin": self.origin}


@dataclass(frozen=True)
class IndexSchema:
    name: str
    table: str
    root_page: int
    sql: str | None


_TOKEN = re.compile(r"""\s+|--[^\n]*|/\*.*?(?:\*/|$)|"(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|'(?:[^']|'')*'|\w+|.""",
                    re.S)
_CONSTRAINT_WORDS = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}
_COLUMN_STOP = {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES",
                "GENERATED", "AS"}


def _tokens(sql: str) -> list[str]:
    return [t for t in _TOKEN.findall(sql) if t.strip() and not t.startswith("--") and not t.startswith("/*")]


def _unquote(tok: str) -> str:
    if len(tok) >= 2 and tok[0] in "\"`'[":
        body = tok[1:-1]
        return body.replace('""', '"') if tok[0] == '"' else body.replace("``", "`") if tok[0] == "`" else body
    return tok


def _split_top(tokens: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    depth = 0
    for t in tokens:
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        if t == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(t)
    return [p for p in parts if p]


def parse_create_table(sql: str, name: str, root_page: int, origin: str = "schema") -> TableSchema | None:
    """Columns, types and keys of a CREATE TABLE statement (None for statements it cannot read)."""
    toks = _tokens(sql)
    upper = [t.upper() for t in toks]
    if "(" not in toks or len(upper) < 3 or upper[0] != "CREATE" or "TABLE" not in upper[:4]:
        return None
    if "VIRTUAL" in upper[:3]:
        return None
    start = toks.index("(")
    depth = 0
    end = None
    for i in range(start, len(toks)):
        if toks[i] == "(":
            depth += 1
        elif toks[i] == ")":
            depth -= 1
            if depth == 0:
                end = i
                break
    if end is None:
        return None
    tail = upper[end + 1:]
    without_rowid = "WITHOUT" in tail and "ROWID" in tail
    columns: list[str] = []
    types: list[str] = []
    ipk: str | None = None
    pk_columns: list[str] = []
    for part in _split_top(toks[start + 1:end]):
        head = part[0].upper()
        if head in _CONSTRAINT_WORDS:
            up = [t.upper() for t in part]
            if "PRIMARY" in up and "(" in part:
                i = part.index("(")
                inner = _split_top(part[i + 1:part.index(")", i)] if ")" in part[i:] else part[i + 1:])
                pk_columns = [_unquote(p[0]) for p in inner if p]
            continue
        col = _unquote(part[0])
        type_toks: list[str] = []
        i = 1
        while i < len(part) and part[i].upper() not in _COLUMN_STOP:
            type_toks.append(part[i])
            i += 1
        declared = " ".join(type_toks).replace("( ", "(").replace(" )", ")").replace(" (", "(")
        up = [t.upper() for t in part[i:]]
        if "PRIMARY" in up:
            pk_columns = [col]
            k = up.index("PRIMARY")
            desc = len(up) > k + 2 and up[k + 2] == "DESC"
            if declared.upper() == "INTEGER" and not desc:
                ipk = col
        columns.append(col)
        types.append(declared)
    if not columns:
        return None
    if ipk is None and len(pk_columns) == 1 and not without_rowid:
        lower = [c.lower() for c in columns]
        if pk_columns[0].lower() in lower:
            idx = lower.index(pk_columns[0].lower())
            if types[idx].upper() == "INTEGER":
                ipk = columns[idx]
    if without_rowid:
        ipk = None
    return TableSchema(name=name, columns=columns, types=types, ipk=ipk, root_page=root_page,
                       without_rowid=without_rowid, sql=sql, origin=origin, pk_columns=pk_columns)


MASTER_SCHEMA = TableSchema(
    name="sqlite_master", columns=MASTER_COLUMNS, types=MASTER_TYPES, root_page=1,
    sql="CREATE TABLE sqlite_master(type text, name text, tbl_name text, rootpage int, sql text)",
)
