"""De-duplication: a recovered record identical to a live row is residue, not a deleted row.

Live rows are not decoded for this. Each live cell adds three 64-bit numbers: a hash of its record
payload bytes, its rowid and where the cell is (page and offset). A recovered record is then checked:

* with a rowid: the live row with that rowid (if any) is read and decoded, and compared value by value;
* without a rowid: its values are serialised the way SQLite writes them (minimal integer sizes, serial
  types 8/9 for 0 and 1 from schema format 4 on, text in the database encoding) and the hash of those bytes
  is looked up among the live payload hashes;
* partial records (some values lost), and tables whose live rows hold REAL values (an integral REAL equals
  an INTEGER, -0.0 equals 0.0: equal values with different bytes), are compared on decoded values: the
  live rows of that table are then decoded once, when the first such question is asked.

The answers are those of comparing decoded values (Python equality; NaN never equals anything), with one
assumption: live records use SQLite's minimal integer encoding (SQLite always writes them so).
The same deleted row found in several places (freelist page, WAL frames, journal) is grouped into one
record by grouping.py.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import product
from typing import Any

import numpy as np

from trowel.errors import SqliteFormatError
from trowel.sqlite.record import encode_varint, parse_header, serial_for_value

# (table) -> every live row of that table, decoded, as (rowid, stored values)
RowLoader = Callable[[str], Iterable[tuple[int | None, list[Any]]]]
# (page, cell offset) -> the stored values of the live cell there (None when it cannot be decoded)
CellLoader = Callable[[int, int], list[Any] | None]

MAX_VARIANTS = 64  # serialisations tried for one record before comparing decoded values instead
_DOUBLE = struct.Struct(">d")
_INT_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}
_FLOAT_SERIAL = 7


def header_has_real(payload: bytes) -> bool:
    """Whether a record's header holds serial type 7 (a REAL value); cheap when it clearly does not."""
    if not payload:
        return False
    hsize = payload[0]
    if hsize < 0x80 and 7 not in payload[1:hsize]:
        return False
    try:
        serials, _ = parse_header(payload, 0)
    except (IndexError, ValueError, SqliteFormatError):
        return True  # undecidable: compare decoded values for this table
    return _FLOAT_SERIAL in serials


class _Exact:
    """Decoded-value hashes of one table's live rows (the comparison every answer must agree with)."""

    def __init__(self) -> None:
        self.full: set[int] = set()
        self.values: set[int] = set()
        self.rowids: set[int] = set()
        self.width = -1
        self.flat: array[int] = array("q")
        self.frozen: np.ndarray | None = None

    def add(self, table: str, rowid: int | None, key: tuple[Any, ...]) -> None:
        hk = hash(key)
        self.full.add(hash((table, rowid, hk)))
        self.values.add(hash((table, hk)))
        if rowid is not None:
            self.rowids.add(rowid)
        if self.width < 0:
            self.width = len(key)
        if len(key) == self.width:
            self.flat.extend(map(hash, key))
        else:
            self.flat.extend(map(hash, (key + (None,) * self.width)[:self.width]))
        self.frozen = None

    def partial_match(self, key: Sequence[Any], known: Sequence[int]) -> bool:
        if not known or self.width <= 0 or not len(self.flat):
            return False
        arr = self.frozen
        if arr is None:
            arr = self.frozen = np.frombuffer(self.flat, dtype=np.int64).reshape(-1, self.width)
        mask = np.ones(arr.shape[0], dtype=bool)
        for i in known:
            if i >= arr.shape[1]:
                return False
            mask &= arr[:, i] == hash(key[i])
            if not mask.any():
                return False
        return bool(mask.any())


class _Cells:
    """Payload hashes, rowids and cell locations of one table's live cells (not decoded)."""

    def __init__(self) -> None:
        self.digests: array[int] = array("q")
        self.rowids: array[int] = array("q")
        self.places: array[int] = array("q")  # page << 17 | cell offset
        self.real = False  # some live record holds a REAL value
        self._digests: np.ndarray | None = None
        self._rowids: np.ndarray | None = None
        self._places: np.ndarray | None = None
        self._mask = 0
        self._digest_bits = b""
        self._rowid_bits = b""

    def freeze(self) -> None:
        if self._digests is None:
            self._digests = np.sort(np.frombuffer(self.digests, dtype=np.int64))
            ids = np.frombuffer(self.rowids, dtype=np.int64)
            order = np.argsort(ids, kind="stable")
            self._rowids = ids[order]
            self._places = np.frombuffer(self.places, dtype=np.int64)[order]
            # one byte per slot, 1 where some live digest / rowid falls: most questions end here
            size = 1 << max(10, min(24, (4 * max(len(self._digests), len(ids))).bit_length()))
            self._mask = size - 1
            self._digest_bits = _bitmap(self._digests, size)
            self._rowid_bits = _bitmap(self._rowids, size)

    def has_digest(self, digest: int) -> bool:
        arr = self._digests
        if arr is None:
            self.freeze()
            arr = self._digests
            assert arr is not None
        if not self._digest_bits[digest & self._mask]:
            return False
        i = arr.searchsorted(digest)
        return bool(i < len(arr) and arr[i] == digest)

    def places_of(self, rowid: int) -> list[tuple[int, int]]:
        ids = self._rowids
        if ids is None:
            self.freeze()
            ids = self._rowids
            assert ids is not None
        if not self._rowid_bits[rowid & self._mask]:
            return []
        lo = ids.searchsorted(rowid)
        if lo == len(ids) or ids[lo] != rowid:
            return []
        assert self._places is not None
        hi = ids.searchsorted(rowid, side="right")
        return [(int(p) >> 17, int(p) & 0x1FFFF) for p in self._places[lo:hi]]


