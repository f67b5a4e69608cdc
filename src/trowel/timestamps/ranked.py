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

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from trowel.timestamps.base import Raw
from trowel.timestamps.bcd import BcdFormat
from trowel.timestamps.bitfields import ExfatExtras, PackedFormat
from trowel.timestamps.decimals import DecimalFormat
from trowel.timestamps.decoding import (
    DECIMAL,
    DEFAULT_AFTER,
    DEFAULT_BEFORE,
    MAX_TEXT,
    PLAIN_LINEAR,
    WIDTH_LINEAR,
    Reading,
    candidates,
    decimal_bounds,
    plain_int,
    plan,
    ranked_readings,
    window_bounds,
)
from trowel.timestamps.floats import DoubleFormat
from trowel.timestamps.structs import StructFormat
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
    values = [bytes(v) if isinstance(v, bytearray | memoryview) else v for v in values]
    distinct: dict[tuple[type, Raw], list[Reading] | None] = {}
    for value in values:
        distinct.setdefault(_key(value), None)
    groups: dict[tuple[int, bool], list[tuple[str, int]]] = {}
    everything = range(len(plan()))
    for kind, value in list(distinct):
        number = plain_int(value) if kind is str else None
        if number is None or not INT64_MIN <= number <= INT64_MAX:
            distinct[kind, value] = ranked_readings(value, after_ns, before_ns, False, everything)
            continue
        assert isinstance(value, str)
        body = value.strip()
        groups.setdefault((len(body), number < 0), []).append((value, number))
    for (length, _negative), members in groups.items():
        tried = _formats_to_try(members, length, after_ns, before_ns)
        for (value, _number), indices in zip(members, tried, strict=True):
            distinct[str, value] = ranked_readings(value, after_ns, before_ns, False, indices)
    out: list[list[Reading]] = []
    for value in values:
        readings = distinct[_key(value)]
        assert readings is not None
        out.append(list(readings))
    return out


def _formats_to_try(members: list[tuple[str, int]], length: int, after_ns: int, before_ns: int) -> list[list[int]]:
    """For each plain integer text of one length and sign: the plan indices ``decode`` could read it in."""
    numbers = np.fromiter((n for _, n in members), dtype=np.int64, count=len(members))
    steps = plan()
    keep = np.ones((len(steps), len(members)), dtype=bool)
    first = members[0][0]
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
    columns = keep.T
    return [np.flatnonzero(column).tolist() for column in columns]


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
