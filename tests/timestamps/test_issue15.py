"""Issue 15: both GPS conventions with the timediff32 seed's numbers, bytes as pasted from a hex editor,
calibrated field inference (random, too-short and zero data), hunt's per-format cap, and vectorised batch
decoding identical to value-by-value decoding."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import numpy as np
import pytest

from tests.timestamps.test_cli import jsonl, run
from trowel.timestamps import decode, encode, hunt, infer_fields, stamp
from trowel.timestamps.batch import decode_batch, utc_micro_text
from trowel.timestamps.decoding import decode_bytes
from trowel.timestamps.infer import TooFewRecords, infer_blob
from trowel.timestamps.when import to_ns

SMS_UTC = "2012-04-27T23:46:12"
SMS_NS = 1_335_570_372 * 10**9
GPS_PLAIN = 0x3CC5F244  # plain UTC seconds since 1980-01-06 (the post's value)


def test_two_gps_conventions_and_the_seed_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    rows = {e.format: e for e in encode(SMS_UTC + "Z")}
    assert (rows["gps_utc"].decimal, rows["gps_utc"].be_hex, rows["gps_utc"].le_hex) == (
        str(GPS_PLAIN), "3cc5f244", "44f2c53c")
    assert rows["gps"].be_hex == "3cc5f253"  # true GPS time: 15 leap seconds ahead in 2012
    assert rows["gps"].note is not None and "15 leap seconds" in rows["gps"].note
    assert rows["gps_utc"].note is not None and "no leap seconds" in rows["gps_utc"].note
    code, lines, _ = run(["time", "encode", SMS_UTC], capsys)
    line = next(x for x in lines if x.startswith("gps_utc "))
    assert code == 0 and "3CC5F244" in line and "44F2C53C" in line
    assert stamp(GPS_PLAIN, "gps_utc").unix_ns == SMS_NS
    assert stamp(GPS_PLAIN, "gps").unix_ns == SMS_NS - 15 * 10**9


def test_hunt_finds_the_seed_within_five_seconds() -> None:
    data = bytes(range(7)) + bytes.fromhex("44f2c53c") + bytes(9) + bytes.fromhex("3cc5f244") + b"\xff" * 5
    hits = list(hunt(data, "2012-04-27T23:46:07Z", "2012-04-27T23:46:17Z"))
    found = {(h.offset, h.format, h.byteorder) for h in hits if h.width == 4}
    assert (7, "gps_utc", "little") in found and (20, "gps_utc", "big") in found
    assert all(h.unix_ns == SMS_NS for h in hits if h.format == "gps_utc" and h.width == 4)
    assert not any(h.format == "gps" for h in hits)  # true GPS time puts the value at 23:45:57


def test_decode_bytes_tries_both_byte_orders(capsys: pytest.CaptureFixture[str]) -> None:
    readings = decode_bytes(bytes.fromhex("44f2c53c"))
    plain = [r for r in readings if r.format == "gps_utc" and r.unix_ns == SMS_NS]
    assert len(plain) == 1 and "read LE" in plain[0].raw_text
    assert any(r.format == "gps" and r.unix_ns == SMS_NS - 15 * 10**9 for r in readings)
    # a fixed-order format is read in its own order and reversed
    hfs = [r for r in decode_bytes(bytes.fromhex("44f2c53c"), format="hfs_plus_be", all=True)]
    assert {r.raw for r in hfs} == {0x44F2C53C, 0x3CC5F244}
    code, lines, _ = run(["time", "decode", "--bytes", "44 f2 c5 3c", "--json"], capsys)
    rows = jsonl(lines)
    assert code == 0 and any(r["format"] == "gps_utc" and r["utc"] == SMS_UTC + ".000000Z" for r in rows)
    # the bytes pasted without --bytes: read both ways too (hex with a letter cannot be a decimal number)
    code, lines, _ = run(["time", "decode", "44f2c53c", "--json"], capsys)
    rows = jsonl(lines)
    assert code == 0 and any(r["format"] == "gps_utc" and r["utc"] == SMS_UTC + ".000000Z" for r in rows)
    code, _, err = run(["time", "decode", "--bytes", "44f2c5"], capsys)
    assert code == 1 and err.count("\n") == 1 and err.startswith("trowel: no reading of '44f2c5'")


def test_fields_on_random_bytes_and_too_few_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(15)
    records = [rng.randbytes(16) for _ in range(60)]
    assert [g for g in infer_fields(records=records) if g.confidence > 0.5] == []
    size, guesses = infer_blob(rng.randbytes(40_000))
    assert [g for g in guesses if g.confidence > 0.5] == []
    # zeros read as times sit at the formats' epochs (Cocoa 2001-01-01 for biome_hex ...): dropped
    assert infer_blob(bytes(4096), record_size=32) == (32, [])
    # real times, but only 16 records: no guess
    base = 1_335_570_372
    short = [struct.pack(">I", base - 315_964_800 + i * 61) + rng.randbytes(8) for i in range(16)]
    with pytest.raises(TooFewRecords, match=r"too few records \(16\)"):
        infer_fields(records=short)
    path = tmp_path / "short.bin"
    path.write_bytes(b"".join(short))
    code, _, err = run(["time", "fields", str(path), "--record-size", "12"], capsys)
    assert code == 1 and err.startswith("trowel: too few records (16)")


def test_fields_find_plain_gps_records_ordered_by_offset() -> None:
    rng = random.Random(3)
    start = GPS_PLAIN
    records = [struct.pack("<I", start + i * 37) + rng.randbytes(4) + struct.pack("<Q", (SMS_NS // 10**6) + i * 37_000)
               for i in range(40)]
    guesses = infer_fields(records=records, after="2012-01-01", before="2013-01-01")
    top = {g.field: g for g in guesses if g.confidence > 0.5}
    assert top[8].format == "unix_ms" and top[0].byteorder == "little"
    # the same bytes are plain UTC seconds since 1980 or true GPS time: both named, the data cannot tell
    assert {top[0].format, *top[0].also} >= {"gps", "gps_utc"}
    assert top[0].first_utc in (SMS_UTC + ".000000Z", "2012-04-27T23:45:57.000000Z")
    confident = [g for g in guesses if g.confidence > 0.5]
    for a, b in zip(confident, confident[1:], strict=False):
        assert round(a.confidence, 2) > round(b.confidence, 2) or a.field <= b.field  # type: ignore[operator]


def test_hunt_cap_summarises(tmp_path: Path) -> None:
    value = struct.pack("<Q", SMS_NS // 10**6)
    data = b"".join(value + b"\x00" * 8 for _ in range(50))
    notes: list[str] = []
    hits = [h for h in hunt(data, "2012-04-27T00:00:00Z", "2012-04-28T00:00:00Z", formats=["unix_ms"], cap=7,
                            notes=notes)]
    assert len(hits) == 7 and all(h.offset % 16 == 0 and h.unix_ns == SMS_NS // 10**6 * 10**6 for h in hits)
    assert notes == ["unix_ms: 7 hits listed, about 93 more in the window not listed (per-format cap; narrow the "
                     "window or choose --format)"]
    assert len(list(hunt(data, "2012-04-27T00:00:00Z", "2012-04-28T00:00:00Z", formats=["unix_ms"], cap=None))) == 100


@pytest.mark.parametrize("fmt", ["unix_s", "unix_ms", "unix_us", "unix_ns", "chrome", "ldap", "gps", "gps_utc",
                                 "tai_s", "cocoa", "unix_days", "twitter", "discord", "sas_date"])
def test_batch_is_identical_to_value_by_value(fmt: str) -> None:
    rng = np.random.default_rng(15)
    values = [str(v) for v in rng.integers(-(10**18), 10**18, 200)] + [str(v) for v in rng.integers(0, 10**13, 200)]
    values += ["0", "-1", "abc", "0x10", "99999999999999999999", "1483228817", "1483228818", "1483228799",
               "315964800", "1746371930064939123", "+5", "1_000", " 7 ", ""]
    result = decode_batch(values, fmt)
    texts = utc_micro_text(result)
    for i, value in enumerate(values):
        want = stamp(value, fmt)
        assert result.unix_ns(i) == want.unix_ns, (fmt, value)
        if want.unix_ns is not None:
            assert texts[i] == decode(value, format=fmt)[0].to_json()["utc"]


def test_batch_cli_text_shows_nanoseconds_and_a_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ns.txt"
    path.write_text("1746371930064939123\n1746371930064939000\n")
    code, lines, _ = run(["time", "decode", "--batch", str(path), "--format", "unix_ns"], capsys)
    assert code == 0 and lines[0].split()[:3] == ["line", "input", "score"]
    assert "2025-05-04T15:18:50.064939123Z" in lines[1] and "2025-05-04T15:18:50.064939Z" in lines[2]


def test_ranked_decode_shortcuts_change_nothing() -> None:
    """decode() skips linear readings whose raw lies outside the window's raw bounds and parses a text once
    for every plain decimal linear format: the readings are those of --all, cut to the window."""
    rng = random.Random(21)
    values: list[str | int] = [str(rng.randrange(0, 10 ** rng.randrange(1, 20))) for _ in range(60)]
    values += [str(-rng.randrange(0, 10**12)) for _ in range(10)] + [rng.randbytes(8).hex() for _ in range(10)]
    values += ["44f2c53c", "1746371930064939123", "0x3CC5F244", "1335570372", rng.randrange(0, 2**63)]
    for after, before in (("2012-04-27", "2012-04-28"), ("1980-01-01", "2040-01-01")):
        a, b = to_ns(after), to_ns(before)
        for value in values:
            ranked = [r.to_json() for r in decode(value, after=after, before=before)]
            everything = [r.to_json() for r in decode(value, after=after, before=before, all=True)
                          if r.unix_ns is not None and a <= r.unix_ns <= b]
            assert ranked == everything, value
