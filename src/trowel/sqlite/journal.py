"""Rollback journals: the original images of pages a transaction changed.

DELETE mode removes the journal after a commit (a copy taken earlier, or a hot journal, still holds the
records); PERSIST mode zeroes the header and leaves every record; TRUNCATE mode cuts the file to zero bytes
(nothing remains in it). With an intact header the records are read segment by segment; with a zeroed
header the header size is found by testing sector-aligned offsets for a run of records whose checksums
agree on one nonce.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
SIZES = tuple(1 << k for k in range(9, 17))


@dataclass(frozen=True, slots=True)
class JournalPage:
    page: int
    offset: int  # file offset of the page image
    checksum_ok: bool | None  # None when the nonce is unknown (zeroed header) and only one record agreed


def _cksum_sum(buf: Any, start: int, page_size: int) -> int:
    total = 0
    i = page_size - 200
    while i > 0:
        total += buf[start + i]
        i -= 200
    return total


def read_journal(buf: Any, db_page_size: int, max_page: int, warnings: list[str],
                 name: str = "") -> tuple[int, list[JournalPage]]:
    """(page size, page records) of a journal; problems become warnings starting with ``name`` (the
    journal file's), and cost only the journal's own records: the main file is read whatever it holds."""
    if name:
        own: list[str] = []
        try:
            return read_journal(buf, db_page_size, max_page, own)
        finally:
            warnings.extend(f"{name}: {w}" for w in own)
    size = len(buf)
    if size == 0:
        warnings.append("rollback journal is empty (TRUNCATE mode after commit, or nothing to roll back)")
        return db_page_size, []
    if bytes(buf[:8]) == JOURNAL_MAGIC and size >= 28:
        return _with_header(buf, db_page_size, max_page, warnings)
    if not any(buf[:28]):
        note = "rollback journal header is zeroed (PERSIST mode after commit)"
    else:
        note = "rollback journal header is not valid"
    found = _scan(buf, db_page_size, max_page)
    if found:
        warnings.append(f"{note}; {len(found)} page records found by scanning")
    else:
        warnings.append(f"{note}; no page records found")
    return db_page_size, found


def _with_header(buf: Any, db_page_size: int, max_page: int, warnings: list[str]) -> tuple[int, list[JournalPage]]:
    out: list[JournalPage] = []
    size = len(buf)
    pos = 0
    page_size = db_page_size
    segments = 0
    seen_segments: set[int] = set()
    while pos + 28 <= size and bytes(buf[pos:pos + 8]) == JOURNAL_MAGIC and pos not in seen_segments:
        seen_segments.add(pos)
        segments += 1
        nrec, nonce, _initial, sector, psize = struct.unpack_from(">5I", buf, pos + 8)
        if psize in SIZES:
            page_size = psize
        hdr = sector if sector in SIZES else 512
        rec_len = page_size + 8
        start = pos + hdr
        avail = (size - start) // rec_len if size > start else 0
        count = avail if nrec in (0, 0xFFFFFFFF) else min(nrec, avail)
        if nrec not in (0, 0xFFFFFFFF) and nrec > avail:
            cut = (size - start) % rec_len if size > start else 0
            rest = f"; it ends with {cut} bytes of an incomplete record" if cut else ""
            warnings.append(f"journal segment at {pos} announces {nrec} records, {avail} are present{rest}")
        p = start
        for _ in range(count):
            pgno = int.from_bytes(buf[p:p + 4], "big")
            if pgno == 0 or pgno > max_page:
                break
            stored = int.from_bytes(buf[p + 4 + page_size:p + 8 + page_size], "big")
            ok = (nonce + _cksum_sum(buf, p + 4, page_size)) & 0xFFFFFFFF == stored
            out.append(JournalPage(pgno, p + 4, ok))
            p += rec_len
        # the next segment header starts at the next header-size boundary
        nxt = ((p + hdr - 1) // hdr) * hdr if hdr else p
        if nxt <= pos:
            break
        pos = nxt
        if pos + 28 <= size and bytes(buf[pos:pos + 8]) != JOURNAL_MAGIC:
            # a segment whose header was not written yet (hot journal) or was zeroed: records still follow
            tail = _records_from(buf, pos + hdr, page_size, max_page)
            if tail:
                warnings.append(f"journal segment at {pos} has no header; {len(tail)} records found after it")
                out.extend(tail)
            break
    bad = sum(1 for r in out if r.checksum_ok is False)
    if bad:
        warnings.append(f"{bad} journal records fail their checksum (kept: the page image is still evidence)")
    return page_size, out


def _scan(buf: Any, page_size: int, max_page: int) -> list[JournalPage]:
    best: list[JournalPage] = []
    for hdr in SIZES:
        if hdr + page_size + 8 > len(buf):
            break
        out = _records_from(buf, hdr, page_size, max_page)
        if len(out) > len(best):
            best = out
    return best


def _records_from(buf: Any, start: int, page_size: int, max_page: int) -> list[JournalPage]:
    """Consecutive page records from ``start`` whose checksums agree on one (unknown) nonce."""
    size = len(buf)
    rec_len = page_size + 8
    out: list[JournalPage] = []
    nonce: int | None = None
    p = start
    while p + rec_len <= size:
        pgno = int.from_bytes(buf[p:p + 4], "big")
        if pgno == 0 or pgno > max_page:
            break
        stored = int.from_bytes(buf[p + 4 + page_size:p + 8 + page_size], "big")
        derived = (stored - _cksum_sum(buf, p + 4, page_size)) & 0xFFFFFFFF
        if nonce is None:
            nonce = derived
        elif derived != nonce:
            break
        out.append(JournalPage(pgno, p + 4, True if out else None))
        p += rec_len
    if len(out) > 1 and out[0].checksum_ok is None:
        out[0] = JournalPage(out[0].page, out[0].offset, True)
    return out
