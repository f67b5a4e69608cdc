"""Leap seconds by date: GPS-UTC and TAI-UTC, the leap second itself."""

from __future__ import annotations

from trowel.timestamps import arith as A
from trowel.timestamps.leapseconds import GPS_MINUS_NS, scale_to_utc, tai_minus_utc, utc_to_scale

T_S = 1_746_371_930


def test_leap_seconds_by_date() -> None:
    assert tai_minus_utc(A.epoch(2017, 1, 1)) == 37
    assert tai_minus_utc(A.epoch(2016, 12, 31, 23, 59, 59)) == 36
    assert tai_minus_utc(A.epoch(1980, 1, 6)) == 19
    # GPS - UTC: 0 at the GPS epoch, 15 s in 2011, 18 s since 2017
    for when, offset in ((A.epoch(1980, 1, 6), 0), (A.epoch(2011, 9, 14), 15), (A.epoch(2025, 5, 4), 18)):
        assert utc_to_scale(when, GPS_MINUS_NS) - when == offset * 10**9
        assert scale_to_utc(utc_to_scale(when, GPS_MINUS_NS), GPS_MINUS_NS) == when
    # the leap second 2016-12-31T23:59:60 has no UTC reading of its own: it maps onto 2017-01-01T00:00:00
    new_year = A.epoch(2017)
    gps_new_year = utc_to_scale(new_year, GPS_MINUS_NS)
    assert scale_to_utc(gps_new_year - 10**9, GPS_MINUS_NS) == new_year
    assert scale_to_utc(gps_new_year - 2 * 10**9, GPS_MINUS_NS) == new_year - 10**9
