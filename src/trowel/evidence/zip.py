"""zip evidence, read in place: nothing is ever extracted to the host.

A zip whose central directory Python's ``zipfile`` refuses because of one member (a name flagged UTF-8 that is
not, a "version needed" it does not know) is read again through a view of the file in which those fields are
neutralised: every other member is listed, the odd name is kept (surrogate-escaped) and the unknown member is
listed as unreadable with a note. Names that appear more than once are each listed (the earlier copies with
their member number). Members that claim too many bytes or expand too much are refused (see
:mod:`trowel.evidence.limits`).
"""

from __future__ import annotations

import bisect
import os
import struct
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from trowel.errors import EvidenceError, UnsafeArchiveError
from trowel.evidence import zipcompact
from trowel.evidence.base import Entry, EntryKind, EvidenceSource, PositionalStream, clean_member_path
from trowel.evidence.base import error_text as _why
from trowel.evidence.limits import ArchiveLimits, default_limits
from trowel.evidence.names import is_clean, shown_name

_NS = 1_000_000_000
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
_UTF8_FLAG = 0x800
_MAX_VERSION = 63  # zipfile.MAX_EXTRACT_VERSION
_ZIP64_TAIL = 56 + 20  # the zip64 end of central directory record and its locator, before the end record
_CENTRAL = b"PK\x01\x02"


class _PatchedZip(PositionalStream):
    """The zip file, read-only, with some bytes of its central directory replaced (never written back)."""

    def __init__(self, path: Path, patches: dict[int, bytes]) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self.size = os.fstat(self._fd).st_size
        self._patches = patches
        self._starts = sorted(patches)

    def read_at(self, offset: int, size: int) -> bytes:
        data = os.pread(self._fd, size, offset)
        first = bisect.bisect_left(self._starts, offset - 2)  # a patch is at most 2 bytes long
        last = bisect.bisect_left(self._starts, offset + len(data))
        if first >= last:
            return data
        out = bytearray(data)
        for at in self._starts[first:last]:
            for i, byte in enumerate(self._patches[at]):
                if offset <= at + i < offset + len(out):
                    out[at + i - offset] = byte
        return bytes(out)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        super().close()


def _central_patches(path: Path) -> tuple[dict[int, bytes], set[int], dict[int, int]]:
    """Patches that clear the UTF-8 flag (central and local headers) and lower unknown versions; the member
    numbers each one touched (with the version each member asked for)."""
    with open(path, "rb") as stream:
        end = zipfile._EndRecData(stream)  # type: ignore[attr-defined]
        if not end:
            raise EvidenceError(f"{path}: not a readable zip archive (no end of central directory)")
        size_cd, offset_cd, location = end[5], end[6], end[9]
        start = location - size_cd - (_ZIP64_TAIL if end[0] == zipfile.stringEndArchive64 else 0)  # type: ignore[attr-defined]
        if start < 0 or size_cd > (1 << 31):
            raise EvidenceError(f"{path}: not a readable zip archive (central directory out of range)")
        stream.seek(start)
        data = stream.read(size_cd)
        concat = start - offset_cd  # bytes in front of the zip (a self-extractor, say)
        patches: dict[int, bytes] = {}
        utf8: set[int] = set()
        unknown: dict[int, int] = {}
        pos = number = 0
        while pos + 46 <= len(data) and data[pos:pos + 4] == _CENTRAL:
            version, flags = data[pos + 6], struct.unpack_from("<H", data, pos + 8)[0]
            n, m, k = struct.unpack_from("<HHH", data, pos + 28)
            if flags & _UTF8_FLAG:
                patches[start + pos + 8] = struct.pack("<H", flags & ~_UTF8_FLAG)
                utf8.add(number)
                local = struct.unpack_from("<I", data, pos + 42)[0] + concat
                stream.seek(max(local, 0))
                head = stream.read(8)
                if local >= 0 and len(head) == 8 and head[:4] == b"PK\x03\x04":
                    patches[local + 6] = struct.pack("<H", struct.unpack_from("<H", head, 6)[0] & ~_UTF8_FLAG)
            if version > _MAX_VERSION:
                patches[start + pos + 6] = bytes([20])
                unknown[number] = version
            pos += 46 + n + m + k
            number += 1
    return patches, utf8, unknown


