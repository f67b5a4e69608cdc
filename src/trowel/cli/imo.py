"""``trowel imo EVIDENCE``: imo records (live and deleted) from one extraction, of every package and user."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from trowel.apps.blocks import EncodedBlock, summary_key
from trowel.cli.common import emit_json, fail, note, progress_bar, warn
from trowel.errors import TrowelError
from trowel.evidence import open_evidence
from trowel.scratch import private_folder

SCRATCH_PREFIX = "trowel-imo-"  # the app files copied for parsing, in the system temp folder
EPILOG = """\
examples:
  trowel imo phone.tar                       # how many records of each kind, per package and user
  trowel imo phone.tar --json > imo.jsonl    # every record as JSON Lines

output (text), one line per group after a header row:
  package  the imo package (com.imo.android.imoim, the lite app, clones)
  user     Android user (0, 10, ...)
  kind     message, contact, call, account, media, finding, ...
  state    live, deleted, orphaned
  count    records of that group
  finding  for findings: which one (a future time, rowid order, ...)

output (--json): one object per record (message, contact, call, ...), with its provenance (evidence,
  path, table, rowid, page, offset) and raw values, as stored by examine.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("imo", help="imo records from one extraction", epilog=EPILOG,
                            description="imo records, live and deleted, of every imo package and user of one "
                                        "extraction.")
    parser.add_argument("evidence", help="folder, tar, zip, Android backup, raw/ext4 image, E01 or sparse image")
    parser.add_argument("--json", action="store_true", help="JSON Lines, one record per line")
    parser.add_argument("--password", help="password of an encrypted Android backup")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from trowel.apps import get_app
    from trowel.apps.runner import find_app_data, run_app

    path = Path(args.evidence)
    try:
        source = open_evidence(path, args.password)
    except TrowelError as exc:
        fail(str(exc))
    scratch = private_folder(SCRATCH_PREFIX)  # a killed run's folder is removed at the next start
    counts: dict[tuple[str, str, int | None, str, str], int] = {}
    try:
        with source, progress_bar("imo records") as bar:
            spec = get_app("imo")
            found = find_app_data(source, path.name, scratch, [spec])
            if not found:
                note("no imo data found in this evidence")

            def take_block(block: EncodedBlock) -> None:  # records mapped and encoded by worker processes
                if args.json:
                    block.write(sys.stdout)
                for key, n in block.counts.items():
                    counts[key] = counts.get(key, 0) + n
                bar.advance(block.records)

            for data in found:
                data.block_sink = take_block
                for record in run_app(data):
                    if args.json:
                        emit_json([record])
                    key = summary_key(record)
                    counts[key] = counts.get(key, 0) + 1
                    bar.advance()
            for warning in source.warnings:
                warn(warning)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not args.json:
        sys.stdout.write(f"{'package':<28} {'user':>4} {'kind':<10} {'state':<9} {'count':>8}  finding\n")
        for (package, kind, user, state, finding), n in sorted(counts.items(), key=lambda kv: tuple(map(str, kv[0]))):
            sys.stdout.write(f"{package:<28} {user if user is not None else '-':>4} {kind:<10} {state:<9} {n:>8}  "
                             f"{finding}\n")
    return 0
