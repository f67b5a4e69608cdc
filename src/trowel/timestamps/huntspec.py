"""What ``hunt`` looks for: each format turned into scan specs in its own raw domain, once per window.

A spec is (format, width, byte order) plus the window converted to raw terms:

- linear integers and doubles: intervals of the *unsigned bit pattern* of the stored bytes, so the scan is
  only integer comparisons;
- bit-field and structured formats: no exact interval, only a key (below) and a Python decode of survivors.

Every spec also has a 2-byte *key*: a byte position inside the value and the set of 16-bit values
(read little-endian) the bytes there can take inside the window. The scanner looks up all keys of all
specs at every offset with one table lookup; only key matches are examined further.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from trowel.errors import TimestampError
from trowel.timestamps import arith as A
from trowel.timestamps.base import Format, Kind
from trowel.timestamps.floats import BiomeDecimal, DoubleFormat
from trowel.timestamps.linear import LinearFormat

MAX_KEY_STEPS = 400_000  # sampling periods (days or hours) per window when deriving keys


@dataclass
class HuntSpec:
    fmt: Format
    width: int
    order: str  # "little" / "big"
    mode: str  # "int", "float" or "decode"
    signed: bool = False
    intervals: list[tuple[int, int]] = field(default_factory=list)  # unsigned bit-pattern ranges
    float_bounds: tuple[float, float] | None = None
    key_delta: int = 0
    key_patterns: np.ndarray | None = None  # uint16 values of the key bytes read little-endian

    @property
    def label(self) -> str:
        return f"{self.fmt.name}/{self.width}{'le' if self.order == 'little' else 'be'}"

    def raw_of(self, data: bytes) -> int | float | bytes:
        """The format's raw value from the stored bytes."""
        if self.mode == "float":
            return float(struct.unpack("<d" if self.order == "little" else ">d", data)[0])
        if self.fmt.kind is Kind.INT:
            return int.from_bytes(data, self.order, signed=self.signed)  # type: ignore[arg-type]
        return data


def _unsigned_intervals(lo: int, hi: int, width: int) -> list[tuple[int, int]]:
    size = 1 << (8 * width)
    if lo >= 0:
        return [(lo, hi)]
    if hi < 0:
        return [(lo + size, hi + size)]
    return [(lo + size, size - 1), (0, hi)]


def _double_bits(value: float) -> int:
    return int.from_bytes(struct.pack(">d", value), "big")


def _double_intervals(lo: float, hi: float) -> list[tuple[int, int]]:
    if lo >= 0:
        return [(_double_bits(lo), _double_bits(hi))]
    if hi <= 0:
        return [(_double_bits(hi), _double_bits(lo))]
    return [(_double_bits(0.0), _double_bits(hi)), (_double_bits(-0.0), _double_bits(lo))]


def _swap16(patterns: np.ndarray) -> np.ndarray:
    return ((patterns & 0xFF) << 8) | (patterns >> 8)


def _interval_key(intervals: list[tuple[int, int]], width: int, order: str) -> tuple[int, np.ndarray]:
    """The 2-byte slice whose values vary least across the intervals (avoiding all-zero/all-one slices)."""
    best: tuple[float, int, np.ndarray] | None = None
    for byte_pos in range(width - 1):  # little-endian byte position of the slice's low byte
        shift = 8 * byte_pos
        values: list[np.ndarray] = []
        total = 0
        for lo, hi in intervals:
            a, b = lo >> shift, hi >> shift
            total += b - a + 1
            if total >= 65_536:
                break
            values.append(np.arange(a, b + 1, dtype=np.uint64) & 0xFFFF)
        if total >= 65_536:
            continue
        patterns = np.unique(np.concatenate(values)).astype(np.uint32)
        cost = len(patterns) + (4096 if (patterns == 0).any() or (patterns == 0xFFFF).any() else 0)
        if best is None or cost < best[0]:
            delta = byte_pos if order == "little" else width - 2 - byte_pos
            keyed = patterns if order == "little" else _swap16(patterns)
            best = (cost, delta, keyed)
    if best is None:
        return 0, np.arange(65_536, dtype=np.uint32)
    return best[1], best[2]


