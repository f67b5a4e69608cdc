"""``trowel examine``: the main job. Every capability that applies, into one case folder."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Any

from trowel.case.examine import ExamineOptions, ExamineResult, examine
from trowel.cli.common import EXIT_FAILED, EXIT_OK, emit_json, note
from trowel.errors import UsageError

EPILOG = """\
example:
  trowel examine phone.tar --pcap capture.pcapng --apk app.apk --out case1

output:
  stdout: the path of the report (case1/report/index.html), or with --json one line
    {"case": DIR, "ok": true|false, "complete": ..., "report": ..., "records": {kind: count}, "files": N,
     "warnings": N, "problems": [...]}
  stderr: progress, notes, warnings; a failed input (--pcap that is no capture, --apk that cannot be
    analysed) is named with its reason, the rest of the case is still written, and the exit status is 1.

The case is built in a work folder beside DIR and renamed to DIR when the run ends. A run that stops part
way leaves DIR marked failed (FAILED.txt; log.jsonl ends with "ok": false and the reason); running examine
again with the same --out replaces such a folder without --force.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("examine", help="examine evidence into a case folder", epilog=EPILOG,
                            description="Every capability that applies, into one case folder (case.sqlite, "
                                        "report, CASE/UCO, CSV, log).")
    parser.add_argument("evidence", nargs="+", help="evidence items (folder, tar, zip, .ab, raw/ext4, E01, sparse)")
    parser.add_argument("--out", required=True, help="the case folder to create")
    parser.add_argument("--pcap", action="append", default=[], help="a packet capture to analyse (repeatable)")
    parser.add_argument("--keylog", help="NSS key log file (SSLKEYLOGFILE) to decrypt TLS sessions in the captures")
    parser.add_argument("--apk", action="append", default=[], help="an APK to analyse (repeatable)")
    parser.add_argument("--aed", help="an App Evidence Database to match against")
    parser.add_argument("--case-number", default="", help="case number shown in the report")
    parser.add_argument("--examiner", default="", help="examiner name shown in the report")
    parser.add_argument("--password", help="password of encrypted Android backups")
    parser.add_argument("--tz", default="UTC", help="display time zone for the outputs (stored times stay UTC)")
    parser.add_argument("--hash-limit", type=int, default=1 << 30,
                        help="hash inventory files up to this many bytes (default 1 GiB)")
    parser.add_argument("--force", action="store_true",
                        help="write into an existing non-empty folder (a folder a failed run left needs no --force)")
    parser.add_argument("--json", action="store_true", help="one JSON line on stdout describing the case")
    parser.set_defaults(handler=run, files_only=True)


def _check_zone(name: str) -> str:
    """A display zone must be an IANA name (Europe/Amsterdam) or UTC: refuse a typo before the run starts."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown time zone {name!r} (use an IANA name such as Europe/Amsterdam, or UTC)") from exc
    return name


def _examine_until_terminated(options: ExamineOptions) -> ExamineResult:
    """examine, with SIGTERM (``timeout``, a job scheduler, ``kill``) ending the run like Ctrl-C does, so the
    case folder is still moved into place and marked failed. Processes forked by the run keep the default."""
    main_pid = os.getpid()

    def terminated(signum: int, _frame: object) -> None:
        if os.getpid() != main_pid:  # a worker process forked during the run: die as it would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt("terminated")

    try:
        previous = signal.signal(signal.SIGTERM, terminated)
    except ValueError:  # not the main thread: no handler can be installed
        return examine(options)
    try:
        return examine(options)
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    _check_zone(args.tz)
    options = ExamineOptions(
        evidence=[Path(p) for p in args.evidence], out=Path(args.out), pcaps=[Path(p) for p in args.pcap],
        keylog=Path(args.keylog) if args.keylog else None,
        apks=[Path(p) for p in args.apk], aed=Path(args.aed) if args.aed else None, case_number=args.case_number,
        examiner=args.examiner, password=args.password, tz=args.tz, hash_limit=args.hash_limit, force=args.force,
        argv=vars(args),
    )
    result = _examine_until_terminated(options)
    note(f"case folder: {result.out}")
    for line in result.summary_lines():
        note(line)
    if args.json:
        emit_json([{"case": str(result.out), "ok": result.ok, "complete": True,
                    "report": str(result.report_index) if result.report_index else None, "records": result.counts,
                    "files": result.files, "warnings": result.warnings, "problems": result.problems}])
    elif result.report_index is not None:
        print(result.report_index)
    else:
        print(result.out / "case.sqlite")
    if result.ok:
        return EXIT_OK
    n = len(result.problems)
    first = result.problems[0] if result.problems else "see the case's log"
    more = f" (and {n - 1} more, listed with the warnings)" if n > 1 else ""
    sys.stderr.write(f"trowel: examine finished with {n} problem{'s' if n != 1 else ''}: {first}{more}; "
                     f"the rest of the case is in {result.out}\n")
    return EXIT_FAILED
