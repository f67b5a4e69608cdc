"""Ranked batch decoding (issue 15): ``decode_many`` gives exactly the readings ``decode`` gives value by
value -- formats, instants, scores, notes, merged ``also`` and order -- on a mixed corpus."""

from __future__ import annotations

import json
import random
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from tests.timestamps.test_cli import run
from trowel.cli import time as time_cli
from trowel.cli.main import main
from trowel.timestamps import decode
from trowel.timestamps.base import Raw
from trowel.timestamps.catalog import all_formats, get_format
from trowel.timestamps.columnar import linear_instants
from trowel.timestamps.decoding import read
from trowel.timestamps.linear import LinearFormat
from trowel.timestamps.ranked import decode_many, decode_ranked
from trowel.timestamps.rankrules import digit_blind
from trowel.timestamps.when import to_ns

# 2085-2090 is where Google ei readings of digit texts fall (their first byte is 0xD0 or more); 1900-1910 where
# OLE doubles of digits do (a first byte 0x40, then 0x9.: 1,024 to 2,048 days), all instants within int64
WINDOWS = (("1980-01-01", "2040-01-01"), ("2012-04-27", "2012-04-28"), ("1601-01-01", "2400-01-01"),
           ("2085-01-01", "2090-01-01"), ("1900-01-01", "1910-01-01"))
INSTANTS = ("2012-04-27T23:46:12Z", "2025-05-04T15:18:50.064939123Z", "1999-12-31T23:59:59.5Z")


def _corpus() -> list[Raw]:
    rng = random.Random(1515)
    values: list[Raw] = []
    for bits in range(1, 65):  # integers of every width, both signs, as text
        low, high = 1 << (bits - 1), (1 << bits) - 1
        for _ in range(3):
            number = rng.randint(low, high)
            values += [str(number), str(-number)]
    values += [str(rng.randrange(10**19, 10**25)) for _ in range(6)]  # beyond int64
    for when in INSTANTS:  # every format's own text form of instants inside the windows
        unix_ns = to_ns(when)
        for fmt in all_formats():
            try:
                raw = fmt.encode_raw(unix_ns)
            except Exception:  # noqa: BLE001 - outside that format's range or decode only
                continue
            values.append(fmt.to_text(raw))
            if isinstance(raw, int) and not isinstance(raw, bool):
                values += [str(raw + 1), str(raw - 1), f"0x{raw:x}" if raw >= 0 else str(raw)]
    values += [rng.randbytes(width).hex() for width in (2, 4, 6, 7, 8, 8, 10, 12, 16) for _ in range(2)]
    values += [rng.randbytes(8).hex().upper(), "44f2c53c", "0x3CC5F244", "3cc5f244", "1335570372", " 1335570372 ",
               "+1335570372", "1335570372.25", "1e9", "-0", "0", "00000000", "0000000000000000", "", "  ", "abc",
               "2012-04-27T23:46:12Z", "1" * 300, " " * 300 + "1335570372", "１２３４５", "12_345_678",
               "4611686018427387904", "-9223372036854775808", "9223372036854775807", "9223372036854775808",
               "18446744073709551615"]
    values += [1335570372, 1335570372064, -5, 0, 2**63 - 1, 2**64, 1335570372.5, float("nan"), float("inf"),
               True, struct.pack(">I", 0x3CC5F244), struct.pack("<Q", 634710000000000000)]
    values += [str(1_700_000_000_000 + i * 937) for i in range(40)]  # one group of many values
    values += ["".join(rng.choice("0123456789") for _ in range(rng.randint(6, 20))) for _ in range(200)]
    values += _digit_readings(rng)
    values += values[:25]  # repeats
    return values


# formats whose readings of digit texts the batch rules out by conditions on the bytes (rankrules)
DIGIT_FORMATS = ("jet_logtime", "mysql_datetime", "sqlserver", "sqlserver_le", "pcap_le", "pcap_be", "xfs_inode",
                 "dos_le", "fat_date_time", "exfat", "dvr", "bitdate", "dttm", "bitwise_decimal", "leb128_hex")


