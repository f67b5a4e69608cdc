"""stamp (the parsers' entry point), decode ranking, encode tables, dates and leap seconds."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest

from trowel.errors import UsageError
from trowel.model.values import Clock, TimeValue
from trowel.timestamps import arith as A
from trowel.timestamps import decode, encode, stamp
from trowel.timestamps.leapseconds import GPS_MINUS_NS, scale_to_utc, tai_minus_utc, utc_to_scale
from trowel.timestamps.when import parse_when

T_S = 1_746_371_930


def test_stamp_keeps_the_four_unix_units() -> None:
    assert stamp(1700000000, "unix_s") == TimeValue(raw=1700000000, format="unix_s", unix_ns=1700000000 * 10**9)
    assert stamp(1700000000123, "unix_ms").unix_ns == 1700000000123 * 10**6
    assert stamp(1700000000123456, "unix_us").unix_ns == 1700000000123456 * 10**3
    assert stamp(1700000000123456789, "unix_ns").unix_ns == 1700000000123456789
    assert stamp("1700000000", "unix_s").unix_ns == 1700000000 * 10**9
    assert stamp(struct.pack(">q", 1700000000), "unix_s").unix_ns == 1700000000 * 10**9
    assert stamp(None, "unix_s").error == "null in the source"
    assert stamp("abc", "unix_s").error == "not a Unix Seconds value"
    assert stamp(1.5, "unix_s").unix_ns == 1_500_000_000
    assert stamp(float("nan"), "unix_ms").unix_ns is None


def test_stamp_raw_kept_and_clock() -> None:
    value = stamp(bytes.fromhex("597aa45a"), "dos_le")
    assert value.raw == bytes.fromhex("597aa45a") and value.clock is Clock.LOCAL
    assert value.utc == datetime(2025, 5, 4, 15, 18, 50, tzinfo=UTC)
    assert stamp(768064730.064939, "cocoa").unix_ns == 1746371930064939022  # the exact value of that double
    assert stamp(13390845530064940, "webkit").format == "chrome"


def test_sub_microsecond_rounds_half_even_in_the_model() -> None:
    assert stamp(1_500, "unix_ns").utc == datetime(1970, 1, 1, 0, 0, 0, 2, tzinfo=UTC)
    assert stamp(2_500, "unix_ns").utc == datetime(1970, 1, 1, 0, 0, 0, 2, tzinfo=UTC)
    assert stamp(2_501, "unix_ns").utc == datetime(1970, 1, 1, 0, 0, 0, 3, tzinfo=UTC)
    # 100 ns FILETIME ticks: 5 ticks = 500 ns -> 0 us (even), 15 ticks = 1500 ns -> 2 us
    assert stamp(116444736000000005, "ldap").utc == datetime(1970, 1, 1, tzinfo=UTC)
    assert stamp(116444736000000015, "ldap").utc == datetime(1970, 1, 1, 0, 0, 0, 2, tzinfo=UTC)


def test_decode_ranks_and_filters_by_window() -> None:
    readings = decode("1746371930064")
    assert readings[0].format == "unix_ms" and readings[0].unix_ns == 1746371930064 * 10**6
    assert all(r.ok for r in readings)
    assert all(A.epoch(1980) <= r.unix_ns <= A.epoch(2040) for r in readings if r.unix_ns is not None)
    scores = [r.score for r in readings]
    assert scores == sorted(scores, reverse=True)
    assert decode("1746371930")[0].format == "unix_s"
    assert decode("13390845530064940")[0].format == "chrome"


def test_decode_all_includes_pre_epoch_and_far_future() -> None:
    everything = decode("-1", all=True)
    assert any(r.format == "unix_s" and r.unix_ns == -10**9 for r in everything)
    narrow = decode("-1")
    assert not any(r.format == "unix_s" for r in narrow)
    far = decode("253402300799", all=True)  # 9999-12-31T23:59:59Z in Unix seconds
    assert any(r.format == "unix_s" and r.to_json()["utc"] == "9999-12-31T23:59:59.000000Z" for r in far)


def test_decode_window_is_configurable() -> None:
    readings = decode("1430407148", after="2025-01-01", before="2025-12-31")
    formats = {r.format for r in readings}
    assert "gps" in formats and "unix_s" not in formats
    gps = next(r for r in readings if r.format == "gps")
    assert gps.to_json()["utc"] == "2025-05-04T15:18:50.000000Z"


def test_decode_with_format_reports_errors() -> None:
    out = decode("ffffffffffffffff", format="filetime_be")
    assert len(out) == 1 and not out[0].ok and "outside the range of filetime_be" in (out[0].error or "")
    bad = decode("zz", format="gps")
    assert bad[0].error == "not a GPS time value"
    unknown = decode("1", format="gpx")
    assert unknown[0].error and "did you mean" in unknown[0].error


def test_decode_merges_identical_readings() -> None:
    readings = decode("1746371930064939")
    first = next(r for r in readings if r.unix_ns == 1746371930064939000)
    assert {first.format, *first.also} >= {"unix_us", "prtime"}


def test_encode_timediff32_table() -> None:
    rows = {e.format: e for e in encode("2025-05-04T15:18:50.064939Z")}
    assert rows["unix_s"].decimal == str(T_S)
    assert rows["unix_s"].be_hex == "6817855a" and rows["unix_s"].le_hex == "5a851768"
    assert rows["unix_hex_le"].text == "5a851768"
    assert rows["filetime_le"].text == "aed19dd607bddb01" and rows["filetime_be"].text == "01dbbd07d69dd1ae"
    assert rows["chrome"].decimal == "13390845530064939"
    assert rows["dos_le"].text == "597aa45a" and rows["fat_date_time"].text == "a45a597a"
    assert rows["exfat"].text == "5aa47a59"
    assert rows["gsm"].text == "52504051810500"
    assert rows["nokia"].text == "d19d0f5a" and rows["nokia_plus1"].text == "d19d0f59"
    assert (rows["ole_auto"].text or "").startswith("45781.63807945531")
    assert "ga_cookie" not in rows
    assert {e.format for e in rows.values() if e.error} == {"stardate_tng", "stardate_tos"}  # ranges start 2265+


def test_encode_with_offset_writes_local_wall_clock() -> None:
    rows = {e.format: e for e in encode("2025-05-04T17:18:50+02:00")}
    assert rows["unix_s"].decimal == str(T_S)
    assert rows["dos_le"].text == "598aa45a"  # 17:18:50 local
    dt = datetime(2025, 5, 4, 17, 18, 50, tzinfo=timezone(timedelta(hours=2)))
    assert {e.format: e.text for e in encode(dt)}["dos_le"] == "598aa45a"
    zone = {e.format: e for e in encode("2025-05-04T17:18:50 Europe/Berlin")}
    assert zone["unix_s"].decimal == str(T_S)


def test_encode_out_of_range_says_so() -> None:
    rows = {e.format: e for e in encode("2200-01-01T00:00:00Z")}
    assert rows["unix_hex_be"].error and "outside the range" in rows["unix_hex_be"].error
    assert rows["unix_s"].error is None


def test_parse_when() -> None:
    assert parse_when("2025-05-04T15:18:50.123456789Z") == (T_S * 10**9 + 123456789,) * 2
    assert parse_when("2025-05-04") == (A.epoch(2025, 5, 4),) * 2
    assert parse_when("2025-05-04 17:18:50+0200")[0] == T_S * 10**9
    with pytest.raises(UsageError):
        parse_when("yesterday")
    with pytest.raises(UsageError):
        parse_when("2025-02-30")


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


def test_arith_calendar() -> None:
    assert A.days_from_civil(1970, 1, 1) == 0
    assert A.civil_from_days(A.days_from_civil(2000, 2, 29)) == (2000, 2, 29)
    assert A.days_from_civil(1, 1, 1) == -719_162
    assert A.days_from_civil(0, 1, 1) == -719_528
    assert A.div_round_half_even(5, 2) == 2 and A.div_round_half_even(7, 2) == 4
    assert A.div_round_half_even(-5, 2) == -2
    assert A.decimal_text(A.parse_decimal("1.50"), 3) == "1.5"
    with pytest.raises(ValueError):
        A.civil_ns(2023, 2, 29)


@pytest.mark.parametrize("value", ["9" * 5000, "", " ", "0x", "-", "1e999999", "nan", "inf", "\x00\xff",
                                   "1" * 300, "0x" + "f" * 4000, "1.5.6", "GA1.2.3", "@", ":", ","])
def test_hostile_values_never_raise(value: str) -> None:
    for reading in decode(value, all=True):
        assert reading.ok
    for name in ("unix_s", "ole_auto", "gsm", "ulid", "horolog", "ext4", "biome_hex", "julian_date"):
        out = decode(value, format=name)
        assert out and all(r.ok or r.error for r in out)
        assert stamp(value, name).format == name


def test_huge_numbers_never_raise() -> None:
    assert stamp(10**400, "ole_le").error
    assert stamp(-(10**400), "unix_s").error
    assert stamp(10**400, "mac_absolute").error
    assert stamp(float("inf"), "mac_absolute").error
    assert all(r.ok for r in decode(10**30, all=True))
