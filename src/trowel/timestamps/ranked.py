"""Ranked decoding of many values at once: ``decode_ranked(values)`` is the answer as columns
(``columnar.RankedBatch``, ``readings(i) == decode(values[i])``), ``decode_many`` its lists.

Values are taken once each (repeats share an entry). Plain decimal integer texts are grouped by length and
sign, texts of hex digits with a letter by length; everything else goes through ``decode``'s own loop.
Over a group, formats are ruled out per member with numpy by tests that are ``decode``'s own or conditions
every reading in the window meets (this module and ``rankrules``); the linear readings left and the
whole-nanosecond decimal-fraction readings are computed as columns (``rankraws``, ``columnar``); what a
rule keeps for a member of any other format runs through ``decode``'s loop for that member and joins the
columns. docs/timestamps.md, *Ranked batch decoding*, gives each rule and why it matches ``decode``.
"""

from __future__ import annotations

import functools
import gc
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from trowel.timestamps import arith as A
from trowel.timestamps.base import Raw
from trowel.timestamps.bcd import BcdFormat
from trowel.timestamps.bitfields import BitwiseDecimal, ExfatExtras, PackedFormat
from trowel.timestamps.columnar import RankedBatch, Rows, concat, linear_rows, rank_and_merge, reading_rows
from trowel.timestamps.decimals import DecimalFormat
from trowel.timestamps.decoding import (
    DECIMAL,
    DEFAULT_AFTER,
    DEFAULT_BEFORE,
    LINEAR,
    MAX_TEXT,
    OTHER,
    PLAIN_LINEAR,
    WIDTH_LINEAR,
    Reading,
    candidates,
    collect_readings,
    decimal_bounds,
    plain_int,
    plan,
    ranked_readings,
    read,
    score,
    window_bounds,
)
from trowel.timestamps.floats import BiomeDecimal, DoubleFormat
from trowel.timestamps.idtext import IdFormat
from trowel.timestamps.linear import LinearFormat
from trowel.timestamps.rankraws import RawColumns, decimal_readings, tiny_double_readings, with_score
from trowel.timestamps.rankrules import Window, byte_matrix, digit_blind, rule_out, token_rule
from trowel.timestamps.structs import StructFormat, parse_oracle_dump
from trowel.timestamps.tokens import (
    _MAX_TICKS,
    _TICKS_CEILING,
    TokenFormat,
    _dotnet_binary_r,
    _gclid_r,
    _ved_r,
)
from trowel.timestamps.when import WhenLike, to_ns

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# parse_text implementations that read a text only as hex of fixed widths (``hex_bytes``): for a text of
# plain decimal digits, whether they accept it depends on its length alone (a '-' is never hex)
_HEX_ONLY = (BcdFormat.parse_text, PackedFormat.parse_text, ExfatExtras.parse_text, DoubleFormat.parse_text,
             StructFormat.parse_text)


def _hex_only(fmt: Any) -> bool:
    parser = type(fmt).parse_text
    if parser is StructFormat.parse_text:  # Oracle's DUMP() parser needs seven comma-separated parts
        return fmt.text_parser is None or fmt.text_parser is parse_oracle_dump
    return any(parser is known for known in _HEX_ONLY)


def _key(value: Raw) -> tuple[type, Raw]:
    return type(value), value  # 1, 1.0 and True are equal in a dict, but not the same input


def decode_many(values: Sequence[Raw], after: WhenLike | None = None,
                before: WhenLike | None = None) -> list[list[Reading]]:
    """The ranked readings of every value in every format inside [after, before] (default 1980..2040),
    one list per value, exactly as ``decode(value, after=after, before=before)`` gives them."""
    batch = decode_ranked(values, after, before)
    collecting = gc.isenabled()
    gc.disable()  # as in decode_ranked: the readings hold no cycles
    try:
        return batch.to_lists()
    finally:
        if collecting:
            gc.enable()


