"""The examine pipeline: register and hash every input, open it read-only, run every stage that applies,
then hash every input again and prove nothing changed."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import json
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from trowel import __version__
from trowel.case.context import STAGES, ActionLog, ExamineContext, ExamineOptions, Stage
from trowel.case.folder import LOG, CaseFolder
from trowel.case.store import CaseStore, now_utc
from trowel.errors import CaseError, EvidenceChangedError, EvidenceError, TrowelError
from trowel.evidence import open_evidence, sha256_file
from trowel.evidence.base import CHUNK
from trowel.progress import progress_bar, warn

# Stages from this order on only write outputs: they run after every input has been hashed again.
OUTPUT_ORDER = 90

# Modules that register examine stages; a capability adds its module here.
STAGE_MODULES = [
    "trowel.case.inventory", "trowel.apk.stage", "trowel.apps.stage", "trowel.apps.generic", "trowel.net.stage",
    "trowel.case.correlate", "trowel.report.stage",
]

__all__ = ["ExamineOptions", "ExamineResult", "examine", "input_digest"]


@dataclass
class ExamineResult:
    out: Path
    ok: bool = True
    inputs: list[dict[str, object]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    warnings: int = 0
    report_index: Path | None = None
    problems: list[str] = field(default_factory=list)  # why ``ok`` is False: failed inputs and stages

    def summary_lines(self) -> list[str]:
        lines = [f"inputs: {len(self.inputs)}, files inventoried: {self.files}, warnings: {self.warnings}"]
        lines += [f"  {kind}: {n}" for kind, n in sorted(self.counts.items())]
        return lines


def input_digest(path: Path) -> str:
    """SHA-256 of a file, or of a folder's content (every regular file's path, size and SHA-256, sorted)."""
    if not path.is_dir():
        total = path.stat().st_size
        with progress_bar(f"hash {path.name}", total=total, bytes_=True) as bar:
            return sha256_file(path, bar.advance)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = file.relative_to(path).as_posix()
        inner = hashlib.sha256()
        with open(file, "rb") as stream:
            while chunk := stream.read(CHUNK):
                inner.update(chunk)
        digest.update(f"{rel}\0{file.stat().st_size}\0{inner.hexdigest()}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _check_inputs_outside(options: ExamineOptions) -> None:
    out = options.out.resolve()
    for path in [*options.evidence, *options.pcaps, *options.apks]:
        resolved = path.resolve()
        if resolved == out or out.is_relative_to(resolved) if resolved.is_dir() else resolved.is_relative_to(out):
            raise CaseError(f"{path}: the case folder must not be inside an input or hold one")


def examine(options: ExamineOptions) -> ExamineResult:
    """Run every stage that applies into a work folder beside ``options.out``, then move it into place.

    A run that stops part way (an error no stage could contain, or an interrupt) still leaves a case folder,
    marked failed (``FAILED.txt``, log ``"ok": false`` with the reason), and raises ``CaseError`` naming it. A
    run that ends with failed inputs (``--pcap`` that is no capture, ``--apk`` that cannot be analysed,
    evidence that cannot be opened) writes the rest of the case and returns ``ok`` False with ``problems``.
    """
    for path in [*options.evidence, *options.pcaps, *options.apks, *([options.keylog] if options.keylog else [])]:
        if not path.exists():
            raise EvidenceError(f"{path}: no such file or folder")
    _check_inputs_outside(options)
    for module in STAGE_MODULES:
        importlib.import_module(module)
    folder = CaseFolder.prepare(options.out, options.force)
    try:
        store = CaseStore(folder.work / "case.sqlite")
    except BaseException:
        folder.discard()
        raise
    work_options = dataclasses.replace(options, out=folder.work)
    scratch = Path(tempfile.mkdtemp(prefix=".scratch-", dir=folder.work))
    log = ActionLog(store, folder.work / LOG)
    ctx = ExamineContext(options=work_options, store=store, scratch=scratch, log=log)
    result = ExamineResult(out=options.out)
    stopped: str | None = None
    error: BaseException | None = None
    try:
        store.set_info(case_number=options.case_number, examiner=options.examiner, tool="trowel",
                       tool_version=__version__, display_tz=options.tz)
        # stages see the work folder as the case folder: the start entry says which folder it becomes
        log("start", {k: v for k, v in options.argv.items() if k not in ("handler", "password", "_parser")},
            {"case_folder": str(options.out), "work_folder": str(folder.work), "folder_mode": folder.mode})
        _register_inputs(ctx, result)
        stages = sorted(STAGES.values(), key=lambda s: s.order)
        _run_stages(ctx, [s for s in stages if s.order < OUTPUT_ORDER], result)
        changed = _verify_inputs(ctx, result)
        _run_stages(ctx, [s for s in stages if s.order >= OUTPUT_ORDER], result)
        if changed:
            raise EvidenceChangedError(f"input hash changed during the run: {', '.join(changed)}")
    except BaseException as exc:  # every way a run can end leaves a case folder that says how it ended
        stopped, error = _reason(exc), exc
    result.problems += [f"{path}: {reason}" for path, reason in ctx.input_failures]
    result.ok = result.ok and not result.problems and stopped is None
    _finish(ctx, result, stopped)
    try:
        result.out = folder.place(stopped)
    except CaseError as exc:
        raise exc from error
    if error is not None:
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise error
        raise CaseError(f"examine stopped: {stopped} (the failed case is in {result.out})") from error
    index = result.out / "report" / "index.html"
    result.report_index = index if index.exists() else None
    return result


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return str(exc) or "interrupted"
    if isinstance(exc, TrowelError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _finish(ctx: ExamineContext, result: ExamineResult, stopped: str | None) -> None:
    """Close everything and end the log with the outcome; never raises (the run's own error matters more)."""
    for source in ctx.sources.values():
        with contextlib.suppress(Exception):  # closing must not hide why the run ended
            source.close()
    shutil.rmtree(ctx.scratch, ignore_errors=True)
    details: dict[str, object] = {"ok": result.ok, "complete": stopped is None}
    try:
        result.counts = ctx.store.kinds()
        result.files = int(ctx.store.db.execute("SELECT count(*) FROM files").fetchone()[0])
        result.warnings = result.counts.get("warning", 0)
        details.update(records=result.counts, files=result.files)
    except Exception:  # noqa: BLE001 - a broken store still gets its log line
        pass
    if not result.ok:
        details["reason"] = stopped if stopped is not None else "; ".join(result.problems)
        details["problems"] = result.problems
    try:
        ctx.log("end", None, details)
    except Exception:  # noqa: BLE001 - the store itself failed: the log file still says how the run ended
        with open(ctx.log.path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps({"time": now_utc(), "action": "end", "tool": "trowel",
                                     "tool_version": __version__, "arguments": None, "details": details},
                                    ensure_ascii=False, default=str) + "\n")
    with contextlib.suppress(Exception):
        ctx.store.close()


def _register_inputs(ctx: ExamineContext, result: ExamineResult) -> None:
    options = ctx.options
    items = [("evidence", p) for p in options.evidence] + [("capture", p) for p in options.pcaps]
    items += [("apk", p) for p in options.apks]
    items += [("keylog", options.keylog)] if options.keylog else []
    opened = 0
    for number, (role, path) in enumerate(items, start=1):
        evidence_id = f"E{number}"
        before = input_digest(path)
        kind = role
        details: dict[str, object] = {"role": role}
        if role == "evidence":
            try:
                source = open_evidence(path, options.password)
            except TrowelError as exc:
                if len(options.evidence) == 1:
                    raise
                ctx.warn(str(exc), evidence_id, str(path), "open")
                result.problems.append(f"{path}: {exc}")
                warn(f"{path}: not opened: {exc}")
            else:
                ctx.sources[evidence_id] = source
                kind = source.kind
                details.update(source.describe())
                opened += 1
        size = path.stat().st_size if path.is_file() else 0
        ctx.store.add_evidence(evidence_id, path.name, str(path.resolve()), kind, size, before, details)
        ctx.inputs[evidence_id] = path
        result.inputs.append({"id": evidence_id, "path": str(path), "kind": kind, "sha256": before})
        ctx.log("register", {"evidence": evidence_id, "path": str(path.resolve())},
                {"kind": kind, "sha256_before": before, **details})
    if options.evidence and opened == 0:
        raise EvidenceError("none of the evidence items could be opened")


def _run_stages(ctx: ExamineContext, stages: list[Stage], result: ExamineResult) -> None:
    for stage in stages:
        if not stage.applies(ctx):
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            stage.run(ctx)
        except TrowelError as exc:
            ctx.warn(f"stage {stage.name} failed: {exc}", stage=stage.name)
            result.problems.append(f"stage {stage.name} failed: {exc}")
            warn(f"stage {stage.name} failed: {exc}")
        ctx.store.flush()
        # what the stage cost (wall and CPU seconds, the process's peak RSS so far): the benchmark reads these
        ctx.log("stage", {"name": stage.name}, {
            "wall_s": round(time.perf_counter() - wall, 3), "cpu_s": round(time.process_time() - cpu, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})


def _verify_inputs(ctx: ExamineContext, result: ExamineResult) -> list[str]:
    """Hash every input again (after every stage that reads evidence, before the outputs are written)."""
    changed = []
    for evidence_id, path in ctx.inputs.items():
        after = input_digest(path)
        ctx.store.set_evidence_after(evidence_id, after)
        before = next(r["sha256"] for r in result.inputs if r["id"] == evidence_id)
        ctx.log("verify", {"evidence": evidence_id}, {"sha256_before": before, "sha256_after": after,
                                                      "unchanged": before == after})
        if before != after:
            changed.append(str(path))
    if changed:
        result.problems.append(f"input changed during the run: {', '.join(changed)}")
        ctx.warn(f"input changed during the run: {', '.join(changed)}", stage="verify")
    return changed
