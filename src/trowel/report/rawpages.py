"""The bytes behind recovered records, for the record page's hex view.

At examine time (stage ``pages``, order 86, while the evidence is open) the database pages that records point
at (``source.page``: a page of the database file, or a WAL frame's page image when ``source.frame`` is set)
are copied into ``DIR/pages/``: one ``<n>.bin`` per source file (page images one after the other) and
``index.json`` naming, per file, its evidence, path, page size and the slot of each page. The report reads
only that folder (never the evidence). At most MAX_PAGES pages are kept; the log says how many were left out.

:func:`cell_extent` finds where a record's bytes end on its page: a table b-tree leaf cell (payload length,
rowid, local payload, overflow pointer), else a bare record (header and the sizes its serial types give, as
carved records in free space are), else a free block (its size is in its 4-byte header, which overwrote the
start of the cell), else only the first byte is known.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

MAX_PAGES = 20_000
DB_MAGIC = b"SQLite format 3\x00"
WAL_MAGICS = (0x377F0682, 0x377F0683)
WAL_HEADER = 32
FRAME_HEADER = 24


def page_key(page: int, frame: int | None) -> str:
    return f"{page}" if frame is None else f"{page}@{frame}"


def _varint(data: bytes, pos: int) -> tuple[int, int] | None:
    """An SQLite varint at ``pos``: (value, bytes used), None when it runs past the end."""
    value = 0
    for i in range(9):
        if pos + i >= len(data):
            return None
        byte = data[pos + i]
        if i == 8:
            return (value << 8) | byte, 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + 1
    return None


def _serial_size(serial: int) -> int | None:
    if serial >= 12:
        return (serial - 12) // 2
    return {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0}.get(serial)


def _record_length(data: bytes, pos: int, limit: int) -> int | None:
    """Length of a record (header and body) starting at ``pos``, from its header; None if it does not parse."""
    head = _varint(data, pos)
    if head is None or head[0] < head[1] or pos + head[0] > limit:
        return None
    total, at = head[0], pos + head[1]
    while at < pos + head[0]:
        serial = _varint(data, at)
        if serial is None:
            return None
        size = _serial_size(serial[0])
        if size is None:
            return None
        total += size
        at += serial[1]
    return total if at == pos + head[0] else None


def cell_extent(page: bytes, offset: int, next_start: int | None = None) -> tuple[int, int, str]:
    """(start, length, how it was found) of the record at ``offset`` of a page image; ``next_start`` is where
    the next record recovered from the same page begins (a free block can hold several deleted cells)."""
    size = len(page)
    if not 0 <= offset < size:
        return offset, 0, "the offset lies outside the page"
    payload = _varint(page, offset)
    rowid = _varint(page, offset + payload[1]) if payload else None
    if payload and rowid:
        start = offset + payload[1] + rowid[1]
        usable, p = size, payload[0]
        x = usable - 35
        if p <= x:
            local, overflow = p, 0
        else:
            m = ((usable - 12) * 32 // 255) - 23
            k = m + ((p - m) % (usable - 4))
            local, overflow = (k if k <= x else m), 4
        if local > 0 and start + local + overflow <= size and _record_length(page, start, start + local) is not None:
            return offset, start + local + overflow - offset, "table b-tree leaf cell (payload length, rowid, payload" \
                + (", overflow page number)" if overflow else ")")
    length = _record_length(page, offset, size)
    if length:
        return offset, length, "record header and body (the cell's length and rowid are not in front of it)"
    if offset + 4 <= size:
        block = struct.unpack(">H", page[offset + 2:offset + 4])[0]
        if block >= 4 and offset + block <= size:
            how = (f"a free block of {block} bytes: its first 4 bytes (the free-block header: next block, size) "
                   "overwrote the start of the cell")
            if next_start is not None and offset < next_start < offset + block:
                return offset, next_start - offset, how + (f"; the next record recovered from this block starts at "
                                                           f"offset {next_start}, so this one ends there")
            return offset, block, how
    return offset, 1, "only the first byte is known: the bytes here do not parse as a cell or a record"


def _page_size(head: bytes) -> tuple[str, int] | None:
    """('db' or 'wal', page size) from a file's first bytes."""
    if head.startswith(DB_MAGIC) and len(head) >= 18:
        raw = struct.unpack(">H", head[16:18])[0]
        size = 65536 if raw == 1 else raw
        return ("db", size) if size >= 512 and size & (size - 1) == 0 else None
    if len(head) >= 12 and struct.unpack(">I", head[:4])[0] in WAL_MAGICS:
        size = struct.unpack(">I", head[8:12])[0]
        return ("wal", size) if 512 <= size <= 65536 and size & (size - 1) == 0 else None
    return None


def read_pages(stream: BinaryIO, wanted: list[tuple[int, int | None]]) -> tuple[int, dict[str, bytes]]:
    """The page images ``wanted`` ((page, frame) pairs) of one database or WAL file, read forward only (the
    stream need not seek). Returns (page size, {page_key: bytes}); pages that are not in the file are left out."""
    head = stream.read(100)
    kind = _page_size(head)
    if kind is None:
        return 0, {}
    what, size = kind
    places: list[tuple[int, str]] = []
    for page, frame in set(wanted):
        if what == "db" and frame is None and page >= 1:
            places.append(((page - 1) * size, page_key(page, None)))
        elif what == "wal" and frame is not None and frame >= 1:
            places.append((WAL_HEADER + (frame - 1) * (FRAME_HEADER + size) + FRAME_HEADER, page_key(page, frame)))
    places.sort()
    out: dict[str, bytes] = {}
    pos = len(head)
    for start, key in places:
        if start < pos:  # only the first page image can begin inside the 100 bytes already read
            if pos != len(head):
                continue
            data = head[start:] + stream.read(start + size - pos)
        else:
            while pos < start:
                skipped = len(stream.read(min(start - pos, 1 << 20)))
                if not skipped:
                    return size, out
                pos += skipped
            data = stream.read(size)
        pos = start + len(data)
        if len(data) != size:
            break
        out[key] = data
    return size, out


@dataclass
class KeptPages:
    """DIR/pages as the report reads it: (evidence, path, page key) -> (file number, slot, page size)."""

    root: Path
    files: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def open(cls, case_root: Path) -> KeptPages:
        kept = cls(case_root / "pages")
        try:
            index = json.loads((kept.root / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return kept
        for number, entry in enumerate(index.get("files") or []):
            kept.files.append(entry)
            for key, slot in (entry.get("pages") or {}).items():
                kept.slots[(str(entry["evidence"]), str(entry["path"]), str(key))] = (number, int(slot))
        return kept

    def find(self, record: dict[str, Any]) -> tuple[int, int] | None:
        src = record.get("source") or {}
        page, frame = src.get("page"), src.get("frame")
        if type(page) is not int or src.get("offset") is None or (frame is not None and type(frame) is not int):
            return None
        return self.slots.get((str(src.get("evidence")), str(src.get("path")), page_key(page, frame)))

    def read(self, place: tuple[int, int]) -> bytes:
        entry = self.files[place[0]]
        size = int(entry["page_size"])
        with open(self.root / f"{place[0]}.bin", "rb") as stream:
            stream.seek(place[1] * size)
            return stream.read(size)
