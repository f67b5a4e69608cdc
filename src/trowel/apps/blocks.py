"""Pre-encoded JSON Lines: records that a worker process mapped and encoded, handed over as one block.

A parser's parallel path maps rows in worker processes; sending the records back to be encoded again would
cost as much as mapping them. A worker encodes each record with the very function the CLI uses, so a block's
text is byte for byte what the single-process path writes, and counts what it holds for the command's summary.

A large block travels as a file (a spool file, in memory-backed ``/dev/shm`` where there is room): the worker
writes its bytes once and the parent has the kernel copy them to the output, instead of pickling them through a
pipe (four copies in user space, about 5 s of a million-message run).
"""

from __future__ import annotations

import codecs
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
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
    spool: str | None = None  # a file holding the UTF-8 bytes instead of ``utf8`` (see :meth:`spooled`)

    @classmethod
    def of_chunks(cls, chunks: list[bytes | str], counts: dict[tuple[str, str, int | None, str, str], int]) -> EncodedBlock:
        """From one chunk per record: its JSON line as UTF-8 bytes (:func:`trowel.cli.common.record_line`), or
        as a str (ending in a newline) for a record whose text UTF-8 cannot encode; the block is then text."""
        if all(type(chunk) is bytes for chunk in chunks):
            return cls(utf8=b"".join(chunks), records=len(chunks), counts=counts)  # type: ignore[arg-type]
        text = "".join(chunk if type(chunk) is str else chunk.decode("utf-8") for chunk in chunks)  # type: ignore[union-attr]
        return cls(utf8=None, text=text, records=len(chunks), counts=counts)

    def spooled(self, path: Path) -> EncodedBlock:
        """The same block with its bytes in a new file at ``path`` (itself unchanged when the file cannot be
        written, e.g. a full /dev/shm: the bytes then travel as they are)."""
        if self.utf8 is None or self.spool is not None:
            return self
        try:
            with open(path, "xb") as handle:
                handle.write(self.utf8)
        except OSError:
            path.unlink(missing_ok=True)
            return self
        return EncodedBlock(utf8=None, records=self.records, counts=self.counts, spool=str(path))

    def discard(self) -> None:
        """Remove the spool file (once written)."""
        if self.spool is not None:
            Path(self.spool).unlink(missing_ok=True)

    def write(self, stream: TextIO) -> None:
        """Onto a text stream: straight to its byte buffer when it writes UTF-8 (the same bytes, no decoding)."""
        if self.spool is None:
            if self.utf8 is None:
                stream.write(self.text)
                return
            buffer = getattr(stream, "buffer", None)
            if buffer is not None and codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "utf-8":
                stream.flush()
                buffer.write(self.utf8)
            else:
                stream.write(self.utf8.decode("utf-8"))
            return
        buffer = getattr(stream, "buffer", None)
        if buffer is None or codecs.lookup(getattr(stream, "encoding", None) or "ascii").name != "utf-8":
            stream.write(Path(self.spool).read_bytes().decode("utf-8"))
            return
        stream.flush()
        buffer.flush()
        with open(self.spool, "rb") as handle:
            if not _send_file(handle.fileno(), buffer):
                shutil.copyfileobj(handle, buffer, 1 << 20)


def _send_file(source: int, buffer: object) -> bool:
    """The whole of ``source`` onto the file under ``buffer``, copied by the kernel (``os.sendfile``); False,
    with nothing written, when the output has no file descriptor or does not take sendfile."""
    try:
        target = buffer.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return False
    size, sent = os.fstat(source).st_size, 0
    while sent < size:
        try:
            step = os.sendfile(target, source, sent, size - sent)
        except OSError:
            if sent:  # part of the block is out: the output itself failed
                raise
            return False
        if step == 0:
            raise OSError(f"spool file ended after {sent} of {size} bytes")
        sent += step
    return True
