"""``trowel``: the command line. One module per command group registers its parser here.

Global options (``--quiet``, ``--json``) are accepted before or after the command name; a bad option is
answered with the usage of the command it was given to; every failure ends in one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

from trowel import __version__
from trowel import progress as _progress
from trowel.cli.common import EXIT_FAILED, EXIT_USAGE, QUIET, TerminalReporter, fail, live_progress
from trowel.errors import TrowelError, UsageError

# The command groups, in the order of the top-level help; each is the module ``trowel.cli.<name>``.
GROUPS = ["examine", "ls", "imo", "sqlite", "time", "apk", "aed", "net", "report"]
# Options of ``trowel`` itself that may come before the command name (none of them takes a value).
_GLOBAL_FLAGS = {"--quiet", "-q", "--json"}

EXAMPLES = """\
examples:
  trowel examine phone.tar --pcap capture.pcapng --out case1   # everything, into a case folder
  trowel ls phone.tar                                          # the files of an extraction
  trowel sqlite recover msgs.db --deleted-only                 # deleted rows of one database
  trowel --json imo phone.tar > imo.jsonl                      # records as JSON Lines
  trowel time decode 1700000000000                             # what a number means as a time

Data goes to stdout, progress and messages to stderr. --quiet and --json may be given before or after
the command. Exit status: 0 done, 1 failed (one line on stderr says why), 2 bad usage.
Every command has --help with an example and its output columns.
"""


class _Parser(argparse.ArgumentParser):
    """Usage and one line on stderr, exit 2: for every command and subcommand, its own usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps its subcommand parsers only here
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for child in action.choices.values():
                if id(child) not in seen:  # aliases map several names to one parser
                    seen.add(id(child))
                    yield child


def _prepare(parser: argparse.ArgumentParser) -> None:
    """Every parser of the tree: the global options (so they may follow the command name), its own name
    remembered for usage messages, and examples kept as written."""
    parser.set_defaults(_parser=parser)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    options = {opt for action in parser._actions for opt in action.option_strings}
    if "--quiet" not in options:
        parser.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                            help="no progress bars or notes on stderr (warnings are still listed at the end)")
    if "--json" not in options:
        parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    for action in parser._actions:
        if action.dest in ("json", "quiet"):
            action.default = argparse.SUPPRESS  # the value given anywhere on the line wins, not a default
    for child in _subparsers(parser):
        _prepare(child)


def _group(name: str) -> ModuleType:
    return importlib.import_module(f"trowel.cli.{name}")


def command_named(argv: Sequence[str]) -> str | None:
    """The command group a command line asks for, when it names one and nothing before it needs the others
    (``--help`` and ``--version`` list or describe every group): only that group's module is imported, so
    ``trowel net analyze`` does not load the SQLite engine, numpy or the case store."""
    for token in argv:
        if token in _GLOBAL_FLAGS:
            continue
        return token if token in GROUPS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser tree, or with ``only`` the tree of that one command group (what a run needs)."""
    parser = _Parser(prog="trowel", description="Find, extract, recover and date the evidence Android apps leave behind.",
                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"trowel {__version__}")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars or notes on stderr")
    parser.add_argument("--json", action="store_true", help="JSON Lines on stdout (every command that prints records)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in [only] if only is not None else GROUPS:
        _group(name).register(sub)
    for child in _subparsers(parser):
        _prepare(child)
    parser.set_defaults(_parser=parser, quiet=False, json=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(command_named(sys.argv[1:] if argv is None else argv))
    args, extra = parser.parse_known_args(argv)
    if extra:
        command: argparse.ArgumentParser = getattr(args, "_parser", parser)
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    QUIET["on"] = bool(args.quiet)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # a command that writes its results to files may draw bars while stdout is a terminal, unless --json
    # makes it stream records there too
    files_only = bool(getattr(args, "files_only", False)) and not args.json
    reporter = TerminalReporter(live_progress(QUIET["on"], files_only), QUIET["on"])
    previous = _progress.install(reporter)
    try:
        return int(handler(args) or 0)
    except UsageError as exc:
        getattr(args, "_parser", parser).error(str(exc))
        raise  # not reached: error() exits
    except TrowelError as exc:
        fail(str(exc), EXIT_FAILED)
    except KeyboardInterrupt as exc:
        fail(str(exc) or "interrupted", EXIT_FAILED)
    except BrokenPipeError:  # the reader of stdout went away (| head): stop quietly
        _silence_stdout()
        return 0
    except OSError as exc:  # the host refused a read or write the command needed
        where = f"{exc.filename}: " if exc.filename else ""
        fail(f"{where}{exc.strerror or exc}", EXIT_FAILED)
    except MemoryError:
        fail("out of memory", EXIT_FAILED)
    except Exception as exc:
        if os.environ.get("TROWEL_DEBUG"):
            raise
        text = str(exc).splitlines()[0] if str(exc) else ""
        fail(f"internal error: {type(exc).__name__}{': ' + text if text else ''} (TROWEL_DEBUG=1 shows where)",
             EXIT_FAILED)
    finally:
        _progress.install(previous)
        reporter.summary()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
