"""Run app specs over one evidence source: find their files, extract records, never stop on one bad file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from trowel.apps.extraction import AppData, collect
from trowel.apps.registry import AppSpec, load_specs
from trowel.apps.unmapped import leftover_records
from trowel.evidence import EvidenceSource
from trowel.model import Provenance, Record, Warning


def find_app_data(source: EvidenceSource, evidence: str, scratch: Path,
                  specs: list[AppSpec] | None = None) -> list[AppData]:
    """Every (app, Android user) with files in the evidence."""
    chosen = specs if specs is not None else list(load_specs().values())
    return collect(source, chosen, evidence, scratch)


def run_app(data: AppData) -> Iterator[Record]:
    """The records of one (app, user), then the tables of its databases the parser does not map (nothing a parser
    claims is silently dropped); a failure becomes a warning record and the run goes on. When the parser itself
    fails, every table of its databases is extracted as generic rows."""
    try:
        yield from data.spec.extract(data)
    except Exception as exc:  # noqa: BLE001 - one broad catch per parser call, stored as a warning
        yield Warning(source=Provenance(evidence=data.evidence, path=""), app=data.spec.name, user=data.user,
                      message=f"{data.spec.name} parser stopped for user {data.user}: "
                              f"{type(exc).__name__}: {exc}; its databases are extracted as generic rows",
                      stage="apps")
        yield from _leftover(data, stopped=True)
        return
    yield from _leftover(data, stopped=False)


def _leftover(data: AppData, stopped: bool) -> Iterator[Record]:
    mark = len(data.warnings)
    try:
        yield from leftover_records(data, stopped)
    except Exception as exc:  # noqa: BLE001 - same rule as for the parser
        data.warn("", f"tables of {data.spec.name}'s databases not extracted: {type(exc).__name__}: {exc}")
    for path, message in data.warnings[mark:]:
        yield Warning(source=Provenance(evidence=data.evidence, path=path), app=data.spec.name,
                      user=data.user, message=message, stage="apps")


def run_apps(source: EvidenceSource, evidence: str, scratch: Path,
             specs: list[AppSpec] | None = None) -> Iterator[tuple[AppData, Record]]:
    for data in find_app_data(source, evidence, scratch, specs):
        for record in run_app(data):
            yield data, record
