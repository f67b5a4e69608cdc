"""The correlation stage: ties network records to device records (sticker downloads to sticker messages,
call sessions to call log entries) as ``finding`` records that name both sides."""

from __future__ import annotations

from trowel.case.context import ExamineContext, Stage, register_stage
from trowel.net.correlate import correlate_network

_KINDS = ("message", "call", "sticker", "call_session")


def run_correlation(ctx: ExamineContext) -> None:
    records = [r for kind in _KINDS for r in ctx.store.records(kind)]
    findings = correlate_network(records)
    ctx.store.add_many(findings)
    ctx.log("correlate", None, {"findings": len(findings)})


def _has_network(ctx: ExamineContext) -> bool:
    return bool(ctx.options.pcaps)


register_stage(Stage("correlate", 50, run_correlation, _has_network))
