"""Exact integer arithmetic for timestamps: civil dates, epochs in Unix nanoseconds, rounding.

Every conversion in the toolkit goes through these integers (or ``fractions.Fraction`` for decimal and
floating-point inputs), so nothing is ever one microsecond off because of a float.
"""

from __future__ import annotations

import re
from fractions import Fraction

NS = 1_000_000_000
US = 1_000
MS = 1_000_000
DAY_NS = 86_400 * NS


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year, including 0 and negatives)."""
    y = year - (1 if month <= 2 else 0)
    era = y // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a day count since 1970-01-01 (inverse of :func:`days_from_civil`)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return year, month, day


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def civil_ns(year: int, month: int = 1, day: int = 1, hour: int = 0, minute: int = 0, second: int = 0,
             ns: int = 0) -> int:
    """Unix nanoseconds of a civil date-time, checking every field (TimestampError-free: ValueError)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not 1..12")
    if not 1 <= day <= days_in_month(year, month):
        raise ValueError(f"day {day} is not valid for {year:04d}-{month:02d}")
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise ValueError(f"time {hour:02d}:{minute:02d}:{second:02d} is not valid")
    if not 0 <= ns < NS:
        raise ValueError("fraction of a second out of range")
    return ((days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) * NS) + ns


class Civil:
    """Broken-down UTC (or wall-clock) fields of a Unix nanosecond count."""

    __slots__ = ("day", "days", "hour", "minute", "month", "ns", "second", "weekday", "year")

    def __init__(self, unix_ns: int) -> None:
        seconds, self.ns = divmod(unix_ns, NS)
        self.days, sod = divmod(seconds, 86_400)
        self.year, self.month, self.day = civil_from_days(self.days)
        self.hour, rest = divmod(sod, 3600)
        self.minute, self.second = divmod(rest, 60)
        self.weekday = (self.days + 4) % 7  # 0 = Sunday (1970-01-01 was a Thursday)


def div_round_half_even(num: int, den: int) -> int:
    """num/den rounded to the nearest integer, ties to even (den > 0)."""
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den or (twice == den and q % 2 == 1):
        q += 1
    return q


def fraction_to_ns(value: Fraction) -> int:
    """A rational number of nanoseconds rounded half to even."""
    return div_round_half_even(value.numerator, value.denominator)


_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE](?P<exp>[+-]?\d{1,3}))?")
DECIMAL_TEXT = _DECIMAL  # the shape parse_decimal accepts


def parse_decimal(text: str) -> Fraction:
    """An exact rational from decimal text (``-12.5``, ``3e2``); ValueError when it is not a number.

    Exponents beyond +-60 and texts over 100 characters are refused: no timestamp needs them, and
    ``1e999999`` would otherwise build a million-digit integer."""
    body = text.strip()
    match = _DECIMAL.fullmatch(body) if len(body) <= 100 else None
    if match is None or abs(int(match.group("exp") or 0)) > 60:
        raise ValueError(f"{text!r} is not a finite decimal number of a plausible size")
    return Fraction(body)


def decimal_text(value: Fraction, digits: int) -> str:
    """``value`` as decimal text with at most ``digits`` fraction digits (rounded half even)."""
    scaled = div_round_half_even(value.numerator * 10**digits, value.denominator)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**digits)
    if digits == 0:
        return f"{sign}{whole}"
    frac_text = f"{frac:0{digits}d}".rstrip("0")
    return f"{sign}{whole}.{frac_text}" if frac_text else f"{sign}{whole}"


MIN_NS = civil_ns(1, 1, 1)
MAX_NS = civil_ns(9999, 12, 31, 23, 59, 59, NS - 1)


def date_ns(text: str, end: bool = False) -> int:
    """Unix ns of 'YYYY-MM-DD' (start of that day, or its last nanosecond when ``end``)."""
    y, m, d = (int(part) for part in text.split("-"))
    start = civil_ns(y, m, d)
    return start + DAY_NS - 1 if end else start


def epoch(year: int, month: int = 1, day: int = 1, hour: int = 0, minute: int = 0, second: int = 0,
          ms: int = 0) -> int:
    """An epoch as Unix nanoseconds."""
    return civil_ns(year, month, day, hour, minute, second, ms * MS)


UNIX_EPOCH = 0
EPOCH_0000 = epoch(0)
EPOCH_0001 = epoch(1)
EPOCH_1582_10_14 = epoch(1582, 10, 14)
EPOCH_1582_10_15 = epoch(1582, 10, 15)
EPOCH_1601 = epoch(1601)
EPOCH_1840_12_31 = epoch(1840, 12, 31)
EPOCH_1858_11_17 = epoch(1858, 11, 17)
EPOCH_1899_12_30 = epoch(1899, 12, 30)
EPOCH_1900 = epoch(1900)
EPOCH_1904 = epoch(1904)
EPOCH_1960 = epoch(1960)
EPOCH_1980 = epoch(1980)
EPOCH_GPS = epoch(1980, 1, 6)
EPOCH_1989_12_31 = epoch(1989, 12, 31)
EPOCH_2000 = epoch(2000)
EPOCH_2001 = epoch(2001)
EPOCH_2050 = epoch(2050)
