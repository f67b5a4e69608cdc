"""`trowel report DIR`: regenerate every output of a case folder from its case.sqlite alone."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from trowel.cli.common import EXIT_OK, emit_json, failed, progress_bar, warn
from trowel.errors import CaseError

EPILOG = """\
examples:
  trowel report case1
  trowel report case1 --json

output (text): the path of the report's index.html.
output (--json): one object per output written: {"writer": NAME, "files": [...]}, and one per output that
  failed: {"writer": NAME, "error": REASON}. An output that fails is named on stderr and the exit status is 1.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("report", help="regenerate every output of a case folder", epilog=EPILOG,
                            description="Regenerate every output of a case folder (report, CASE/UCO, CSV, "
                                        "timeline) from its case.sqlite alone.")
    parser.add_argument("dir", help="the case folder (holds case.sqlite)")
    parser.add_argument("--json", action="store_true", help="print one JSON line per output written")
    parser.set_defaults(handler=run, files_only=True)


def run(args: argparse.Namespace) -> int:
    from trowel.report.casedata import CaseData
    from trowel.report.registry import load_writers, write_all

    root = Path(args.dir)
    if not (root / "case.sqlite").is_file():
        raise CaseError(f"{root}: no case.sqlite in this folder")
    case = CaseData.open(root)
    try:
        with progress_bar("report", total=len(load_writers())) as bar:
            result = write_all(case, lambda _name: bar.advance())
        entry = case.store.log_action("report", {"dir": str(root)}, {
            "outputs": {k: len(v) for k, v in result.outputs.items()}, "failures": result.failures})
        if (root / "log.jsonl").is_file():
            with open(root / "log.jsonl", "a", encoding="utf-8") as stream:
                stream.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    finally:
        case.close()
    if args.json:
        emit_json({"writer": name, "files": [str(p) for p in paths]} for name, paths in result.outputs.items())
        emit_json({"writer": name, "error": reason} for name, reason in result.failures.items())
    for name, reason in result.failures.items():
        warn(f"output {name} failed: {reason}")
    index = root / "report" / "index.html"
    if not args.json:
        print(index if index.exists() else root)
    if result.ok:
        return EXIT_OK
    names = ", ".join(sorted(result.failures)) or "see the warnings"
    return failed(f"{len(result.failures)} output(s) could not be written: {names}")
