"""What every command shares: JSON Lines output, one-line errors, progress bars on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import orjson
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
from trowel.model.values import ODD_FOR_FAST_JSON

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


# what json.dumps(data, ensure_ascii=False, separators=(",", ":")) builds on every call, built once
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_CHUNK_LINES = 256  # lines joined into one write: fewer calls into the text layer for million-record outputs


def _record_text(record: Record) -> str:
    """A record's JSON text, exactly as the standard encoder writes it (compact, non-ASCII kept).

    orjson writes the same bytes for everything a record's own ``to_json`` produces except a few values
    (floats below 1e-4, NaN, infinities; counted by the model while converting) and what it refuses (integers
    beyond 64 bits, lone surrogates): those records go through the standard encoder.
    """
    mark = ODD_FOR_FAST_JSON[0]
    data = record.to_json()
    if ODD_FOR_FAST_JSON[0] == mark and type(record).to_json is Record.to_json:
        try:
            return orjson.dumps(data).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError
            pass
    return _ENCODE(data)


def record_line(record: Record) -> bytes:
    """``_record_text(record) + "\\n"`` as UTF-8 bytes, made without the str in between (worker processes hand
    JSON Lines over as bytes). Raises UnicodeEncodeError for text UTF-8 cannot hold (lone surrogates)."""
    mark = ODD_FOR_FAST_JSON[0]
    data = record.to_json()
    if ODD_FOR_FAST_JSON[0] == mark and type(record).to_json is Record.to_json:
        try:
            return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE)
        except TypeError:  # orjson.JSONEncodeError
            pass
    return (_ENCODE(data) + "\n").encode("utf-8")


def emit_json(items: Iterable[Record | dict[str, Any]], stream: Any = None) -> int:
    """Print one JSON object per line (compact, non-ASCII kept as is); returns how many were printed.

    Lines are written in chunks; whatever was encoded is written even when ``items`` raises.
    """
    out = stream or sys.stdout
    if type(items) is list and len(items) == 1:  # one record per call (commands that stream records)
        item = items[0]
        out.write((_record_text(item) if isinstance(item, Record) else _ENCODE(item)) + "\n")
        return 1
    n = 0
    lines: list[str] = []
    try:
        for item in items:
            lines.append(_record_text(item) if isinstance(item, Record) else _ENCODE(item))
            n += 1
            if len(lines) >= _CHUNK_LINES:
                lines.append("")
                chunk = "\n".join(lines)
                lines.clear()
                out.write(chunk)
    finally:
        if lines:
            lines.append("")
            chunk = "\n".join(lines)
            lines.clear()
            out.write(chunk)
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
