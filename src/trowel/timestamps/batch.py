"""Vectorised batch decoding of linear formats (issue 15): a column of values in one format with numpy.

For a linear format (instant = epoch + (raw >> shift) x unit, on the UTC, GPS or TAI scale) whose unit is a
whole number of nanoseconds dividing a second (ns, 100 ns, us, ms, s, 10 ms ...) or a whole number of
seconds (days), every value is split into whole seconds and nanoseconds with int64 arithmetic, so nothing
overflows for any date the format can hold. Values the fast path cannot take exactly -- text that is not a
plain decimal integer, more than 18 digits, near the format's range ends, before 1972 on a leap-second scale,
negative ids -- go through the exact scalar decoder (``decoding.read``), so the result is identical to
decoding value by value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from trowel.model.values import iso_ns, iso_utc, ns_to_datetime
from trowel.timestamps import arith as A
from trowel.timestamps.base import Format
from trowel.timestamps.catalog import get_format
from trowel.timestamps.decoding import Reading, candidates, describe_raw, read
from trowel.timestamps.leapseconds import LEAP_TABLE
from trowel.timestamps.linear import SCALES, LinearFormat

NS = A.NS
CHUNK = 1 << 16


@dataclass
class BatchDecoded:
    """Instants of a batch: ``seconds`` (floor, Unix) and ``nanos`` (0..1e9-1) where ``ok``; ``errors``
    by index where not; ``raw`` the integer read (where it fits int64)."""

    format: str
    seconds: np.ndarray
    nanos: np.ndarray
    ok: np.ndarray
    errors: dict[int, str] = field(default_factory=dict)
    readings: dict[int, Reading] = field(default_factory=dict)  # values decoded by the scalar path

    def __len__(self) -> int:
        return len(self.ok)

    def unix_ns(self, index: int) -> int | None:
        if not self.ok[index]:
            return None
        return int(self.seconds[index]) * NS + int(self.nanos[index])

    def iso(self) -> list[str | None]:
        """ISO 8601 UTC per value: microseconds, or nine digits when the value has nanoseconds."""
        out: list[str | None] = [None] * len(self.ok)
        good = np.flatnonzero(self.ok)
        if not len(good):
            return out
        secs, nanos = self.seconds[good], self.nanos[good]
        simple = (secs > -62_135_596_800) & (secs < 253_402_300_800)  # 0001 .. 9999
        micros = secs * 1_000_000 + nanos // 1000
        text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
        fine = nanos % 1000 != 0
        for k, index in enumerate(good.tolist()):
            if not simple[k]:
                out[index] = iso_utc(ns_to_datetime(self.unix_ns(index) or 0))
            elif fine[k]:
                out[index] = iso_ns(int(secs[k]) * NS + int(nanos[k]))
            else:
                out[index] = str(text[k]) + "Z"
        return out


def _plan(fmt: Format) -> tuple[int, int] | None:
    """(raws per second, seconds per raw) of a linear format the fast path takes exactly; None otherwise."""
    if not isinstance(fmt, LinearFormat) or fmt.width is not None or fmt.spec.base != 10:
        return None
    return _unit_plan(fmt)


def _unit_plan(fmt: LinearFormat) -> tuple[int, int] | None:
    """(raws per second, seconds per raw) of a linear format's integral unit; None for other units."""
    if fmt.unit.denominator != 1:
        return None
    unit = fmt.unit.numerator
    if unit <= NS and NS % unit == 0:
        return NS // unit, 0
    if unit % NS == 0:
        return 0, unit // NS
    return None


def batch_supported(name: str) -> bool:
    """Whether ``decode_batch`` takes this format's values through numpy (others are decoded one by one)."""
    try:
        return _plan(get_format(name)) is not None
    except Exception:  # noqa: BLE001 - an unknown name is reported by the caller
        return False


def _parse(values: Sequence[str | int]) -> tuple[np.ndarray, np.ndarray]:
    """int64 of each value and whether it was read as a plain decimal integer (``int()`` of the text)."""
    raw = np.zeros(len(values), dtype=np.int64)
    good = np.zeros(len(values), dtype=bool)
    for start in range(0, len(values), CHUNK):
        part = values[start:start + CHUNK]
        try:
            raw[start:start + len(part)] = np.fromiter(map(int, part), dtype=np.int64, count=len(part))
            good[start:start + len(part)] = True
            continue
        except (ValueError, OverflowError, TypeError):
            pass
        for k, value in enumerate(part):  # a chunk with an odd value: one by one
            try:
                number = int(value)
            except (ValueError, TypeError):
                continue
            if -(1 << 63) <= number < (1 << 63):
                raw[start + k] = number
                good[start + k] = True
    return raw, good


def decode_batch(values: Sequence[str | int], format: str) -> BatchDecoded:
    """Decode every value in one format; identical to decoding each value alone (``stamp``/``decode``)."""
    fmt = get_format(format)
    n = len(values)
    seconds = np.zeros(n, dtype=np.int64)
    nanos = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    result = BatchDecoded(fmt.name, seconds, nanos, ok)
    plan = _plan(fmt)
    fast = np.zeros(n, dtype=bool)
    if plan is not None and n:
        assert isinstance(fmt, LinearFormat)
        raw, fast = _parse(values)
        sec, sub, fast = _arith(fmt, plan, raw, fast)
        seconds[fast], nanos[fast], ok[fast] = sec[fast], sub[fast], True
    for index in np.flatnonzero(~fast).tolist():
        value = values[index]
        raws = candidates(fmt, value)
        if not raws:
            result.errors[index] = f"not a {fmt.display} value"
            result.readings[index] = Reading(fmt.name, fmt.display, value, describe_raw(fmt, value), None,
                                             fmt.clock, error=result.errors[index])
            continue
        first: Reading | None = None
        for candidate in raws:
            reading = read(fmt, candidate)
            first = first or reading
            if reading.ok:
                first = reading
                break
        assert first is not None
        result.readings[index] = first
        if first.ok and first.unix_ns is not None:
            seconds[index], nanos[index] = divmod(first.unix_ns, NS)
            ok[index] = True
        else:
            result.errors[index] = first.error or "cannot decode"
    return result


