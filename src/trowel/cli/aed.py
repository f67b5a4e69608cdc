"""`trowel aed`: build App Evidence Databases from many APKs and match them against a device extraction."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from trowel.cli.common import emit_json, note, progress_bar, warn

BUILD_EPILOG = """\
examples:
  trowel aed build apks/ --db apps.aed
  trowel aed build a.apk b.apk --db apps.aed --jobs 2 --time-limit 120 --json

output (text): one summary line: apps, ok, failed, timeout, memory, predictions, seconds.
  Each app that could not be analysed is named on stderr with its reason (and listed again at the end).
output (--json): one object per app: apk, sha256, package, status (ok, failed, timeout, memory), error,
  seconds, peak_rss, predictions.
"""

MATCH_EPILOG = """\
examples:
  trowel aed match phone.tar --db apps.aed
  trowel aed match phone.tar --db apps.aed --json > matches.jsonl

output (text), one line per matching file after a header row:
  package  the app whose predictions the file matches
  user     Android user (u0, u10, ...); - when none
  types    evidence types predicted for the file (messages, contacts, location, ...)
  path     the file in the extraction; "(deleted)" when it was recovered
  then one line "not in AED: PACKAGE" per installed app the AED does not cover.
output (--json): evidence_file records, then finding records (app_not_in_aed).
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("aed", help="build and match App Evidence Databases",
                            epilog="example:\n  trowel aed build apks/ --db apps.aed && trowel aed match phone.tar "
                                   "--db apps.aed\n")
    commands = parser.add_subparsers(dest="aed_command", metavar="COMMAND", parser_class=type(parser))
    build = commands.add_parser("build", help="analyse many APKs into an AED (SQLite)", epilog=BUILD_EPILOG)
    build.add_argument("inputs", nargs="+", type=Path, metavar="APK_OR_DIR")
    build.add_argument("--db", type=Path, required=True, help="the AED file (created or extended)")
    build.add_argument("--jobs", type=int, default=2, help="local worker processes (default 2)")
    build.add_argument("--scheduler", help="Dask scheduler address (tcp://host:port): run on that cluster")
    build.add_argument("--time-limit", type=float, default=180.0, help="seconds per app (default 180)")
    build.add_argument("--memory-limit", type=int, default=1536, help="MiB per app (default 1536)")
    build.add_argument("--json", action="store_true", help="one JSON line per app with its status")
    build.set_defaults(handler=run_build, files_only=True)
    match = commands.add_parser("match", help="files of a device extraction that hold predicted evidence",
                                epilog=MATCH_EPILOG)
    match.add_argument("evidence", type=Path, help="any evidence source trowel reads")
    match.add_argument("--db", type=Path, required=True, help="the AED file")
    match.add_argument("--password", help="password of an encrypted Android backup")
    match.add_argument("--json", action="store_true", help="JSON Lines: evidence_file and finding records")
    match.set_defaults(handler=run_match)
    parser.set_defaults(handler=lambda _args: (parser.print_help(sys.stderr), 2)[1])


def run_build(args: argparse.Namespace) -> int:
    from trowel.aed.build import BuildOptions, build_aed, collect_apks
    from trowel.errors import TrowelError, UsageError

    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    options = BuildOptions(jobs=args.jobs, time_limit=args.time_limit, memory_limit=args.memory_limit << 20,
                           scheduler=args.scheduler)
    total = len(collect_apks(args.inputs))
    if total == 0:
        raise TrowelError("no APK files found in the inputs")
    with progress_bar("aed build", total=total) as bar:
        def progress(result: Any) -> None:
            bar.advance()
            if result.status != "ok":
                warn(f"{result.apk}: {result.status}: {result.error}")
            if args.json:
                emit_json([{"apk": result.apk, "sha256": result.sha256, "package": result.package,
                            "status": result.status, "error": result.error, "seconds": result.seconds,
                            "peak_rss": result.peak_rss, "predictions": len(result.predictions)}])
                sys.stdout.flush()

        summary = build_aed(args.inputs, args.db, options, progress)
    if not args.json:
        sys.stdout.write(f"apps: {summary.apps}, ok: {summary.ok}, failed: {summary.failed}, "
                         f"timeout: {summary.timeout}, memory: {summary.memory}, "
                         f"predictions: {summary.predictions}, seconds: {summary.seconds:.1f}\n")
    if summary.ok == 0:
        raise TrowelError(f"none of the {summary.apps} apps could be analysed (see the warnings)")
    return 0


def run_match(args: argparse.Namespace) -> int:
    from trowel.aed.db import AedDatabase
    from trowel.aed.match import Matcher
    from trowel.evidence import open_evidence

    with AedDatabase(args.db, create=False) as aed:
        matcher = Matcher(aed.predictions(), aed.packages())
    with open_evidence(args.evidence, args.password) as source, progress_bar("aed match"):
        result = matcher.run(source, "E1")
        for warning in source.warnings:
            warn(warning)
    if args.json:
        emit_json([*result.files, *result.uncovered])
        return 0
    sys.stdout.write(f"{'package':<30} {'user':<4} {'types':<28} path\n")
    for record in result.files:
        user = "-" if record.user is None else f"u{record.user}"
        sys.stdout.write(f"{record.package:<30} {user:<4} {','.join(record.types):<28} {record.path}"
                         f"{'  (deleted)' if record.deleted else ''}{'  (time only)' if record.time_only else ''}\n")
    for finding in result.uncovered:
        sys.stdout.write(f"not in AED: {finding.package}\n")
    note(f"{len(result.files)} files match AED predictions; {len(result.uncovered)} installed apps not in the AED")
    return 0
