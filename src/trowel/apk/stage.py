"""The examine stage "apps-analysis" (order 20): APKs -> AED -> which evidence files the device holds.

APKs come from ``--apk`` and from the extraction itself (``data/app/.../*.apk``, copied into the scratch
folder first; the evidence is never written). They are analysed into the AED given with ``--aed`` (extended)
or ``<case>/aed.sqlite``. The case store then gets one ``evidence_prediction`` record per prediction of each
app analysed in this run, one ``evidence_file`` record per extraction file matching a prediction, and a
``finding`` (``app_not_in_aed``) per installed app the AED does not cover, and one ``finding``
(``unresolved_file_name``) per file an analysed app writes evidence into whose name could not be resolved.
Failed apps become warnings.
"""

from __future__ import annotations

from pathlib import Path

from trowel.aed import aed_path
from trowel.aed.build import BuildOptions, build_aed
from trowel.aed.db import AedDatabase
from trowel.aed.match import Matcher
from trowel.apk.predict import AppAnalysis, unresolved_note
from trowel.apk.records import EvidencePrediction
from trowel.case.context import ExamineContext, Stage, register_stage
from trowel.errors import TrowelError
from trowel.evidence import EntryKind, locate
from trowel.model import Finding, Provenance

STAGE_NAME = "apps-analysis"


def _embedded_apks(ctx: ExamineContext) -> list[tuple[Path, str, str]]:
    """(scratch copy, evidence id, path in the evidence) of every APK inside the extractions."""
    out: list[tuple[Path, str, str]] = []
    folder = ctx.scratch / "apks"
    for evidence_id, source in ctx.sources.items():
        for entry in source.entries():
            if entry.kind is not EntryKind.FILE or not entry.path.endswith(".apk") or not entry.readable:
                continue
            if locate(entry.path).area != "apk":
                continue
            try:
                copy = source.materialize(entry, folder / evidence_id)
            except (TrowelError, OSError) as exc:
                ctx.warn(f"cannot copy the APK for analysis: {exc}", evidence_id, entry.path, STAGE_NAME)
                continue
            out.append((copy, evidence_id, entry.path))
    return out


def applies(ctx: ExamineContext) -> bool:
    return bool(ctx.options.apks or ctx.sources or ctx.options.aed)


def run_apps_analysis(ctx: ExamineContext) -> None:
    given = [(Path(p), _apk_evidence_id(ctx, Path(p)), str(p)) for p in ctx.options.apks]
    apks = given + _embedded_apks(ctx)
    db_path = aed_path(ctx)
    origin = {str(copy): (evidence_id, path) for copy, evidence_id, path in apks}
    results: list[AppAnalysis] = []
    if apks:
        summary = build_aed([copy for copy, _, _ in apks], db_path, BuildOptions(jobs=1))
        results = summary.results
    elif not db_path.is_file():
        return
    for result in results:
        evidence_id, path = origin.get(result.apk, ("", result.apk))
        if result.status != "ok":
            reason = (result.error or "").replace(result.apk, path)  # name the APK as the examiner knows it
            ctx.warn(f"APK analysis {result.status}: {reason}", evidence_id, path, STAGE_NAME)
            continue
        ctx.store.add_many(
            EvidencePrediction(source=Provenance(evidence=evidence_id, path=path, detail="static analysis"),
                               package=p.package, path=p.path, file_kind=p.file_kind, types=p.types,
                               storage=p.storage, committed=p.committed, tables=p.tables, columns=p.columns,
                               trace=p.trace, sources=p.sources, apk_sha256=result.sha256, time_only=p.time_only)
            for p in result.predictions)
        ctx.store.add_many(  # files the app writes evidence into whose name could not be resolved
            Finding(source=Provenance(evidence=evidence_id, path=path, detail="static analysis"), package=p.package,
                    finding="unresolved_file_name", severity="notice", message=unresolved_note(p))
            for p in result.unresolved)
    with AedDatabase(db_path) as aed:
        matcher = Matcher(aed.predictions(), aed.packages())
    matched = 0
    for evidence_id, source in ctx.sources.items():
        found = matcher.run(source, evidence_id)
        matched += ctx.store.add_many(found.files)
        ctx.store.add_many(found.uncovered)
    ctx.log(STAGE_NAME, {"aed": str(db_path), "apks": len(apks)},
            {"analysed": len(results), "ok": sum(r.status == "ok" for r in results), "matched_files": matched})


def _apk_evidence_id(ctx: ExamineContext, path: Path) -> str:
    for evidence_id, host in ctx.inputs.items():
        if host == path:
            return evidence_id
    return ""


register_stage(Stage(STAGE_NAME, 20, run_apps_analysis, applies))
