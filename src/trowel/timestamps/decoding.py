"""Decode one value in one format or in every format, ranked; convert any raw value to a TimeValue.

``decode`` is the timediff32 question asked backwards: given a value, which formats give a plausible date?
Readings inside the reference window rank first, then by how well the value's shape (length, digits) fits
the format and by granularity. Nothing here raises on bad input: errors become readings with ``error``.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from trowel.errors import TimestampError
from trowel.model.values import Clock, TimeValue, iso_ns, iso_utc, json_raw, ns_to_datetime
from trowel.timestamps import arith as A
from trowel.timestamps.base import Format, Kind, Raw
from trowel.timestamps.catalog import all_formats, get_format
from trowel.timestamps.decimals import DecimalFormat
from trowel.timestamps.leapseconds import TT_MINUS_NS, utc_to_scale
from trowel.timestamps.linear import LinearFormat
from trowel.timestamps.registry import REGISTRY
from trowel.timestamps.when import WhenLike, to_ns

# How common a format is in phone evidence (the reference lists Android-relevant ones first); breaks ties.
PRIOR: dict[str, float] = {
    "unix_s": 1.0, "unix_ms": 1.0, "unix_us": 0.9, "unix_ns": 0.9, "chrome": 0.9, "cocoa": 0.8,
    "mac_absolute": 0.8, "gps": 0.7, "gps_utc": 0.7, "ldap": 0.7, "filetime_le": 0.8, "hfs_plus": 0.6, "dos_le": 0.6,
    "prtime": 0.7, "nsdate_ns": 0.7, "unix_hex_le": 0.8, "unix_hex_be": 0.7, "biome_hex": 0.6, "ole_auto": 0.6,
    "ole_le": 0.6, "fat_date_time": 0.5, "exfat": 0.5, "gsm": 0.6, "semi_octet": 0.5, "unix_s_fraction": 0.7,
    "apfs": 0.6, "dotnet_ticks": 0.5, "systemtime": 0.5,
}
MAX_TEXT = 256  # longer inputs are no timestamp in any format (and would make int() slow or refuse)
DEFAULT_AFTER = A.epoch(1980)
DEFAULT_BEFORE = A.epoch(2040)


@dataclass(frozen=True)
class Reading:
    """One interpretation of a value: the format, how the raw was read, the instant, and a rank score."""

    format: str
    display: str
    raw: Raw
    raw_text: str
    unix_ns: int | None
    clock: Clock = Clock.UTC
    note: str | None = None
    error: str | None = None
    score: float = 0.0
    also: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.unix_ns is not None and self.error is None

    def time_value(self) -> TimeValue:
        return TimeValue(raw=self.raw, format=self.format, unix_ns=self.unix_ns, clock=self.clock, error=self.error)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": self.format, "display": self.display, "utc": None,
                               "clock": self.clock.value, "raw": json_raw(self.raw), "interpretation": self.raw_text}
        if self.unix_ns is not None:
            out["utc"] = iso_utc(ns_to_datetime(self.unix_ns))
            out["unix_ns"] = str(self.unix_ns)
            if self.unix_ns % 1000:
                out["utc_ns"] = iso_ns(self.unix_ns)
        out["score"] = round(self.score, 4)
        if self.also:
            out["also"] = list(self.also)
        if self.note:
            out["note"] = self.note
        if self.error:
            out["error"] = self.error
        return out


def describe_raw(fmt: Format, raw: Raw) -> str:
    if isinstance(raw, bytes):
        order = {"little": " LE", "big": " BE"}.get(fmt.byteorder or "", "")
        return f"{len(raw)} bytes {raw.hex()}{order}"
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        return f"integer {raw}"
    if isinstance(raw, float):
        return f"double {raw!r}"
    return f"text {raw!r}"


def candidates(fmt: Format, value: Raw) -> list[Raw]:
    """Every raw value ``value`` can be in ``fmt`` (text parsed, bytes reinterpreted, numbers passed on)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return []
        try:
            return fmt.parse_text(value)
        except (ValueError, OverflowError, ZeroDivisionError):
            return []
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if fmt.kind is Kind.BYTES:
            return [data] if fmt.width is None or len(data) == fmt.width or fmt.parse_text(data.hex()) else []
        if fmt.kind is Kind.INT and fmt.byteorder and fmt.width == len(data):
            return [int.from_bytes(data, fmt.byteorder, signed=fmt.signed)]  # type: ignore[arg-type]
        if fmt.kind is Kind.INT and fmt.width is None and len(data) in (1, 2, 3, 4, 6, 8):
            return [int.from_bytes(data, "big", signed=True)]
        if fmt.kind is Kind.FLOAT and len(data) == 8:
            return fmt.parse_text(data.hex())
        return []
    if isinstance(value, int):
        if fmt.kind in (Kind.INT, Kind.FLOAT):
            return [value]
        if fmt.kind is Kind.TEXT:
            return fmt.parse_text(str(value))
        return []
    if isinstance(value, float):
        if fmt.kind in (Kind.FLOAT, Kind.INT) and math.isfinite(value):
            return [value]
        if fmt.kind is Kind.TEXT and math.isfinite(value):
            return fmt.parse_text(repr(value))
    return []


