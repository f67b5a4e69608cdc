"""``trowel examine``: the main job. Every capability that applies, into one case folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from trowel.case.examine import ExamineOptions, examine
from trowel.cli.common import note
from trowel.errors import UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser("examine", help="examine evidence into a case folder")
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
    parser.add_argument("--force", action="store_true", help="write into an existing non-empty folder")
    parser.set_defaults(handler=run, files_only=True)


def _check_zone(name: str) -> str:
    """A display zone must be an IANA name (Europe/Amsterdam) or UTC: refuse a typo before the run starts."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown time zone {name!r} (use an IANA name such as Europe/Amsterdam, or UTC)") from exc
    return name


def run(args: argparse.Namespace) -> int:
    _check_zone(args.tz)
    options = ExamineOptions(
        evidence=[Path(p) for p in args.evidence], out=Path(args.out), pcaps=[Path(p) for p in args.pcap],
        keylog=Path(args.keylog) if args.keylog else None,
        apks=[Path(p) for p in args.apk], aed=Path(args.aed) if args.aed else None, case_number=args.case_number,
        examiner=args.examiner, password=args.password, tz=args.tz, hash_limit=args.hash_limit, force=args.force,
        argv=vars(args),
    )
    result = examine(options)
    note(f"case folder: {result.out}")
    for line in result.summary_lines():
        note(line)
    if result.report_index is not None:
        print(result.report_index)
    else:
        print(result.out / "case.sqlite")
    return 0 if result.ok else 1
