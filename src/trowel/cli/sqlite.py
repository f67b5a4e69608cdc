"""`trowel sqlite recover`: live and deleted rows of an SQLite database, read byte by byte."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trowel.cli.common import EXIT_OK, emit_json, note, progress_bar, warn
from trowel.errors import TrowelError
from trowel.model.values import iso_utc, ns_to_datetime
from trowel.sqlite import SqliteRecord, recover

MAX_CELL = 40
STATE_ORDER = {"live": 0}

EPILOG = """\
examples:
  trowel sqlite recover msgs.db                       # every row, live and deleted, grouped by row
  trowel sqlite recover msgs.db --deleted-only --table messages --no-truncate
  trowel sqlite recover msgs.db --json > rows.jsonl   # JSON Lines, streamed

output (text), one line per copy of a row, the copies of one row (same table and rowid) together:
  state    live, or deleted (recovered from free space, freelist, WAL frames or the journal)
  table    the table the row belongs to (? when it could not be told)
  rowid    the row's rowid (? when the cell header holding it was overwritten)
  copy     k/n: this is copy k of the n copies of the row found (- when there is one)
  where    region, page and byte offset of the cell (p2+3984), WAL frame (f5)
  conf     confidence of the table attribution (0..1); "partial" when some values were lost
  values   column=value; BLOBs as x'hex'; a column that holds times also shows the decoded UTC time
           and its format, e.g. ts=1700000180000 (2023-11-14T22:16:20Z unix_ms); cut at 40 characters
           unless --no-truncate
  note     where a copy comes from (an older committed WAL version of the page, an uncommitted frame, ...)
The WAL and journal notes and the count of records follow on stderr.