def read(fmt: Format, raw: Raw) -> Reading:
    """Decode one raw value; failures become a Reading with ``error``."""
    text = describe_raw(fmt, raw)
    try:
        decoded = fmt.decode_raw(raw)
    except TimestampError as exc:
        return Reading(fmt.name, fmt.display, raw, text, None, fmt.clock, None, str(exc))
    except (ValueError, OverflowError, struct.error, IndexError) as exc:
        return Reading(fmt.name, fmt.display, raw, text, None, fmt.clock, None, f"cannot decode: {exc}")
    return Reading(fmt.name, fmt.display, raw, text, decoded.unix_ns, decoded.clock, decoded.note)


@functools.lru_cache(maxsize=4096)
def _sample_text(fmt: Format, mid_ns: int) -> str | None:
    """The format's text for an instant in the middle of the window (what a typical value looks like)."""
    try:
        return fmt.to_text(fmt.encode_raw(mid_ns))
    except (TimestampError, ValueError, OverflowError, struct.error):
        return None


def _shape_score(fmt: Format, value: Raw, mid_ns: int) -> float:
    if not isinstance(value, str):
        return 0.6
    sample = _sample_text(fmt, mid_ns)
    if sample is None:
        return 0.5
    body = value.strip()
    if body[:2].lower() == "0x":
        body = body[2:]
    diff = abs(len(body.lstrip("-")) - len(sample.lstrip("-")))
    fit = 1.0 if diff == 0 else 0.6 if diff == 1 else 0.3 if diff <= 3 else 0.1
    if body.lstrip("-").isdigit() and not sample.lstrip("-").isdigit():
        fit *= 0.5  # digits read as hex or as bytes: a weaker reading than a decimal one
    return fit


