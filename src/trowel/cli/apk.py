"""`trowel apk analyze APK`: evidence predictions for one app (which files it writes, with which evidence)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from trowel.cli.common import emit_json, note, progress_bar, warn

EPILOG = """\
examples:
  trowel apk analyze app.apk
  trowel apk analyze app.apk --time-limit 120 --json > predictions.jsonl

output (text): the package and counts on stderr, then one line per predicted evidence file after a
  header row:
  kind     database, shared_prefs, file, ...
  storage  internal, external, cache, ...
  types    evidence types the app writes there (messages, contacts, location, ...)
  path     the path the app writes (<pkg>, <user> ... stand for what changes per device), then tables=... for a
           database and "(editor never committed)" for preferences never saved; a "trace:" line below
           shows the code path from the source of the data to the write.
output (--json): one object per predicted file: path, file_kind, storage, types, tables, columns,
  committed, trace, sources.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("apk", help="evidence predictions for one app",
                            epilog="example:\n  trowel apk analyze app.apk\n")
    commands = parser.add_subparsers(dest="apk_command", metavar="COMMAND", parser_class=type(parser))
    analyze = commands.add_parser("analyze", help="predict the files an app writes and the evidence in each",
                                  epilog=EPILOG)
    analyze.add_argument("apk", type=Path, help="APK (or classes.dex) file")
    analyze.add_argument("--json", action="store_true", help="JSON Lines, one predicted evidence file per line")
    analyze.add_argument("--time-limit", type=float, default=None, help="seconds before the analysis stops")
    analyze.set_defaults(handler=run_analyze)
    parser.set_defaults(handler=lambda _args: (parser.print_help(sys.stderr), 2)[1])


def run_analyze(args: argparse.Namespace) -> int:
    from trowel.apk.engine import Limits
    from trowel.apk.predict import analyse_apk
    from trowel.errors import ApkError, TrowelError, UsageError

    if not args.apk.is_file():
        raise UsageError(f"{args.apk}: no such file")
    with progress_bar(f"analyse {args.apk.name}"):
        try:
            result = analyse_apk(args.apk, Limits(seconds=args.time_limit))
        except (TrowelError, KeyboardInterrupt):
            raise
        except MemoryError as exc:
            raise ApkError(f"{args.apk}: out of memory during the analysis") from exc
        except Exception as exc:  # one broad catch: a hostile APK must give one line, never a traceback
            raise ApkError(f"{args.apk}: the analysis failed ({type(exc).__name__}: {exc})") from exc
    for warning in result.warnings:
        warn(warning)
    if args.json:
        emit_json(p.to_json() for p in result.predictions)
        return 0
    note(f"{result.package}: {len(result.predictions)} predicted evidence files "
         f"({result.methods} methods, {result.seconds:.2f} s)")
    sys.stdout.write(f"{'kind':<12} {'storage':<8} {'types':<28} path\n")
    for p in result.predictions:
        line = f"{p.file_kind:<12} {p.storage:<8} {','.join(p.types):<28} {p.path}"
        if p.file_kind == "database" and p.tables:
            line += f"  tables={','.join(p.tables)}"
        if p.file_kind == "shared_prefs" and not p.committed:
            line += "  (editor never committed)"
        sys.stdout.write(line + "\n")
        if p.trace:
            sys.stdout.write("    trace: " + " -> ".join(p.trace) + "\n")
    return 0
