"""The inventory stage: every entry of every evidence item, with SHA-256 of files up to the size limit."""

from __future__ import annotations

from collections.abc import Iterator

from trowel.case.context import ExamineContext, Stage, register_stage
from trowel.errors import TrowelError
from trowel.evidence.base import Entry, EntryKind, EvidenceSource, error_text
from trowel.evidence.names import shown_name
from trowel.progress import progress_bar


def inventory_items(ctx: ExamineContext, evidence_id: str, source: EvidenceSource) -> Iterator[tuple[Entry, str | None]]:
    limit = ctx.options.hash_limit
    with progress_bar(f"inventory {evidence_id}") as bar:
        for entry in source.entries():
            sha = None
            if entry.kind is EntryKind.FILE and entry.readable:
                try:
                    sha = source.hash_entry(entry, limit)
                except (TrowelError, OSError, EOFError, ValueError) as exc:
                    ctx.warn(f"cannot hash: {exc}", evidence_id, shown_name(entry.path), "inventory")
            yield entry, sha
            bar.advance()


def run_inventory(ctx: ExamineContext) -> None:
    for evidence_id, source in ctx.sources.items():
        try:
            count = ctx.store.add_files(evidence_id, inventory_items(ctx, evidence_id, source))
        except Exception as exc:  # noqa: BLE001 - one input's failure never costs the others
            count = -1
            ctx.warn(f"inventory of {source.path} stopped ({error_text(exc)})", evidence_id, "", "inventory")
        for message in source.warnings:
            ctx.warn(message, evidence_id, "", "inventory")
        source.warnings.clear()
        ctx.log("inventory", {"evidence": evidence_id}, {"entries": count})


register_stage(Stage("inventory", 10, run_inventory))