output (--json): one object per record: table, state, region, page, offset, rowid, values, columns,
  confidence, partial, frame, salts, commit, source_file, note.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("sqlite", help="forensic SQLite reader and deleted-record recovery",
                            epilog="example:\n  trowel sqlite recover msgs.db --deleted-only\n")
    inner = parser.add_subparsers(dest="sqlite_command", metavar="SUBCOMMAND", parser_class=type(parser))
    rec = inner.add_parser("recover", help="live rows and every recoverable deleted row of a database",
                           description="Live rows and every recoverable deleted row of an SQLite database "
                                       "(with its WAL and rollback journal); the files are never modified.",
                           epilog=EPILOG)
    rec.add_argument("db", type=Path, help="the database file (never modified)")
    rec.add_argument("--wal", type=Path, help="WAL file (default: DB-wal beside the database)")
    rec.add_argument("--journal", type=Path, help="rollback journal (default: DB-journal beside the database)")
    rec.add_argument("--table", action="append", dest="tables", help="only this table (repeatable)")
    rec.add_argument("--deleted-only", action="store_true", help="only recovered (deleted) rows")
    rec.add_argument("--no-truncate", action="store_true", help="show every value whole (text output)")
    rec.add_argument("--json", action="store_true", help="JSON Lines, one record per line")
    rec.set_defaults(handler=_recover)
    parser.set_defaults(handler=lambda _a: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _cell(value: Any, whole: bool) -> str:
    if isinstance(value, bytes):
        shown = value if whole else value[:16]
        text = "x'" + shown.hex() + ("…" if len(shown) < len(value) else "") + "'"
    else:
        text = "NULL" if value is None else str(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if whole or len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def _where(rec: SqliteRecord) -> str:
    where = f"{rec.region}"
    if rec.page is not None:
        where += f" p{rec.page}"
    if rec.offset is not None:
        where += f"+{rec.offset}"
    if rec.frame is not None:
        where += f" f{rec.frame}"
    return where


class TimeColumns:
    """Which columns of each table hold times (the timestamp toolkit's field inference over the rows found),
    and the decoded UTC text of a value."""

    def __init__(self, records: Iterable[SqliteRecord]) -> None:
        from trowel.apps.generic import time_columns
        from trowel.timestamps import get_format

        by_table: dict[str, tuple[list[str], list[list[Any]]]] = {}
        for rec in records:
            if rec.table is None:
                continue
            columns, rows = by_table.setdefault(rec.table, (rec.columns, []))
            if len(rows) < 2000:
                rows.append(rec.values)
        self.formats = {table: {column: get_format(name) for column, name in time_columns(columns, rows).items()}
                        for table, (columns, rows) in by_table.items()}

    def decoded(self, table: str | None, column: str, value: Any) -> str | None:
        from trowel.timestamps.decoding import candidates, read

        fmt = self.formats.get(table or "", {}).get(column)
        if fmt is None or value is None or isinstance(value, bool):
            return None
        for raw in candidates(fmt, value):
            reading = read(fmt, raw)
            if reading.ok and reading.unix_ns is not None:
                try:
                    return f"{iso_utc(ns_to_datetime(reading.unix_ns))} {fmt.name}"
                except (OverflowError, ValueError):
                    return None
        return None


HEADER = f"{'state':<8} {'table':<16} {'rowid':>8} {'copy':<5} {'where':<24} {'conf':>4}  values"


def _line(rec: SqliteRecord, copy: str, times: TimeColumns, whole: bool) -> str:
    cells = []
    for column, value in zip(rec.columns, rec.values, strict=False):
        text = f"{column}={_cell(value, whole)}"
        when = times.decoded(rec.table, column, value)
        cells.append(f"{text} ({when})" if when else text)
    flag = " partial" if rec.partial else ""
    rowid = "?" if rec.rowid is None else str(rec.rowid)
    note_text = f"  [{rec.note}]" if rec.note else ""
    return (f"{rec.state:<8} {rec.table or '?':<16} {rowid:>8} {copy:<5} {_where(rec):<24} {rec.confidence:4.2f}"
            f"{flag}  {' | '.join(cells)}{note_text}")


def _grouped(records: list[SqliteRecord]) -> list[tuple[SqliteRecord, str]]:
    """Records with every copy of one row (same table and rowid) together, live copy first; rows without a
    rowid last in their table, in the order found."""
    order = {id(r): n for n, r in enumerate(records)}
    counts: dict[tuple[str | None, int], int] = {}
    for r in records:
        if r.rowid is not None:
            counts[(r.table, r.rowid)] = counts.get((r.table, r.rowid), 0) + 1
    first_seen: dict[str | None, int] = {}
    for r in records:
        first_seen.setdefault(r.table, order[id(r)])

    def key(r: SqliteRecord) -> tuple[int, int, int, int, int]:
        no_rowid = r.rowid is None
        return (first_seen[r.table], int(no_rowid), 0 if no_rowid else int(r.rowid or 0),
                STATE_ORDER.get(r.state, 1), order[id(r)])

    out: list[tuple[SqliteRecord, str]] = []
    seen: dict[tuple[str | None, int], int] = {}
    for r in sorted(records, key=key):
        if r.rowid is None or counts[(r.table, r.rowid)] == 1:
            out.append((r, "-"))
            continue
        k = seen[(r.table, r.rowid)] = seen.get((r.table, r.rowid), 0) + 1
        out.append((r, f"{k}/{counts[(r.table, r.rowid)]}"))
    return out


def _recover(args: argparse.Namespace) -> int:
    if not args.db.is_file():
        raise TrowelError(f"{args.db}: no such file")
    result = recover(args.db, args.wal, args.journal, tables=args.tables, deleted_only=args.deleted_only)
    total = deleted = 0
    kept: list[SqliteRecord] = []
    with progress_bar(f"recovering {args.db.name}") as bar:
        for rec in result.iter_records():
            total += 1
            deleted += rec.state == "deleted"
            if args.json:
                emit_json([rec.to_json()])
            else:
                kept.append(rec)  # text output groups the copies of each row: it needs them all
            bar.advance()
    name = args.db.name
    messages = [w if w.startswith(f"{name}:") else f"{name}: {w}" for w in result.warnings]
    if total == 0 and not result.schema:  # nothing could be read: the first warning is the reason
        for message in messages[1:]:
            warn(message)
        raise TrowelError(messages[0] if messages else f"{name}: no tables and no records found")
    if not args.json:
        times = TimeColumns(kept)
        out = sys.stdout
        out.write(HEADER + "\n")
        for rec, copy in _grouped(kept):
            out.write(_line(rec, copy, times, args.no_truncate) + "\n")
    for message in messages:
        warn(message)
    note(f"{total} records ({deleted} deleted) from {name}")
    return EXIT_OK
