"""tar (plain, gz, bz2, xz) and zip evidence, read in place: nothing is ever extracted to the host.

Member names are normalised (no absolute paths, no ``..``); a member that tried to escape is listed under
its cleaned name with a note and a warning. Sizes are bounded against archive bombs.
"""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from trowel.errors import EvidenceError, UnsafeArchiveError
from trowel.evidence.base import (
    MAX_MEMBER_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    Entry,
    EntryKind,
    EvidenceSource,
    clean_member_path,
)

_NS = 1_000_000_000


class TarSource(EvidenceSource):
    kind = "tar"

    def __init__(self, path: Path, fileobj: BinaryIO | None = None, label: str | None = None) -> None:
        super().__init__(path)
        self._fileobj = fileobj
        self._label = label or str(path)
        try:
            self._tar = tarfile.open(name=None if fileobj else str(path), fileobj=fileobj, mode="r:*")  # noqa: SIM115 - closed in close()
            self._members = self._load_members()
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            raise EvidenceError(f"{self._label}: not a readable tar archive ({exc})") from exc

    def _load_members(self) -> dict[str, tarfile.TarInfo]:
        members: dict[str, tarfile.TarInfo] = {}
        self._notes: dict[str, str] = {}
        try:
            for info in self._tar:
                clean, note = clean_member_path(info.name)
                if not clean:
                    continue
                if note:
                    self.warnings.append(f"{self._label}: {note}; listed as {clean!r}, never written there")
                    self._notes[clean] = note
                if clean in members and note is None:
                    self.warnings.append(f"{self._label}: member {clean!r} appears twice; the last copy is used")
                members[clean] = info
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            self.warnings.append(f"{self._label}: archive is truncated or corrupt after {len(members)} members ({exc})")
            if not members:
                raise EvidenceError(f"{self._label}: truncated or corrupt tar archive ({exc})") from exc
        return members

    def entries(self) -> Iterator[Entry]:
        for name, info in self._members.items():
            if info.isreg():
                kind = EntryKind.FILE
            elif info.isdir():
                kind = EntryKind.DIR
            elif info.issym() or info.islnk():
                kind = EntryKind.SYMLINK
            else:
                kind = EntryKind.OTHER
            yield Entry(
                path=name, kind=kind, size=info.size if kind is EntryKind.FILE else 0,
                mtime=int(info.mtime) * _NS if info.mtime else None,
                link_target=info.linkname or None, note=self._notes.get(name),
            )

    def open(self, entry: Entry) -> BinaryIO:
        info = self._members.get(entry.path)
        if info is None or not info.isreg():
            raise EvidenceError(f"{entry.path}: no such regular file in {self._label}")
        if info.size > MAX_MEMBER_BYTES:
            raise UnsafeArchiveError(f"{entry.path}: member claims {info.size} bytes, over the bomb limit")
        stream = self._tar.extractfile(info)
        if stream is None:
            raise EvidenceError(f"{entry.path}: cannot read from {self._label}")
        return stream  # type: ignore[return-value]

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "members": len(self._members)}

    def close(self) -> None:
        self._tar.close()


class ZipSource(EvidenceSource):
    kind = "zip"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise EvidenceError(f"{path}: not a readable zip archive ({exc})") from exc
        self._members: dict[str, zipfile.ZipInfo] = {}
        self._notes: dict[str, str] = {}
        self._refused: set[str] = set()
        total = 0
        for info in infos:
            clean, note = clean_member_path(info.filename)
            if not clean:
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_MEMBER_BYTES or (ratio > MAX_RATIO and info.file_size > (16 << 20)):
                note = f"member {clean!r} expands {info.compress_size} -> {info.file_size} bytes (ratio {ratio:.0f}): refused as a zip bomb"
                self._refused.add(clean)
            total += info.file_size
            if total > MAX_TOTAL_BYTES and clean not in self._refused:
                note = f"archive expands beyond {MAX_TOTAL_BYTES} bytes: member {clean!r} refused"
                self._refused.add(clean)
            if note:
                self.warnings.append(f"{path}: {note}")
                self._notes[clean] = note
            self._members[clean] = info

    def entries(self) -> Iterator[Entry]:
        for name, info in self._members.items():
            is_dir = info.is_dir()
            mode = (info.external_attr >> 16) & 0o170000
            kind = EntryKind.DIR if is_dir else EntryKind.SYMLINK if mode == 0o120000 else EntryKind.FILE
            try:
                mtime = int(datetime(*info.date_time, tzinfo=UTC).timestamp()) * _NS
            except ValueError:
                mtime = None
            yield Entry(
                path=name, kind=kind, size=0 if is_dir else info.file_size, mtime=mtime,
                readable=name not in self._refused, note=self._notes.get(name),
            )

    def open(self, entry: Entry) -> BinaryIO:
        info = self._members.get(entry.path)
        if info is None or info.is_dir():
            raise EvidenceError(f"{entry.path}: no such file in {self.path}")
        if entry.path in self._refused:
            raise UnsafeArchiveError(self._notes[entry.path])
        try:
            return self._zip.open(info)  # type: ignore[return-value]
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise EvidenceError(f"{entry.path}: cannot read from {self.path} ({exc})") from exc

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "members": len(self._members)}

    def close(self) -> None:
        self._zip.close()