def decode_ranked(values: Sequence[Raw], after: WhenLike | None = None,
                  before: WhenLike | None = None) -> RankedBatch:
    """``decode_many`` as columns: a ``RankedBatch`` whose ``readings(i)`` is ``decode(values[i])``."""
    after_ns = to_ns(after) if after is not None else DEFAULT_AFTER
    before_ns = to_ns(before) if before is not None else DEFAULT_BEFORE
    collecting = gc.isenabled()
    gc.disable()  # the readings hold no cycles; tracing a large heap at each allocation burst cost a third
    try:
        return _decode_ranked(values, after_ns, before_ns)
    finally:
        if collecting:
            gc.enable()


def _decode_ranked(values: Sequence[Raw], after_ns: int, before_ns: int) -> RankedBatch:
    values = [bytes(v) if isinstance(v, bytearray | memoryview) else v for v in values]
    entries: dict[tuple[type, Raw], int] = {}
    slot = np.fromiter((entries.setdefault(_key(v), len(entries)) for v in values), dtype=np.int64, count=len(values))
    lists: dict[int, list[Reading]] = {}
    groups: dict[tuple[int, int], list[tuple[int, str, int]]] = {}
    everything = range(len(plan()))
    for entry, (_kind, value) in enumerate(entries):
        number = plain_int(value) if isinstance(value, str) else None
        if isinstance(value, str) and number is None and _hex_letters(value):
            body = value.strip()
            groups.setdefault((len(body), HEX), []).append((entry, value, 0))
            continue
        if number is None or not INT64_MIN <= number <= INT64_MAX or len(str(value)) > MAX_TEXT:
            lists[entry] = ranked_readings(value, after_ns, before_ns, False, everything)
            continue
        assert isinstance(value, str)
        body = value.strip()
        groups.setdefault((len(body), SIGNED if body[:1] == "-" else DIGITS), []).append((entry, value, number))
    texts: dict[str, int] = {}
    parts = [_group_rows(members, length, kind, after_ns, before_ns, lists, texts)
             for (length, kind), members in groups.items()]
    also_names: list[tuple[str, ...]] = [()]
    rows, also = rank_and_merge(concat(parts), also_names, {(): 0})
    return RankedBatch(slot, len(entries), rows, also, also_names, lists)


DIGITS, SIGNED, HEX = range(3)  # groups: unsigned decimal digits, '-' and digits, hex digits with a letter
_HEX_TEXT = frozenset("0123456789abcdefABCDEF")


def _hex_letters(value: str) -> bool:
    """A text of plain hex digits with at least one letter (no sign, no '0x', no spaces), at most 64, that is
    not decimal text either (like '1e5', which the decimal-fraction formats read)."""
    body = value.strip()
    return (0 < len(body) <= 64 and len(value) <= MAX_TEXT and set(body) <= _HEX_TEXT and not body.isdigit()
            and A.DECIMAL_TEXT.fullmatch(body) is None)


