"""What every command shares: JSON Lines on stdout, one-line errors, progress and warnings on stderr.

Data goes to stdout and nothing else does. Progress bars are drawn on stderr, only when stderr is a
terminal, never when ``--quiet`` is given, and never while stdout is the same kind of live terminal output a
command streams its data to (the data itself shows the progress there). rich never captures stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from trowel import progress as _progress
from trowel.model import Record
from trowel.model.jsonl import record_line, record_text, write_lines
from trowel.progress import Bar, SilentBar

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

stderr = Console(stderr=True, highlight=False, soft_wrap=True)
QUIET = {"on": False}

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "QUIET", "TerminalReporter", "emit_json", "fail", "failed", "note",
           "progress_bar", "record_line", "record_text", "warn"]

_record_text = record_text  # the name worker code and tests used before the encoder moved to the model


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """One line on stderr and the exit status; never a traceback."""
    sys.stderr.write(f"trowel: {message.splitlines()[0] if message else 'failed'}\n")
    raise SystemExit(code)


def failed(message: str) -> int:
    """The one line that says why a command ends with exit status 1 (shown also with ``--quiet``)."""
    sys.stderr.write(f"trowel: {message.splitlines()[0] if message else 'failed'}\n")
    return EXIT_FAILED


def note(message: str) -> None:
    """A message for the examiner on stderr (not with ``--quiet``), never wrapped."""
    if not QUIET["on"]:
        stderr.print(message, markup=False, soft_wrap=True)


def warn(message: str) -> None:
    """A warning: printed whole on stderr now (unless quiet) and listed again when the command ends."""
    _progress.warn(message)


def emit_json(items: Iterable[Record | dict[str, Any]], stream: Any = None) -> int:
    """Print one JSON object per line on stdout (or ``stream``); returns how many were printed."""
    return write_lines(items, stream or sys.stdout)


class _RichBar:
    def __init__(self, progress: Progress, description: str, total: float | None) -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=total)

    def advance(self, amount: float = 1) -> None:
        self._progress.advance(self._task, amount)

    def update(self, **kwargs: Any) -> None:
        self._progress.update(self._task, **kwargs)


class TerminalReporter:
    """The command line's reporter: rich bars on stderr when ``live``; warnings printed whole and kept."""

    def __init__(self, live: bool, quiet: bool) -> None:
        self.live = live
        self.quiet = quiet
        self.warnings: list[str] = []

    @contextmanager
    def bar(self, description: str, total: float | None, bytes_: bool) -> Iterator[Bar]:
        if not self.live:
            yield SilentBar()
            return
        columns: list[Any] = [TextColumn("{task.description}"), BarColumn()]
        columns += [DownloadColumn(), TransferSpeedColumn()] if bytes_ else [TextColumn("{task.completed:,.0f}")]
        columns.append(TimeRemainingColumn())
        with Progress(*columns, console=stderr, transient=True, redirect_stdout=False,
                      redirect_stderr=False) as progress:
            yield _RichBar(progress, description, total)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        if not self.quiet:
            stderr.print(f"trowel: warning: {message}", markup=False, soft_wrap=True)

    def summary(self) -> None:
        """List every warning of the run again, so none scrolls away unseen (also with ``--quiet``)."""
        if not self.warnings:
            return
        n = len(self.warnings)
        sys.stderr.write(f"trowel: {n} warning{'s' if n != 1 else ''} in this run:\n")
        for message in self.warnings:
            sys.stderr.write(f"  - {message}\n")


def live_progress(quiet: bool, files_only: bool) -> bool:
    """Whether bars may be drawn: stderr is a terminal, not quiet, and stdout is not a terminal the command
    streams its data to (``files_only``: the command writes its results to files, so a terminal stdout is fine)."""
    if quiet or not stderr.is_terminal:
        return False
    try:
        stdout_tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        stdout_tty = False
    return files_only or not stdout_tty


@contextmanager
def progress_bar(description: str, total: float | None = None, bytes_: bool = False) -> Iterator[Bar]:
    with _progress.progress_bar(description, total, bytes_) as bar:
        yield bar
