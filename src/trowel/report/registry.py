"""The writer registry: an explicit list of output writers, each registered once under its name.

``write_all`` runs every writer; one failing writer is reported and the others still run. On a large case the
writers that share nothing with the others (SIDE_WRITERS: bodyfile, CSV, KML, CASE/UCO) run in a second
process, on their own connection to the case store, while this process writes the timeline and then the HTML
report (which shares the timeline's sort table); the report's index page, which links to every other output, is
written once the second process is done.
"""

from __future__ import annotations

import importlib
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
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


SIDE_WRITERS = ("bodyfile", "csv", "kml", "casejson")
LAST_WRITERS = ("html",)  # they link to the other outputs, so they run once those are written
PARALLEL_MIN_RECORDS = 20_000  # records and files: below this a second process costs more than it saves


def _failure(exc: BaseException) -> str:
    reason = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {reason}"


def _run(writer: Writer, case: CaseData, result: WriteResult) -> None:
    """One writer; one broad catch: whatever it raises is kept as its failure (one line)."""
    try:
        result.outputs[writer.name] = writer.write(case)
    except Exception as exc:  # noqa: BLE001 - one failing output must never stop the others
        result.failures[writer.name] = _failure(exc)


def _side(root: str, names: list[str]) -> WriteResult:
    """The side writers, in the second process, on a CaseData of their own (a reader: its connection is closed
    as is, never switched out of WAL mode while the other process reads)."""
    case = CaseData.open(Path(root))
    result = WriteResult()
    try:
        for writer in load_writers():
            if writer.name in names:
                _run(writer, case, result)
    finally:
        case.release()
        case.store.db.close()
    return result


def write_all(case: CaseData, on_done: Callable[[str], None] | None = None,
              parallel: bool | None = None) -> WriteResult:
    """Run every registered writer over the case; every other output is still written when one fails.
    ``parallel`` (default: when the case holds PARALLEL_MIN_RECORDS records and inventory files or more) runs the side writers
    in a second process while this one writes the timeline and the HTML report (which waits for them, through
    ``CaseData.wait_for_outputs``, only before its index page); a second process that dies makes each of its
    writers a failure."""
    result = WriteResult()
    writers = load_writers()
    if parallel is None:
        parallel = case.store.count() + case.file_count() >= PARALLEL_MIN_RECORDS
    side = [w.name for w in writers if w.name in SIDE_WRITERS] if parallel else []
    executor = None
    future = None

    def collect() -> None:
        """The side writers' results, once (the first call waits for the second process)."""
        nonlocal future
        if future is None:
            return
        done, future = future, None
        try:
            other = done.result()
            result.outputs.update(other.outputs)
            result.failures.update(other.failures)
        except Exception as exc:  # noqa: BLE001 - the second process died: its outputs failed
            for name in side:
                result.failures[name] = f"writer process failed: {_failure(exc)}"
        if on_done is not None:
            for name in side:
                on_done(name)

    try:
        if side:
            case.store.flush()
            executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            future = executor.submit(_side, str(case.root), side)
            case.waiter = collect
        for writer in writers:
            if writer.name not in side and writer.name not in LAST_WRITERS:
                _run(writer, case, result)
                if on_done is not None:
                    on_done(writer.name)
        for writer in writers:
            if writer.name in LAST_WRITERS:
                _run(writer, case, result)
                if on_done is not None:
                    on_done(writer.name)
        collect()
    finally:
        case.waiter = None
        if executor is not None:
            executor.shutdown(cancel_futures=True)
        case.release()  # the writers' shared scratch (the timeline sort table)
    return result