def _group_rows(group: list[tuple[int, str, int]], length: int, kind: int, after_ns: int, before_ns: int,
                lists: dict[int, list[Reading]], texts: dict[str, int]) -> Rows:
    """The readings of one group of texts (plain integers of one length and sign, or hex with letters of one
    length) as rows; the values that cannot be held in int64 columns are decoded whole into ``lists``."""
    members = [(text, number) for _, text, number in group]
    entries = np.fromiter((entry for entry, _, _ in group), dtype=np.int64, count=len(group))
    keep = (_hex_formats_to_try(members, length, after_ns, before_ns) if kind == HEX
            else _formats_to_try(members, length, after_ns, before_ns))
    fallback = np.zeros(len(group), dtype=bool)
    pairs: list[tuple[int, Reading]] = []
    parts = _linear_parts(members, entries, keep, after_ns, before_ns, fallback, pairs, kind == HEX)
    for index, (fmt, _tag, _width) in enumerate(plan()):
        if not isinstance(fmt, DecimalFormat) or not keep[index].any():
            continue
        positions = np.flatnonzero(keep[index]).tolist()
        computed = decimal_readings(fmt, members, positions, members[0][0], after_ns, before_ns)
        if computed is None:
            continue
        keep[index] = False
        for position, reading in computed:
            assert reading.unix_ns is not None
            if INT64_MIN <= reading.unix_ns <= INT64_MAX:
                pairs.append((int(entries[position]), reading))
            else:
                fallback[position] = True
    for index, (fmt, _tag, _width) in enumerate(plan()):
        if type(fmt).parse_text is not DoubleFormat.parse_text or not keep[index].any():
            continue
        assert isinstance(fmt, DoubleFormat)
        tiny, decided = tiny_double_readings(fmt, members, np.flatnonzero(keep[index]).tolist(), members[0][0],
                                             after_ns, before_ns)
        keep[index, decided] = False
        pairs += [(int(entries[position]), reading) for position, reading in tiny]  # the epoch: within int64
    left = np.flatnonzero(keep.any(axis=0))  # members with other formats still to try: decode's own loop
    if len(left) or pairs:
        extra: list[Reading] = []
        tried: dict[bytes, list[int]] = {}
        for position in left.tolist():
            column = keep[:, position]
            mask = column.tobytes()
            indices = tried.get(mask)
            if indices is None:
                indices = tried[mask] = np.flatnonzero(column).tolist()
            found = collect_readings(members[position][0], after_ns, before_ns, False, indices)
            if any(r.unix_ns is None or not INT64_MIN <= r.unix_ns <= INT64_MAX for r in found):
                fallback[position] = True
                continue
            pairs += [(int(entries[position]), r) for r in found]
        rows = reading_rows(pairs, texts, extra)
        assert rows is not None  # instants checked above
        rows.extra = extra
        parts.append(rows)
    everything = range(len(plan()))
    for position in np.flatnonzero(fallback).tolist():
        lists[int(entries[position])] = ranked_readings(members[position][0], after_ns, before_ns, False, everything)
    rows = concat(parts)
    if fallback.any():
        rows = rows.take(np.flatnonzero(~np.isin(rows.entry, entries[fallback])))
    return rows