def score(reading: Reading, value: Raw, fmt: Format, after_ns: int, before_ns: int) -> float:
    """Rank in [0, 1]: closeness to the window (0.5), shape of the value (0.25), granularity (0.1) and how
    common the format is (0.15)."""
    assert reading.unix_ns is not None
    t = reading.unix_ns
    if after_ns <= t <= before_ns:
        closeness = 1.0
    else:
        gap_years = min(abs(t - after_ns), abs(t - before_ns)) / (365.2425 * A.DAY_NS)
        closeness = 0.5 * math.exp(-gap_years / 5)
    shape = _shape_score(fmt, value, (after_ns + before_ns) // 2)
    granularity = 1.0 if t % A.US == 0 else 0.6
    return 0.5 * closeness + 0.25 * shape + 0.1 * granularity + 0.15 * PRIOR.get(fmt.name, 0.3)


def decode(value: Raw, format: str | None = None, after: WhenLike | None = None,
           before: WhenLike | None = None, all: bool = False) -> list[Reading]:
    """Readings of ``value``: in one format (every candidate, errors included), or in every format.

    Without ``format`` only readings inside [after, before] (default 1980..2040) are kept unless ``all``;
    the list is ranked best first and readings with the same instant and raw are merged (``also``).
    """
    after_ns = to_ns(after) if after is not None else DEFAULT_AFTER
    before_ns = to_ns(before) if before is not None else DEFAULT_BEFORE
    if format is not None:
        try:
            fmt = get_format(format)
        except TimestampError as exc:
            return [Reading(format, format, value if value is not None else "", "", None, error=str(exc))]
        raws = candidates(fmt, value)
        if not raws:
            return [Reading(fmt.name, fmt.display, value, describe_raw(fmt, value), None, fmt.clock,
                            error=f"not a {fmt.display} value")]
        out = [read(fmt, raw) for raw in raws]
        return sorted((_scored(r, value, fmt, after_ns, before_ns) for r in out), key=lambda r: -r.score)
    return ranked_readings(value, after_ns, before_ns, all, range(len(plan())))


def ranked_readings(value: Raw, after_ns: int, before_ns: int, all: bool, tried: Iterable[int]) -> list[Reading]:
    """``decode`` in every format, over the formats at ``tried`` (indices into ``plan()``, in order).

    ``decode_many`` passes only the formats its vectorised checks could not rule out, so both paths share
    this one loop and give the same readings."""
    return finish_readings(collect_readings(value, after_ns, before_ns, all, tried))


def finish_readings(readings: list[Reading]) -> list[Reading]:
    """Readings ranked best first (score, then name; a stable sort), those with the same instant and raw
    merged into the first (``also``)."""
    return _merge(sorted(readings, key=lambda r: (-r.score, r.format)))


def collect_readings(value: Raw, after_ns: int, before_ns: int, all: bool, tried: Iterable[int]) -> list[Reading]:
    """The scored readings of ``value`` in the formats at ``tried``, in plan order, not yet ranked."""
    steps = plan()
    readings: list[Reading] = []
    shared: list[Raw] | None = None  # the one parse of a text every plain decimal linear format shares
    plain = plain_int(value)  # a text of plain decimal digits: its integer
    width = len(value.strip()) if isinstance(value, str) else 0
    is_text = isinstance(value, str)
    for index in tried:
        fmt, tag, field_width = steps[index]
        if tag == PLAIN_LINEAR and is_text:
            if shared is None:
                shared = candidates(fmt, value)
            raws = shared
        elif tag == DECIMAL and plain is not None and not all:
            assert isinstance(fmt, DecimalFormat)
            limits = decimal_bounds(fmt, after_ns, before_ns)
            if not limits[0] <= plain <= limits[1]:
                continue  # instant = epoch + value x unit rises with the value: outside, outside the window
            raws = candidates(fmt, value)
        elif tag == WIDTH_LINEAR and plain is not None and width != 2 * field_width:
            raws = [plain]  # not hex of the field's width: the text is only its decimal integer
        else:
            raws = candidates(fmt, value)
        if not raws:
            continue
        bounds = None if all or tag == OTHER else window_bounds(fmt, after_ns, before_ns)
        for raw in raws:
            if bounds is not None and type(raw) is int and not bounds[0] <= raw <= bounds[1]:
                continue  # a linear format's instant is monotonic in the raw: outside these, outside the window
            reading = read(fmt, raw)
            if not reading.ok:
                continue
            assert reading.unix_ns is not None
            if not all and not after_ns <= reading.unix_ns <= before_ns:
                continue
            readings.append(_scored(reading, value, fmt, after_ns, before_ns))
    return readings


PLAIN_LINEAR, WIDTH_LINEAR, DECIMAL, LINEAR, OTHER = range(5)
_PLAN: list[tuple[Format, int, int]] = []


def plan() -> list[tuple[Format, int, int]]:
    """Every format with how ``decode`` may shortcut it (computed once; the registry is complete on import)."""
    if len(_PLAN) != len(REGISTRY):
        _PLAN.clear()
        for fmt in all_formats():
            if isinstance(fmt, LinearFormat) and fmt.width is None and fmt.spec.base == 10:
                tag = PLAIN_LINEAR
            elif isinstance(fmt, LinearFormat) and fmt.width and fmt.spec.base == 10:
                tag = WIDTH_LINEAR
            elif isinstance(fmt, LinearFormat):
                tag = LINEAR
            elif isinstance(fmt, DecimalFormat):
                tag = DECIMAL
            else:
                tag = OTHER
            _PLAN.append((fmt, tag, fmt.width or 0))
    return _PLAN


def plain_int(value: Raw) -> int | None:
    """The integer of a text made of plain ASCII decimal digits (an optional leading '-'), else None."""
    if not isinstance(value, str):
        return None
    body = value.strip()
    digits = body[1:] if body[:1] == "-" else body
    if not digits or len(body) > MAX_TEXT or not digits.isascii() or not digits.isdigit():
        return None
    return int(body)


@functools.lru_cache(maxsize=4096)
def decimal_bounds(fmt: DecimalFormat, after_ns: int, before_ns: int) -> tuple[Fraction | float, Fraction | float]:
    """Values of a decimal format that can decode into [after, before], with two seconds to spare (the
    instant rises with the value; the margin covers rounding). Terrestrial Time formats count on their scale."""
    if fmt.unit <= 0:
        return float("-inf"), float("inf")
    if fmt.spec.tt:
        after_ns, before_ns = utc_to_scale(after_ns, TT_MINUS_NS), utc_to_scale(before_ns, TT_MINUS_NS)
    margin = Fraction(2 * A.NS) / fmt.unit
    return (after_ns - fmt.epoch) / fmt.unit - margin, (before_ns - fmt.epoch) / fmt.unit + margin


_NO_RAW = (1, 0)  # bounds that hold no integer


@functools.lru_cache(maxsize=4096)
def window_bounds(fmt: Format, after_ns: int, before_ns: int) -> tuple[int, int] | None:
    """Integer raws of a linear format that can decode into [after, before], with a margin of a few raw
    units for rounding (None: not a linear format, no shortcut)."""
    if not isinstance(fmt, LinearFormat):
        return None
    bounds = fmt.raw_bounds(after_ns, before_ns)
    if bounds is None:
        return _NO_RAW
    margin = (4 << fmt.spec.shift) + 4
    return bounds[0] - margin, bounds[1] + margin


def _scored(reading: Reading, value: Raw, fmt: Format, after_ns: int, before_ns: int) -> Reading:
    if not reading.ok:
        return reading
    return Reading(reading.format, reading.display, reading.raw, reading.raw_text, reading.unix_ns, reading.clock,
                   reading.note, reading.error, score(reading, value, fmt, after_ns, before_ns), reading.also)


def _replace(reading: Reading, **changes: Any) -> Reading:
    """A copy of a reading with some fields changed (``dataclasses.replace`` without its checks)."""
    unknown = set(changes) - set(Reading.__dataclass_fields__)
    if unknown:
        raise TypeError(f"Reading has no field {sorted(unknown)}")
    copy = object.__new__(Reading)
    copy.__dict__.update(reading.__dict__)
    copy.__dict__.update(changes)
    return copy


def _merge(readings: list[Reading]) -> list[Reading]:
    """Readings with the same instant, raw text and clock folded into the first (the others' names in
    ``also``, in order)."""
    merged: dict[tuple[int | None, str, Clock], int] = {}
    out: list[Reading] = []
    extra: dict[int, list[str]] = {}
    for reading in readings:
        key = (reading.unix_ns, reading.raw_text, reading.clock)
        at = merged.get(key)
        if at is not None:
            extra.setdefault(at, []).append(reading.format)
            continue
        merged[key] = len(out)
        out.append(reading)
    for at, names in extra.items():
        first = out[at]
        out[at] = _replace(first, also=(*first.also, *names))
    return out


def to_time_value(raw: Raw | None, format_name: str) -> TimeValue:
    """The registry-backed conversion behind ``stamp``: never raises."""
    if raw is None:
        return TimeValue(raw=None, format=format_name, unix_ns=None, error="null in the source")
    try:
        fmt = get_format(format_name)
    except TimestampError as exc:
        return TimeValue(raw=raw, format=format_name, unix_ns=None, error=str(exc))
    if isinstance(raw, bytearray | memoryview):
        raw = bytes(raw)
    raws = candidates(fmt, raw)
    if not raws:
        return TimeValue(raw=raw, format=fmt.name, unix_ns=None, clock=fmt.clock,
                         error=f"not a {fmt.display} value")
    first: Reading | None = None
    for candidate in raws:
        reading = read(fmt, candidate)
        if reading.ok:
            return TimeValue(raw=raw, format=fmt.name, unix_ns=reading.unix_ns, clock=reading.clock)
        first = first or reading
    assert first is not None
    return TimeValue(raw=raw, format=fmt.name, unix_ns=None, clock=fmt.clock, error=first.error)


def _byte_readings(fmt: Format, data: bytes) -> list[tuple[Raw, str]]:
    """(raw, how it was read) for stored bytes in a fixed-width reading of ``fmt``, in both byte orders."""
    out: list[tuple[Raw, str]] = []
    orders = ("big", "little")
    if fmt.kind is Kind.INT:
        if fmt.width is not None and fmt.width != len(data):
            return out
        if fmt.width is None and len(data) not in (2, 4, 6, 8):
            return out
        for order in orders:
            value = int.from_bytes(data, order, signed=bool(fmt.signed and fmt.width))  # type: ignore[arg-type]
            own = " (the format's order)" if fmt.byteorder == order else \
                " (reversed from the format's order)" if fmt.byteorder else ""
            out.append((value, f"bytes {data.hex()} read {'BE' if order == 'big' else 'LE'}{own} = {value}"))
    elif fmt.kind is Kind.BYTES and fmt.width == len(data):
        out.append((data, f"bytes {data.hex()} as stored"))
        if data[::-1] != data:
            out.append((data[::-1], f"bytes {data.hex()} reversed = {data[::-1].hex()}"))
    elif fmt.kind is Kind.FLOAT and len(data) == 8:
        for order in orders:
            number = struct.unpack(">d" if order == "big" else "<d", data)[0]
            if math.isfinite(number):
                out.append((number, f"bytes {data.hex()} read as a {'BE' if order == 'big' else 'LE'} double = {number!r}"))
    return out


def decode_bytes(data: bytes, format: str | None = None, after: WhenLike | None = None,
                 before: WhenLike | None = None, all: bool = False) -> list[Reading]:
    """Readings of bytes as pasted from a hex editor: every fixed-width reading of every format (or of one),
    in both byte orders (as DCode does), ranked like ``decode``."""
    after_ns = to_ns(after) if after is not None else DEFAULT_AFTER
    before_ns = to_ns(before) if before is not None else DEFAULT_BEFORE
    formats = [get_format(format)] if format is not None else all_formats()
    readings: list[Reading] = []
    for fmt in formats:
        for raw, how in _byte_readings(fmt, data):
            reading = read(fmt, raw)
            if not reading.ok:
                if format is not None:
                    readings.append(_replace(reading, raw_text=how))
                continue
            assert reading.unix_ns is not None
            if format is None and not all and not after_ns <= reading.unix_ns <= before_ns:
                continue
            scored = _scored(reading, raw, fmt, after_ns, before_ns)
            readings.append(_replace(scored, raw_text=how))
    return _merge(sorted(readings, key=lambda r: (-r.score, r.format)))
