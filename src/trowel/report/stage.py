"""Two examine stages: ``media`` (order 85) copies the media files that records name (media and sticker
records with a SHA-256 whose file is in an opened evidence source) into ``DIR/media/<sha256>``, checking the
hash of each copy; ``report`` (order 90) writes every output. examine hashes every input again between the
two (the last reads of the evidence are the media copies), so the report's case page shows the hashes after
the run.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from trowel.case.context import ExamineContext, Stage, register_stage
from trowel.errors import TrowelError
from trowel.evidence.base import CHUNK
from trowel.progress import progress_bar
from trowel.report.casedata import SHA256_RE, CaseData
from trowel.report.registry import load_writers, write_all

MEDIA_KINDS = ("media", "sticker")
MEDIA_LIMIT = 256 << 20


def copy_media(ctx: ExamineContext) -> int:
    """Copy every media file named by a record into DIR/media/<sha256>; returns how many were copied."""
    folder = ctx.options.out / "media"
    copied = 0
    for kind in MEDIA_KINDS:
        for record in ctx.store.records(kind):
            sha = record.get("sha256")
            src = record.get("source") or {}
            source = ctx.sources.get(str(src.get("evidence")))
            if not isinstance(sha, str) or not SHA256_RE.match(sha) or source is None or not src.get("path"):
                continue
            target = folder / sha
            if target.exists():
                continue
            entry = source.find(str(src["path"]))
            if entry is None or not entry.readable or entry.size > MEDIA_LIMIT:
                continue
            folder.mkdir(exist_ok=True)
            try:
                copied += _copy_checked(source.open(entry), target, sha)
            except (TrowelError, OSError, EOFError, ValueError) as exc:
                ctx.warn(f"cannot copy media: {exc}", str(src.get("evidence")), str(src["path"]), "report")
    return copied


def _copy_checked(stream: object, target: Path, sha: str) -> int:
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    with stream as inp, open(partial, "wb") as out:  # type: ignore[attr-defined]
        while chunk := inp.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha:
        partial.unlink()
        return 0
    shutil.move(partial, target)
    return 1


def run_report(ctx: ExamineContext) -> None:
    ctx.store.flush()
    case = CaseData(root=ctx.options.out, store=ctx.store)
    with progress_bar("report", total=len(load_writers())) as bar:
        result = write_all(case, lambda _name: bar.advance())
    for name, reason in result.failures.items():
        ctx.warn(f"output {name} could not be written: {reason}", stage="report")
    ctx.store.flush()
    ctx.log("report", {"out": str(ctx.options.out)}, {
        "outputs": {k: len(v) for k, v in result.outputs.items()},
        "failures": result.failures})


def run_media(ctx: ExamineContext) -> None:
    ctx.store.flush()
    copied = copy_media(ctx)
    ctx.log("media", None, {"media_copied": copied})


register_stage(Stage("media", 85, run_media))
register_stage(Stage("report", 90, run_report))
