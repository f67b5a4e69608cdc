"""The writer registry: an explicit list of output writers, each registered once under its name.

``write_all`` runs every writer; one failing writer is reported and the others still run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trowel.errors import TrowelError
from trowel.report.casedata import CaseData

# Modules that register writers (imported by load_writers); a new output adds its module here.
WRITER_MODULES = [
    "trowel.report.timeline",
    "trowel.report.bodyfile",
    "trowel.report.csv",
    "trowel.report.kml",
    "trowel.report.casejson",
    "trowel.report.html",
]


@dataclass(frozen=True)
class Writer:
    """One output: ``write`` makes its files inside the case folder and returns their paths."""

    name: str
    description: str
    order: int
    write: Callable[[CaseData], list[Path]]


WRITERS: dict[str, Writer] = {}


def register_writer(writer: Writer) -> Writer:
    if writer.name in WRITERS:
        raise ValueError(f"writer {writer.name!r} is registered twice")
    WRITERS[writer.name] = writer
    return writer


def load_writers() -> list[Writer]:
    for module in WRITER_MODULES:
        importlib.import_module(module)
    return sorted(WRITERS.values(), key=lambda w: (w.order, w.name))


@dataclass
class WriteResult:
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def write_all(case: CaseData, on_done: Callable[[str], None] | None = None) -> WriteResult:
    """Run every registered writer over the case; a writer's TrowelError or OSError is kept, not raised."""
    result = WriteResult()
    for writer in load_writers():
        try:
            result.outputs[writer.name] = writer.write(case)
        except (TrowelError, OSError) as exc:
            result.failures[writer.name] = f"{type(exc).__name__}: {exc}"
        if on_done is not None:
            on_done(writer.name)
    return result
