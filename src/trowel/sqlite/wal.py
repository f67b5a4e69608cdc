"""The write-ahead log: header, every frame (valid or not), salts generations and transactions.

Frames are classified the way SQLite's recovery does it (salts equal to the header's and the cumulative
checksum holding from the header on; only frames up to the last commit frame count), and every other frame
is kept too: frames of the current generation that fail the checksum or were never committed (region
``wal``) and frames left over from earlier generations after a checkpoint reset (region ``wal-stale``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from trowel.sqlite.header import valid_page_size

WAL_MAGIC_LE = 0x377F0682
WAL_MAGIC_BE = 0x377F0683
WAL_HEADER = 32
FRAME_HEADER = 24
MASK = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class WalHeader:
    magic: int
    version: int
    page_size: int
    checkpoint_seq: int
    salts: tuple[int, int]
    checksum: tuple[int, int]
    valid: bool  # magic, page size and header checksum all hold

    @property
    def big_endian_checksums(self) -> bool:
        return self.magic == WAL_MAGIC_BE


@dataclass(frozen=True, slots=True)
class WalFrame:
    """One frame. ``commit`` is the 1-based transaction index inside the frame's salts generation."""

    index: int  # 1-based frame number in the file
    offset: int  # file offset of the frame header
    page: int
    db_size: int  # non-zero marks a commit frame
    salts: tuple[int, int]
    checksum: tuple[int, int]
    valid: bool  # part of the current, checksum-verified sequence
    committed: bool  # valid and at or before the last commit frame: belongs to the current database
    stale: bool  # salts differ from the header: left over from an earlier generation
    generation: int  # 0 = current salts; 1, 2, ... = older generations (by salt-1 distance)
    commit: int | None
    chained: bool  # checksum verified from the previous frame (for stale frames)

    @property
    def data_offset(self) -> int:
        return self.offset + FRAME_HEADER


def wal_checksum(data: bytes, big_endian: bool, s0: int = 0, s1: int = 0) -> tuple[int, int]:
    """SQLite's cumulative WAL checksum over ``data`` (a multiple of 8 bytes)."""
    n = len(data) // 4
    words = struct.unpack((">" if big_endian else "<") + f"{n}I", data[:n * 4])
    for i in range(0, n - 1, 2):
        s0 = (s0 + words[i] + s1) & MASK
        s1 = (s1 + words[i + 1] + s0) & MASK
    return s0, s1


def parse_wal_header(data: Any) -> WalHeader | None:
    if len(data) < WAL_HEADER:
        return None
    magic, version, psize, seq, salt1, salt2, c1, c2 = struct.unpack_from(">8I", data, 0)
    page_size = psize
    ok = magic in (WAL_MAGIC_LE, WAL_MAGIC_BE) and valid_page_size(page_size)
    if ok:
        ok = wal_checksum(data[:24], magic == WAL_MAGIC_BE) == (c1, c2)
    return WalHeader(magic, version, page_size, seq, (salt1, salt2), (c1, c2), ok)


