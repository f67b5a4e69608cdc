"""Leap seconds: TAI-UTC by date, and conversions between UTC and the atomic scales (GPS, TAI, TT).

Source: IERS Bulletin C / the IERS ``Leap_Second.dat`` history (TAI-UTC = 10 s from 1972-01-01 to 37 s
since 2017-01-01). Before 1972 TAI-UTC was not a whole number of seconds; trowel uses 10 s there and says
so in the docs. GPS time was aligned with UTC on 1980-01-06 (TAI-UTC = 19 s), so GPS-UTC = TAI-UTC - 19.
"""

from __future__ import annotations

from trowel.timestamps.arith import NS, epoch

# (first UTC instant of the new offset, TAI-UTC in seconds from then on)
LEAP_TABLE: tuple[tuple[int, int], ...] = tuple(
    (epoch(y, m, 1), offset)
    for y, m, offset in (
        (1972, 1, 10), (1972, 7, 11), (1973, 1, 12), (1974, 1, 13), (1975, 1, 14), (1976, 1, 15),
        (1977, 1, 16), (1978, 1, 17), (1979, 1, 18), (1980, 1, 19), (1981, 7, 20), (1982, 7, 21),
        (1983, 7, 22), (1985, 7, 23), (1988, 1, 24), (1990, 1, 25), (1991, 1, 26), (1992, 7, 27),
        (1993, 7, 28), (1994, 7, 29), (1996, 1, 30), (1997, 7, 31), (1999, 1, 32), (2006, 1, 33),
        (2009, 1, 34), (2012, 7, 35), (2015, 7, 36), (2017, 1, 37),
    )
)
BEFORE_1972 = 10


def tai_minus_utc(utc_ns: int) -> int:
    """TAI-UTC in seconds at a UTC instant."""
    for start, offset in reversed(LEAP_TABLE):
        if utc_ns >= start:
            return offset
    return BEFORE_1972


def utc_to_scale(utc_ns: int, minus_ns: int) -> int:
    """A UTC instant on an atomic scale counted from the Unix epoch: UTC + (TAI-UTC) - ``minus_ns``.

    GPS uses ``minus_ns`` = 19 s, TAI 0, TT -32.184 s.
    """
    return utc_ns + tai_minus_utc(utc_ns) * NS - minus_ns


def scale_to_utc(scale_ns: int, minus_ns: int) -> int:
    """Inverse of :func:`utc_to_scale`. A positive leap second (23:59:60) maps onto the next 00:00:00."""
    for start, offset in reversed(LEAP_TABLE):
        if scale_ns >= start + offset * NS - minus_ns:
            return scale_ns - offset * NS + minus_ns
    candidate = scale_ns - BEFORE_1972 * NS + minus_ns
    return min(candidate, LEAP_TABLE[0][0] - 1)


GPS_MINUS_NS = 19 * NS
TT_MINUS_NS = -32_184_000_000