def _hex_formats_to_try(members: list[tuple[str, int]], length: int, after_ns: int,
                        before_ns: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Texts of hex digits with a letter, of one length: which formats ``decode`` could read each in.

    ``parse_int_text`` gives nothing for them (not decimal digits, no '0x'), so neither do the plain decimal
    formats, the fixed-width ones without a byte order or of another width, Biome and Bitwise decimal; the
    decimal-fraction formats' ``parse_decimal`` refuses them (texts like '1e5' are not in this group); an
    octal format needs octal digits."""
    steps = plan()
    keep = np.ones((len(steps), len(members)), dtype=bool)
    first = members[0][0]
    bodies = [text.strip() for text, _ in members]
    matched: dict[Any, np.ndarray[Any, np.dtype[np.bool_]]] = {}
    window = Window(after_ns, before_ns)
    for index, (fmt, tag, field_width) in enumerate(steps):
        if tag in (PLAIN_LINEAR, DECIMAL):
            keep[index] = False
        elif isinstance(fmt, LinearFormat) and fmt.width and fmt.byteorder:
            keep[index] = length == 2 * field_width  # hex_bytes of the width, then parse_int_text: nothing
        elif isinstance(fmt, LinearFormat) and fmt.spec.base in (8, 10):
            keep[index] = False  # parse_int_text (decimal, with or without a width) or octal digits
        elif _hex_only(fmt) and not candidates(fmt, first):
            keep[index] = False
        elif type(fmt).parse_text in (IdFormat.parse_text, TokenFormat.parse_text):
            pattern = fmt.regex  # type: ignore[attr-defined]
            if pattern not in matched:
                matched[pattern] = np.array([pattern.fullmatch(body) is not None for body in bodies], dtype=bool)
            keep[index] = matched[pattern]
            rule = token_rule(fmt, bodies, window) if keep[index].any() else None
            if rule is not None:
                keep[index] &= rule
        elif type(fmt).parse_text in (BiomeDecimal.parse_text, BitwiseDecimal.parse_text):
            keep[index] = False
    data = byte_matrix(bodies) if length % 2 == 0 else None
    for index, (fmt, tag, _width) in enumerate(steps):
        if tag == OTHER and keep[index].any():
            mask = rule_out(fmt, data, None, window)
            if mask is not None:
                keep[index] &= mask
    return keep


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
    window = Window(after_ns, before_ns)
    bounded, least, most = _bounds_table(length, after_ns, before_ns)
    keep[bounded] = (numbers >= least[:, None]) & (numbers <= most[:, None])  # _inside, for all at once
    for index, (fmt, tag, field_width) in enumerate(steps):
        if tag in (PLAIN_LINEAR, DECIMAL) or (tag == WIDTH_LINEAR and length != 2 * field_width):
            continue  # by their bounds, above
        elif _hex_only(fmt) and len(first) <= MAX_TEXT and not candidates(fmt, first):
            keep[index] = False
        elif isinstance(fmt, TokenFormat) and fmt.reader in (_gclid_r, _ved_r):
            keep[index] = False  # a protobuf whose first key has wire type 3 or 7: an error (docs: *Ranked batch decoding*)
        elif type(fmt).parse_text in (IdFormat.parse_text, TokenFormat.parse_text):
            pattern = fmt.regex  # type: ignore[attr-defined]
            if pattern not in matched and digit_blind(pattern):  # one member answers for the group
                matched[pattern] = np.full(len(bodies), pattern.fullmatch(bodies[0]) is not None, dtype=bool)
            elif pattern not in matched:  # several formats share a pattern (base64 tokens, hex pairs)
                matched[pattern] = np.array([pattern.fullmatch(body) is not None for body in bodies], dtype=bool)
            keep[index] = matched[pattern]
            if isinstance(fmt, TokenFormat) and fmt.reader is _dotnet_binary_r:
                keep[index] &= _dotnet_inside(numbers, after_ns, before_ns)
            rule = token_rule(fmt, bodies, window) if keep[index].any() else None
            if rule is not None:
                keep[index] &= rule
        elif isinstance(fmt, BiomeDecimal) and type(fmt).parse_text is BiomeDecimal.parse_text:
            keep[index] = _biome_inside(fmt, numbers, after_ns, before_ns)
        elif isinstance(fmt, BitwiseDecimal) and type(fmt).parse_text is BitwiseDecimal.parse_text:
            keep[index] = (numbers >= 0) & (numbers < 1 << 32)  # what its parse_text accepts
    negative = first.strip()[:1] == "-"
    data = byte_matrix(bodies) if not negative and length % 2 == 0 else None  # digits read as hex bytes
    for index, (fmt, tag, _width) in enumerate(steps):
        if tag == OTHER and keep[index].any():
            mask = rule_out(fmt, data, numbers, window)
            if mask is not None:
                keep[index] &= mask
    return keep


@functools.lru_cache(maxsize=256)
def _bounds_table(length: int, after_ns: int, before_ns: int) -> tuple[np.ndarray[Any, np.dtype[np.intp]],
                                                                      np.ndarray[Any, np.dtype[np.int64]],
                                                                      np.ndarray[Any, np.dtype[np.int64]]]:
    """The formats a plain integer text of this length is tested against by bounds (plain decimal linear,
    fixed-width read as the integer: ``window_bounds``; decimal-fraction: ``decimal_bounds``), with the
    int64 bounds ``_inside`` compares with (ceil/floor, clamped to int64; none: an empty range)."""
    rows: list[int] = []
    lows: list[int] = []
    highs: list[int] = []
    for index, (fmt, tag, field_width) in enumerate(plan()):
        low: Any
        high: Any
        if tag == PLAIN_LINEAR or (tag == WIDTH_LINEAR and length != 2 * field_width):
            limits = window_bounds(fmt, after_ns, before_ns)
            if limits is None:
                continue
            low, high = limits
        elif tag == DECIMAL:
            assert isinstance(fmt, DecimalFormat)
            low, high = decimal_bounds(fmt, after_ns, before_ns)
        else:
            continue
        least = INT64_MIN if isinstance(low, float) and math.isinf(low) and low < 0 else math.ceil(low)
        most = INT64_MAX if isinstance(high, float) and math.isinf(high) and high > 0 else math.floor(high)
        if least > INT64_MAX or most < INT64_MIN:
            least, most = 1, 0  # no int64 is inside
        rows.append(index)
        lows.append(max(least, INT64_MIN))
        highs.append(min(most, INT64_MAX))
    return (np.array(rows, dtype=np.intp), np.array(lows, dtype=np.int64), np.array(highs, dtype=np.int64))


def _linear_parts(members: list[tuple[str, int]], entries: np.ndarray[Any, np.dtype[np.int64]],
                  keep: np.ndarray[Any, np.dtype[np.bool_]], after_ns: int, before_ns: int,
                  fallback: np.ndarray[Any, np.dtype[np.bool_]], pairs: list[tuple[int, Reading]],
                  letters: bool) -> list[Rows]:
    """The readings of the linear formats for the members still kept (those rows of ``keep`` are cleared):
    the raws ``decode`` takes from a plain integer text (``rankraws.RawColumns``), their instants from numpy
    (``columnar.linear_rows``, identical to ``read``). A raw past int64 (an unsigned 8-byte field with its top
    bit set) is read by ``read`` into ``pairs``; members with an instant past int64 are marked in
    ``fallback``."""
    out: list[Rows] = []
    first = members[0][0]
    length = len(first.strip())
    raws = RawColumns(members, length, letters)
    for index, (fmt, tag, _width) in enumerate(plan()):
        if not isinstance(fmt, LinearFormat) or tag not in (PLAIN_LINEAR, WIDTH_LINEAR, LINEAR):
            continue
        if tag == LINEAR and not (fmt.width and fmt.byteorder) and (fmt.width or fmt.spec.base not in (8, 16)):
            continue  # a fixed-width field without a byte order parses its text another way: decode reads it
        rows = np.flatnonzero(keep[index])
        keep[index] = False
        if not len(rows):
            continue
        bounds = window_bounds(fmt, after_ns, before_ns)
        assert bounds is not None
        for seq, (column, valid, big) in enumerate(raws.of(fmt, tag)):
            for position in rows[big[rows]].tolist():  # past int64: as decode's loop reads it
                raw = raws.python(fmt, seq, position)
                reading = read(fmt, raw) if bounds[0] <= raw <= bounds[1] else None
                if reading is None or reading.unix_ns is None or not reading.ok \
                        or not after_ns <= reading.unix_ns <= before_ns:
                    continue
                if not INT64_MIN <= reading.unix_ns <= INT64_MAX:
                    fallback[position] = True
                    continue
                pairs.append((int(entries[position]), with_score(reading, score(reading, first, fmt, after_ns,
                                                                                  before_ns))))
            chosen = rows[valid[rows]]
            chosen = chosen[_inside(column[chosen], bounds[0], bounds[1])]
            if not len(chosen):
                continue
            part, beyond = linear_rows(entries[chosen], index, fmt, column[chosen], seq, after_ns, before_ns, first)
            fallback[chosen[beyond]] = True
            out.append(part)
    return out


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


def _biome_inside(fmt: BiomeDecimal, numbers: np.ndarray[Any, np.dtype[np.int64]], after_ns: int,
                  before_ns: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Biome bit patterns its parse_text accepts (not negative) whose double ``decode_raw`` accepts (finite;
    zero or at least 2**-20 in size: its own tests, the same IEEE comparisons) and is not a count of units
    outside the window (the instant rises with the double; two seconds to spare for rounding)."""
    doubles = numbers.view(np.float64)  # the same bits as struct.unpack(">d", raw.to_bytes(8, "big"))
    low = (after_ns - fmt.epoch_ns) / fmt.unit_ns - 2 * A.NS / fmt.unit_ns
    high = (before_ns - fmt.epoch_ns) / fmt.unit_ns + 2 * A.NS / fmt.unit_ns
    with np.errstate(invalid="ignore"):
        accepted = np.isfinite(doubles) & ((doubles == 0) | (np.abs(doubles) >= 2.0**-20))
        inside = (doubles >= low) & (doubles <= high)
    return (numbers >= 0) & accepted & inside


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
