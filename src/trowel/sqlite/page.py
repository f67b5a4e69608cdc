"""B-tree pages: the page header, the cell pointer array and the four cell formats.

Works on one page image (``bytes`` of ``page_size``) so the same code reads pages of the main file, WAL
frames, journal records and freelist pages. Nothing here trusts a value it reads: offsets are checked
against the page, and hostile values make :class:`PageError`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from trowel.errors import SqliteFormatError
from trowel.sqlite.record import read_varint

TABLE_INTERIOR = 0x05
TABLE_LEAF = 0x0D
INDEX_INTERIOR = 0x02
INDEX_LEAF = 0x0A
BTREE_TYPES = (TABLE_INTERIOR, TABLE_LEAF, INDEX_INTERIOR, INDEX_LEAF)


class PageError(SqliteFormatError):
    """A page that should be a b-tree page is not (or is damaged)."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a b-tree page; ``payload`` is the local part, ``overflow`` the first overflow page."""

    offset: int
    size: int  # bytes the cell occupies on the page
    rowid: int | None
    left_child: int | None
    payload_size: int | None
    local: bytes
    overflow: int | None


@dataclass(frozen=True, slots=True)
class BtreePage:
    """Header fields and cell pointers of one b-tree page image."""

    number: int
    kind: int
    hdr: int  # offset of the b-tree page header (100 on page 1)
    first_freeblock: int
    ncells: int
    content_start: int
    fragmented: int
    right_child: int | None
    pointers: tuple[int, ...]
    usable: int

    @property
    def is_leaf(self) -> bool:
        return self.kind in (TABLE_LEAF, INDEX_LEAF)

    @property
    def is_table(self) -> bool:
        return self.kind in (TABLE_LEAF, TABLE_INTERIOR)

    @property
    def pointer_array_end(self) -> int:
        return self.hdr + (8 if self.is_leaf else 12) + 2 * self.ncells


