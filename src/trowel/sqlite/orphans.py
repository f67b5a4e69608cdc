"""B-trees found by walking pages, for files whose sqlite_master cannot be read (or names a table whose
CREATE statement cannot be parsed).

Every page that is in no known tree, not on the freelist and not a pointer-map or lock-byte page is read as
a b-tree page; interior pages name their children, and a page no other page names is a root. The rows of
such a tree are rows of a table the damaged schema lost, not deleted rows: they stay ``live`` (``unknown``
when the freelist could not be read either, so the tree might be freed pages of a dropped table).

Which table a tree holds comes from, in order: a sqlite_master row (readable, or carved as an intact cell
from the damaged schema pages) whose root page is the tree's root; the CREATE TABLE statement whose
columns fit its rows best (statements are also found as plain text in the schema pages); else the shape
of its rows (``unknown_N_columns``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from trowel.errors import SqliteFormatError
from trowel.sqlite.attribution import fit_score
from trowel.sqlite.carve import generic_cells
from trowel.sqlite.page import BTREE_TYPES, TABLE_INTERIOR, TABLE_LEAF, cell_extents, parse_page
from trowel.sqlite.schema import TableSchema, parse_create_table

PageGetter = Callable[[int], bytes | None]
_CREATE = re.compile(rb"CREATE\s+TABLE\s", re.I)


@dataclass(frozen=True, slots=True)
class OrphanRoot:
    page: int
    table: bool  # a table b-tree (else an index b-tree)


def orphan_roots(get_page: PageGetter, usable: int, page_count: int, skip: set[int]) -> list[OrphanRoot]:
    """Roots of the well-formed b-trees among the pages outside every known tree and the freelist."""
    kinds: dict[int, bool] = {}
    referenced: set[int] = set()
    for n in range(2, page_count + 1):
        if n in skip:
            continue
        data = get_page(n)
        if not data or data[0] not in BTREE_TYPES:
            continue
        try:
            page = parse_page(data, n, usable)
        except SqliteFormatError:
            continue
        problems: list[str] = []
        cells = cell_extents(data, page, problems)
        if problems or (page.is_leaf and not cells):
            continue  # not a page SQLite wrote as it is (or an empty leaf: nothing to keep live)
        if not page.is_leaf:
            children = [c.left_child for c in cells if c.left_child is not None]
            children.append(page.right_child or 0)
            if not all(1 < c <= page_count for c in children):
                continue
            referenced.update(children)
        kinds[n] = page.kind in (TABLE_LEAF, TABLE_INTERIOR)
    return [OrphanRoot(n, table) for n, table in sorted(kinds.items()) if n not in referenced]


def schemas_from_bytes(images: Iterable[bytes], encoding: str, usable: int) -> list[tuple[TableSchema, int]]:
    """(table, root page) for every CREATE TABLE that damaged schema pages still hold.

    Intact sqlite_master cells give the root page too (0 when only the statement's text was found).
    """
    found: dict[tuple[str, int], TableSchema] = {}
    texts: set[str] = set()
    for i, data in enumerate(images):
        start = 100 if i == 0 else 0
        for _start, _end, _rowid, row in generic_cells(data, start, usable, encoding, usable):
            if len(row) != 5 or row[0] != "table" or not isinstance(row[1], str) or not isinstance(row[4], str):
                continue
            root = row[3] if isinstance(row[3], int) else 0
            table = parse_create_table(row[4], row[1], root, origin="recovered")
            if table is not None:
                found[(table.name, root)] = table
                texts.add(row[4])
        for m in _CREATE.finditer(data):
            sql = _statement(data, m.start(), encoding)
            if sql is None or sql in texts:
                continue
            name = _table_name(sql)
            if name is None:
                continue
            table = parse_create_table(sql, name, 0, origin="recovered")
            if table is not None and (table.name, 0) not in found:
                texts.add(sql)
                found[(table.name, 0)] = table
    return [(t, root) for (_name, root), t in found.items()]


def _statement(data: bytes, start: int, encoding: str) -> str | None:
    """The CREATE TABLE text starting at ``start``, up to its balanced closing parenthesis."""
    depth = 0
    end = min(len(data), start + 8192)
    for i in range(start, end):
        c = data[i]
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                tail = data[i + 1:i + 16]
                stop = i + 1
                if tail.upper().lstrip().startswith(b"WITHOUT ROWID"):
                    stop = i + 1 + tail.upper().index(b"ROWID") + 5
                try:
                    return bytes(data[start:stop]).decode("utf-8" if encoding == "utf-8" else "latin-1")
                except UnicodeDecodeError:
                    return None
        elif c == 0:
            return None
    return None


def _table_name(sql: str) -> str | None:
    m = re.match(r"""\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[\w.]+)""",
                 sql, re.I)
    if m is None:
        return None
    name = m.group(1)
    if name[0] in "\"`[":
        return name[1:-1]
    return name.split(".")[-1]


def choose_schema(root: int, sample: Sequence[Sequence[Any]], known: Sequence[tuple[TableSchema, int]]
                  ) -> tuple[TableSchema | None, str]:
    """The schema of the tree at ``root``: by root page, else by how its sampled rows fit each schema."""
    for table, table_root in known:
        if table_root == root:
            return table, f"schema {table.name} names root page {root}"
    best: tuple[float, TableSchema] | None = None
    tie = False
    for table, _r in known:
        scores = [fit_score(row, table) for row in sample]
        if not scores or min(scores) <= 0:
            continue
        total = sum(scores) / len(scores)
        if best is None or total > best[0] + 1e-9:
            best, tie = (total, table), False
        elif abs(total - best[0]) <= 1e-9:
            tie = True
    if best is None:
        return None, "no known schema fits its rows"
    how = f"its rows fit the columns of {best[1].name}"
    return best[1], how + (" (other schemas fit as well)" if tie else "")


def inferred_schema(name: str, width: int, root: int) -> TableSchema:
    return TableSchema(name=name, columns=[f"c{i + 1}" for i in range(width)], types=[""] * width, root_page=root,
                       origin="inferred")


def rooted(table: TableSchema, root: int, name: str) -> TableSchema:
    """The schema placed on the tree at ``root`` (under ``name`` when the table name is taken already)."""
    return replace(table, root_page=root, name=name)
