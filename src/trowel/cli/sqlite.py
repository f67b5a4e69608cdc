"""`trowel sqlite recover`: live and deleted rows of an SQLite database, read byte by byte."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from trowel.cli.common import EXIT_FAILED, EXIT_OK, emit_json, note, progress_bar
from trowel.errors import TrowelError
from trowel.sqlite import SqliteRecord, recover

MAX_CELL = 40


def register(sub: Any) -> None:
    parser = sub.add_parser("sqlite", help="forensic SQLite reader and deleted-record recovery")
    inner = parser.add_subparsers(dest="sqlite_command", metavar="SUBCOMMAND", parser_class=type(parser))
    rec = inner.add_parser("recover", help="live rows and every recoverable deleted row of a database")
    rec.add_argument("db", type=Path, help="the database file (never modified)")
    rec.add_argument("--wal", type=Path, help="WAL file (default: DB-wal beside the database)")
    rec.add_argument("--journal", type=Path, help="rollback journal (default: DB-journal beside the database)")
    rec.add_argument("--table", action="append", dest="tables", help="only this table (repeatable)")
    rec.add_argument("--deleted-only", action="store_true", help="only recovered (deleted) rows")
    rec.add_argument("--json", action="store_true", help="JSON Lines, one record per line")
    rec.set_defaults(handler=_recover)
    parser.set_defaults(handler=lambda _a: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _cell(value: Any) -> str:
    if isinstance(value, bytes):
        text = "x'" + value[:16].hex() + ("…" if len(value) > 16 else "") + "'"
    else:
        text = "NULL" if value is None else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def _line(rec: SqliteRecord) -> str:
    where = f"{rec.region}"
    if rec.page is not None:
        where += f" p{rec.page}"
    if rec.offset is not None:
        where += f"+{rec.offset}"
    if rec.frame is not None:
        where += f" f{rec.frame}"
    vals = " | ".join(f"{c}={_cell(v)}" for c, v in zip(rec.columns, rec.values, strict=False))
    flag = " partial" if rec.partial else ""
    rowid = "?" if rec.rowid is None else str(rec.rowid)
    return f"{rec.state:7} {rec.table or '?':16} {where:28} rowid={rowid:>7} c={rec.confidence:.2f}{flag}  {vals}"


def _recover(args: argparse.Namespace) -> int:
    if not args.db.is_file():
        raise TrowelError(f"{args.db}: no such file")
    result = recover(args.db, args.wal, args.journal, tables=args.tables, deleted_only=args.deleted_only)
    total = deleted = 0
    with progress_bar(f"recovering {args.db.name}") as bar:
        for rec in result.iter_records():
            total += 1
            deleted += rec.state == "deleted"
            if args.json:
                emit_json([rec.to_json()])
            else:
                sys.stdout.write(_line(rec) + "\n")
            bar.advance()
    for warning in result.warnings:
        note(f"warning: {warning}")
    if total == 0 and not result.schema and result.warnings:
        raise TrowelError(f"{args.db.name}: {result.warnings[0]}")
    note(f"{total} records ({deleted} deleted) from {args.db.name}")
    return EXIT_OK if total or result.schema else EXIT_FAILED
