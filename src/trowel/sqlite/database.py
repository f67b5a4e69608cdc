"""The pager: page images of the current database (main file overlaid with committed WAL frames).

Files are opened read-only and memory-mapped, so a 55 MB database costs address space, not memory, and
nothing can be written back. The header is taken from the newest committed copy of page 1, so a main file
that is still all zeros (everything in the WAL) is read correctly.
"""

from __future__ import annotations

import mmap
from pathlib import Path
from typing import Any

from trowel.errors import SqliteFormatError
from trowel.sqlite.header import DbHeader, lock_byte_page, parse_header, ptrmap_pages
from trowel.sqlite.wal import WalFile, WalFrame


def map_readonly(path: Path) -> tuple[Any, bytes | mmap.mmap]:
    """Open ``path`` read-only and map it; returns (file object, buffer). Empty files give b""."""
    fh = open(path, "rb")  # noqa: SIM115 - kept open for the life of the mapping
    try:
        size = path.stat().st_size
        if size == 0:
            return fh, b""
        return fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        data = fh.read()
        return fh, data


class Database:
    """Page access for one database (and its WAL). ``header`` is None when no valid header exists."""

    def __init__(self, db: Path, wal: Path | None, warnings: list[str]) -> None:
        self.warnings = warnings
        self._handles: list[Any] = []
        fh, self.main = map_readonly(db)
        self._handles.append(fh)
        self.wal: WalFile | None = None
        main_header: DbHeader | None = None
        try:
            main_header = parse_header(bytes(self.main[:100]))
        except SqliteFormatError as exc:
            main_header = None
            main_problem = str(exc)
        if wal is not None and wal.exists():
            wfh, wbuf = map_readonly(wal)
            self._handles.append(wfh)
            self.wal = WalFile(wbuf, main_header.page_size if main_header else None, warnings, wal.name)
        self.current: dict[int, WalFrame] = self.wal.current_pages() if self.wal else {}
        header = main_header
        if 1 in self.current and self.wal is not None:
            try:
                header = parse_header(self.wal.frame_data(self.current[1])[:100])
            except SqliteFormatError as exc:
                warnings.append(f"{self.wal.name}: page 1 in the WAL has no valid header ({exc}); the main "
                                "file's header is used")
        if header is None:
            if self.wal is not None and self.wal.page_size:
                warnings.append(f"main file: {main_problem}; WAL page size {self.wal.page_size} used")
            else:
                raise SqliteFormatError(main_problem)
        elif main_header is None:
            warnings.append(f"main file: {main_problem}; header taken from page 1 in the WAL")
        self.header = header
        if header is not None:
            self.page_size = header.page_size
            self.usable = header.usable_size
            self.encoding = header.encoding
        else:
            assert self.wal is not None
            self.page_size = self.wal.page_size
            self.usable = self.page_size
            self.encoding = "utf-8"
        if self.wal is not None and self.wal.page_size and self.wal.page_size != self.page_size:
            warnings.append(f"{self.wal.name}: WAL page size {self.wal.page_size} differs from the database's {self.page_size}")
        main_pages = len(self.main) // self.page_size
        if len(self.main) % self.page_size:
            warnings.append(f"main file size is not a multiple of the page size ({len(self.main)} bytes)")
        wal_size = self.wal.database_size() if self.wal else None
        if wal_size:
            self.page_count = wal_size
        elif header is not None and header.page_count_valid:
            self.page_count = header.page_count
        else:
            self.page_count = main_pages
        self.main_pages = main_pages
        if self.page_count > main_pages and not wal_size:
            warnings.append(f"file is truncated: the header says {self.page_count} pages, the file holds "
                            f"{main_pages}")
        # pages that exist nowhere cannot be read: a damaged size field must not make the work unbounded
        present = max([main_pages, *self.current.keys()]) if self.current else main_pages
        if self.page_count > present:
            self.page_count = present
        self.lock_page = lock_byte_page(self.page_size)
        self.ptrmap: set[int] = set()
        if header is not None and header.auto_vacuum:
            self.ptrmap = ptrmap_pages(self.page_count, self.page_size, self.usable)

    def page(self, number: int) -> bytes | None:
        """The current image of page ``number`` (None when it is outside the database or missing)."""
        if number < 1 or number > self.page_count:
            return None
        frame = self.current.get(number)
        if frame is not None and self.wal is not None:
            return self.wal.frame_data(frame)
        return self.main_page(number)

    def main_page(self, number: int) -> bytes | None:
        """Page ``number`` as stored in the main file (None past its end)."""
        if number < 1 or number > self.main_pages:
            return None
        start = (number - 1) * self.page_size
        return bytes(self.main[start:start + self.page_size])

    def close(self) -> None:
        for obj in (self.main, self.wal.buf if self.wal else None):
            if isinstance(obj, mmap.mmap):
                obj.close()
        for fh in self._handles:
            fh.close()
