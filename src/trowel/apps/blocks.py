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
import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

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
    spool: str | None = None  # a file holding the UTF-8 bytes instead of ``utf8`` (see BlockWriter)
    size: int = 0  # bytes of UTF-8 (of ``utf8`` or the spool file)

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


class BlockWriter:
    """One block's JSON lines as a worker encodes them: written straight into a spool file when there is one (no
    list of lines held, no join), else kept in memory; from the first record whose text UTF-8 cannot encode
    (lone surrogates) on, the whole block is text, in memory.

    ``encode`` gives a record's line as UTF-8 bytes (raising UnicodeEncodeError when it cannot), ``encode_text``
    the same line as text without its newline (the CLI's two encoders, so the bytes are those the CLI writes).
    """

    def __init__(self, spool: Path | None, encode: Callable[[Record], bytes],
                 encode_text: Callable[[Record], str]) -> None:
        self._encode, self._encode_text = encode, encode_text
        self._path = spool
        self._file: BinaryIO | None = open(spool, "xb", buffering=1 << 20) if spool is not None else None  # noqa: SIM115
        self._lines: list[bytes] = []
        self._text: list[str] | None = None
        self.records = 0
        self.size = 0

    def add(self, record: Record) -> None:
        self.records += 1
        if self._text is None:
            try:
                line = self._encode(record)
            except UnicodeEncodeError:
                self._text = [self._take_bytes().decode("utf-8")]
            else:
                self.size += len(line)
                if self._file is not None:
                    self._file.write(line)
                else:
                    self._lines.append(line)
                return
        self._text.append(self._encode_text(record) + "\n")

    def _take_bytes(self) -> bytes:
        """What was written so far, out of the spool file (which is removed) or the list of lines."""
        if self._file is None:
            data = b"".join(self._lines)
            self._lines.clear()
            return data
        self._file.close()
        self._file = None
        assert self._path is not None
        data = self._path.read_bytes()
        self._path.unlink()
        return data

    def finish(self, counts: dict[tuple[str, str, int | None, str, str], int]) -> EncodedBlock:
        if self._text is not None:
            return EncodedBlock(utf8=None, text="".join(self._text), records=self.records, counts=counts)
        if self._file is not None:
            self._file.close()
            self._file = None
            return EncodedBlock(utf8=None, records=self.records, counts=counts, spool=str(self._path), size=self.size)
        return EncodedBlock(utf8=b"".join(self._lines), records=self.records, counts=counts, size=self.size)

    def abandon(self) -> None:
        """Close and remove the spool file (the block is not wanted, or could not be written)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)


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
