"""What a stage of ``examine`` gets: the options, the case store, the opened evidence, a scratch folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trowel import progress
from trowel.case.store import CaseStore
from trowel.evidence.base import EvidenceSource
from trowel.evidence.names import json_safe
from trowel.model import Provenance, Warning


@dataclass
class ExamineOptions:
    evidence: list[Path]
    out: Path
    pcaps: list[Path] = field(default_factory=list)
    keylog: Path | None = None
    net_jobs: int | None = None  # processes per capture in the network stage (None: net.shards.default_jobs)
    apks: list[Path] = field(default_factory=list)
    aed: Path | None = None
    case_number: str = ""
    examiner: str = ""
    password: str | None = None
    tz: str = "UTC"
    hash_limit: int | None = 1 << 30
    force: bool = False
    argv: dict[str, Any] = field(default_factory=dict)


class ActionLog:
    """``log.jsonl`` plus the case store's action table: every action with time, tool version, arguments."""

    def __init__(self, store: CaseStore, path: Path) -> None:
        self.store = store
        self.path = path

    def __call__(self, action: str, arguments: Any = None, details: Any = None) -> None:
        entry = self.store.log_action(action, arguments, details)
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(json_safe(json.dumps(entry, ensure_ascii=False, default=str)) + "\n")


@dataclass
class ExamineContext:
    options: ExamineOptions
    store: CaseStore
    scratch: Path
    log: ActionLog
    sources: dict[str, EvidenceSource] = field(default_factory=dict)  # evidence id -> opened source
    inputs: dict[str, Path] = field(default_factory=dict)  # evidence id -> host path (all inputs)
    warnings: int = 0
    input_failures: list[tuple[str, str]] = field(default_factory=list)  # (--pcap/--apk/--keylog as given, why)

    def warn(self, message: str, evidence: str = "", path: str = "", stage: str | None = None) -> None:
        """Record a warning in the case (one bad input never stops the run). A warning about an input given
        with ``--pcap``, ``--apk`` or ``--keylog`` itself means that input failed: it is shown to the examiner
        now and makes the run's outcome not ok."""
        self.warnings += 1
        self.store.add(Warning(source=Provenance(evidence=evidence, path=path), message=message, stage=stage))
        named = [*self.options.pcaps, *self.options.apks, *([self.options.keylog] if self.options.keylog else [])]
        if path and path in {str(p) for p in named}:
            self.input_failures.append((path, message))
            progress.warn(f"{path}: {message}")


@dataclass(frozen=True)
class Stage:
    """One step of ``examine``. Stages run in ``order``; each catches its own per-file failures."""

    name: str
    order: int
    run: Callable[[ExamineContext], None]
    applies: Callable[[ExamineContext], bool] = lambda _ctx: True


STAGES: dict[str, Stage] = {}


def register_stage(stage: Stage) -> Stage:
    if stage.name in STAGES:
        raise ValueError(f"examine stage {stage.name!r} is registered twice")
    STAGES[stage.name] = stage
    return stage
