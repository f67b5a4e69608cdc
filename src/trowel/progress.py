"""Progress and messages for long work, as an interface the analysis layers call and the front end implements.

Parsers, the SQLite engine, network analysis and the case pipeline report progress through ``progress_bar``
and problems through ``warn``; they never print. By default nothing is shown and warnings are only counted
and kept. The command line installs a reporter (rich bars on stderr when stderr is a terminal); tests keep
the silent default or install a recording one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol


class Bar(Protocol):
    def advance(self, amount: float = 1) -> None: ...

    def update(self, **kwargs: Any) -> None: ...


class Reporter(Protocol):
    def bar(self, description: str, total: float | None, bytes_: bool) -> Any:
        """A context manager that yields a ``Bar``."""

    def warn(self, message: str) -> None: ...


class SilentBar:
    """A bar that shows nothing."""

    def advance(self, amount: float = 1) -> None:
        return None

    def update(self, **kwargs: Any) -> None:
        return None


class SilentReporter:
    """Shows nothing; keeps the warnings it was given (the front end may list them at the end)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    @contextmanager
    def bar(self, description: str, total: float | None, bytes_: bool) -> Iterator[Bar]:
        yield SilentBar()

    def warn(self, message: str) -> None:
        self.warnings.append(message)


_CURRENT: list[Reporter] = [SilentReporter()]


def install(reporter: Reporter) -> Reporter:
    """Make ``reporter`` the one every layer reports to; returns the one it replaces."""
    previous = _CURRENT[0]
    _CURRENT[0] = reporter
    return previous


def current() -> Reporter:
    return _CURRENT[0]


@contextmanager
def progress_bar(description: str, total: float | None = None, bytes_: bool = False) -> Iterator[Bar]:
    """A progress bar for one piece of long work (``bytes_``: the total and advances count bytes)."""
    with _CURRENT[0].bar(description, total, bytes_) as bar:
        yield bar


def warn(message: str) -> None:
    """A problem worth the examiner's attention right away (it is also recorded where the caller keeps it)."""
    _CURRENT[0].warn(message)
