"""Pre-encoded JSON Lines: records that a worker process mapped and encoded, handed over as one block.

A parser's parallel path maps rows in worker processes; sending the records back to be encoded again would
cost as much as mapping them. A worker encodes each record with the very function the CLI uses, so a block's
text is byte for byte what the single-process path writes, and counts what it holds for the command's summary.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import TextIO

from trowel.model import Record


def summary_key(record: Record) -> tuple[str, str, int | None, str, str]:
    """What a command's summary table counts a record under: package, kind, user, state, finding."""
    return (record.package or "-", record.kind, record.user, record.state.value,
            getattr(record, "finding", "") or "")


@dataclass
class EncodedBlock:
    """JSON Lines (every line ends in a newline), as UTF-8 bytes when they encode (a quarter of the memory of a
    str holding one emoji), and how many records of each summary key the block holds."""

    utf8: bytes | None
    text: str = ""  # only when ``utf8`` is None: text that UTF-8 cannot encode (lone surrogates), written as is
    records: int = 0
    counts: dict[tuple[str, str, int | None, str, str], int] = field(default_factory=dict)

    @classmethod
    def of_chunks(cls, chunks: list[bytes | str], counts: dict[tuple[str, str, int | None, str, str], int]) -> EncodedBlock:
        """From one chunk per record: its JSON line as UTF-8 bytes (:func:`trowel.cli.common.record_line`), or
        as a str (ending in a newline) for a record whose text UTF-8 cannot encode; the block is then text."""
        if all(type(chunk) is bytes for chunk in chunks):
            return cls(utf8=b"".join(chunks), records=len(chunks), counts=counts)  # type: ignore[arg-type]
        text = "".join(chunk if type(chunk) is str else chunk.decode("utf-8") for chunk in chunks)  # type: ignore[union-attr]
        return cls(utf8=None, text=text, records=len(chunks), counts=counts)

    def write(self, stream: TextIO) -> None:
        """Onto a text stream: straight to its byte buffer when it writes UTF-8 (the same bytes, no decoding)."""
        if self.utf8 is None:
            stream.write(self.text)
            return
        buffer = getattr(stream, "buffer", None)
        if buffer is not None and codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "utf-8":
            stream.flush()
            buffer.write(self.utf8)
        else:
            stream.write(self.utf8.decode("utf-8"))
