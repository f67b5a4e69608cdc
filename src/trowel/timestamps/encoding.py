"""Encode a known date into every format: the timediff32 table (decimal, BE hex, LE hex, own text form).

Local-clock formats get the wall-clock time of the zone the date was given in (a phone set to that zone
stores that), UTC formats the UTC instant.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trowel.errors import TimestampError
from trowel.model.values import Clock, json_raw
from trowel.timestamps import arith as A
from trowel.timestamps.base import Format, Raw
from trowel.timestamps.catalog import all_formats, get_format
from trowel.timestamps.linear import LinearFormat
from trowel.timestamps.when import parse_when, to_ns


@dataclass(frozen=True)
class Encoding:
    """One format's encoding of an instant; ``error`` says why there is none (range, decode-only)."""

    format: str
    display: str
    clock: Clock
    raw: Raw | None
    decimal: str | None
    be_hex: str | None
    le_hex: str | None
    text: str | None
    error: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": self.format, "display": self.display, "clock": self.clock.value,
                               "raw": json_raw(self.raw), "decimal": self.decimal, "be_hex": self.be_hex,
                               "le_hex": self.le_hex, "text": self.text}
        if self.error:
            out["error"] = self.error
        if self.note:
            out["note"] = self.note
        return out


def encode_one(fmt: Format, utc_ns: int, wall_ns: int) -> Encoding:
    instant = wall_ns if fmt.clock is Clock.LOCAL else utc_ns
    try:
        raw = fmt.encode_raw(instant)
        decimal, be, le = fmt.binary_forms(raw)
        text = fmt.to_text(raw)
    except (TimestampError, ValueError, OverflowError, struct.error) as exc:
        return Encoding(fmt.name, fmt.display, fmt.clock, None, None, None, None, None, str(exc))
    return Encoding(fmt.name, fmt.display, fmt.clock, raw, decimal, be, le, text, note=_note(fmt, instant))


def _note(fmt: Format, instant: int) -> str | None:
    """What an examiner must know to pick between conventions (the two GPS counts, Nokia's two)."""
    if isinstance(fmt, LinearFormat) and fmt.spec.scale == "gps":
        leap = (fmt.to_scale(instant) - instant) // A.NS
        return (f"true GPS time: UTC + {leap} leap seconds on this date; plain UTC seconds since 1980-01-06 "
                "are gps_utc")
    if fmt.name == "gps_utc":
        return "plain UTC seconds since 1980-01-06, no leap seconds (what most phones store); true GPS time is gps"
    if fmt.name in ("nokia", "nokia_le", "nokia_plus1", "nokia_plus1_le"):
        return "Nokia: two conventions 1 s apart are in use (nokia, nokia_plus1); report both"
    return None


def encode(when: str | datetime | int, format: str | None = None) -> list[Encoding]:
    """Encodings of a date (text with optional offset/zone, datetime, or Unix ns) in one or every format."""
    if isinstance(when, str):
        utc_ns, wall_ns = parse_when(when)
    else:
        utc_ns = to_ns(when)
        wall_ns = utc_ns
        if isinstance(when, datetime) and when.utcoffset() is not None:
            wall_ns = to_ns(when.replace(tzinfo=None))
    formats = [get_format(format)] if format else all_formats()
    return [encode_one(fmt, utc_ns, wall_ns) for fmt in formats if not fmt.decode_only or format]
