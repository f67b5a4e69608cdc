"""A zip's central directory read without keeping a ``ZipInfo`` per member (for archives of very many members).

``zipfile`` builds a ``ZipInfo`` (and a name index) for every member up front: about 850 bytes each, so a
million members cost the better part of a gigabyte. Here each record of the central directory becomes a
``ZipInfo`` only while it is looked at; what is kept is eight integers per member (:class:`CompactInfos`), and
opening a member rebuilds its ``ZipInfo`` and reads it with ``zipfile.ZipExtFile`` (same decompressors, same
CRC check). Names flagged UTF-8 that are not are kept surrogate-escaped instead of refusing the archive.
"""

from __future__ import annotations

import struct
import zipfile
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from trowel.errors import EvidenceError

COMPACT_FROM = 100_000  # members: from this many on, the central directory is read here
_ZIP64_TAIL = 56 + 20  # the zip64 end of central directory record and its locator, before the end record
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = b"PK\x03\x04"
_DIR_BIT = 1 << 40
_STRIDE = 8


def member_count(path: Path) -> int | None:
    """How many members the end of central directory record declares (None when there is none)."""
    with open(path, "rb") as stream:
        end = zipfile._EndRecData(stream)  # type: ignore[attr-defined]
    return int(end[4]) if end else None


def central_records(path: Path) -> Iterator[zipfile.ZipInfo]:
    """Every member of the central directory, one ``ZipInfo`` at a time (header offsets made absolute)."""
    with open(path, "rb") as stream:
        end = zipfile._EndRecData(stream)  # type: ignore[attr-defined]
        if not end:
            raise EvidenceError(f"{path}: not a readable zip archive (no end of central directory)")
        size_cd, offset_cd, location = end[5], end[6], end[9]
        start = location - size_cd - (_ZIP64_TAIL if end[0] == zipfile.stringEndArchive64 else 0)  # type: ignore[attr-defined]
        if start < 0:
            raise EvidenceError(f"{path}: not a readable zip archive (central directory out of range)")
        stream.seek(start)
        data = stream.read(size_cd)
    concat = start - offset_cd
    pos = 0
    while pos + _CENTRAL.size <= len(data):
        fields = _CENTRAL.unpack_from(data, pos)
        if fields[0] != b"PK\x01\x02":
            raise EvidenceError(f"{path}: damaged central directory record at offset {start + pos}")
        (_sig, _made, _system, extract_version, _reserved, flags, method, dostime, dosdate, crc, csize, usize,
         n, m, k, _disk, _iattr, eattr, offset) = fields
        body = pos + _CENTRAL.size
        raw = data[body:body + n]
        name = raw.decode("utf-8", "surrogateescape") if flags & 0x800 else raw.decode("cp437")
        date_time = ((dosdate >> 9) + 1980, (dosdate >> 5) & 0xF, dosdate & 0x1F,
                     dostime >> 11, (dostime >> 5) & 0x3F, (dostime & 0x1F) * 2)
        info = zipfile.ZipInfo(name, date_time)
        info.orig_filename = name
        info.extra = data[body + n:body + n + m]
        info.flag_bits, info.compress_type, info.CRC = flags, method, crc
        info.compress_size, info.file_size, info.header_offset = csize, usize, offset
        info.external_attr, info.extract_version = eattr, extract_version
        if 0xFFFFFFFF in (csize, usize, offset):
            info._decodeExtra()  # type: ignore[attr-defined]  # the zip64 sizes and offset
        info.header_offset += concat
        pos = body + n + m + k
        yield info


class CompactInfos:
    """Eight integers per member; ``infos[i]`` rebuilds the member's ``ZipInfo``."""

    def __init__(self) -> None:
        self._values = array("q")
        self._dirs: list[str] = []

    def append(self, info: zipfile.ZipInfo) -> None:
        dos = info.date_time
        packed_time = (max(dos[0] - 1980, 0) << 25) | (dos[1] << 21) | (dos[2] << 16) | (dos[3] << 11) \
            | (dos[4] << 5) | (dos[5] // 2)
        kind = info.compress_type | (info.flag_bits << 16) | (_DIR_BIT if info.is_dir() else 0)
        self._values.extend((info.header_offset, info.compress_size, info.file_size, info.CRC, kind, packed_time,
                             info.external_attr, info.extract_version))

    def __len__(self) -> int:
        return len(self._values) // _STRIDE

    def __getitem__(self, index: int) -> zipfile.ZipInfo:
        offset, csize, usize, crc, kind, packed, eattr, version = self._values[_STRIDE * index:_STRIDE * (index + 1)]
        date_time = ((packed >> 25) + 1980, (packed >> 21) & 0xF, (packed >> 16) & 0x1F, (packed >> 11) & 0x1F,
                     (packed >> 5) & 0x3F, (packed & 0x1F) * 2)
        info = zipfile.ZipInfo("member/" if kind & _DIR_BIT else "member", date_time)
        info.header_offset, info.compress_size, info.file_size, info.CRC = offset, csize, usize, crc
        info.compress_type, info.flag_bits = kind & 0xFFFF, (kind >> 16) & 0xFFFF
        info.external_attr, info.extract_version = eattr, version
        return info

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        for index in range(len(self)):
            yield self[index]


def open_member(path: Path, info: zipfile.ZipInfo, name: str) -> BinaryIO:
    """A member's decompressed stream (CRC checked at its end), read from its local header on."""
    stream = open(path, "rb")  # noqa: SIM115 - owned by the returned ZipExtFile
    try:
        stream.seek(info.header_offset)
        head = stream.read(30)
        if len(head) < 30 or head[:4] != _LOCAL:
            raise EvidenceError(f"{path}: member {name!r}: no local header at offset {info.header_offset}")
        if info.flag_bits & 0x1:
            raise EvidenceError(f"{path}: member {name!r} is encrypted")
        n, m = struct.unpack_from("<HH", head, 26)
        stream.seek(info.header_offset + 30 + n + m)
        info.filename = name
        extfile: Any = zipfile.ZipExtFile(stream, "r", info, None, True)
    except BaseException:
        stream.close()
        raise
    return extfile
