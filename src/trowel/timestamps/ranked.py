"""Ranked decoding of many values at once: ``decode_many(values)`` equals ``[decode(v) for v in values]``.

Every value still goes through ``decoding.ranked_readings``, the loop ``decode`` runs; what changes is the
list of formats tried for it. Values are taken once each (repeats share their readings), and the plain
decimal integers (the usual column of a batch) are grouped by their text's length and sign. Over each group,
numpy rules formats out with the same tests ``decode`` makes, once for the whole group:

- a linear decimal format reads the integer itself; its instant rises with the raw, so a raw outside the
  format's raw bounds for the window gives no reading (``decoding.window_bounds``);
- a decimal-fraction format (Julian, OLE, SAS...) likewise outside its value bounds (``decimal_bounds``);
- a format whose text is hex of fixed widths (structures, packed bit fields, BCD, hex doubles) accepts plain
  digits by their count alone, so one value of the group answers for all of it.

What is left (text ids and tokens, hex readings, and the few formats whose bounds hold the value) runs per
value exactly as in ``decode``.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from trowel.model.values import Clock
from trowel.timestamps import arith as A
from trowel.timestamps.base import LOCAL_NOTE, Raw
from trowel.timestamps.batch import linear_unix_ns
from trowel.timestamps.bcd import BcdFormat
from trowel.timestamps.bitfields import BitwiseDecimal, ExfatExtras, PackedFormat
from trowel.timestamps.decimals import DecimalFormat
from trowel.timestamps.decoding import (
    DECIMAL,
    DEFAULT_AFTER,
    DEFAULT_BEFORE,
    LINEAR,
    MAX_TEXT,
    PLAIN_LINEAR,
    WIDTH_LINEAR,
    Reading,
    candidates,
    collect_readings,
    decimal_bounds,
    finish_readings,
    plain_int,
    plan,
    ranked_readings,
    score,
    window_bounds,
)
from trowel.timestamps.floats import BiomeDecimal, DoubleFormat
from trowel.timestamps.idtext import IdFormat
from trowel.timestamps.linear import LinearFormat
from trowel.timestamps.structs import StructFormat
from trowel.timestamps.tokens import _MAX_TICKS, _TICKS_CEILING, TokenFormat, _dotnet_binary_r, _ei_r
from trowel.timestamps.when import WhenLike, to_ns

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# parse_text implementations that read a text only as hex of fixed widths (``hex_bytes``): for a text of
# plain decimal digits, whether they accept it depends on its length alone (a '-' is never hex)
_HEX_ONLY = (BcdFormat.parse_text, PackedFormat.parse_text, ExfatExtras.parse_text, DoubleFormat.parse_text,
             StructFormat.parse_text)


def _hex_only(fmt: Any) -> bool:
    parser = type(fmt).parse_text
    if parser is StructFormat.parse_text:
        return fmt.text_parser is None
    return any(parser is known for known in _HEX_ONLY)


def _key(value: Raw) -> tuple[type, Raw]:
    return type(value), value  # 1, 1.0 and True are equal in a dict, but not the same input


def decode_many(values: Sequence[Raw], after: WhenLike | None = None,
                before: WhenLike | None = None) -> list[list[Reading]]:
    """The ranked readings of every value in every format inside [after, before] (default 1980..2040),
    one list per value, exactly as ``decode(value, after=after, before=before)`` gives them."""
    after_ns = to_ns(after) if after is not None else DEFAULT_AFTER
    before_ns = to_ns(before) if before is not None else DEFAULT_BEFORE
    collecting = gc.isenabled()
    gc.disable()  # the readings hold no cycles; tracing a large heap at each allocation burst cost a third
    try:
        return _decode_many(values, after_ns, before_ns)
    finally:
        if collecting:
            gc.enable()


def _decode_many(values: Sequence[Raw], after_ns: int, before_ns: int) -> list[list[Reading]]:
    values = [bytes(v) if isinstance(v, bytearray | memoryview) else v for v in values]
    distinct: dict[tuple[type, Raw], list[Reading] | None] = {}
    for value in values:
        distinct.setdefault(_key(value), None)
    groups: dict[tuple[int, bool], list[tuple[str, int]]] = {}
    everything = range(len(plan()))
    for kind, value in list(distinct):
        number = plain_int(value) if isinstance(value, str) else None
        if number is None or not INT64_MIN <= number <= INT64_MAX or len(str(value)) > MAX_TEXT:
            distinct[kind, value] = ranked_readings(value, after_ns, before_ns, False, everything)
            continue
        assert isinstance(value, str)
        body = value.strip()
        groups.setdefault((len(body), body[:1] == "-"), []).append((value, number))  # '-0' is signed
    for (length, _negative), members in groups.items():
        keep = _formats_to_try(members, length, after_ns, before_ns)
        found = _linear_readings(members, keep, after_ns, before_ns)
        tried: dict[bytes, list[int]] = {}  # most members leave the same formats to try
        for column, (value, _number), readings in zip(keep.T, members, found, strict=True):
            mask = column.tobytes()
            indices = tried.get(mask)
            if indices is None:
                indices = tried[mask] = np.flatnonzero(column).tolist()
            readings += collect_readings(value, after_ns, before_ns, False, indices)
            distinct[str, value] = finish_readings(readings)
    out: list[list[Reading]] = []
    for value in values:
        done = distinct[_key(value)]
        assert done is not None
        out.append(list(done))
    return out


def _formats_to_try(members: list[tuple[str, int]], length: int, after_ns: int,
                    before_ns: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Plain integer texts of one length and sign: which formats (rows, plan order) ``decode`` could read
    each (columns) in."""
    numbers = np.fromiter((n for _, n in members), dtype=np.int64, count=len(members))
    steps = plan()
    keep = np.ones((len(steps), len(members)), dtype=bool)
    first = members[0][0]
    bodies = [text.strip() for text, _ in members]
    matched: dict[Any, np.ndarray[Any, np.dtype[np.bool_]]] = {}
    for index, (fmt, tag, field_width) in enumerate(steps):
        if tag == PLAIN_LINEAR or (tag == WIDTH_LINEAR and length != 2 * field_width):
            bounds = window_bounds(fmt, after_ns, before_ns)
            if bounds is not None:
                keep[index] = _inside(numbers, bounds[0], bounds[1])
        elif tag == DECIMAL:
            assert isinstance(fmt, DecimalFormat)
            low, high = decimal_bounds(fmt, after_ns, before_ns)
            keep[index] = _inside(numbers, low, high)
        elif _hex_only(fmt) and len(first) <= MAX_TEXT and not candidates(fmt, first):
            keep[index] = False
        elif type(fmt).parse_text in (IdFormat.parse_text, TokenFormat.parse_text):
            pattern = fmt.regex  # type: ignore[attr-defined]
            if pattern not in matched:  # several formats share a pattern (base64 tokens, hex pairs)
                matched[pattern] = np.array([pattern.fullmatch(body) is not None for body in bodies], dtype=bool)
            keep[index] = matched[pattern]
            if isinstance(fmt, TokenFormat) and fmt.reader is _dotnet_binary_r:
                keep[index] &= _dotnet_inside(numbers, after_ns, before_ns)
            elif isinstance(fmt, TokenFormat) and fmt.reader is _ei_r and first.strip()[:1] != "-":
                keep[index] &= _ei_inside(bodies, length, after_ns, before_ns)
        elif isinstance(fmt, BiomeDecimal) and type(fmt).parse_text is BiomeDecimal.parse_text:
            keep[index] = _biome_inside(fmt, numbers, after_ns, before_ns)
        elif isinstance(fmt, BitwiseDecimal) and type(fmt).parse_text is BitwiseDecimal.parse_text:
            keep[index] = (numbers >= 0) & (numbers < 1 << 32)  # what its parse_text accepts
    return keep


