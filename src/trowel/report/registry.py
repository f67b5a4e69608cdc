"""The writer registry: an explicit list of output writers, each registered once under its name.

``write_all`` runs every writer; one failing writer is reported and the others still run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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
    """Run every registered writer over the case. One broad catch per writer call: whatever one writer
    raises is kept as that writer's failure (one line) and every other output is still written."""
    result = WriteResult()
    try:
        for writer in load_writers():
            try:
                result.outputs[writer.name] = writer.write(case)
            except Exception as exc:  # noqa: BLE001 - one failing output must never stop the others
                reason = str(exc).splitlines()[0] if str(exc) else ""
                result.failures[writer.name] = f"{type(exc).__name__}: {reason}"
            if on_done is not None:
                on_done(writer.name)
    finally:
        case.release()  # the writers' shared scratch (the timeline sort table)
    return result
