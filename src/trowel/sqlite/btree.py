"""B-tree traversal of the current database: tables, indexes, WITHOUT ROWID tables, sqlite_master.

Walks are bounded: no page is visited twice, depth is limited, and a bad page ends its branch with a
warning. The walk also reports which pages a tree owns (interior, leaf and overflow pages), which recovery
uses to tell live pages from free ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from trowel.errors import SqliteFormatError
from trowel.sqlite.overflow import read_chain
from trowel.sqlite.page import TABLE_LEAF, BtreePage, Cell, parse_cell, parse_page

MAX_DEPTH = 40
PageGetter = Callable[[int], bytes | None]


class LeafCell(NamedTuple):
    """A row's cell as the walk found it (a tuple: millions are made, they must be cheap)."""

    page: int
    offset: int
    rowid: int | None
    payload: bytes
    complete: bool
    overflow_pages: tuple[int, ...]


class TreeWalker:
    """Iterates the leaf cells of one b-tree; ``pages`` and ``overflow`` collect what the tree owns."""

    def __init__(self, get_page: PageGetter, usable: int, page_count: int, warnings: list[str],
                 claimed: set[int] | None = None) -> None:
        self.get_page = get_page
        self.usable = usable
        self.page_count = page_count
        self.warnings = warnings
        self.claimed = claimed if claimed is not None else set()
        self.pages: list[int] = []
        self.overflow: list[int] = []
        self.leaf_pages: list[int] = []  # every b-tree page of the tree (interior pages keep old leaf bytes)
        # table leaf -> (rowid above which, rowid up to which its rows lie), from the parents' divider keys
        self.bounds: dict[int, tuple[int | None, int | None]] = {}

    def cells(self, root: int, name: str) -> Iterator[LeafCell]:
        stack: list[tuple[int, int, int | None, int | None]] = [(root, 0, None, None)]
        expect_table: bool | None = None
        while stack:
            number, depth, low, high = stack.pop()
            if number < 1 or number > self.page_count:
                self.warnings.append(f"{name}: child page {number} is outside the database")
                continue
            if number in self.claimed:
                self.warnings.append(f"{name}: page {number} is reached twice (cycle or shared page); skipped")
                continue
            if depth > MAX_DEPTH:
                self.warnings.append(f"{name}: b-tree deeper than {MAX_DEPTH} levels at page {number}")
                continue
            data = self.get_page(number)
            if data is None:
                self.warnings.append(f"{name}: page {number} is missing (truncated file?)")
                continue
            try:
                page = parse_page(data, number, self.usable)
            except SqliteFormatError as exc:
                self.warnings.append(f"{name}: {exc}")
                continue
            if expect_table is None:
                expect_table = page.is_table
            elif page.is_table != expect_table:
                self.warnings.append(f"{name}: page {number} is of the wrong b-tree kind; skipped")
                continue
            self.claimed.add(number)
            self.pages.append(number)
            self.leaf_pages.append(number)
            if not page.is_leaf:
                children: list[tuple[int, int | None, int | None]] = []
                below = low
                for ptr in page.pointers:
                    try:
                        cell = parse_cell(data, page, ptr)
                    except SqliteFormatError as exc:
                        self.warnings.append(f"{name}: {exc}")
                        below = None  # a lost divider: the next child's lower bound is unknown
                        continue
                    key = cell.rowid if page.is_table else None
                    if cell.left_child is not None:
                        children.append((cell.left_child, below, key))
                    below = key
                    if not page.is_table:
                        yield from self._leaf_cell(number, data, page, cell, name)
                if page.right_child:
                    children.append((page.right_child, below, high))
                for child, lo, hi in reversed(children):
                    stack.append((child, depth + 1, lo, hi))
                continue
            if page.is_table:
                self.bounds[number] = (low, high)
            yield from self._leaf(number, data, page, name)

    def _leaf(self, number: int, data: bytes, page: BtreePage, name: str) -> Iterator[LeafCell]:
        """Cells of a table or index leaf page. The common case (a payload size of one or two varint bytes, for a
        table a rowid of up to four, no overflow) is read here without function calls: millions of cells, and
        recovery walks every index to learn its pages. Anything else goes to the general cell parser."""
        usable = self.usable
        table = page.kind == TABLE_LEAF
        max_local = usable - 35 if table else ((usable - 12) * 64 // 255) - 23
        low, high = page.hdr + 8, usable - (12 if table else 2)
        for ptr in page.pointers:
            if low <= ptr < high:
                b = data[ptr]
                p = ptr + 1
                plen = b
                if b >= 0x80:
                    b = data[p]
                    p += 1
                    plen = ((plen & 0x7F) << 7) | (b & 0x7F)
                    if b >= 0x80:
                        plen = -1
                rowid = None
                if table:
                    rowid = 0
                    for _ in range(4):
                        b = data[p]
                        p += 1
                        rowid = (rowid << 7) | (b & 0x7F)
                        if b < 0x80:
                            break
                    else:
                        plen = -1
                if 0 <= plen <= max_local and p + plen <= usable:
                    yield LeafCell(number, ptr, rowid, data[p:p + plen], True, ())
                    continue
            yield from self._parsed(number, data, page, ptr, name)

    def _general_leaf(self, number: int, data: bytes, page: BtreePage, name: str) -> Iterator[LeafCell]:
        """Cells of a leaf page by the general cell parser only (what :meth:`_leaf` must equal)."""
        for ptr in page.pointers:
            yield from self._parsed(number, data, page, ptr, name)

    def _parsed(self, number: int, data: bytes, page: BtreePage, ptr: int, name: str) -> Iterator[LeafCell]:
        """The cell at ``ptr`` by the general cell parser (a warning when it is damaged)."""
        try:
            cell = parse_cell(data, page, ptr)
        except SqliteFormatError as exc:
            self.warnings.append(f"{name}: {exc}")
            return
        yield from self._leaf_cell(number, data, page, cell, name)

    def _leaf_cell(self, number: int, data: bytes, page: BtreePage, cell: Cell, name: str) -> Iterator[LeafCell]:
        if cell.overflow is None:
            yield LeafCell(number, cell.offset, cell.rowid, cell.local, True, ())
            return
        needed = (cell.payload_size or 0) - len(cell.local)
        chain = read_chain(self.get_page, cell.overflow, needed, self.usable, self.page_count)
        for p in chain.pages:
            if p in self.claimed:
                self.warnings.append(f"{name}: overflow page {p} is used twice")
            self.claimed.add(p)
            self.overflow.append(p)
        if chain.problem:
            self.warnings.append(f"{name}: row at page {number} offset {cell.offset}: {chain.problem}")
        yield LeafCell(number, cell.offset, cell.rowid, cell.local + chain.data, chain.complete, chain.pages)