def _encoded(fmt: Format, t: int) -> bytes | None:
    try:
        raw = fmt.encode_raw(min(max(t, fmt.min_ns), fmt.max_ns))
    except (TimestampError, ValueError, OverflowError, struct.error):
        return None
    return raw if isinstance(raw, bytes) else None


def _sample_key(fmt: Format, after_ns: int, before_ns: int) -> tuple[int, np.ndarray] | None:
    """Key of a non-linear fixed-width format: a slice constant within each day (or hour) of the window.

    Slices that vary within a period (probed at its start, middle and end on up to 24 periods spread over
    the window; periods of a day, an hour, a minute) are not keys; an invariant slice is then collected once per period.
    """
    width = fmt.width or 0
    lo = max(after_ns - A.DAY_NS, fmt.min_ns)
    hi = min(before_ns + A.DAY_NS, fmt.max_ns)
    if lo > hi or width < 2:
        return None
    for period in (A.DAY_NS, 3600 * A.NS, 60 * A.NS):
        probes = (0, period // 2 + 1_234_567, period - 1)
        start = lo - lo % period
        steps = (hi - start) // period + 1
        if steps > MAX_KEY_STEPS:
            continue
        invariant = set(range(width - 1))
        for i in sorted({int(k * (steps - 1) / 23) for k in range(24)} if steps > 24 else range(steps)):
            encoded = [e for e in (_encoded(fmt, start + i * period + p) for p in probes) if e is not None]
            for d in list(invariant):
                if len({e[d:d + 2] for e in encoded}) > 1:
                    invariant.discard(d)
        if not invariant:
            continue
        per_delta: dict[int, set[int]] = {d: set() for d in invariant}
        for i in range(steps):
            e = _encoded(fmt, start + i * period)
            if e is None:
                continue
            for d in invariant:
                per_delta[d].add(int.from_bytes(e[d:d + 2], "little"))
        delta = min(invariant, key=lambda d: (len(per_delta[d]), d))
        if per_delta[delta]:
            return delta, np.array(sorted(per_delta[delta]), dtype=np.uint32)
    return None


def build_specs(formats: Iterable[Format], after_ns: int, before_ns: int) -> tuple[list[HuntSpec], list[str]]:
    """Scan specs for every format that can be stored as binary, and notes on those that cannot."""
    specs: list[HuntSpec] = []
    notes: list[str] = []
    for fmt in formats:
        if isinstance(fmt, LinearFormat):
            specs.extend(_linear_specs(fmt, after_ns, before_ns))
        elif isinstance(fmt, DoubleFormat) and not isinstance(fmt, BiomeDecimal):
            bounds = fmt.double_bounds(after_ns, before_ns)
            if bounds is None:
                continue
            orders = [fmt.byteorder] if fmt.byteorder else ["little", "big"]
            for order in orders:
                intervals = _double_intervals(*bounds)
                delta, patterns = _interval_key(intervals, 8, order)
                specs.append(HuntSpec(fmt, 8, order, "float", False, intervals, bounds,
                                      delta, patterns))
        elif fmt.kind is Kind.BYTES and fmt.width:
            key = _sample_key(fmt, after_ns, before_ns)
            if key is None:
                notes.append(f"{fmt.name}: window too wide or outside its range; not hunted")
                continue
            specs.append(HuntSpec(fmt, fmt.width, fmt.byteorder or "big", "decode", key_delta=key[0],
                                  key_patterns=key[1]))
    return specs, notes


def _linear_specs(fmt: LinearFormat, after_ns: int, before_ns: int) -> list[HuntSpec]:
    bounds = fmt.raw_bounds(after_ns, before_ns)
    if bounds is None:
        return []
    lo, hi = bounds
    if fmt.width and fmt.byteorder:
        layouts = [(fmt.width, fmt.byteorder)]
    elif fmt.spec.base != 10:
        return []
    else:
        layouts = [(w, o) for w in (8, 6, 4, 2) for o in ("little", "big")]
    out = []
    for width, order in layouts:
        bits = 8 * width
        signed = fmt.signed and width in (2, 4, 8)
        low_limit, high_limit = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        if lo < low_limit or hi > high_limit:
            continue
        intervals = _unsigned_intervals(lo, hi, width)
        delta, patterns = _interval_key(intervals, width, order)
        out.append(HuntSpec(fmt, width, order, "int", signed, intervals, None, delta, patterns))
    return out

