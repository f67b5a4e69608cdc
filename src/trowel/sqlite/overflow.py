"""Overflow chains: the tail of a payload that does not fit on its b-tree page.

Every chain walk is bounded (no more pages than the payload needs, no page twice, no page outside the
database), so a manipulated chain costs a warning, never a hang.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OverflowRead:
    data: bytes
    pages: tuple[int, ...]
    complete: bool
    problem: str | None


def read_chain(get_page: Callable[[int], bytes | None], first: int, needed: int, usable: int,
               page_count: int) -> OverflowRead:
    """Follow an overflow chain from ``first`` until ``needed`` bytes are collected."""
    parts: list[bytes] = []
    pages: list[int] = []
    got = 0
    page = first
    per_page = usable - 4
    limit = needed // per_page + 2
    seen: set[int] = set()
    while got < needed:
        if page == 0 or page > page_count:
            return OverflowRead(b"".join(parts), tuple(pages), False,
                                f"overflow chain points to page {page} outside the database")
        if page in seen:
            return OverflowRead(b"".join(parts), tuple(pages), False, f"overflow chain has a cycle at page {page}")
        if len(pages) >= limit:
            return OverflowRead(b"".join(parts), tuple(pages), False, "overflow chain longer than its payload")
        seen.add(page)
        data = get_page(page)
        if data is None:
            return OverflowRead(b"".join(parts), tuple(pages), False, f"overflow page {page} is missing")
        pages.append(page)
        take = min(per_page, needed - got)
        parts.append(bytes(data[4:4 + take]))
        got += take
        page = int.from_bytes(data[0:4], "big")
    return OverflowRead(b"".join(parts), tuple(pages), True, None)
