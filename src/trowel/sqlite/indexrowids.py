"""Rowids of deleted rows from the freed entries of their table's indexes.

Deleting a row deletes its index entries too; an index entry (key columns, then the rowid) freed into a
freeblock loses only its first 4 bytes (payload length, header length and the first serial types). Its
body stays: the key values, then the rowid. For a deleted row whose rowid is lost, the bytes its key
values are stored as are searched in the free space of each index of its table; where they are found, the
header bytes that survive before them must be exactly the serial types of those values and of a rowid,
and the rowid follows the key. One answer, or none.

Index columns come from CREATE INDEX statements, and for the automatic indexes of UNIQUE and PRIMARY KEY
constraints (no statement) from the constraints in the order the CREATE TABLE statement gives them.
"""

from __future__ import annotations

import re
import struct
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from trowel.errors import SqliteFormatError
from trowel.sqlite.page import INDEX_LEAF, freeblocks, parse_page
from trowel.sqlite.record import encode_varint, serial_for_value, varint_length
from trowel.sqlite.schema import IndexSchema, TableSchema, _split_top, _tokens, _unquote

PageGetter = Callable[[int], bytes | None]
_ROWID_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 8: 0, 9: 0}
MAX_HITS = 64  # places a key's bytes are examined at, per deleted row


def index_columns(index: IndexSchema, table: TableSchema) -> list[int] | None:
    """Table column positions of an index's key (None for expression indexes or unknown constraints)."""
    lower = [c.lower() for c in table.columns]
    if index.sql:
        m = re.search(r"\bON\s+[^(]+\((.*)\)", index.sql, re.S | re.I)
        if m is None:
            return None
        cols: list[int] = []
        for part in _split_top(_tokens(m.group(1))):
            name = _unquote(part[0]).lower()
            if name not in lower or any(t == "(" for t in part):
                return None
            cols.append(lower.index(name))
        return cols or None
    m = re.fullmatch(r"sqlite_autoindex_.+_(\d+)", index.name)
    if m is None or not table.sql:
        return None
    constraints = _constraints(table)
    n = int(m.group(1))
    return constraints[n - 1] if 0 < n <= len(constraints) else None


def _constraints(table: TableSchema) -> list[list[int]]:
    """Column lists of the UNIQUE / PRIMARY KEY constraints that get automatic indexes, in order."""
    sql = table.sql or ""
    toks = _tokens(sql)
    if "(" not in toks:
        return []
    start = toks.index("(")
    depth, end = 0, len(toks)
    for i in range(start, len(toks)):
        depth += toks[i] == "("
        depth -= toks[i] == ")"
        if depth == 0:
            end = i
            break
    lower = [c.lower() for c in table.columns]
    out: list[list[int]] = []
    for part in _split_top(toks[start + 1:end]):
        up = [t.upper() for t in part]
        if up[0] in ("UNIQUE", "PRIMARY", "CONSTRAINT"):
            if "(" in part:
                i = part.index("(")
                inner = part[i + 1:part.index(")", i)] if ")" in part[i:] else part[i + 1:]
                cols = [_unquote(p[0]).lower() for p in _split_top(inner) if p]
                if ("UNIQUE" in up or "PRIMARY" in up) and all(c in lower for c in cols):
                    if "PRIMARY" in up and len(cols) == 1 and table.ipk and cols[0] == table.ipk.lower():
                        continue  # INTEGER PRIMARY KEY: the rowid, no index
                    out.append([lower.index(c) for c in cols])
            continue
        name = _unquote(part[0]).lower()
        if name not in lower:
            continue
        if "PRIMARY" in up and not (table.ipk and name == table.ipk.lower()):
            out.append([lower.index(name)])
        if "UNIQUE" in up:
            out.append([lower.index(name)])
    return out


def _body(value: Any, encoding: str, format4: bool) -> tuple[int, bytes] | None:
    """(serial type, body bytes) SQLite writes for a value."""
    if isinstance(value, float):
        return 7, struct.pack(">d", value)
    serial = serial_for_value(value, encoding)
    if isinstance(value, int) and not isinstance(value, bool):
        if serial in (8, 9) and not format4:
            serial = 1
        if serial in (8, 9):
            return serial, b""
        size = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}[serial]
        return serial, value.to_bytes(size, "big", signed=True)
    if value is None:
        return 0, b""
    if isinstance(value, str):
        return serial, value.encode(encoding)
    if isinstance(value, bytes):
        return serial, bytes(value)
    return None


class IndexResidue:
    """Freed bytes of one index's pages, searched for the key of a deleted row."""

    def __init__(self, pages: Sequence[int], get_page: PageGetter, usable: int) -> None:
        parts: list[bytes] = []
        self.starts: list[int] = []  # offset in ``blob`` where each freeblock begins
        self.sizes: list[int] = []
        pos = 0
        for n in pages:
            data = get_page(n)
            if data is None:
                continue
            try:
                page = parse_page(data, n, usable)
            except SqliteFormatError:
                continue
            if page.kind != INDEX_LEAF:
                continue
            for o, size in freeblocks(data, page):
                parts.append(bytes(data[o:o + size]))
                self.starts.append(pos)
                self.sizes.append(size)
                pos += size
        self.blob = b"".join(parts)

    def rowid(self, key: Sequence[Any], encoding: str, format4: bool) -> int | None:
        """The rowid stored after ``key`` in a freed entry of this index (None: not found or ambiguous)."""
        serials: list[int] = []
        body = b""
        for v in key:
            sb = _body(v, encoding, format4)
            if sb is None:
                return None
            serials.append(sb[0])
            body += sb[1]
        if len(body) < 4:
            return None  # too short to find without doubt
        found: set[int] = set()
        x = self.blob.find(body)
        tries = 0
        while x >= 0 and len(found) < 2:
            tries += 1
            if tries > MAX_HITS:
                return None  # a key found this often says nothing (and bounds the work on hostile files)
            i = bisect_right(self.starts, x) - 1
            block, size = self.starts[i], self.sizes[i]
            for rserial, rsize in _ROWID_SIZES.items():
                types = b"".join(encode_varint(s) for s in [*serials, rserial])
                hlen = 1 + len(types)
                if hlen >= 0x80:
                    break
                header = bytes([hlen]) + types
                hstart = x - len(header)
                end = x + len(body) + rsize
                if hstart < block or end > block + size:
                    continue
                # every header byte that survived (past the freeblock's own 4-byte header) must agree
                if any(self.blob[hstart + k] != header[k] for k in range(len(header)) if hstart + k >= block + 4):
                    continue
                plen = len(header) + len(body) + rsize
                cell = hstart - varint_length(plen)
                if cell != block and cell < block + 4:
                    continue  # only the cell at the block's start lost bytes to the freeblock header
                if hstart + len(header) - 1 < block + 4 and end != block + size:
                    continue  # the rowid's serial type was overwritten: its size must end the block exactly
                raw = self.blob[x + len(body):end]
                found.add(int.from_bytes(raw, "big", signed=True) if rsize else rserial - 8)
            x = self.blob.find(body, x + 1)
        return found.pop() if len(found) == 1 else None
