"""Matching an AED against a device extraction: which files hold which evidence, per Android user.

A prediction's path pattern becomes a regular expression over the app-relative path (internal storage,
``/data/data/<pkg>/...``, matched for every user's copy of the app's folder) or over the path inside the
external storage (``/sdcard/...``, every user's ``media/<N>``). Dynamic parts are wildcards: ``<uuid>`` and
``<timestamp>`` stand for one path component, ``<intent>`` and ``<unknown>`` for one or more. Patterns that
start with an unknown part (``/<unknown>``) anchor nothing and are never matched. Preference writes whose
editor never reaches ``commit()``/``apply()`` are not matched (they stay in the AED with committed=false).
Files matched only by predictions whose sole type is ``time`` are marked ``time_only`` and listed last.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from trowel.apk.predict import Prediction
from trowel.apk.records import EvidenceFile
from trowel.evidence import Entry, EntryKind, EvidenceSource, locate
from trowel.model import Finding, Provenance, State

INTERNAL_ROOT = "/data/data/<pkg>/"
EXTERNAL_ROOTS = ("/sdcard/", "/storage/emulated/0/", "/mnt/sdcard/")
_WILDCARDS = {"<uuid>": "[^/]+", "<timestamp>": "[^/]+", "<intent>": ".+", "<unknown>": ".+"}
_PART = re.compile(r"<pkg>|<uuid>|<timestamp>|<intent>|<unknown>")


@dataclass(frozen=True)
class CompiledPattern:
    prediction: Prediction
    area: str  # internal | external
    regex: re.Pattern[str]


def compile_pattern(prediction: Prediction) -> CompiledPattern | None:
    """The regular expression of one prediction, or None when the pattern anchors nothing."""
    path = prediction.path
    if path.startswith(INTERNAL_ROOT):
        area, rest = "internal", path[len(INTERNAL_ROOT):]
    else:
        root = next((r for r in EXTERNAL_ROOTS if path.startswith(r)), None)
        if root is None:
            return None
        area, rest = "external", path[len(root):]
    if not _PART.sub("", rest).strip("/"):
        return None  # only dynamic parts: the pattern would match every file of the area
    return CompiledPattern(prediction, area, _regex(rest, prediction.package))


def _regex(rest: str, package: str) -> re.Pattern[str]:
    out: list[str] = []
    position = 0
    for part in _PART.finditer(rest):
        out.append(re.escape(rest[position:part.start()]))
        token = part.group(0)
        out.append(re.escape(package) if token == "<pkg>" else _WILDCARDS[token])
        position = part.end()
    out.append(re.escape(rest[position:]))
    return re.compile("".join(out) + r"\Z")


@dataclass
class MatchResult:
    files: list[EvidenceFile] = field(default_factory=list)
    uncovered: list[Finding] = field(default_factory=list)
    installed: dict[str, set[int | None]] = field(default_factory=dict)  # package -> users


class Matcher:
    """Predictions of many apps, indexed for one pass over an extraction's entries."""

    def __init__(self, predictions: Iterable[Prediction], covered: set[str]) -> None:
        self.internal: dict[str, list[CompiledPattern]] = {}
        self.external: list[CompiledPattern] = []
        self.covered = covered
        for prediction in predictions:
            if prediction.file_kind == "shared_prefs" and not prediction.committed:
                continue
            compiled = compile_pattern(prediction)
            if compiled is None:
                continue
            if compiled.area == "internal":
                self.internal.setdefault(prediction.package, []).append(compiled)
            else:
                self.external.append(compiled)

    def candidates(self, path: str) -> tuple[list[CompiledPattern], str | None, int | None]:
        """Patterns that may apply to an extraction path, the path they are matched against, the user."""
        loc = locate(path)
        if loc.area in ("internal", "device_protected") and loc.package:
            return self.internal.get(loc.package, []), loc.app_relative, loc.user
        if loc.area == "external" and loc.canonical.startswith("media/"):
            _, _, inner = loc.canonical.partition("/")
            _, _, inner = inner.partition("/")
            return self.external, inner, loc.user
        return [], None, loc.user

    def match_path(self, path: str) -> list[tuple[CompiledPattern, int | None]]:
        patterns, target, user = self.candidates(path)
        if target is None:
            return []
        return [(p, user) for p in patterns if p.regex.match(target)]

    def run(self, source: EvidenceSource, evidence_id: str) -> MatchResult:
        result = MatchResult()
        for entry in source.entries():
            self._installed(entry, result)
            if entry.kind is not EntryKind.FILE:
                continue
            for compiled, user in self.match_path(entry.path):
                p = compiled.prediction
                result.files.append(EvidenceFile(
                    source=Provenance(evidence=evidence_id, path=entry.path),
                    state=State.DELETED if entry.deleted else State.LIVE,
                    package=p.package, user=user, path=entry.path, pattern=p.path, file_kind=p.file_kind,
                    types=list(p.types), storage=p.storage, tables=list(p.tables), columns=dict(p.columns),
                    size=entry.size, deleted=entry.deleted, time_only=p.time_only))
        result.files.sort(key=lambda f: f.time_only)  # files that only hold times come last (stable order)
        for package in sorted(result.installed):
            if package in self.covered:
                continue
            users = sorted(u for u in result.installed[package] if u is not None)
            result.uncovered.append(Finding(
                source=Provenance(evidence=evidence_id, path=""), package=package,
                finding="app_not_in_aed", severity="notice",
                message=f"{package} is installed (users {users or ['?']}) but the AED has no analysis of it"))
        return result

    @staticmethod
    def _installed(entry: Entry, result: MatchResult) -> None:
        loc = locate(entry.path)
        if loc.package is None:
            return
        if loc.area == "apk" and entry.path.endswith(".apk"):
            result.installed.setdefault(loc.package, set())
        elif loc.area in ("internal", "device_protected") and entry.kind is EntryKind.DIR and \
                loc.canonical.rstrip("/").endswith(loc.package):
            result.installed.setdefault(loc.package, set()).add(loc.user)
