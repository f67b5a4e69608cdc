"""From sink events to evidence predictions: one prediction per (file kind, path pattern) of an app.

:func:`analyse_apk` is the one entry point: load, run the engine, group the sink events. Preference
writes are reported whether or not their editor reaches ``commit()``/``apply()``; ``committed`` says which
(a write whose editor identity was lost is counted as committed: the examiner should rather look).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trowel.apk.catalog import Catalog, default_catalog
from trowel.apk.engine import Engine, Limits, SinkEvent, current_rss
from trowel.apk.loader import load_apk
from trowel.apk.tags import UNKNOWN

EXTERNAL_PREFIXES = ("/sdcard", "/storage", "/mnt/sdcard")


@dataclass
class Prediction:
    """One file an app is predicted to write evidence into."""

    package: str
    path: str  # absolute Android path pattern with <pkg>/<uuid>/<timestamp>/<intent>/<unknown> parts
    file_kind: str  # file | shared_prefs | database
    types: list[str]
    storage: str  # internal | external | unknown
    committed: bool = True
    tables: list[str] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)  # column or preference key -> types
    trace: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def time_only(self) -> bool:
        """Only ``time`` reaches the file: kept, ranked last and marked (weak evidence on its own)."""
        return self.types == ["time"]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "package": self.package, "path": self.path, "types": self.types, "storage": self.storage,
            "kind": self.file_kind,
        }
        if self.time_only:
            out["time_only"] = True
        if self.file_kind == "database":
            out["tables"] = self.tables
            out["columns"] = self.columns
        elif self.file_kind == "shared_prefs":
            out["keys"] = self.columns
            out["committed"] = self.committed
        out["trace"] = self.trace
        out["sources"] = self.sources
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prediction:
        columns = data.get("columns") if data.get("kind") == "database" else data.get("keys")
        return cls(package=data["package"], path=data["path"], file_kind=data["kind"], types=list(data["types"]),
                   storage=data["storage"], committed=bool(data.get("committed", True)),
                   tables=list(data.get("tables") or []), columns=dict(columns or {}),
                   trace=list(data.get("trace") or []), sources=list(data.get("sources") or []))


@dataclass
class AppAnalysis:
    """The result of analysing one app (also when it failed: ``status`` and ``error`` say why)."""

    apk: str
    sha256: str
    package: str | None = None
    version_code: str | None = None
    version_name: str | None = None
    status: str = "ok"  # ok | failed | timeout | memory
    error: str | None = None
    seconds: float = 0.0  # wall clock
    cpu_seconds: float = 0.0  # CPU time of the analysing process (fair on a shared machine)
    peak_rss: int | None = None
    classes: int = 0
    methods: int = 0
    instructions: int = 0
    steps: int = 0
    predictions: list[Prediction] = field(default_factory=list)
    unresolved: list[Prediction] = field(default_factory=list)  # files whose name could not be resolved
    warnings: list[str] = field(default_factory=list)


def storage_of(path: str) -> str:
    if path.startswith("/data/"):
        return "internal"
    if path.startswith(EXTERNAL_PREFIXES):
        return "external"
    return "unknown"


def group_events(package: str, events: set[SinkEvent], committed: set[str]) -> list[Prediction]:
    """Merge sink events into one prediction per (kind, path); sorted by path for stable output."""
    groups: dict[tuple[str, str, bool], list[SinkEvent]] = {}
    for event in events:
        is_committed = not event.editors or bool(event.editors & committed) if event.file_kind == "shared_prefs" else True
        groups.setdefault((event.file_kind, event.path, is_committed), []).append(event)
    out: list[Prediction] = []
    for (kind, path, is_committed), items in groups.items():
        if not is_committed and (kind, path, True) in groups:
            continue  # the same file is written by a committed editor too: one prediction, committed
        items.sort(key=lambda e: (e.trace, sorted(e.types)))
        columns: dict[str, set[str]] = {}
        for event in items:
            for column, ev in event.columns:
                columns.setdefault(column, set()).add(ev)
        out.append(Prediction(
            package=package, path=path, file_kind=kind,
            types=sorted({t for e in items for t in e.types}), storage=storage_of(path), committed=is_committed,
            tables=sorted({t for e in items for t in e.tables}),
            columns={k: sorted(v) for k, v in sorted(columns.items())},
            trace=list(items[0].trace), sources=sorted({s for e in items for s in e.sources}),
        ))
    out.sort(key=lambda p: (p.time_only, p.path, p.file_kind, not p.committed))
    return out


_DYNAMIC = re.compile(r"<(?:pkg|uuid|timestamp|intent|unknown)>")
_SUFFIXES = (".xml", ".db")


def is_unresolved(path: str) -> bool:
    """A path whose file name is only ``<unknown>`` (maybe with ``.xml``/``.db``), that starts with an
    unknown folder, or that has no constant text at all: not a file an examiner can look for."""
    name = path.rsplit("/", 1)[-1]
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name in ("", UNKNOWN) or path.startswith("/" + UNKNOWN) or not _DYNAMIC.sub("", path).strip("/")


def split_unresolved(predictions: list[Prediction]) -> tuple[list[Prediction], list[Prediction]]:
    """(predictions, files whose name could not be resolved)."""
    return ([p for p in predictions if not is_unresolved(p.path)], [p for p in predictions if is_unresolved(p.path)])


def unresolved_note(p: Prediction) -> str:
    folder = p.path.rsplit("/", 1)[0]
    return (f"a {p.file_kind} whose name could not be resolved, in {folder}/ ({', '.join(p.types)}; "
            f"trace: {' -> '.join(p.trace)})")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def analyse_apk(path: Path, limits: Limits | None = None, catalog: Catalog | None = None,
                on_identity: Callable[[tuple[str | None, str | None, str | None]], None] | None = None) -> AppAnalysis:
    """Analyse one APK. Raises :class:`~trowel.errors.ApkError` for a file that is not a readable app and
    :class:`~trowel.apk.engine.AnalysisLimit` when a hard limit is hit (the budgets only widen the analysis).
    ``on_identity`` gets the package and version as soon as the manifest is read."""
    started = time.monotonic()
    cpu_started = time.process_time()
    app = load_apk(path, on_identity)
    result = AppAnalysis(apk=str(path), sha256=sha256_of(path))
    result.package, result.version_code, result.version_name = app.package, app.version_code, app.version_name
    result.classes = len(app.classes)
    result.methods = sum(len(c.methods) for c in app.classes.values())
    result.instructions = app.instruction_count()
    result.warnings.extend(app.warnings)
    limits = limits or Limits()
    if limits.cpu_started is None:
        limits.cpu_started = cpu_started
    engine = Engine(app, catalog or default_catalog(), limits)
    engine.run()
    if not engine.stats.converged and not engine.degraded:  # a spent budget says so itself
        result.warnings.append(f"the field/extra fixpoint was not reached after {engine.stats.rounds} rounds: "
                               "flows that need more rounds may be missing")
    result.predictions, result.unresolved = split_unresolved(group_events(app.package, engine.events, engine.committed))
    result.warnings.extend(engine.notes[:20])
    if len(engine.notes) > 20:
        result.warnings.append(f"... and {len(engine.notes) - 20} more analysis notes")
    result.warnings.extend(unresolved_note(p) for p in result.unresolved)
    result.steps = engine.stats.steps
    result.seconds = round(time.monotonic() - started, 3)
    result.cpu_seconds = round(time.process_time() - cpu_started, 3)
    result.peak_rss = current_rss()
    return result
