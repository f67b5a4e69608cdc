"""The ``network`` stage of ``examine``: every capture given with ``--pcap`` is analysed into the case
store; carved objects go to the case's ``media/`` folder. A capture that cannot be read becomes a warning
and the run goes on."""

from __future__ import annotations

from pathlib import Path

from trowel.case.context import ExamineContext, Stage, register_stage
from trowel.errors import TrowelError
from trowel.net.analyze import analyze_capture
from trowel.net.tlscrypto import KeyLog
from trowel.progress import progress_bar


def capture_evidence_id(ctx: ExamineContext, capture: Path) -> str:
    """The evidence id ``examine`` registered for a capture (matched by resolved path)."""
    target = capture.resolve()
    for evidence_id, path in ctx.inputs.items():
        if path.resolve() == target:
            return evidence_id
    return ""


def run_network(ctx: ExamineContext) -> None:
    media = ctx.options.out / "media"
    keylog = None
    if ctx.options.keylog is not None:
        try:
            keylog = KeyLog.load(ctx.options.keylog)
        except (TrowelError, OSError, ValueError) as exc:
            ctx.warn(f"key log not used: {exc}", "", str(ctx.options.keylog), "network")
    for capture in ctx.options.pcaps:
        evidence_id = capture_evidence_id(ctx, capture)
        size = capture.stat().st_size if capture.is_file() else 0
        try:
            with progress_bar(f"capture {capture.name}", total=size, bytes_=True) as bar:
                done = {"at": 0}

                def progress(position: int) -> None:
                    bar.advance(position - done["at"])  # noqa: B023 - used within this iteration only
                    done["at"] = position  # noqa: B023

                result = analyze_capture(capture, evidence_id, keylog=keylog, media_dir=media,
                                         progress=progress, jobs=ctx.options.net_jobs)
        except TrowelError as exc:
            ctx.warn(f"capture not analysed: {exc}", evidence_id, str(capture), "network")
            continue
        except (OSError, ValueError, MemoryError) as exc:
            ctx.warn(f"capture not analysed: {type(exc).__name__}: {exc}", evidence_id, str(capture), "network")
            continue
        ctx.store.add_many(result.records)
        ctx.warnings += len(result.warnings)
        counts: dict[str, int] = {}
        for record in result.records:
            counts[record.kind] = counts.get(record.kind, 0) + 1
        ctx.log("network", {"evidence": evidence_id, "capture": str(capture)},
                {"frames": result.packets, "records": counts})


register_stage(Stage("network", 40, run_network, applies=lambda ctx: bool(ctx.options.pcaps)))
