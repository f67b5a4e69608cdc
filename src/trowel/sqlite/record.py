"""Varints, serial types and record decoding (the SQLite record format).

A record is a header (varint header size, one serial-type varint per column) followed by the body. These
functions work on ``bytes`` and never raise on hostile input except :class:`RecordError`, which callers turn
into a rejected candidate or a warning.
"""

from __future__ import annotations

import struct
from typing import Any

from trowel.errors import SqliteFormatError

TEXT_ENCODINGS = {1: "utf-8", 2: "utf-16-le", 3: "utf-16-be"}
_FIXED_SIZES = (0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0)
_DOUBLE = struct.Struct(">d")
MAX_HEADER = 1 << 16  # a header longer than this is not something SQLite writes for sane schemas


class RecordError(SqliteFormatError):
    """Bytes that do not form a valid record (or varint) where one was expected."""


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Unsigned varint at ``pos``: (value, position after it). Raises RecordError past the buffer end."""
    try:
        b = buf[pos]
        if b < 0x80:
            return b, pos + 1
        value = b & 0x7F
        for k in range(1, 8):
            b = buf[pos + k]
            if b < 0x80:
                return (value << 7) | b, pos + k + 1
            value = (value << 7) | (b & 0x7F)
        return (value << 8) | buf[pos + 8], pos + 9
    except IndexError as exc:
        raise RecordError(f"varint at {pos} runs past the end of the buffer") from exc


def signed64(value: int) -> int:
    """A 64-bit varint value as SQLite's signed rowid."""
    return value - (1 << 64) if value >= 1 << 63 else value


def varint_length(value: int) -> int:
    """How many bytes SQLite uses to store ``value`` (unsigned, < 2**64) as a varint."""
    if value < 0:
        value += 1 << 64
    if value >= 1 << 56:
        return 9
    n = 1
    while value >= 0x80:
        value >>= 7
        n += 1
    return n


def encode_varint(value: int) -> bytes:
    """The varint bytes SQLite writes for ``value`` (used to rebuild lost cell headers)."""
    if value < 0:
        value += 1 << 64
    if value >= 1 << 56:
        out = [value & 0xFF]
        value >>= 8
        for _ in range(8):
            out.append((value & 0x7F) | 0x80)
            value >>= 7
        return bytes(reversed(out))
    parts = [value & 0x7F]
    value >>= 7
    while value:
        parts.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(parts))


def serial_size(serial: int) -> int:
    """Body size in bytes of a serial type (10 and 11 are reserved: size 0, rejected by callers)."""
    return _FIXED_SIZES[serial] if serial < 12 else (serial - 12) >> 1


