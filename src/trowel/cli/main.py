"""``trowel``: the command line. One module per command group registers its parser here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from trowel import __version__
from trowel import progress as _progress
from trowel.cli import aed, apk, examine, imo, ls, net, report, sqlite, time
from trowel.cli.common import EXIT_FAILED, EXIT_USAGE, QUIET, TerminalReporter, fail, live_progress
from trowel.errors import TrowelError, UsageError

GROUPS = [examine, ls, imo, sqlite, time, apk, aed, net, report]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"trowel: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="trowel", description="Find, extract, recover and date the evidence Android apps leave behind.")
    parser.add_argument("--version", action="version", version=f"trowel {__version__}")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars or notes on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    QUIET["on"] = bool(args.quiet)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    reporter = TerminalReporter(live_progress(QUIET["on"], bool(getattr(args, "files_only", False))), QUIET["on"])
    previous = _progress.install(reporter)
    try:
        return int(handler(args) or 0)
    except UsageError as exc:
        fail(str(exc), EXIT_USAGE)
    except TrowelError as exc:
        fail(str(exc), EXIT_FAILED)
    except KeyboardInterrupt:
        fail("interrupted", EXIT_FAILED)
    except BrokenPipeError:
        return 0
    finally:
        _progress.install(previous)
        reporter.summary()


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
