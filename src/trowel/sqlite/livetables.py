"""Reading the live database through its b-trees: sqlite_master, then every table's rows.

Values are put into table column order here (WITHOUT ROWID tables store the key columns first; the
INTEGER PRIMARY KEY column is stored as NULL and holds the rowid).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from trowel.errors import SqliteFormatError
from trowel.sqlite.btree import LeafCell, TreeWalker
from trowel.sqlite.database import Database
from trowel.sqlite.record import decode_partial, decode_record
from trowel.sqlite.schema import MASTER_SCHEMA, IndexSchema, TableSchema, parse_create_table


def to_table_order(stored: list[Any], table: TableSchema, rowid: int | None) -> tuple[list[Any], list[str]]:
    """Stored record values → (values in column order, column names). Extra values keep made-up names."""
    n = len(table.columns)
    columns = table.columns
    if table.without_rowid:
        columns = list(columns)
        values: list[Any] = [None] * n
        order = table.storage
        for pos, value in enumerate(stored):
            if pos < len(order):
                values[order[pos]] = value
            else:
                values.append(value)
                columns.append(f"extra_{pos + 1}")
        _real_columns(values, table)
        return values, columns
    if len(stored) == n:
        values = stored
    else:
        values = list(stored[:n])
        if len(values) < n:
            values.extend([None] * (n - len(values)))
        columns = list(columns)
        for pos in range(n, len(stored)):
            values.append(stored[pos])
            columns.append(f"extra_{pos + 1}")
    ipk = table.ipk_index
    if ipk is not None and values[ipk] is None and rowid is not None:
        values[ipk] = rowid
    _real_columns(values, table)
    return values, columns


def _real_columns(values: list[Any], table: TableSchema) -> None:
    """SQLite stores integral REAL values as integers on disk and reads them back as floats."""
    for i in table.real_columns:
        if type(values[i]) is int:
            values[i] = float(values[i])


def stored_key(values: list[Any], table: TableSchema) -> tuple[Any, ...]:
    """Table-order values back to what the record stores (IPK column blanked), for rowid tables."""
    ipk = table.ipk_index
    if ipk is None:
        return tuple(values)
    key = list(values)
    key[ipk] = None
    return tuple(key)


class SchemaReader:
    """Reads sqlite_master of the current database into table and index schemas."""

    def __init__(self, database: Database, warnings: list[str]) -> None:
        self.database = database
        self.warnings = warnings
        self.tables: dict[str, TableSchema] = {}
        self.indexes: dict[str, IndexSchema] = {}
        self.pages: list[int] = []
        self.master_rows: list[tuple[int | None, list[Any]]] = []  # (rowid, stored values)
        self.damaged = False  # sqlite_master could not be read completely (page, cell or record damaged)
        self.unparsed: dict[str, int] = {}  # tables whose CREATE statement could not be read -> root page

    def read(self, claimed: set[int]) -> None:
        db = self.database
        problems: list[str] = []
        walker = TreeWalker(db.page, db.usable, db.page_count, problems, claimed)
        for leaf in walker.cells(1, "sqlite_master"):
            try:
                if not leaf.complete:
                    raise SqliteFormatError("its overflow chain is broken")
                row = decode_record(leaf.payload, db.encoding)
            except SqliteFormatError as exc:
                problems.append(f"sqlite_master row at page {leaf.page} offset {leaf.offset}: {exc}")
                continue
            self.master_rows.append((leaf.rowid, list(row)))
            self._add((row + [None] * 5)[:5])
        self.pages = walker.pages + walker.overflow
        if problems:
            self.damaged = True
            self.warnings.extend(problems)
        if not self.tables and not self.damaged:
            self.warnings.append("sqlite_master holds no tables (empty database or every table dropped)")

    def _add(self, row: list[Any]) -> None:
        kind, name, tbl, root, sql = row
        if not isinstance(name, str) or not isinstance(root, int):
            return
        if kind == "table" and isinstance(sql, str):
            if root <= 0:
                return  # virtual tables have no b-tree
            schema = parse_create_table(sql, name, root)
            if schema is None:
                self.warnings.append(f"table {name}: CREATE statement could not be read")
                self.unparsed[name] = root
                return
            self.tables[name] = schema
        elif kind == "index" and root > 0:
            self.indexes[name] = IndexSchema(name, str(tbl), root, sql if isinstance(sql, str) else None)


def decode_cell(leaf: LeafCell, encoding: str, name: str, warnings: list[str]) -> list[Any] | None:
    """The values a live cell's record stores (lost values None when its overflow chain is broken);
    None with a warning when the record cannot be decoded."""
    try:
        if leaf.complete:
            return decode_record(leaf.payload, encoding)
        return decode_partial(leaf.payload, encoding)[0]
    except SqliteFormatError as exc:
        warnings.append(f"{name}: row at page {leaf.page} offset {leaf.offset}: {exc}")
        return None


def live_rows(database: Database, table: TableSchema, walker: TreeWalker,
              warnings: list[str]) -> Iterator[tuple[LeafCell, list[Any], int | None]]:
    """Every row of a table as (cell, values as stored in the record, rowid)."""
    for leaf in walker.cells(table.root_page, table.name):
        stored = decode_cell(leaf, database.encoding, table.name, warnings)
        if stored is not None:
            yield leaf, stored, None if table.without_rowid else leaf.rowid


def master_schema() -> TableSchema:
    return MASTER_SCHEMA
