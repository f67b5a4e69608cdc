"""Command groups whose capability is not built yet say so in one line and exit 2."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from trowel.cli.common import EXIT_USAGE


def register_pending(sub: Any, name: str, help_text: str, issue: int) -> None:
    parser = sub.add_parser(name, help=f"{help_text} (not built yet)", add_help=True)
    parser.add_argument("rest", nargs=argparse.REMAINDER)

    def handler(_args: argparse.Namespace) -> int:
        sys.stderr.write(f"trowel {name}: not built yet (issue {issue})\n")
        return EXIT_USAGE

    parser.set_defaults(handler=handler)
