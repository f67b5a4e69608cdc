"""What every command shares: JSON Lines output, one-line errors, progress bars on stderr."""

from __future__ import annotations

import json
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

from trowel.model import Record

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

stderr = Console(stderr=True, highlight=False)
QUIET = {"on": False}


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """One line on stderr and the exit status; never a traceback."""
    sys.stderr.write(f"trowel: {message.splitlines()[0] if message else 'failed'}\n")
    raise SystemExit(code)


def note(message: str) -> None:
    if not QUIET["on"]:
        stderr.print(message, markup=False)


def emit_json(items: Iterable[Record | dict[str, Any]], stream: Any = None) -> int:
    """Print one JSON object per line; returns how many were printed."""
    out = stream or sys.stdout
    n = 0
    for item in items:
        data = item.to_json() if isinstance(item, Record) else item
        out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        n += 1
    return n


class Bar:
    """A progress bar that does nothing when quiet or when stderr is not a terminal."""

    def __init__(self, progress: Progress | None, description: str, total: float | None, bytes_: bool) -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=total) if progress else None

    def advance(self, amount: float = 1) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, amount)

    def update(self, **kwargs: Any) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, **kwargs)


@contextmanager
def progress_bar(description: str, total: float | None = None, bytes_: bool = False) -> Iterator[Bar]:
    if QUIET["on"] or not stderr.is_terminal:
        yield Bar(None, description, total, bytes_)
        return
    columns: list[Any] = [TextColumn("{task.description}"), BarColumn()]
    columns += [DownloadColumn(), TransferSpeedColumn()] if bytes_ else [TextColumn("{task.completed:,.0f}")]
    columns.append(TimeRemainingColumn())
    with Progress(*columns, console=stderr, transient=True) as progress:
        yield Bar(progress, description, total, bytes_)