def _digit_readings(rng: random.Random) -> list[Raw]:
    """Texts of decimal digits alone that read in those formats (and as OLE, Biome hex, LEB128 doubles and
    varints) inside the windows: found by encoding instants at whole seconds and days, and made by hand."""
    out: list[Raw] = []
    start, end = to_ns("1981-01-01"), to_ns("2039-12-31")
    for name in DIGIT_FORMATS[:-1]:
        fmt = get_format(name)
        found = 0
        for _ in range(1500):
            instant = rng.randrange(start, end) // 86_400_000_000_000 * 86_400_000_000_000 + \
                rng.choice((0, rng.randrange(86_400) * 1_000_000_000))
            try:
                text = fmt.to_text(fmt.encode_raw(instant))
            except Exception:  # noqa: BLE001 - outside the format's range
                continue
            if name == "mysql_datetime" and text.endswith("000000"):
                text = text[:10]  # the 5-byte head alone (whole seconds): a 10-digit text
            if text.isdigit() and text not in out:
                out.append(text)
                found += 1
                if found == 3:
                    break
    # OLE days 1024 (1902-10-20, the window to 2400), Biome 2**26 s (2003-02-16), both byte orders (the other
    # order a tiny double, or 2**145: outside); LEB128 ms
    out += ["4090000000000000", "0000000000009040", "4190000000000000", "0000000000009041", "9999999999500000",
            "4090000000000049", "4900000000009040", "4900000000009041", "0000888300100000", "0000100083880000",
            "808080808019", "999999999929", "899980898059", "80808080801900"]
    # hex texts that read as ULID, Bluesky s32 and Google ei in 1980-2040, and signed digit texts as Google ei in
    # 2085-2090 ('-' is base64url's 62) -- found by a seeded search over such texts with the formats' decoders
    out += ["00AcADc2a5", "01eB62DACa", "00D65CfAE8", "34d36d37a", "33cfb5ed4", "366ad2b62", "5d67c4Db", "b25ed285",
            "5644bF9d", "-967311007", "-217200232", "-224349226"]
    # Biome hex doubles of 0.5 (just over), 0.6 and 0.7 ns: past the tiny doubles that decode to the epoch itself
    out += ["3e012e0be826d695", "3e049da7e361ce4c", "3e080d43de9cc604"]
    return out


def test_decode_many_equals_decode_value_by_value() -> None:
    values = _corpus()
    assert len(values) > 1000
    for after, before in WINDOWS:
        batch = decode_many(values, after=after, before=before)
        assert len(batch) == len(values)
        readings = 0
        for value, got in zip(values, batch, strict=True):
            want = decode(value, after=after, before=before)
            assert got == want, (value, after, before)
            assert [r.to_json() for r in got] == [r.to_json() for r in want]
            readings += len(want)
        assert readings > 300  # the corpus reads as many things in every window (409 in the narrow one)


