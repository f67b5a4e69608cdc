"""The exception boundary around every evidence source: whatever a reader raises becomes a one-line
``EvidenceError`` (or a recorded warning) that names the input and the member.

Readers build on libraries that raise their own errors (``zipfile.BadZipFile``, ``zlib.error``,
``lzma.LZMAError``, ``tarfile.ReadError``, ``NotImplementedError``, ``MemoryError``, pytsk3's ``OSError``,
pyewf's ``IOError``...). Callers of :class:`GuardedSource` only ever see ``TrowelError``: a listing that fails
mid-way ends with a warning saying after how many entries it stopped; opening or reading a member that fails
raises ``EvidenceError`` naming both.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from trowel.errors import EvidenceError, TrowelError
from trowel.evidence.base import Entry, EvidenceSource, error_text
from trowel.evidence.names import shown_name


class GuardedStream(io.RawIOBase):
    """A member's stream whose read errors name the input and the member."""

    def __init__(self, inner: BinaryIO, where: str) -> None:
        self._inner = inner
        self._where = where

    def _fail(self, exc: Exception) -> EvidenceError:
        return EvidenceError(f"{self._where}: read failed ({error_text(exc)})")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        try:
            return bool(self._inner.seekable())
        except Exception:  # noqa: BLE001 - a stream that cannot say is not seekable
            return False

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._inner.read(-1 if size is None else size)
        except TrowelError:
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary: any reader error
            raise self._fail(exc) from exc

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            return int(self._inner.seek(offset, whence))
        except TrowelError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from exc

    def tell(self) -> int:
        try:
            return int(self._inner.tell())
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from exc

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a damaged member must not mask the first error
            self._inner.close()
        super().close()


def guard(source: EvidenceSource, label: str | None = None) -> EvidenceSource:
    """Put the boundary around one opened source (in place: it stays an instance of its own class)."""
    where_label = label or str(source.path)
    inner_entries, inner_open = source.entries, source.open
    inner_hash, inner_describe, inner_close = source.hash_entry, source.describe, source.close
    own_hash = type(source).hash_entry is not EvidenceSource.hash_entry

    def where(entry: Entry) -> str:
        return f"{where_label}: member {shown_name(entry.path)!r}"

    def entries() -> Iterator[Entry]:
        count = 0
        iterator = iter(inner_entries())
        while True:
            try:
                entry = next(iterator)
            except StopIteration:
                return
            except Exception as exc:  # noqa: BLE001 - the boundary: keep what was listed, say where it stopped
                source.warnings.append(f"{where_label}: listing stopped after {count} entries ({error_text(exc)}); "
                                       "entries after it are not listed")
                return
            count += 1
            yield entry

    def open_(entry: Entry) -> BinaryIO:
        try:
            stream = inner_open(entry)
        except TrowelError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise EvidenceError(f"{where(entry)}: cannot open ({error_text(exc)})") from exc
        return GuardedStream(stream, where(entry))  # type: ignore[return-value]

    def hash_entry(entry: Entry, limit: int | None = None) -> str | None:
        try:
            return inner_hash(entry, limit)
        except TrowelError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise EvidenceError(f"{where(entry)}: cannot hash ({error_text(exc)})") from exc

    def describe() -> dict[str, object]:
        try:
            return inner_describe()
        except Exception as exc:  # noqa: BLE001
            source.warnings.append(f"{where_label}: cannot describe the container ({error_text(exc)})")
            return {"kind": source.kind}

    def close() -> None:
        try:
            inner_close()
        except Exception as exc:  # noqa: BLE001
            source.warnings.append(f"{where_label}: closing failed ({error_text(exc)})")

    source.entries = entries  # type: ignore[method-assign]
    source.open = open_  # type: ignore[method-assign]
    if own_hash:
        source.hash_entry = hash_entry  # type: ignore[method-assign]
    source.describe = describe  # type: ignore[method-assign]
    source.close = close  # type: ignore[method-assign]
    return source
