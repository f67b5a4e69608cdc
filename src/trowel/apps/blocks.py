"""Pre-encoded JSON Lines: records that a worker process mapped and encoded, handed over as one block.

A parser's parallel path maps rows in worker processes; sending the records back to be encoded again would
cost as much as mapping them. A worker encodes each record with the very function the CLI uses, so a block's
text is byte for byte what the single-process path writes, and counts what it holds for the command's summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trowel.model import Record


def summary_key(record: Record) -> tuple[str, str, int | None, str, str]:
    """What a command's summary table counts a record under: package, kind, user, state, finding."""
    return (record.package or "-", record.kind, record.user, record.state.value,
            getattr(record, "finding", "") or "")


@dataclass
class EncodedBlock:
    """JSON Lines text (every line ends in a newline) and how many records of each summary key it holds."""

    text: str
    records: int = 0
    counts: dict[tuple[str, str, int | None, str, str], int] = field(default_factory=dict)