def _encode(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def test_columns_equal_decode_value_by_value() -> None:
    """The columnar result itself: ``readings(i)``, the counts and the JSON text made from the columns are
    ``decode``'s, value by value, in all four windows; most values are held in columns, not as lists."""
    values = _corpus()
    for after, before in WINDOWS:
        batch = decode_ranked(values, after=after, before=before)
        assert len(batch) == len(values)
        texts = batch.readings_json()
        counts = batch.counts().tolist()
        for i, value in enumerate(values):
            want = decode(value, after=after, before=before)
            assert batch.readings(i) == want, (value, after, before)
            assert counts[i] == len(want)
            assert texts[i] == _encode([r.to_json() for r in want]), (value, after, before)
        columns = sum(batch.listed(i) is None for i in range(len(values)))
        # the plain integer texts (1,070 of the 1,569, less one with a raw past int64 inside the bounds); in
        # the window to 2400 those with a reading past 2262 (beyond int64 nanoseconds) are decoded whole
        assert columns > (350 if before == "2400-01-01" else 1060), columns
        assert len(batch.rows) > 130


def test_columns_of_one_group_merge_and_order() -> None:
    """Facts of the 13-digit column the bench uses: unix_ms first, the twitter/discord/instagram snowflakes,
    two raws of gmail_id; equal instants merged into ``also`` exactly as decode merges them."""
    values = [str(1_700_000_000_000 + i * 937) for i in range(300)]
    batch = decode_ranked(values)
    assert not batch.lists  # every value held in columns
    for i in (0, 1, 150, 299):
        got = batch.readings(i)
        assert got == decode(values[i])
        assert got[0].format == "unix_ms" and got[0].unix_ns == (1_700_000_000_000 + i * 937) * 1_000_000
    assert batch.counts().tolist() == [len(decode(v)) for v in values]
    merged = [r for i in range(0, 300, 37) for r in batch.readings(i) if r.also]
    assert merged == [r for i in range(0, 300, 37) for r in decode(values[i]) if r.also]


def test_decode_many_equals_every_reading_cut_to_the_window() -> None:
    """Against decode(all=True), which takes no shortcut at all, on a part of the corpus."""
    values = _corpus()[::7]
    after, before = WINDOWS[0]
    a, b = to_ns(after), to_ns(before)
    for value, got in zip(values, decode_many(values, after=after, before=before), strict=True):
        everything = [r.to_json() for r in decode(value, after=after, before=before, all=True)
                      if r.unix_ns is not None and a <= r.unix_ns <= b]
        assert [r.to_json() for r in got] == everything, value


def test_decode_many_known_value() -> None:
    got = decode_many(["1335570372", "1335570372", "1700000000000"])
    assert got[0] == got[1]
    assert got[0][0].format == "unix_s" and got[0][0].unix_ns == 1_335_570_372_000_000_000
    assert got[2][0].format == "unix_ms" and got[2][0].unix_ns == 1_700_000_000_000_000_000
    assert [r.format for r in got[2]] == [r.format for r in decode("1700000000000")]


def test_cli_batch_without_format_is_decode_line_by_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``decode --batch`` ranks every line with decode_many, a block at a time (blocks of 2 here): each JSON
    line holds the readings ``decode`` gives that value; a line without a reading makes exit 1."""
    monkeypatch.setattr(time_cli, "RANKED_BLOCK_LINES", 2)
    values = ["1335570372", "1700000000000", "44f2c53c", "zzz", "1335570372", "-5", "0x3CC5F244"]
    path = tmp_path / "values.txt"
    path.write_text("\n".join(values) + "\n\n")
    code, lines, err = run(["time", "decode", "--batch", str(path), "--json"], capsys)
    assert code == 1 and "1 of 7 values without a reading" in err
    rows = [json.loads(line) for line in lines]
    assert [row["line"] for row in rows] == [1, 2, 3, 4, 5, 6, 7]
    for row, value in zip(rows, values, strict=True):
        assert row["input"] == value
        assert row["readings"] == [r.to_json() for r in decode(value)]
    assert rows[0]["readings"][0]["format"] == "unix_s" and rows[0]["readings"][0]["utc"] == "2012-04-27T23:46:12.000000Z"
    assert rows[3]["readings"] == []


def _batch_lines(values: list[str], as_json: bool) -> list[str]:
    """What ``decode --batch`` wrote before the columns: ``decode`` line by line."""
    out = [] if as_json else [f"{'line':<6} {'input':<24} {time_cli.READING_HEADER}"]
    for number, value in enumerate(values, 1):
        readings = decode(value)
        if as_json:
            out.append(_encode({"line": number, "input": value, "readings": [r.to_json() for r in readings]}))
        else:
            best = next((r for r in readings if r.ok), None)
            shown = time_cli._reading_line(best) if best else "no reading in the window"
            out.append(f"{number:<6} {value:<24} {shown}")
    return out


@pytest.mark.parametrize("as_json", [True, False])
def test_cli_batch_output_is_byte_for_byte_decode_line_by_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch, as_json: bool) -> None:
    """JSON Lines and text written from the columns are the bytes ``decode`` line by line gives, over the
    corpus's texts (blocks of 500 lines: several blocks, repeats across blocks)."""
    monkeypatch.setattr(time_cli, "RANKED_BLOCK_LINES", 500)
    values = [v.strip() for v in _corpus() if isinstance(v, str) and v.strip() and v.isprintable()]
    assert len(values) > 1300
    path = tmp_path / "values.txt"
    path.write_text("\n".join(values) + "\n", encoding="utf-8")
    try:
        code = main(["time", "decode", "--batch", str(path)] + (["--json"] if as_json else []))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    assert captured.out == "\n".join(_batch_lines(values, as_json)) + "\n"
    without = sum(not decode(v) for v in values)
    assert code == 1 and f"{without} of {len(values)} values without a reading" in captured.err


def test_digit_blind_patterns_match_every_digit_text_of_a_shape_alike() -> None:
    """``digit_blind``: a pattern whose every character test treats the ten digits alike matches digit texts
    of one length and sign alike (one member answers for a group); a digit literal, a class with some digits,
    a back-reference or a look-ahead make it False."""
    assert digit_blind(re.compile(r"-?\d{1,20}")) and digit_blind(re.compile(r"[-0-9A-Za-z_]{20}|[-0-9A-Za-z_]{8}"))
    assert digit_blind(re.compile(r"c[0-9a-z]{8}[0-9a-z]*")) and digit_blind(re.compile(r"[^x]+"))
    for pattern in (r"[2-7a-z]{9}", r"1-[0-9a-fA-F]{8}", r"0001[0-9a-fA-F]{12}", r"(\d)\1", r"(?=1)\d+", r"[^5]+"):
        assert not digit_blind(re.compile(pattern)), pattern
    rng = random.Random(7)
    patterns = {fmt.regex for fmt in all_formats() if hasattr(fmt, "regex")}
    blind = [p for p in patterns if digit_blind(p)]
    assert len(blind) >= 15
    for length in range(1, 31):
        for sign in ("", "-"):
            texts = [sign + "".join(rng.choice("0123456789") for _ in range(length)) for _ in range(6)]
            for pattern in blind:
                assert len({pattern.fullmatch(t) is not None for t in texts}) == 1, (pattern.pattern, texts)


def test_linear_instants_at_every_range_edge_are_read() -> None:
    """The columns' instants of a linear format's raws (numpy, read() where numpy is not exact) equal read()
    at and around both ends of every linear format's range (the edges are compared as seconds and
    nanoseconds) and around zero."""
    checked = 0
    for fmt in all_formats():
        if not isinstance(fmt, LinearFormat):
            continue
        bounds = fmt.raw_bounds(fmt.min_ns, fmt.max_ns)
        assert bounds is not None
        raws = sorted({r for edge in (*bounds, 0) for r in range(edge - 3, edge + 4) if -(1 << 63) <= r < 1 << 63})
        instants, ok, beyond = linear_instants(fmt, np.array(raws, dtype=np.int64))
        for raw, unix_ns, good, past in zip(raws, instants.tolist(), ok.tolist(), beyond.tolist(), strict=True):
            want = read(fmt, raw)
            fits = want.ok and want.unix_ns is not None and -(1 << 63) <= want.unix_ns < 1 << 63
            assert (good, past) == (fits, want.ok and not fits), (fmt.name, raw)
            if good:
                assert unix_ns == want.unix_ns, (fmt.name, raw)
            checked += 1
    assert checked > 700
