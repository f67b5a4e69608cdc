"""Three examine stages: ``pages`` (order 86) keeps the database pages records point at for the report's hex
view (see trowel.report.rawpages); ``media`` (order 85) copies the media files that records name (media and sticker
records with a SHA-256 whose file is in an opened evidence source) into ``DIR/media/<sha256>``, checking the
hash of each copy; ``report`` (order 90) writes every output. examine hashes every input again between the
two (the last reads of the evidence are the media copies), so the report's case page shows the hashes after
the run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from trowel.case.context import ExamineContext, Stage, register_stage
from trowel.errors import TrowelError
from trowel.evidence.base import CHUNK
from trowel.progress import progress_bar
from trowel.report.casedata import SHA256_RE, CaseData
from trowel.report.rawpages import MAX_PAGES, read_pages
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


def keep_pages(ctx: ExamineContext, limit: int = MAX_PAGES) -> dict[str, int]:
    """Copy the database pages (and WAL frame page images) that records point at into DIR/pages/ (see
    trowel.report.rawpages), at most ``limit`` pages; returns the counts for the log."""
    wanted: dict[tuple[str, str], set[tuple[int, int | None]]] = {}
    cur = ctx.store.db.execute("SELECT evidence, path, page, json_extract(json, '$.source.frame') FROM records"
                               " WHERE page IS NOT NULL AND offset_ IS NOT NULL AND evidence IS NOT NULL"
                               " AND path IS NOT NULL")
    for evidence, path, page, frame in cur:
        if type(page) is int and (frame is None or type(frame) is int):
            wanted.setdefault((str(evidence), str(path)), set()).add((page, frame))
    folder = ctx.options.out / "pages"
    files: list[dict[str, object]] = []
    kept = left_out = 0
    for (evidence, path), pages in sorted(wanted.items()):
        source = ctx.sources.get(evidence)
        entry = source.find(path) if source is not None else None
        room = max(0, limit - kept)
        chosen = sorted(pages, key=lambda p: (p[0], -1 if p[1] is None else p[1]))[:room]
        left_out += len(pages) - len(chosen)
        if source is None or entry is None or not entry.readable or not chosen:
            continue
        try:
            with source.open(entry) as stream:
                size, images = read_pages(stream, chosen)
        except (TrowelError, OSError, EOFError, ValueError) as exc:
            ctx.warn(f"cannot keep the pages of this file for the hex view: {exc}", evidence, path, "report")
            continue
        if not images:
            continue
        folder.mkdir(exist_ok=True)
        number = len(files)
        slots: dict[str, int] = {}
        with open(folder / f"{number}.bin", "wb") as out:
            for key, data in images.items():
                slots[key] = len(slots)
                out.write(data)
        files.append({"evidence": evidence, "path": path, "page_size": size, "pages": slots})
        kept += len(slots)
    if files:
        (folder / "index.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    if left_out:
        ctx.warn(f"{left_out} database pages named by records were not kept for the hex view (limit {limit})",
                 stage="report")
    return {"pages_kept": kept, "pages_left_out": left_out, "page_files": len(files)}


def run_pages(ctx: ExamineContext) -> None:
    ctx.store.flush()
    ctx.log("pages", None, keep_pages(ctx))


def run_media(ctx: ExamineContext) -> None:
    ctx.store.flush()
    copied = copy_media(ctx)
    ctx.log("media", None, {"media_copied": copied})


register_stage(Stage("media", 85, run_media))
register_stage(Stage("pages", 86, run_pages))
register_stage(Stage("report", 90, run_report))
