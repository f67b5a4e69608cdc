"""Nothing an app parser claims is silently dropped.

An app spec claims files (its ``app_paths``), so generic extraction leaves them alone; the spec maps the tables
it knows to records. Every other table of a claimed SQLite database is extracted here as ``generic_row``
records, live and recovered, with the timestamp toolkit's column typing (``trowel.apps.generic.time_columns``),
and one finding per database, ``schema_differs``, lists the tables the spec does not know (with their live and
deleted row counts) and the columns of known tables that the spec does not name (with the number of live rows
that hold a value), so an examiner sees that the schema is not the one the parser was written for.

A parser that has the database open already (and its recovered rows) calls :func:`unmapped_records` itself and
marks the file handled (:meth:`~trowel.apps.extraction.AppData.mark_handled`); the runner calls
:func:`leftover_records` after every parser for the claimed databases no parser marked, so the rule holds for
every spec, including future ones that know nothing about it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from trowel.apps.extraction import AppData, LocatedFile
from trowel.apps.generic import SQLITE_MAGIC, time_columns
from trowel.apps.registry import AppSpec
from trowel.apps.rows import DatabaseCopy, Row
from trowel.errors import TrowelError
from trowel.model import Finding, GenericRow, Provenance, Record, TimeValue
from trowel.timestamps import stamp

TYPING_SAMPLE = 5000  # rows per table the column typing looks at
SCAN_LIMIT = 200_000  # live rows above which a recovered row without rowid is not compared by a full scan
FINDING = "schema_differs"


def known_columns(spec: AppSpec, relative: str) -> dict[str, set[str]]:
    """Table -> column names the spec maps, for the database at this app-relative path."""
    return {t.name: set(t.columns) for t in spec.tables_for(relative)}


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return str(value)
    return value


def _signature(values: dict[str, Any]) -> tuple[Any, ...]:  # the same row found twice in free space
    return tuple(sorted((c, repr(v)) for c, v in values.items() if v is not None))


def _generic(app: str, package: str, user: int | None, evidence: str, path: str, row: Row,
             formats: dict[str, str]) -> GenericRow:
    values = {c: _json_value(v) for c, v in row.values.items()}
    times: dict[str, TimeValue] = {c: stamp(values[c], fmt) for c, fmt in formats.items()
                                   if values.get(c) is not None}
    first = next((t for t in times.values() if t.unix_ns is not None), None)
    return GenericRow(source=row.provenance(evidence, path), state=row.state, confidence=row.confidence, app=app,
                      package=package, user=user, container="sqlite", table=row.table, values=values,
                      time_fields=times, time=first, raw={"partial": True} if row.partial else {})


def unmapped_records(app: str, package: str, user: int | None, db: DatabaseCopy, known: dict[str, set[str]],
                     deleted: Iterable[Row], finding: bool = True) -> Iterator[Record]:
    """Generic rows of every table ``known`` does not name, and the ``schema_differs`` finding.

    ``deleted`` are recovered rows of the database (of any table; those of known tables are ignored here):
    a parser passes the rows it recovered already, so the file goes through the recovery engine once.
    """
    tables = {name: cols for name, cols in db.tables().items() if not name.startswith("sqlite_")}
    unknown = sorted(t for t in tables if t not in known)
    recovered: dict[str, list[Row]] = {}
    for row in deleted:
        if row.table in unknown or (row.table not in known and not row.table.startswith("sqlite_")):
            recovered.setdefault(row.table, []).append(row)
    census: dict[str, dict[str, Any]] = {}
    for table in sorted(set(unknown) | set(recovered)):
        gone: list[Row] = []
        seen: set[tuple[Any, ...]] = set()
        for row in recovered.get(table, []):
            key = _signature(row.values)
            if key in seen or (table in tables and _is_live(db, table, row)):  # a copy of a live or deleted row
                continue
            seen.add(key)
            gone.append(row)
        columns = tables.get(table) or (list(gone[0].values) if gone else [])
        sample = [[r.values.get(c) for c in columns] for r in _head(db.live_rows(table), TYPING_SAMPLE)]
        sample += [[r.values.get(c) for c in columns] for r in gone[:TYPING_SAMPLE]]
        formats = time_columns(columns, sample)
        live = 0
        for row in db.live_rows(table):  # streamed: an unknown table may be large
            live += 1
            yield _generic(app, package, user, db.evidence, db.path, row, formats)
        for row in gone:
            yield _generic(app, package, user, db.evidence, db.path, row, formats)
        census[table] = {"live": live, "deleted": len(gone), "columns": columns, "time_columns": formats}
    extra: dict[str, dict[str, int]] = {}
    for table, cols in sorted(tables.items()):
        names = known.get(table)
        if names is None:
            continue
        new = [c for c in cols if c not in names]
        if new:
            extra[table] = {c: _filled(db, table, c) for c in new}
    if finding and (census or extra):
        yield _finding(app, package, user, db, census, extra)


def _head(rows: Iterator[Row], limit: int) -> list[Row]:
    out = []
    for row in rows:
        out.append(row)
        if len(out) >= limit:
            break
    return out


def _is_live(db: DatabaseCopy, table: str, row: Row) -> bool:
    """Whether a live row holds exactly these values (then the recovered row is an old copy of it)."""
    columns = [c for c in row.values if c in set(db.tables().get(table, []))]
    if not columns:
        return False
    quoted = table.replace('"', '""')
    where = " AND ".join(f'"{c.replace(chr(34), chr(34) * 2)}" IS ?' for c in columns)
    params = [row.values[c] for c in columns]
    if row.rowid is not None:
        where += " AND rowid = ?"
        params.append(row.rowid)
    elif db.count(table) > SCAN_LIMIT:  # one full scan per recovered row would not end: kept (may repeat a row)
        return False
    try:
        found = db.connect().execute(f'SELECT 1 FROM "{quoted}" WHERE {where} LIMIT 1', params).fetchone()
    except (sqlite3.DatabaseError, OverflowError):
        return False
    return found is not None


def _filled(db: DatabaseCopy, table: str, column: str) -> int:
    """Live rows of the table with a value in the column."""
    quoted_table, quoted_column = table.replace('"', '""'), column.replace('"', '""')
    try:
        found = db.connect().execute(
            f'SELECT count(*) FROM "{quoted_table}" WHERE "{quoted_column}" IS NOT NULL').fetchone()
    except sqlite3.DatabaseError:
        return 0
    return int(found[0])


def _finding(app: str, package: str, user: int | None, db: DatabaseCopy, census: dict[str, dict[str, Any]],
             extra: dict[str, dict[str, int]]) -> Finding:
    parts = []
    if census:
        parts.append("tables it does not know, extracted as generic rows: " + ", ".join(
            f"{t} ({c['live']} live, {c['deleted']} deleted)" for t, c in census.items()))
    if extra:
        parts.append("columns it does not know, kept in the records' raw values: " + ", ".join(
            f"{t}.{c} ({n} rows with a value)" for t, cols in extra.items() for c, n in cols.items()))
    return Finding(source=Provenance(evidence=db.evidence, path=db.path), app=app, package=package, user=user,
                   finding=FINDING, severity="notice",
                   message=f"schema differs from what the {app} parser knows: " + "; ".join(parts),
                   raw={"unknown_tables": census, "unknown_columns": extra})


def _is_sqlite(data: AppData, located: LocatedFile) -> bool:
    if located.entry.size < 100:
        return False
    with data.source.open(located.entry) as stream:
        return bytes(stream.read(16)) == SQLITE_MAGIC


def leftover_records(data: AppData, stopped: bool = False) -> Iterator[Record]:
    """Unmapped tables of every claimed SQLite database no parser marked handled (see the module's doc).

    ``stopped``: the parser failed part-way; then every table of every claimed database is extracted as generic
    rows (the records the parser made before it stopped are kept too, so some rows appear twice, in two kinds).
    """
    spec = data.spec
    for package in sorted(data.packages):
        for relative, located in sorted(data.packages[package].items()):
            if relative.endswith(("-wal", "-journal", "-shm")) or (located.canonical in data.handled and not stopped):
                continue
            try:
                if not _is_sqlite(data, located):
                    continue
                db = data.database(package, relative)
            except (TrowelError, OSError) as exc:
                data.warn(located.path, f"tables the {spec.name} parser does not map not read: {exc}")
                continue
            if db is None:
                continue
            data.handled.add(located.canonical)
            try:
                known = {} if stopped else known_columns(spec, relative)
                unknown = [t for t in db.tables() if t not in known and not t.startswith("sqlite_")]
                deleted = db.deleted_rows(unknown) if unknown else iter(())
                yield from unmapped_records(spec.name, package, data.user, db, known, deleted, finding=not stopped)
            except (TrowelError, sqlite3.DatabaseError) as exc:
                data.warn(db.path, f"tables the {spec.name} parser does not map not read: {exc}")
            finally:
                for message in db.warnings:
                    data.warn(db.path, message)
                db.close()


__all__ = ["FINDING", "known_columns", "leftover_records", "unmapped_records"]
