"""The 100-byte database header (page 1) and the derived page geometry."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from trowel.errors import SqliteFormatError

MAGIC = b"SQLite format 3\x00"
_HEADER = struct.Struct(">16sHBBBBBBIIIIIIIIIIII20sII")


@dataclass(frozen=True, slots=True)
class DbHeader:
    """Fields of the database header that the reader needs (names follow the file format document)."""

    page_size: int
    write_version: int
    read_version: int
    reserved: int
    change_counter: int
    page_count: int
    freelist_trunk: int
    freelist_count: int
    schema_cookie: int
    schema_format: int
    largest_root: int  # non-zero: auto_vacuum or incremental vacuum (pointer-map pages exist)
    text_encoding: int
    incremental_vacuum: int
    version_valid_for: int
    sqlite_version: int

    @property
    def usable_size(self) -> int:
        return self.page_size - self.reserved

    @property
    def encoding(self) -> str:
        return {1: "utf-8", 2: "utf-16-le", 3: "utf-16-be"}.get(self.text_encoding, "utf-8")

    @property
    def auto_vacuum(self) -> bool:
        return self.largest_root != 0

    @property
    def page_count_valid(self) -> bool:
        """The in-header page count is trusted only when written by a version that maintains it."""
        return self.page_count > 0 and self.version_valid_for == self.change_counter


def decode_page_size(raw: int) -> int:
    return 65536 if raw == 1 else raw


def valid_page_size(size: int) -> bool:
    return 512 <= size <= 65536 and size & (size - 1) == 0


def parse_header(data: bytes) -> DbHeader:
    """Parse the header from the first 100 bytes of page 1; raises SqliteFormatError if it is not one."""
    if len(data) < 100:
        raise SqliteFormatError("file is shorter than the 100-byte SQLite header")
    f = _HEADER.unpack_from(data, 0)
    if f[0] != MAGIC:
        raise SqliteFormatError("not an SQLite 3 database (header magic missing)")
    page_size = decode_page_size(f[1])
    if not valid_page_size(page_size):
        raise SqliteFormatError(f"invalid page size {f[1]} in the database header")
    reserved = f[4]
    if page_size - reserved < 480:
        raise SqliteFormatError(f"reserved bytes per page ({reserved}) leave too little usable space")
    return DbHeader(
        page_size=page_size, write_version=f[2], read_version=f[3], reserved=reserved,
        change_counter=f[8], page_count=f[9], freelist_trunk=f[10], freelist_count=f[11],
        schema_cookie=f[12], schema_format=f[13], largest_root=f[15], text_encoding=f[16],
        incremental_vacuum=f[18], version_valid_for=f[21], sqlite_version=f[22],
    )


def ptrmap_pages(page_count: int, page_size: int, usable_size: int) -> set[int]:
    """Page numbers of the pointer-map pages in an auto-vacuum database of ``page_count`` pages."""
    step = usable_size // 5 + 1
    out: set[int] = set()
    page = 2
    lock_page = lock_byte_page(page_size)
    while page <= page_count:
        if page == lock_page:
            page += 1
            continue
        out.add(page)
        page += step
    return out


def lock_byte_page(page_size: int) -> int:
    """The page holding the lock bytes at offset 2**30 (never used for data)."""
    return (1 << 30) // page_size + 1
