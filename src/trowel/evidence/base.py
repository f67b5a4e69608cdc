"""The one read-only interface every evidence source implements.

An evidence source lists entries (path, kind, size, times, deleted flag) and opens a file for reading.
Nothing here writes to the evidence. ``materialize`` copies one entry into a scratch folder that the caller
owns (for libraries, such as sqlite3, that need a real file); the destination is always inside that folder,
whatever the entry's name says.
"""

from __future__ import annotations

import abc
import enum
import hashlib
import io
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from trowel.errors import EvidenceError, UnsafeArchiveError

CHUNK = 1 << 20
# Archive-bomb bounds: a member may not claim more than this many bytes, nor a ratio above this.
MAX_MEMBER_BYTES = 64 << 30
MAX_RATIO = 1000
MAX_TOTAL_BYTES = 512 << 30


class EntryKind(enum.StrEnum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of an evidence source. Times are Unix nanoseconds (UTC) or None when unknown."""

    path: str  # POSIX, relative to the evidence root, no leading slash
    kind: EntryKind
    size: int
    mtime: int | None = None
    atime: int | None = None
    ctime: int | None = None
    crtime: int | None = None
    deleted: bool = False
    inode: int | None = None
    link_target: str | None = None
    readable: bool = True  # False when the content is gone (a deleted inode with no data left)
    note: str | None = None  # why an entry is unusual (unsafe name, bomb bound hit, ...)


def error_text(exc: BaseException) -> str:
    """One line naming an exception of any kind (a reader's own, zlib's, lzma's, a MemoryError)."""
    text = str(exc).splitlines()[0].strip() if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def clean_member_path(name: str) -> tuple[str, str | None]:
    """Normalise an archive member name to a relative POSIX path; say why when it tried to escape."""
    raw = name.replace("\\", "/").replace("\x00", "")
    note = None
    if len(raw) > 1 and raw[1] == ":":
        raw, note = raw[2:], f"member name {name!r} has a drive letter"
    if raw.startswith("/"):
        note = f"absolute member name {name!r}"
    parts: list[str] = []
    for part in raw.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            note = f"member name {name!r} climbs out of the archive"
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts), note


class EvidenceSource(abc.ABC):
    """A read-only evidence item."""

    kind: str = "unknown"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []

    @abc.abstractmethod
    def entries(self) -> Iterator[Entry]:
        """Every entry, in a stable order."""

    @abc.abstractmethod
    def open(self, entry: Entry) -> BinaryIO:
        """A read-only binary stream of a file entry's content."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release handles."""

    def __enter__(self) -> EvidenceSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> dict[str, object]:
        """Facts about the container itself (format version, stored hashes, ...) for the case log."""
        return {"kind": self.kind}

    def find(self, path: str) -> Entry | None:
        for entry in self.entries():
            if entry.path == path:
                return entry
        return None

    def hash_entry(self, entry: Entry, limit: int | None = None) -> str | None:
        """SHA-256 of a file entry, streamed; None when the file is larger than ``limit``."""
        if entry.kind is not EntryKind.FILE or not entry.readable:
            return None
        if limit is not None and entry.size > limit:
            return None
        digest = hashlib.sha256()
        with self.open(entry) as stream:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def materialize(self, entry: Entry, scratch: Path, name: str | None = None) -> Path:
        """Copy a file entry into ``scratch`` (never outside it) and return the copy's path."""
        if entry.kind is not EntryKind.FILE:
            raise EvidenceError(f"{entry.path}: not a regular file")
        rel, _ = clean_member_path(name or entry.path)
        target = (scratch / rel).resolve()
        root = scratch.resolve()
        if not target.is_relative_to(root) or target == root:
            raise UnsafeArchiveError(f"{entry.path}: refusing to write outside the scratch folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        with self.open(entry) as src, open(target, "wb") as dst:
            copy_bounded(src, dst, entry.size, entry.path)
        return target


def copy_bounded(src: BinaryIO, dst: BinaryIO, declared: int, label: str) -> int:
    """Copy at most ``declared`` bytes (and never more than the bomb limit)."""
    limit = min(max(declared, 0), MAX_MEMBER_BYTES)
    done = 0
    while done < limit:
        chunk = src.read(min(CHUNK, limit - done))
        if not chunk:
            break
        dst.write(chunk)
        done += len(chunk)
    if declared > MAX_MEMBER_BYTES:
        raise UnsafeArchiveError(f"{label}: member claims {declared} bytes, over the {MAX_MEMBER_BYTES} limit")
    return done


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    """Streamed SHA-256 of a host file (never read whole into memory)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb", buffering=0) as stream:
            buf = bytearray(CHUNK * 4)
            view = memoryview(buf)
            while True:
                n = stream.readinto(buf)
                if not n:
                    break
                digest.update(view[:n])
                if progress:
                    progress(n)
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def host_size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def copy_host_file(src: Path, dst: Path) -> None:
    """Copy a host file (used only for scratch copies of files trowel itself made)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o600)


class PositionalStream(io.RawIOBase):
    """A read-only, seekable stream over anything that can read ``size`` bytes at an offset.

    Subclasses set ``size`` and implement :meth:`read_at`; position handling lives here once.
    """

    size: int = 0
    _pos: int = 0

    @abc.abstractmethod
    def read_at(self, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes from ``offset`` (fewer at the end)."""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        remaining = self.size - self._pos
        if size is None or size < 0 or size > remaining:
            size = remaining
        if size <= 0:
            return b""
        data = self.read_at(self._pos, size)
        self._pos += len(data)
        return data

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)
