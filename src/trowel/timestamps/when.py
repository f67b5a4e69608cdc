"""Reading the examiner's dates: ISO 8601 with up to nine fraction digits, offsets, zone names.

``parse_when`` returns both the UTC instant and the wall-clock reading in the given offset/zone (what a
device set to that zone would store in a local-clock format).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trowel.errors import UsageError
from trowel.model.values import datetime_to_ns
from trowel.timestamps import arith as A

WhenLike = str | datetime | int

_ISO = re.compile(
    r"(?P<y>-?\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|UTC|[+-]\d{2}(?::?\d{2})?|[A-Za-z_]+(?:/[A-Za-z_+\-0-9]+)*)?"
)


def parse_when(text: str) -> tuple[int, int]:
    """(UTC Unix ns, wall-clock Unix ns in the stated zone) of a date text; UsageError when unreadable."""
    match = _ISO.fullmatch(text.strip())
    if not match:
        raise UsageError(f"cannot read date {text!r} (use ISO 8601, e.g. 2025-05-04T15:18:50Z)")
    g = match.groupdict()
    frac = (g["f"] or "").ljust(9, "0")
    try:
        wall = A.civil_ns(int(g["y"]), int(g["mo"]), int(g["d"]), int(g["h"] or 0), int(g["mi"] or 0),
                          int(g["s"] or 0), int(frac or 0))
    except ValueError as exc:
        raise UsageError(f"cannot read date {text!r}: {exc}") from exc
    tz = g["tz"]
    if not tz or tz in ("Z", "UTC"):
        return wall, wall
    if tz[0] in "+-":
        digits = tz[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        offset = (minutes if tz[0] == "+" else -minutes) * 60 * A.NS
        return wall - offset, wall
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown time zone {tz!r}") from exc
    civil = A.Civil(wall)
    local = datetime(civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second, tzinfo=zone)
    utc_ns = datetime_to_ns(local) + civil.ns
    return utc_ns, wall


def to_ns(value: WhenLike) -> int:
    """UTC Unix ns of a date text, a datetime (naive = UTC) or an int that already is Unix ns."""
    if isinstance(value, bool):
        raise UsageError("a date is needed")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return datetime_to_ns(value)
    return parse_when(value)[0]


def window(after: WhenLike | None, before: WhenLike | None, default_after: int, default_before: int) -> tuple[int, int]:
    lo = to_ns(after) if after is not None else default_after
    hi = to_ns(before) if before is not None else default_before
    if lo > hi:
        raise UsageError("--after is later than --before")
    return lo, hi
