"""The ``apps`` stage of examine: every registered app spec over every evidence source; records into the case,
referenced media copied to ``<case>/media/<sha256>``."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from trowel.apps.runner import run_apps
from trowel.case.context import ExamineContext, Stage, register_stage
from trowel.errors import TrowelError
from trowel.evidence.base import Entry, EvidenceSource, copy_bounded
from trowel.model import MediaFile, Record
from trowel.progress import progress_bar


def _with_media_path(record: Record, path: str) -> Record:
    return dataclasses.replace(record, media_path=path) if isinstance(record, MediaFile) else record


def run_apps_stage(ctx: ExamineContext) -> None:
    media = ctx.options.out / "media"
    for evidence_id, source in ctx.sources.items():
        scratch = ctx.scratch / f"apps-{evidence_id}"
        counts: dict[str, int] = {}
        with progress_bar(f"apps {evidence_id}") as bar:
            for data, record in run_apps(source, evidence_id, scratch):
                if isinstance(record, MediaFile) and record.sha256 and record.sha256 in data.exported:
                    target = media / record.sha256
                    if not target.exists():
                        try:
                            _export(data.source, data.exported[record.sha256].entry, target)
                        except (TrowelError, OSError) as exc:
                            ctx.warn(f"media not copied: {exc}", evidence_id, record.source.path, "apps")
                    if target.exists():
                        record = _with_media_path(record, f"media/{record.sha256}")
                ctx.store.add(record)
                key = f"{record.kind}:{record.state.value}"
                counts[key] = counts.get(key, 0) + 1
                bar.advance()
        ctx.store.flush()
        ctx.log("apps", {"evidence": evidence_id}, {"records": counts})


def _export(source: EvidenceSource, entry: Entry, target: Path) -> None:
    """Copy one media file out of the evidence (written under a temporary name, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with source.open(entry) as src, open(partial, "wb") as dst:
        copy_bounded(src, dst, entry.size, entry.path)
    os.replace(partial, target)


register_stage(Stage("apps", 30, run_apps_stage))
