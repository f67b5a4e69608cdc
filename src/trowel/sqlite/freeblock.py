"""Free space of one page image: which byte ranges are free, and the records carved from them.

Free ranges are computed by subtracting the cells the pointer array names from the page (so a manipulated
freeblock chain cannot hide bytes); the freeblock chain is still walked (bounded) because its starts are
where freed cells begin and where lost headers can be rebuilt. Each carved record is labelled with the
region its first byte lies in: ``freeblock`` or ``unallocated`` (between the pointer array and the cell
content area).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from trowel.model import Region
from trowel.sqlite.carve import Carved, SchemaCarver, select
from trowel.sqlite.page import BtreePage, freeblocks


def free_ranges(page: BtreePage | None, cells: Sequence[tuple[int, int]], usable: int,
                start: int = 0) -> list[tuple[int, int]]:
    """Byte ranges of a page not used by its header, pointer array or cells ((offset, size) pairs)."""
    if page is None:
        return [(start, usable)] if usable > start else []
    occupied = sorted((o, o + size) for o, size in cells)
    lo = page.pointer_array_end
    out: list[tuple[int, int]] = []
    for a, b in occupied:
        if a > lo:
            out.append((lo, min(a, usable)))
        lo = max(lo, b)
    if lo < usable:
        out.append((lo, usable))
    return [(a, b) for a, b in out if b - a >= 4]


_STALE: dict[int, re.Pattern[bytes]] = {}
FREEBLOCK = Region.FREEBLOCK.value
UNALLOCATED = Region.UNALLOCATED.value


def stale_freeblock_headers(data: bytes, lo: int, hi: int, usable: int) -> list[tuple[int, int]]:
    """Positions in free bytes that look like an old freeblock header: (start, end of that freeblock).

    Freed cells keep the 4-byte header written when they were freed even after the block was merged into
    a neighbour or into the unallocated area; each is the start of a record whose header may be rebuilt.
    """
    top = (usable - 1) >> 8
    pattern = _STALE.get(top)
    if pattern is None:
        hb = re.escape(bytes([top]))
        pattern = re.compile(b"(?=[\x00-" + hb + b"][\x00-\xff](?:[\x01-" + hb + b"][\x00-\xff]|\x00[\x04-\xff]))",
                             re.S)
        _STALE[top] = pattern
    out: list[tuple[int, int]] = []
    for m in pattern.finditer(data, lo, max(lo, hi - 3)):
        x = m.start()
        nxt = (data[x] << 8) | data[x + 1]
        size = (data[x + 2] << 8) | data[x + 3]
        if x + size > hi or (nxt and not x < nxt < usable):
            continue
        out.append((x, x + size))
    return out


def _block_end(blocks: list[tuple[int, int]], x: int, default: int) -> int:
    """End of the freeblock containing ``x`` (blocks sorted by offset), else ``default``."""
    i = bisect_right(blocks, (x, 1 << 30)) - 1
    if i >= 0 and blocks[i][0] <= x < blocks[i][0] + blocks[i][1]:
        return blocks[i][0] + blocks[i][1]
    return default


def carve_free_space(data: bytes, page: BtreePage | None, cells: Sequence[tuple[int, int]],
                     carvers: Sequence[SchemaCarver],
                     usable: int, warnings: list[str], start: int = 0) -> list[tuple[Carved, str]]:
    """Carve every free range of a page image with the given schemas; returns (record, region) pairs."""
    blocks = sorted(freeblocks(data, page, warnings)) if page is not None else []
    fb_end = {o: o + size for o, size in blocks}
    content = page.content_start if page is not None else 0
    out: list[tuple[Carved, str]] = []
    for lo, hi in free_ranges(page, cells, usable, start):
        cands: list[Carved] = []
        for carver in carvers:
            cands.extend(carver.scan(data, lo, hi))
        starts = [o for o in fb_end if lo <= o < hi]
        if page is not None and lo < content <= hi and content not in fb_end:
            starts.append(content)
        stale = {x: e for x, e in stale_freeblock_headers(data, lo, hi, usable) if x not in fb_end}
        covered = {c.header for c in cands}
        spans = sorted((c.header, c.end) for c in cands)
        heads = [a for a, _ in spans]
        for o in starts + list(stale):
            if any(h in covered for h in range(o + 4, o + 14)):
                continue  # a record with an intact header already starts in this cell
            if o in stale:
                i = bisect_right(heads, o) - 1
                if i >= 0 and spans[i][0] <= o < spans[i][1]:
                    continue  # looks like a freeblock header but lies inside a record already found
            end = min(fb_end.get(o, stale.get(o, hi)), hi)
            for carver in carvers:
                # a freeblock header (in the chain, or a stale one SQLite wrote when it merged the freed cell
                # into its neighbour or the unallocated area) gives the freed cell's exact size: a record
                # filling it exactly may be nearly all NULL (a sparse row of a wide table)
                cand = carver.rebuild(data, o, end, exact_end=True, lenient=o in fb_end or o in stale)
                if cand is None:
                    continue
                exact = cand.end == end and (not cand.lost or bool(cand.overflow) or cand.lost == [0])
                if o not in stale or exact or not (cand.lost or cand.guessed or carver.weak):
                    cands.append(cand)
        if len(carvers) > 1:  # a page whose owner is unknown: candidates of several tables may overlap
            by_table = {id(carver.table): carver for carver in carvers}
            for cand in cands:
                if cand.how != "cell":
                    cand.fit = by_table[id(cand.table)].fit(cand.stored, cand.lost)
        chosen = select(cands)
        # records back to back (coalesced freeblocks): rebuild right after each record, until none is new
        tried: set[int] = set()
        for _round in range(64):
            extra: list[Carved] = []
            begun = sorted(c.start for c in chosen)
            for c in chosen:
                x = c.end
                if x in tried or x + 8 >= hi:
                    continue
                i = bisect_left(begun, x)
                if i < len(begun) and begun[i] < x + 8:
                    continue
                tried.add(x)
                end = _block_end(blocks, x, hi)
                for carver in carvers:
                    cand = carver.rebuild(data, x, end, exact_end=False)
                    if cand is not None:
                        extra.append(cand)
            if not extra:
                break
            chosen = select(chosen + extra)
        for c in chosen:
            in_block = _block_end(blocks, c.start, -1) != -1
            out.append((c, FREEBLOCK if in_block or page is None or c.start >= content else UNALLOCATED))
    return out