def _bitmap(values: np.ndarray, size: int) -> bytes:
    """A byte per slot of ``size`` (a power of two): 1 where some value's low bits point."""
    bits = np.zeros(size, dtype=np.uint8)
    bits[values & (size - 1)] = 1
    return bits.tobytes()


class LiveIndex:
    """What recovery needs to know about live rows, without decoding them (see the module docstring)."""

    def __init__(self, encoding: str = "utf-8", schema_format: int = 4,
                 load_rows: RowLoader | None = None, load_cell: CellLoader | None = None) -> None:
        self.encoding = encoding
        self.legacy01 = schema_format < 4  # 0 and 1 stored as 1-byte integers (serial type 1)
        self.load_rows = load_rows
        self.load_cell = load_cell
        self._exact: dict[str, _Exact] = {}  # decoded rows (sqlite_master, incomplete cells, loaded tables)
        self._loaded: set[str] = set()  # tables whose every live row is in _exact
        self._cells: dict[str, _Cells] = {}

    # --- building -------------------------------------------------------------------------------------
    def add(self, table: str, rowid: int | None, key: tuple[Any, ...]) -> None:
        """A decoded live row (stored values, INTEGER PRIMARY KEY as NULL)."""
        ex = self._exact.get(table)
        if ex is None:
            ex = self._exact[table] = _Exact()
        ex.add(table, rowid, key)

    def add_cell(self, table: str, rowid: int | None, payload: bytes, page: int, offset: int) -> None:
        """A complete live cell, by its payload bytes (not decoded)."""
        cells = self._cells.get(table)
        if cells is None:
            cells = self._cells[table] = _Cells()
        cells._digests = None  # sorted again at the next question
        cells.digests.append(hash(payload))
        if rowid is not None:
            cells.rowids.append(rowid)
            cells.places.append(page << 17 | offset)
        if not cells.real and header_has_real(payload):
            cells.real = True

    # --- questions ------------------------------------------------------------------------------------
    def is_live(self, table: str, rowid: int | None, key: tuple[Any, ...]) -> bool:
        """Whether a live row of ``table`` has these stored values (and this rowid, when one is given)."""
        hk = hash(key)
        ex = self._exact.get(table)
        if rowid is not None:
            if ex is not None and hash((table, rowid, hk)) in ex.full:
                return True
            cells = self._cells.get(table)
            if cells is None or table in self._loaded or self.load_cell is None:
                return False
            for page, offset in cells.places_of(rowid):
                stored = self.load_cell(page, offset)
                if stored is not None and hash(tuple(stored)) == hk:
                    return True
            return False
        if ex is not None and hash((table, hk)) in ex.values:
            return True
        cells = self._cells.get(table)
        if cells is None or table in self._loaded:
            return False
        if not cells.real:
            one = self._serialise(key)
            if one is not None:
                return cells.has_digest(hash(one))
            variants = self._serialisations(key)
            if variants is not None:
                return any(cells.has_digest(hash(v)) for v in variants)
        ex = self._load(table)
        return ex is not None and hash((table, hk)) in ex.values

    def rowid_live(self, table: str, rowid: int) -> bool:
        ex = self._exact.get(table)
        if ex is not None and rowid in ex.rowids:
            return True
        cells = self._cells.get(table)
        if cells is None or self.load_cell is None:
            return False
        # a live cell that cannot be decoded is not a live row (it was never one in the decoded index)
        return any(self.load_cell(page, offset) is not None for page, offset in cells.places_of(rowid))

    def partial_is_live(self, table: str, key: Sequence[Any], known: Sequence[int]) -> bool:
        """Whether some live row of ``table`` has these values in the ``known`` column positions."""
        ex = self._load(table) if table in self._cells else self._exact.get(table)
        return ex is not None and ex.partial_match(key, known)

    # --- internals ------------------------------------------------------------------------------------
    def _load(self, table: str) -> _Exact | None:
        """Decode every live row of ``table`` once (needed for value comparisons bytes cannot answer)."""
        if table not in self._loaded:
            self._loaded.add(table)
            if self.load_rows is not None:
                # rebuilt in walk order (the rows decoded during the walk come again)
                self._exact.pop(table, None)
                for rowid, stored in self.load_rows(table):
                    self.add(table, rowid, tuple(stored))
            self._cells.pop(table, None)
        return self._exact.get(table)

    def _serialise(self, key: Sequence[Any]) -> bytes | None:
        """The one record SQLite writes for these values, in the common case (NULL, INTEGER other than
        0 and 1 in legacy formats, TEXT, non-integral REAL); None when other values need more variants."""
        header = bytearray()
        body: list[bytes] = []
        encoding = self.encoding
        for v in key:
            t = type(v)
            if v is None:
                header.append(0)
            elif t is int:
                if v == 0 or v == 1:
                    if self.legacy01:
                        return None
                    header.append(8 + v)
                    continue
                if -0x80 <= v < 0x80:
                    serial, size = 1, 1
                elif -0x8000 <= v < 0x8000:
                    serial, size = 2, 2
                elif -0x800000 <= v < 0x800000:
                    serial, size = 3, 3
                elif -0x80000000 <= v < 0x80000000:
                    serial, size = 4, 4
                elif -0x800000000000 <= v < 0x800000000000:
                    serial, size = 5, 6
                elif -0x8000000000000000 <= v < 0x8000000000000000:
                    serial, size = 6, 8
                else:
                    return None
                header.append(serial)
                body.append(v.to_bytes(size, "big", signed=True))
            elif t is str:
                raw = v.encode(encoding)
                serial = len(raw) * 2 + 13
                if serial < 0x80:
                    header.append(serial)
                else:
                    header += encode_varint(serial)
                body.append(raw)
            elif t is float and not v.is_integer() and v == v:
                header.append(_FLOAT_SERIAL)
                body.append(_DOUBLE.pack(v))
            else:
                return None
        n = len(header)
        return encode_varint(_header_size(n)) + header + b"".join(body)

    def _serialisations(self, key: Sequence[Any]) -> list[bytes] | None:
        """Every record SQLite could have written for exactly these values; None if that is not a short
        list (then decoded values are compared). A NaN never equals a live value: no serialisation."""
        options: list[list[tuple[int, bytes]]] = []
        count = 1
        for v in key:
            opts = self._value_options(v)
            if not opts:
                return []
            count *= len(opts)
            if count > MAX_VARIANTS:
                return None
            options.append(opts)
        out = []
        for combo in product(*options):
            header = b"".join(encode_varint(s) for s, _ in combo)
            out.append(encode_varint(_header_size(len(header))) + header + b"".join(body for _, body in combo))
        return out

    def _value_options(self, v: Any) -> list[tuple[int, bytes]]:
        """(serial type, body) pairs a live record may hold for a value equal to ``v``."""
        if v is None:
            return [(0, b"")]
        if isinstance(v, bool):
            v = int(v)
        if isinstance(v, int):
            return self._int_options(v)
        if isinstance(v, float):
            if math.isnan(v):
                return []
            opts = [(_FLOAT_SERIAL, _DOUBLE.pack(v))]
            if v == -0.0:
                opts.append((_FLOAT_SERIAL, _DOUBLE.pack(-v)))
            if v.is_integer() and -(1 << 63) <= v < (1 << 63):
                opts.extend(self._int_options(int(v)))
            return opts
        if isinstance(v, str):
            raw = v.encode(self.encoding)
            return [(len(raw) * 2 + 13, raw)]
        raw = bytes(v)  # a BLOB, or stored text that is not valid in the database encoding
        return [(len(raw) * 2 + 12, raw), (len(raw) * 2 + 13, raw)]

    def _int_options(self, v: int) -> list[tuple[int, bytes]]:
        if not -(1 << 63) <= v < (1 << 63):
            return []
        serial = serial_for_value(v)
        if serial in (8, 9):
            one = (1, v.to_bytes(1, "big", signed=True))
            return [one] if self.legacy01 else [(serial, b"")]
        return [(serial, v.to_bytes(_INT_SIZES[serial], "big", signed=True))]


def _header_size(serial_bytes: int) -> int:
    """The record header size SQLite writes for headers with this many bytes of serial types."""
    if serial_bytes <= 126:
        return serial_bytes + 1
    k = len(encode_varint(serial_bytes))
    n = serial_bytes + k
    return n + 1 if k < len(encode_varint(n)) else n