def local_payload(payload_size: int, usable: int, table_leaf: bool) -> int:
    """How many payload bytes a cell keeps on its page (the rest goes to overflow pages)."""
    max_local = usable - 35 if table_leaf else ((usable - 12) * 64 // 255) - 23
    if payload_size <= max_local:
        return payload_size
    min_local = ((usable - 12) * 32 // 255) - 23
    k = min_local + (payload_size - min_local) % (usable - 4)
    return k if k <= max_local else min_local


def parse_page(data: bytes, number: int, usable: int) -> BtreePage:
    """Parse the b-tree header and pointer array of a page image; raises PageError if it is not one."""
    hdr = 100 if number == 1 else 0
    if len(data) < hdr + 8:
        raise PageError(f"page {number} is too short for a b-tree header")
    kind = data[hdr]
    if kind not in BTREE_TYPES:
        raise PageError(f"page {number} has no b-tree page type (byte {kind:#04x})")
    first_fb = (data[hdr + 1] << 8) | data[hdr + 2]
    ncells = (data[hdr + 3] << 8) | data[hdr + 4]
    content = (data[hdr + 5] << 8) | data[hdr + 6]
    if content == 0:
        content = 65536
    frag = data[hdr + 7]
    leaf = kind in (TABLE_LEAF, INDEX_LEAF)
    right = None if leaf else int.from_bytes(data[hdr + 8:hdr + 12], "big")
    array = hdr + (8 if leaf else 12)
    if array + 2 * ncells > usable:
        raise PageError(f"page {number}: {ncells} cells do not fit on the page")
    pointers = struct.unpack_from(f">{ncells}H", data, array) if ncells else ()
    return BtreePage(number, kind, hdr, first_fb, ncells, content, frag, right, pointers, usable)


def parse_cell(data: bytes, page: BtreePage, offset: int) -> Cell:
    """Parse the cell at ``offset`` of a page image (bounds checked)."""
    usable = page.usable
    if offset < page.hdr + 8 or offset >= usable:
        raise PageError(f"page {page.number}: cell pointer {offset} outside the page")
    kind = page.kind
    if kind == TABLE_INTERIOR:
        if offset + 5 > usable:
            raise PageError(f"page {page.number}: interior cell at {offset} runs off the page")
        left = int.from_bytes(data[offset:offset + 4], "big")
        key, end = read_varint(data, offset + 4)
        return Cell(offset, end - offset, key - (1 << 64) if key >= 1 << 63 else key, left, None, b"", None)
    p = offset
    child: int | None = None
    if kind == INDEX_INTERIOR:
        child = int.from_bytes(data[p:p + 4], "big")
        p += 4
    size, p = read_varint(data, p)
    rowid: int | None = None
    if kind == TABLE_LEAF:
        raw_rowid, p = read_varint(data, p)
        rowid = raw_rowid - (1 << 64) if raw_rowid >= 1 << 63 else raw_rowid
    local = local_payload(size, usable, kind == TABLE_LEAF)
    end = p + local
    overflow = None
    if local < size:
        if end + 4 > usable:
            raise PageError(f"page {page.number}: cell at {offset} runs off the page")
        overflow = int.from_bytes(data[end:end + 4], "big")
        cell_end = end + 4
    else:
        cell_end = end
        if end > usable:
            raise PageError(f"page {page.number}: cell at {offset} runs off the page")
    return Cell(offset, max(cell_end - offset, 4), rowid, child, size, bytes(data[p:end]), overflow)


def freeblocks(data: bytes, page: BtreePage, warnings: list[str] | None = None) -> list[tuple[int, int]]:
    """The freeblock chain as (offset, size) pairs, bounded against cycles and absurd sizes.

    SQLite keeps freeblocks in ascending order; a pointer that goes backwards, leaves the page or repeats
    ends the walk with a warning (anti-forensic manipulation or corruption).
    """
    out: list[tuple[int, int]] = []
    pos = page.first_freeblock
    seen: set[int] = set()
    while pos:
        if pos in seen or pos < page.hdr + 8 or pos + 4 > page.usable:
            if warnings is not None:
                what = "a cycle" if pos in seen else f"an offset outside the page ({pos})"
                warnings.append(f"page {page.number}: freeblock chain has {what}; walk stopped")
            break
        seen.add(pos)
        nxt = (data[pos] << 8) | data[pos + 1]
        size = (data[pos + 2] << 8) | data[pos + 3]
        if size < 4 or pos + size > page.usable:
            if warnings is not None:
                warnings.append(f"page {page.number}: freeblock at {pos} has impossible size {size}; clipped")
            size = max(4, min(size, page.usable - pos))
            out.append((pos, size))
            break
        out.append((pos, size))
        if nxt and nxt <= pos and warnings is not None:
            warnings.append(f"page {page.number}: freeblock chain goes backwards at {pos}; walk stopped")
            break
        pos = nxt
    return out


def cell_spans(data: bytes, page: BtreePage) -> list[tuple[int, int]]:
    """(offset, size) of every cell of a table leaf page, without copying payloads (free-space maps)."""
    if page.kind != TABLE_LEAF:
        return [(c.offset, c.size) for c in cell_extents(data, page)]
    usable = page.usable
    max_local = usable - 35
    out: list[tuple[int, int]] = []
    for ptr in page.pointers:
        if not page.hdr + 8 <= ptr < usable - 12:
            continue
        p = ptr
        plen = 0
        for _ in range(3):
            b = data[p]
            p += 1
            plen = (plen << 7) | (b & 0x7F)
            if b < 0x80:
                break
        for _ in range(9):
            b = data[p]
            p += 1
            if b < 0x80:
                break
        if plen <= max_local:
            out.append((ptr, max(p + plen - ptr, 4)))
        else:
            out.append((ptr, p - ptr + local_payload(plen, usable, True) + 4))
    return out


def cell_extents(data: bytes, page: BtreePage, warnings: list[str] | None = None) -> list[Cell]:
    """Every cell the pointer array names (cells that fail to parse are skipped with a warning)."""
    cells: list[Cell] = []
    for ptr in page.pointers:
        try:
            cells.append(parse_cell(data, page, ptr))
        except SqliteFormatError as exc:
            if warnings is not None:
                warnings.append(str(exc))
    return cells