def serial_for_value(value: Any, encoding: str = "utf-8") -> int:
    """The serial type SQLite would use for a value (used to rebuild a lost header from known values)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        if value == 0:
            return 8
        if value == 1:
            return 9
        for serial, bits in ((1, 8), (2, 16), (3, 24), (4, 32), (5, 48)):
            if -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
                return serial
        return 6
    if isinstance(value, float):
        return 7
    if isinstance(value, str):
        return len(value.encode(encoding)) * 2 + 13
    return len(bytes(value)) * 2 + 12


def parse_header(buf: bytes, pos: int, limit: int | None = None) -> tuple[list[int], int]:
    """Serial types of the record starting at ``pos``, and the body's start offset.

    ``limit`` bounds how far the header may extend (end of the available bytes).
    """
    end_of_buf = len(buf) if limit is None else min(limit, len(buf))
    hsize, p = read_varint(buf, pos)
    if hsize < p - pos or hsize > MAX_HEADER:
        raise RecordError(f"record header size {hsize} at {pos} is impossible")
    hend = pos + hsize
    if hend > end_of_buf:
        raise RecordError(f"record header at {pos} runs past the available bytes")
    serials: list[int] = []
    while p < hend:
        b = buf[p]
        if b < 0x80:
            serials.append(b)
            p += 1
        else:
            value, p = read_varint(buf, p)
            serials.append(value)
    if p != hend:
        raise RecordError(f"record header at {pos} ends inside a serial type")
    for s in serials:
        if s in (10, 11):
            raise RecordError(f"reserved serial type {s} in record at {pos}")
    return serials, hend


def decode_value(buf: bytes, pos: int, serial: int, encoding: str) -> Any:
    """One column value of the given serial type at ``pos`` (the caller checked it fits)."""
    if serial == 0:
        return None
    if serial < 7:
        size = _FIXED_SIZES[serial]
        return int.from_bytes(buf[pos:pos + size], "big", signed=True)
    if serial == 7:
        return _DOUBLE.unpack_from(buf, pos)[0]
    if serial == 8:
        return 0
    if serial == 9:
        return 1
    size = (serial - 12) >> 1
    raw = buf[pos:pos + size]
    if serial & 1:
        return raw.decode(encoding)
    return bytes(raw)


def decode_body(buf: bytes, pos: int, serials: list[int], encoding: str, strict: bool = True) -> list[Any]:
    """All values of a record body starting at ``pos``; raises RecordError if it does not fit.

    ``strict``: text that is not valid in the database encoding raises (a carving candidate is rejected);
    otherwise such text is kept as the stored bytes (a live row is never dropped).
    """
    values: list[Any] = []
    end = len(buf)
    for s in serials:
        size = _FIXED_SIZES[s] if s < 12 else (s - 12) >> 1
        if pos + size > end:
            raise RecordError("record body runs past the available bytes")
        try:
            values.append(decode_value(buf, pos, s, encoding))
        except UnicodeDecodeError as exc:
            if strict:
                raise RecordError(f"text at {pos} is not valid {encoding}") from exc
            values.append(bytes(buf[pos:pos + size]))
        pos += size
    return values


def body_size(serials: list[int]) -> int:
    """Total body size of a record with these serial types."""
    return sum(_FIXED_SIZES[s] if s < 12 else (s - 12) >> 1 for s in serials)


def decode_record(payload: bytes, encoding: str, strict: bool = False) -> list[Any]:
    """Decode a complete record payload (header and body).

    The common case (1-byte header length, valid text) runs in one tight loop; anything unusual falls back
    to the checked path below, which raises RecordError with a reason.
    """
    try:
        return _decode_planned(payload, encoding)
    except (IndexError, ValueError, struct.error, UnicodeDecodeError, RecordError):
        pass
    serials, body = parse_header(payload, 0)
    if body + body_size(serials) > len(payload):
        raise RecordError("record body is longer than its payload")
    return decode_body(payload, body, serials, encoding, strict)


_unpack_double = _DOUBLE.unpack_from
_from_bytes = int.from_bytes


def _decode_fast(buf: bytes, encoding: str) -> list[Any]:
    hsize = buf[0]
    if hsize >= 0x80 or hsize < 1:
        raise RecordError("long header")
    p = 1
    pos = hsize
    out: list[Any] = []
    append = out.append
    while p < hsize:
        t = buf[p]
        p += 1
        if t >= 0x80:
            t, p = read_varint(buf, p - 1)
        if t >= 12:
            n = (t - 12) >> 1
            end = pos + n
            if t & 1:
                append(buf[pos:end].decode(encoding))
            else:
                append(bytes(buf[pos:end]))
            pos = end
        elif t == 0:
            append(None)
        elif t < 7:
            size = _FIXED_SIZES[t]
            append(_from_bytes(buf[pos:pos + size], "big", signed=True))
            pos += size
        elif t == 7:
            append(_unpack_double(buf, pos)[0])
            pos += 8
        elif t == 8:
            append(0)
        elif t == 9:
            append(1)
        else:
            raise RecordError("reserved serial type")
    if p != hsize or pos > len(buf):
        raise RecordError("record does not fit its payload")
    return out


_Plan = tuple[struct.Struct, int, tuple[tuple[int, int], ...], tuple[tuple[int, Any], ...]]
_PLANS: dict[bytes, _Plan] = {}
_STRUCT_CODE = {1: "b", 2: "h", 4: "i", 8: "q"}
TEXT_FIX, INT_FIX, BLOB_FIX = 0, 1, 2


def _plan(header: bytes) -> _Plan:
    """A struct layout for records with this exact header: one unpack call decodes the whole body."""
    serials, _ = parse_header(header, 0)
    fmt = [">"]
    fixes: list[tuple[int, int]] = []
    consts: list[tuple[int, Any]] = []
    k = 0  # index among unpacked fields
    size = 0
    for i, t in enumerate(serials):
        if t == 0 or t == 8 or t == 9:
            consts.append((i, None if t == 0 else t - 8))
            continue
        if t < 7:
            n = _FIXED_SIZES[t]
            if n in _STRUCT_CODE:
                fmt.append(_STRUCT_CODE[n])
            else:
                fmt.append(f"{n}s")
                fixes.append((k, INT_FIX))
            size += n
        elif t == 7:
            fmt.append("d")
            size += 8
        else:
            n = (t - 12) >> 1
            fmt.append(f"{n}s")
            fixes.append((k, TEXT_FIX if t & 1 else BLOB_FIX))
            size += n
        k += 1
    return struct.Struct("".join(fmt)), size, tuple(fixes), tuple(consts)


def _decode_planned(buf: bytes, encoding: str) -> list[Any]:
    hsize = buf[0]
    if hsize >= 0x80 or hsize < 1:
        return _decode_fast(buf, encoding)
    header = bytes(buf[:hsize])
    plan = _PLANS.get(header)
    if plan is None:
        if len(_PLANS) > 8192:
            _PLANS.clear()
        plan = _PLANS[header] = _plan(header)
    st, size, fixes, consts = plan
    if hsize + size > len(buf):
        raise RecordError("record does not fit its payload")
    out: list[Any] = list(st.unpack_from(buf, hsize))
    for k, kind in fixes:
        if kind == TEXT_FIX:
            out[k] = out[k].decode(encoding)
        elif kind == INT_FIX:
            out[k] = _from_bytes(out[k], "big", signed=True)
    for i, value in consts:
        out.insert(i, value)
    return out


def decode_text_lenient(raw: bytes, encoding: str) -> str | bytes:
    """Text as stored; bytes that are not valid in the database encoding are kept as bytes."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return bytes(raw)


def decode_partial(payload: bytes, encoding: str) -> tuple[list[Any], list[int]]:
    """Values of a record whose payload is cut short (broken overflow chain): the values that are complete,
    None for the others, and the indexes of those lost values. Raises RecordError if the header is gone."""
    serials, pos = parse_header(payload, 0)
    values: list[Any] = []
    lost: list[int] = []
    for i, s in enumerate(serials):
        size = serial_size(s)
        if pos + size > len(payload):
            values.append(None)
            lost.append(i)
        else:
            try:
                values.append(decode_value(payload, pos, s, encoding))
            except UnicodeDecodeError:
                values.append(bytes(payload[pos:pos + size]))
        pos += size
    return values, lost