def _arith(fmt: LinearFormat, plan: tuple[int, int], raw: np.ndarray,
           fast: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unix seconds and nanoseconds of int64 raws; ``fast`` cleared where the scalar path must decide."""
    n = len(raw)
    spec = fmt.spec
    count = raw >> spec.shift if spec.shift else raw
    if spec.shift:
        fast &= raw >= 0
    per, mult = plan
    if per:
        sec, sub = np.divmod(count, per)
        sub = sub * (NS // per)
    else:
        limit = (1 << 62) // mult
        fast &= np.abs(count) < limit
        sec, sub = np.where(fast, count, 0) * mult, np.zeros(n, dtype=np.int64)
    epoch_s, epoch_sub = divmod(spec.epoch_ns, NS)
    sub = sub + epoch_sub
    sec = sec + epoch_s + sub // NS
    sub = sub % NS
    if spec.scale is not None:
        sec, fast = _from_scale(sec, fast, SCALES[spec.scale])
    lo_s, lo_sub = divmod(fmt.min_ns, NS)
    hi_s, hi_sub = divmod(fmt.max_ns, NS)
    # inside the format's range, compared exactly as (seconds, nanoseconds); outside it the scalar path
    # gives the error
    fast &= ((sec > lo_s) | ((sec == lo_s) & (sub >= lo_sub))) & ((sec < hi_s) | ((sec == hi_s) & (sub <= hi_sub)))
    return sec, sub, fast


def _from_scale(sec: np.ndarray, fast: np.ndarray, minus_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC seconds of atomic-scale seconds (GPS, TAI) by the leap-second table; before 1972 and on a leap
    second itself the scalar path decides."""
    minus_s = minus_ns // NS
    starts = np.array([start // NS + offset - minus_s for start, offset in LEAP_TABLE], dtype=np.int64)
    offsets = np.array([offset for _, offset in LEAP_TABLE], dtype=np.int64)
    index = np.searchsorted(starts, sec, side="right") - 1
    fast = fast & (index >= 0) & (minus_ns % NS == 0)
    utc = sec - offsets[np.clip(index, 0, None)] + minus_s
    near = np.isin(sec, starts) | np.isin(sec + 1, starts)  # the second before/at a step: scalar path
    return utc, fast & ~near


def utc_micro_text(result: BatchDecoded) -> list[str | None]:
    """ISO 8601 UTC rounded half to even to the microsecond (the ``utc`` of a reading), per value."""
    out: list[str | None] = [None] * len(result.ok)
    good = np.flatnonzero(result.ok)
    if not len(good):
        return out
    secs, nanos = result.seconds[good], result.nanos[good]
    q, r = np.divmod(nanos, 1000)
    q = q + ((r > 500) | ((r == 500) & (q % 2 == 1)))
    micros = secs * 1_000_000 + q
    simple = (secs > -62_135_596_800) & (secs < 253_402_300_700)
    # timezone="UTC" writes the trailing Z itself: one string per value, not two
    text = np.datetime_as_string(np.where(simple, micros, 0).astype("datetime64[us]"), unit="us",
                                 timezone="UTC").tolist()
    if len(good) == len(out) and simple.all():
        return text
    for k, index in enumerate(good.tolist()):
        if simple[k]:
            out[index] = text[k]
        else:
            out[index] = iso_utc(ns_to_datetime(int(secs[k]) * NS + int(nanos[k])))
    return out


def batch_scores(result: BatchDecoded, texts: Sequence[str], after_ns: int, before_ns: int) -> np.ndarray:
    """The rank score ``decoding.score`` gives each reading, vectorised (window closeness, the value's shape
    against the format's typical text, granularity, how common the format is)."""
    from trowel.timestamps.decoding import PRIOR, _sample_text

    fmt = get_format(result.format)
    secs = result.seconds.astype(np.float64) + result.nanos / NS
    after_s, before_s = after_ns / NS, before_ns / NS
    a_s, a_sub = divmod(after_ns, NS)
    b_s, b_sub = divmod(before_ns, NS)
    sec, nanos = result.seconds, result.nanos
    inside = (((sec > a_s) | ((sec == a_s) & (nanos >= a_sub)))
              & ((sec < b_s) | ((sec == b_s) & (nanos <= b_sub))))
    gap_years = np.minimum(np.abs(secs - after_s), np.abs(secs - before_s)) / (365.2425 * 86_400)
    closeness = np.where(inside, 1.0, 0.5 * np.exp(-gap_years / 5))
    sample = _sample_text(fmt, (after_ns + before_ns) // 2)
    if sample is None:
        shape = np.full(len(texts), 0.5)
    else:
        lengths = np.char.str_len(np.char.lstrip(np.asarray(texts, dtype=str), "-"))
        diff = np.abs(lengths - len(sample.lstrip("-")))
        shape = np.select([diff == 0, diff == 1, diff <= 3], [1.0, 0.6, 0.3], 0.1)
    granularity = np.where(result.nanos % 1000 == 0, 1.0, 0.6)
    return 0.5 * closeness + 0.25 * shape + 0.1 * granularity + 0.15 * PRIOR.get(fmt.name, 0.3)