class WalFile:
    """Frames of one WAL file read from a bytes-like buffer (an mmap of the read-only file)."""

    def __init__(self, buf: Any, fallback_page_size: int | None, warnings: list[str], name: str = "") -> None:
        """``name`` (the WAL file's name) starts every warning, so the damage is never blamed on the main
        file; a damaged WAL costs only its own frames (the main file is read whatever the WAL holds)."""
        self.buf = buf
        self.name = name
        self.warnings = warnings
        self.header = parse_wal_header(buf)
        self.frames: list[WalFrame] = []
        self.page_size = 0
        if self.header is None:
            if len(buf):
                self._warn("WAL file is shorter than its 32-byte header; ignored")
            return
        if self.header.valid:
            self.page_size = self.header.page_size
        elif fallback_page_size and valid_page_size(fallback_page_size):
            self.page_size = fallback_page_size
            self._warn("WAL header is invalid (magic, page size or checksum); its frames are read "
                            "with the database page size and none of them counts as committed")
        else:
            self._warn("WAL header is invalid and the page size is unknown; WAL ignored")
            return
        self._scan()

    def _scan(self) -> None:
        assert self.header is not None
        ps = self.page_size
        frame_len = FRAME_HEADER + ps
        count = (len(self.buf) - WAL_HEADER) // frame_len
        tail = (len(self.buf) - WAL_HEADER) % frame_len
        if tail:
            before = (f"the {count} complete frames before it were read" if count > 1 else
                      "the complete frame before it was read" if count else "no complete frame precedes it")
            self._warn(f"WAL ends with {tail} bytes of an incomplete frame; {before}")
        header_ok = self.header.valid
        big = self.header.big_endian_checksums if header_ok else True
        salts = self.header.salts
        s0, s1 = self.header.checksum
        chain_ok = header_ok
        raw: list[tuple[int, int, int, int, tuple[int, int], tuple[int, int], bool, bool]] = []
        prev_ck: tuple[int, int] | None = None
        prev_salts: tuple[int, int] | None = None
        for i in range(count):
            off = WAL_HEADER + i * frame_len
            page, db_size, salt1, salt2, c1, c2 = struct.unpack_from(">6I", self.buf, off)
            fsalts = (salt1, salt2)
            valid = False
            if chain_ok and fsalts == salts:
                t0, t1 = wal_checksum(self.buf[off:off + 8], big, s0, s1)
                t0, t1 = wal_checksum(self.buf[off + FRAME_HEADER:off + frame_len], big, t0, t1)
                if (t0, t1) == (c1, c2) and page > 0:
                    valid = True
                    s0, s1 = t0, t1
                else:
                    chain_ok = False
            else:
                chain_ok = False
            chained = valid
            if not valid and prev_ck is not None and prev_salts == fsalts and page > 0:
                t0, t1 = wal_checksum(self.buf[off:off + 8], big, *prev_ck)
                t0, t1 = wal_checksum(self.buf[off + FRAME_HEADER:off + frame_len], big, t0, t1)
                chained = (t0, t1) == (c1, c2)
            raw.append((i + 1, off, page, db_size, fsalts, (c1, c2), valid, chained))
            prev_ck, prev_salts = (c1, c2), fsalts
        last_commit = 0
        for idx, _off, _page, db_size, _s, _c, valid, _ch in raw:
            if valid and db_size:
                last_commit = idx
        commit_no: dict[tuple[int, int], int] = {}
        pending: dict[tuple[int, int], list[int]] = {}
        commits: dict[int, int] = {}
        for idx, _off, _page, db_size, fsalts, _c, _valid, _ch in raw:
            pending.setdefault(fsalts, []).append(idx)
            if db_size:
                n = commit_no.get(fsalts, 0) + 1
                commit_no[fsalts] = n
                for j in pending[fsalts]:
                    commits[j] = n
                pending[fsalts] = []
        for idx, off, page, db_size, fsalts, ck, valid, chained in raw:
            stale = header_ok and fsalts != salts
            generation = ((salts[0] - fsalts[0]) & MASK) if stale else 0
            if stale and generation == 0:
                generation = 1
            self.frames.append(WalFrame(
                index=idx, offset=off, page=page, db_size=db_size, salts=fsalts, checksum=ck,
                valid=valid, committed=valid and idx <= last_commit, stale=stale, generation=generation,
                commit=commits.get(idx), chained=chained,
            ))
        uncommitted = sum(1 for f in self.frames if f.valid and not f.committed)
        if uncommitted:
            self._warn(f"WAL has {uncommitted} valid frames after the last commit frame "
                                 "(an unfinished transaction); they are not part of the database")

    def _warn(self, message: str) -> None:
        self.warnings.append(f"{self.name}: {message}" if self.name else message)

    def frame_data(self, frame: WalFrame) -> bytes:
        return bytes(self.buf[frame.data_offset:frame.data_offset + self.page_size])

    def current_pages(self) -> dict[int, WalFrame]:
        """For each page, the newest committed frame: with the main file, the current database."""
        out: dict[int, WalFrame] = {}
        for frame in self.frames:
            if frame.committed:
                out[frame.page] = frame
        return out

    def database_size(self) -> int | None:
        """Pages in the database after the last committed transaction (None without one)."""
        size = None
        for frame in self.frames:
            if frame.committed and frame.db_size:
                size = frame.db_size
        return size