class ZipSource(EvidenceSource):
    kind = "zip"

    def __init__(self, path: Path, limits: ArchiveLimits | None = None) -> None:
        super().__init__(path)
        self.limits = limits or default_limits()
        self._view: _PatchedZip | None = None
        self._zip: zipfile.ZipFile | None = None
        utf8: set[int] = set()
        unknown: dict[int, int] = {}
        self._infos: list[zipfile.ZipInfo] | zipcompact.CompactInfos = []
        self._names: list[str] = []
        self._index: dict[str, int] = {}
        self._notes: dict[int, str] = {}
        self._refused: set[int] = set()
        try:
            count = zipcompact.member_count(path)
        except Exception as exc:  # noqa: BLE001 - any reader error: one line, never a traceback
            raise EvidenceError(f"{path}: not a readable zip archive ({_why(exc)})") from exc
        if count is not None and count >= zipcompact.COMPACT_FROM:  # very many members: no ZipInfo kept each
            self._infos = zipcompact.CompactInfos()
            try:
                self._load(zipcompact.central_records(path), utf8, unknown)
            except EvidenceError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise EvidenceError(f"{path}: not a readable zip archive ({_why(exc)})") from exc
            return
        try:
            self._zip = zipfile.ZipFile(path)
        except (UnicodeDecodeError, NotImplementedError):
            try:
                patches, utf8, unknown = _central_patches(path)
                self._view = _PatchedZip(path, patches)
                self._zip = zipfile.ZipFile(self._view)
            except EvidenceError:
                raise
            except Exception as exc:  # noqa: BLE001 - any reader error: one line, never a traceback
                raise EvidenceError(f"{path}: not a readable zip archive ({_why(exc)})") from exc
        except Exception as exc:  # noqa: BLE001
            raise EvidenceError(f"{path}: not a readable zip archive ({_why(exc)})") from exc
        self._load(self._zip.infolist(), utf8, unknown)

    def _load(self, infos: Iterable[zipfile.ZipInfo], utf8: set[int], unknown: dict[int, int]) -> None:
        lim = self.limits
        total = 0
        label = self.path
        odd: list[str] = []
        bombed: list[str] = []  # members refused because the archive as a whole claims too much
        disk_size = self.path.stat().st_size
        for number, info in enumerate(infos):
            index = len(self._infos)  # the member's place in this listing (root folders are not listed)
            name = info.filename
            if number in utf8:  # decoded as cp437 by the patched view: the bytes again, then UTF-8 with escapes
                raw = info.orig_filename.encode("cp437")
                name = raw.decode("utf-8", "surrogateescape")
            if not is_clean(name):
                odd.append(shown_name(name))
            clean, note = clean_member_path(name)
            if not clean:
                if info.is_dir():
                    continue
                clean = f"[unnamed member {number + 1}]" if not name.strip("/") else f"[member {number + 1} named {name!r}]"
                note = f"member {number + 1} has the name {name!r}; listed as {clean!r}"
            if note:
                note = f"{note}; never written there"
            version = unknown.get(number) or (info.extract_version if info.extract_version > _MAX_VERSION else None)
            if version is not None:
                note = _join(note, f"member {shown_name(clean)!r} needs zip version "
                                   f"{version / 10:.1f}, which trowel cannot read")
                self._refused.add(index)
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > lim.max_member or (ratio > lim.member_ratio and info.file_size > lim.member_ratio_floor):
                note = _join(note, f"member {shown_name(clean)!r} expands {info.compress_size} -> {info.file_size} bytes"
                                   f" (ratio {ratio:.0f}): refused as a zip bomb")
                self._refused.add(index)
            total += info.file_size
            if index not in self._refused and (total > lim.max_total or (
                    total > lim.ratio_floor and total > lim.archive_ratio * disk_size)):
                self._refused.add(index)
                bombed.append(shown_name(clean))
                self._notes[index] = (f"members claim {total} bytes from a {disk_size} byte archive "
                                                 "(bounds: TROWEL_MAX_RATIO, TROWEL_MAX_EXPANDED): refused")
            if clean in self._index:
                earlier = self._index[clean]
                renamed = f"{clean} [duplicate, member {earlier + 1}]"
                self._names[earlier] = renamed
                self._index[renamed] = earlier
                self.warnings.append(f"{label}: member {shown_name(clean)!r} appears again (member {number + 1}); "
                                     f"the earlier copy is listed as {shown_name(renamed)!r}")
                self._notes[earlier] = _join(self._notes.get(earlier), "a later member has the same name")
            if note:
                self.warnings.append(f"{label}: {note}")
                self._notes[index] = _join(self._notes.get(index), note)
            self._index[clean] = index
            self._names.append(clean)
            self._infos.append(info)
        if bombed:
            self.warnings.append(f"{label}: members claim more than {lim.archive_ratio:g} times the archive's "
                                 f"{disk_size} bytes (or over {lim.max_total} bytes): {len(bombed)} member(s) from "
                                 f"{bombed[0]!r} on refused as an archive bomb (listed, not read)")
        if odd:
            self.warnings.append(f"{label}: {len(odd)} member name(s) marked UTF-8 are not valid UTF-8 (first: "
                                 f"{odd[0]!r}); listed with each undecodable byte as \\xNN, raw bytes kept")

    @property
    def member_count(self) -> int:
        return len(self._infos)

    def entries(self) -> Iterator[Entry]:
        for index, (name, info) in enumerate(zip(self._names, self._infos, strict=True)):
            is_dir = info.is_dir()
            mode = (info.external_attr >> 16) & 0o170000
            kind = EntryKind.DIR if is_dir else EntryKind.SYMLINK if mode == 0o120000 else EntryKind.FILE
            try:
                mtime: int | None = int(datetime(*info.date_time, tzinfo=UTC).timestamp()) * _NS
            except (ValueError, OverflowError):
                mtime = None
            yield Entry(
                path=name, kind=kind, size=0 if is_dir else info.file_size, mtime=mtime,
                readable=index not in self._refused, note=self._notes.get(index),
            )

    def open(self, entry: Entry) -> BinaryIO:
        index = self._index.get(entry.path)
        if index is None or self._infos[index].is_dir():
            raise EvidenceError(f"{self.path}: no file member {shown_name(entry.path)!r}")
        if index in self._refused:
            raise UnsafeArchiveError(f"{self.path}: {self._notes[index]}")
        try:
            if self._zip is None:
                return zipcompact.open_member(self.path, self._infos[index], shown_name(entry.path))
            return self._zip.open(self._infos[index])  # type: ignore[return-value]
        except EvidenceError:
            raise
        except Exception as exc:  # noqa: BLE001 - any reader error names the archive and the member
            raise EvidenceError(f"{self.path}: cannot read member {shown_name(entry.path)!r} ({_why(exc)})") from exc

    def hash_entry(self, entry: Entry, limit: int | None = None) -> str | None:
        index = self._index.get(entry.path)
        if index is not None and entry.readable and entry.kind is EntryKind.FILE:
            info = self._infos[index]
            if info.file_size == 0 and info.CRC == 0 and not info.flag_bits & 0x1:
                return EMPTY_SHA256  # what reading it gives (zipfile reads no byte and checks a CRC of 0)
        return super().hash_entry(entry, limit)

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "members": len(self._infos)}

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._view is not None:
            self._view.close()


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second
