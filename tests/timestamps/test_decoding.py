"""stamp (the parsers' entry point) and decode: ranking, windows, errors, hostile input."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest

from trowel.model.values import Clock, TimeValue
from trowel.timestamps import arith as A
from trowel.timestamps import decode, stamp

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


@pytest.mark.parametrize("value", [0, 1, -1, 1_746_371_930, 1_746_371_930_064, 1_746_371_930_064_939,
                                   1_746_371_930_064_939_000, 133908455300649390, 2**63, -(2**63), 10**30])
def test_stamp_integer_fast_path_agrees_with_the_full_path(value: int) -> None:
    from trowel.timestamps import all_formats
    from trowel.timestamps.decoding import to_time_value

    for fmt in all_formats():
        fast, full = stamp(value, fmt.name), to_time_value(value, fmt.name)
        assert (fast.unix_ns, fast.clock, fast.format) == (full.unix_ns, full.clock, full.format), fmt.name
        assert (fast.error is None) == (full.error is None), fmt.name
