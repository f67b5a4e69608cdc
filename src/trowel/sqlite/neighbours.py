"""Rowids of freed cells from the order of their neighbours on the page.

SQLite fills a table leaf page's cell content area from the end of the page downwards, and keeps that
order when it defragments a page or moves cells to a new page in a split (cells are copied in rowid order).
On a page whose live cells are in that order (a higher offset always holds a lower rowid), a freed cell
lies between the live cell just above it (rowid ``a``) and the one just below it (rowid ``b``). When the
records carved between them are exactly as many as the rowids missing between ``a`` and ``b``, each gets
one of those rowids, in page order. At the page's ends the parent's divider keys bound the gap (a leaf's
rows lie above the divider before it and up to its own divider). Anything else (a page out of order, a
gap of another size, an end without a divider) gives none.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence

from trowel.sqlite.page import TABLE_LEAF, BtreePage


def live_rowids(data: bytes, page: BtreePage) -> list[tuple[int, int]] | None:
    """(offset, rowid) of the live cells of a table leaf page, by offset; None when the page is not in
    insertion order (a higher offset must hold a lower rowid) or a cell cannot be read."""
    if page.kind != TABLE_LEAF:
        return None
    usable = page.usable
    out: list[tuple[int, int]] = []
    for ptr in page.pointers:
        if not page.hdr + 8 <= ptr < usable - 2:
            return None
        p = ptr
        for _ in range(9):  # payload length varint
            if p >= usable:
                return None
            b = data[p]
            p += 1
            if b < 0x80:
                break
        rowid = 0
        for k in range(9):
            if p >= usable:
                return None
            b = data[p]
            p += 1
            if k == 8:
                rowid = (rowid << 8) | b
                break
            rowid = (rowid << 7) | (b & 0x7F)
            if b < 0x80:
                break
        out.append((ptr, rowid))
    out.sort()
    for (_o1, r1), (_o2, r2) in zip(out, out[1:], strict=False):
        if r1 <= r2:
            return None
    return out


def infer_rowids(live: Sequence[tuple[int, int]], starts: Sequence[int],
                 is_live: Callable[[int], bool],
                 bounds: tuple[int | None, int | None] = (None, None)) -> dict[int, tuple[int, int, int]]:
    """Carved record start -> (rowid, rowid above, rowid below) for the records whose rowid the neighbours
    settle. ``starts`` are the starts of carved records without a rowid; ``live`` from :func:`live_rowids`.
    ``bounds`` (the parent's divider keys: rows lie above the first, up to the second) close the gaps at
    the page's two ends."""
    offsets = [o for o, _ in live]
    low, high = bounds
    gaps: dict[int, list[int]] = {}
    for s in sorted(starts):
        i = bisect_left(offsets, s)
        if (i == 0 and high is None) or (i == len(offsets) and low is None):
            continue  # no live cell and no divider key on one side: the gap is open
        gaps.setdefault(i, []).append(s)
    out: dict[int, tuple[int, int, int]] = {}
    for i, members in gaps.items():
        # lower offset: the newer cell, higher rowid; past the ends, the divider keys
        below = live[i - 1][1] if i > 0 else (high or 0) + 1
        above = live[i][1] if i < len(live) else (low or 0)
        if below - above - 1 != len(members):
            continue
        candidates = list(range(above + 1, below))
        if any(is_live(r) for r in candidates):
            continue
        # a higher offset holds a lower rowid
        for rowid, start in zip(candidates, sorted(members, reverse=True), strict=True):
            out[start] = (rowid, above, below)
    return out