def _linear_readings(members: list[tuple[str, int]], keep: np.ndarray[Any, np.dtype[np.bool_]], after_ns: int,
                     before_ns: int) -> list[list[Reading]]:
    """The readings of the linear formats for the members still kept (those rows of ``keep`` are cleared):
    the instants of the raws ``decode`` takes from a plain integer text come from numpy
    (``batch.linear_unix_ns``, identical to ``read``)."""
    out: list[list[Reading]] = [[] for _ in members]
    first = members[0][0]
    length = len(first.strip())
    hexes: list[int] | None = None
    for index, (fmt, tag, field_width) in enumerate(plan()):
        if not isinstance(fmt, LinearFormat) or tag not in (PLAIN_LINEAR, WIDTH_LINEAR, LINEAR):
            continue
        if tag == LINEAR and (fmt.width or fmt.spec.base not in (8, 16)):
            continue  # a fixed-width hex field parses its text another way: decode reads it
        if tag == WIDTH_LINEAR and length == 2 * field_width:
            continue  # the text may be hex of the field: decode parses it
        rows = np.flatnonzero(keep[index]).tolist()
        keep[index] = False
        if not rows:
            continue
        if tag == LINEAR and fmt.spec.base == 16 and hexes is None:
            hexes = [int(text.strip(), 16) for text, _ in members]
        bounds = window_bounds(fmt, after_ns, before_ns)
        assert bounds is not None
        pairs = [(row, raw) for row in rows for raw in _linear_raws(fmt, tag, members[row], hexes[row] if hexes else 0)
                 if bounds[0] <= raw <= bounds[1]]
        instants = linear_unix_ns(fmt, [raw for _, raw in pairs])
        clock = fmt.clock
        note = fmt.clock_note or (LOCAL_NOTE if clock is Clock.LOCAL else None)
        scores: dict[bool, float] = {}  # in the window the score depends only on the text's length and sign
        for (row, raw), unix_ns in zip(pairs, instants, strict=True):
            if unix_ns is None or not after_ns <= unix_ns <= before_ns:
                continue
            fine = unix_ns % A.US == 0
            if fine not in scores:
                probe = Reading(fmt.name, fmt.display, raw, f"integer {raw}", unix_ns, clock, note)
                scores[fine] = score(probe, first, fmt, after_ns, before_ns)
            out[row].append(_reading(fmt.name, fmt.display, raw, f"integer {raw}", unix_ns, clock, note,
                                     scores[fine]))
    return out


