"""The freelist: trunk pages (each listing leaf pages) and the leaf pages themselves.

Freed pages keep their old content (unless secure_delete zeroed them): a leaf page is usually a whole
former b-tree page, the easiest source of deleted rows; a trunk page keeps old bytes after its list.
The walk is bounded by the header's freelist count and the page count, and stops on cycles with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Freelist:
    trunks: list[int] = field(default_factory=list)
    leaves: list[int] = field(default_factory=list)
    trunk_slack: dict[int, int] = field(default_factory=dict)  # trunk page -> offset where its slack begins


def walk_freelist(get_page: Callable[[int], bytes | None], first_trunk: int, count: int, page_count: int,
                  usable: int, warnings: list[str]) -> Freelist:
    out = Freelist()
    seen: set[int] = set()
    trunk = first_trunk
    max_leaves = usable // 4 - 2
    while trunk:
        if trunk > page_count or trunk in seen:
            warnings.append(f"freelist trunk chain {'has a cycle' if trunk in seen else 'leaves the database'} "
                            f"at page {trunk}; walk stopped")
            break
        if len(seen) > page_count:
            warnings.append("freelist trunk chain longer than the database; walk stopped")
            break
        data = get_page(trunk)
        if data is None:
            warnings.append(f"freelist trunk page {trunk} is missing")
            break
        seen.add(trunk)
        out.trunks.append(trunk)
        nxt = int.from_bytes(data[0:4], "big")
        n = int.from_bytes(data[4:8], "big")
        if n > max_leaves:
            warnings.append(f"freelist trunk page {trunk} claims {n} leaves (at most {max_leaves} fit); clipped")
            n = max_leaves
        for i in range(n):
            leaf = int.from_bytes(data[8 + 4 * i:12 + 4 * i], "big")
            if 1 < leaf <= page_count and leaf not in seen:
                seen.add(leaf)
                out.leaves.append(leaf)
            else:
                warnings.append(f"freelist trunk page {trunk} lists impossible or repeated leaf page {leaf}")
        out.trunk_slack[trunk] = _slack_start(data, 8 + 4 * n, page_count, usable)
        trunk = nxt
    total = len(out.trunks) + len(out.leaves)
    if total != count:
        warnings.append(f"freelist holds {total} pages but the header says {count}")
    return out


def _slack_start(data: bytes, pos: int, page_count: int, usable: int) -> int:
    """First byte after the trunk's list and after stale list entries left when the list shrank."""
    while pos + 4 <= usable:
        word = int.from_bytes(data[pos:pos + 4], "big")
        if not 0 < word <= page_count:
            break
        pos += 4
    return pos