def _reading(name: str, display: str, raw: int, raw_text: str, unix_ns: int, clock: Clock, note: str | None,
             rank: float) -> Reading:
    """A Reading equal to ``Reading(name, display, raw, raw_text, unix_ns, clock, note, None, rank)``, made
    without the frozen dataclass's per-field ``__setattr__`` (the batch makes a few per value)."""
    reading = object.__new__(Reading)
    object.__setattr__(reading, "__dict__", {"format": name, "display": display, "raw": raw, "raw_text": raw_text,
                                             "unix_ns": unix_ns, "clock": clock, "note": note, "error": None,
                                             "score": rank, "also": ()})
    return reading


def _linear_raws(fmt: LinearFormat, tag: int, member: tuple[str, int], hexed: int) -> list[int]:
    """The raws ``decode`` reads a plain integer text as in a linear format (``parse_text`` for hex and octal
    ones, the integer itself otherwise)."""
    text, number = member
    if tag != LINEAR:
        return [number]
    if fmt.spec.base == 16:  # int(body, 16), and for gmail_id a text of digits alone also as decimal
        return [hexed, number] if fmt.name == "gmail_id" and text.strip().isdigit() else [hexed]
    clean = text.strip().strip("\x00 ")
    return [int(clean, 8)] if clean and set(clean) <= set("01234567") else []


def _dotnet_inside(numbers: np.ndarray[Any, np.dtype[np.int64]], after_ns: int,
                   before_ns: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """.NET ToBinary values whose ticks (as ``_dotnet_binary_r`` reads them) fall in [after, before]."""
    value = numbers.view(np.uint64)  # int(t) & (2**64 - 1)
    kind = value >> np.uint64(62)
    ticks = (value & np.uint64(_TICKS_CEILING - 1)).astype(np.int64)
    ticks = np.where((kind >= 2) & (ticks > _MAX_TICKS), ticks - np.int64(_TICKS_CEILING), ticks)
    low = -((A.EPOCH_0001 - after_ns) // 100)  # ceil((after - epoch) / 100)
    high = (before_ns - A.EPOCH_0001) // 100
    return _inside(ticks, low, high)


def _ei_inside(bodies: list[str], length: int, after_ns: int, before_ns: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Unsigned digit texts whose Google ei reading (``_ei_r``: base64 of the text, its first four bytes a
    little-endian count of seconds) falls in [after, before]. Base64 of n characters needs n % 4 != 1, and
    four bytes need six characters; a digit d is the sextet 52 + d."""
    if length < 6 or length % 4 == 1:
        return np.zeros(len(bodies), dtype=bool)
    digits = np.frombuffer("".join(body[:6] for body in bodies).encode("ascii"), dtype=np.uint8)
    sextets = digits.reshape(-1, 6).astype(np.int64) - ord("0") + 52
    bits = np.zeros(len(bodies), dtype=np.int64)
    for k in range(6):
        bits = (bits << 6) | sextets[:, k]
    word = bits >> 4  # the first 32 of the 36 bits, big-endian: bytes b0 b1 b2 b3
    seconds = (((word >> 24) & 0xFF) | (((word >> 16) & 0xFF) << 8) | (((word >> 8) & 0xFF) << 16)
               | ((word & 0xFF) << 24))
    low = -((-after_ns) // A.NS)  # ceil(after / 1 s)
    return _inside(seconds, low, before_ns // A.NS)


def _biome_inside(fmt: BiomeDecimal, numbers: np.ndarray[Any, np.dtype[np.int64]], after_ns: int,
                  before_ns: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Biome bit patterns its parse_text accepts (not negative) whose double is not a finite count of units
    outside the window (the instant rises with the double; two seconds to spare for rounding)."""
    doubles = numbers.view(np.float64)  # the same bits as struct.unpack(">d", raw.to_bytes(8, "big"))
    low = (after_ns - fmt.epoch_ns) / fmt.unit_ns - 2 * A.NS / fmt.unit_ns
    high = (before_ns - fmt.epoch_ns) / fmt.unit_ns + 2 * A.NS / fmt.unit_ns
    with np.errstate(invalid="ignore"):
        outside = np.isfinite(doubles) & ((doubles < low) | (doubles > high))
    return (numbers >= 0) & ~outside


def _inside(numbers: np.ndarray[Any, np.dtype[np.int64]], low: Any, high: Any) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """numbers within [low, high] (ints, Fractions or infinite floats), compared exactly."""
    mask = np.ones(len(numbers), dtype=bool)
    if not (isinstance(low, float) and math.isinf(low) and low < 0):
        least = math.ceil(low)
        if least > INT64_MAX:
            return np.zeros(len(numbers), dtype=bool)
        if least > INT64_MIN:
            mask &= numbers >= np.int64(least)
    if not (isinstance(high, float) and math.isinf(high) and high > 0):
        most = math.floor(high)
        if most < INT64_MIN:
            return np.zeros(len(numbers), dtype=bool)
        if most < INT64_MAX:
            mask &= numbers <= np.int64(most)
    return mask
