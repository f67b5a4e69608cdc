"""`trowel time decode|encode|hunt|fields|formats`: values asserted, exit codes, bad input."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest

from tests.timestamps import record_files as rf
from trowel.cli.main import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    try:
        code = main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def jsonl(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def test_decode_ranked_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(["time", "decode", "1746371930064", "--json"], capsys)
    rows = jsonl(lines)
    assert code == 0
    assert rows[0]["format"] == "unix_ms" and rows[0]["utc"] == "2025-05-04T15:18:50.064000Z"
    assert rows[0]["clock"] == "utc" and rows[0]["raw"] == 1746371930064 and rows[0]["input"] == "1746371930064"


def test_decode_text_and_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(["time", "decode", "597aa45a", "--format", "msdos"], capsys)
    assert code == 0 and len(lines) == 2 and lines[0].split() == ["score", "format", "utc", "clock", "reading"]
    assert "dos_le" in lines[1] and "2025-05-04T15:18:50.000000Z" in lines[1] and "local" in lines[1]


def test_decode_hex_forms(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(["time", "decode", "0x6817855a", "-f", "unix_s", "--json"], capsys)
    assert code == 0 and jsonl(lines)[0]["utc"] == "2025-05-04T15:18:50.000000Z"
    code, lines, _ = run(["time", "decode", "aed19dd607bddb01", "--json"], capsys)
    assert any(r["format"] == "filetime_le" and r["utc"] == "2025-05-04T15:18:50.064939Z" for r in jsonl(lines))


def test_decode_all_and_window(capsys: pytest.CaptureFixture[str]) -> None:
    _, narrow, _ = run(["time", "decode", "-1", "--json"], capsys)
    _, everything, _ = run(["time", "decode", "-1", "--all", "--json"], capsys)
    assert not any(r["format"] == "unix_s" for r in jsonl(narrow))
    assert any(r["format"] == "unix_s" and r["utc"] == "1969-12-31T23:59:59.000000Z" for r in jsonl(everything))
    _, lines, _ = run(["time", "decode", "1430407148", "--after", "2025-01-01", "--before", "2026-01-01",
                       "--json"], capsys)
    assert jsonl(lines)[0]["format"] == "gps"


def test_decode_unknown_format_lists_matches(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(["time", "decode", "1", "--format", "unix_sec"], capsys)
    assert code == 2 and lines == []
    assert err.startswith("usage: trowel time decode ")  # the usage of the command the option was given to
    assert err.splitlines()[-1].startswith("trowel time decode: unknown timestamp format 'unix_sec'; did you mean "
                                           "unix_s")


def test_decode_out_of_range_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(["time", "decode", "ffffffffffffffff", "--format", "filetime_be"], capsys)
    assert code == 1 and "outside the range of filetime_be (1601-01-01 .. 9999-12-31)" in lines[1]
    assert err == ("trowel: no valid reading of 'ffffffffffffffff' as filetime_be: outside the range of "
                   "filetime_be (1601-01-01 .. 9999-12-31)\n")


def test_decode_batch_lines_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "values.txt"
    plain.write_text("1746371930\n\nnot-a-time\n1700000000\n")
    code, lines, _ = run(["time", "decode", "--batch", str(plain), "--format", "unix_s", "--json"], capsys)
    rows = jsonl(lines)
    assert code == 0
    assert [(r["line"], r["input"]) for r in rows] == [(1, "1746371930"), (3, "not-a-time"), (4, "1700000000")]
    assert rows[0]["readings"][0]["utc"] == "2025-05-04T15:18:50.000000Z"
    assert rows[1]["readings"][0]["error"] == "not a Unix Seconds value"
    table = tmp_path / "calls.csv"
    table.write_text("id,when\n1,1746371930064\n2,1700000000000\n")
    code, lines, _ = run(["time", "decode", "--batch", str(table), "--column", "when", "--all", "--json"], capsys)
    rows = jsonl(lines)
    assert [r["line"] for r in rows] == [2, 3]
    assert any(x["format"] == "unix_ms" and x["utc"] == "2023-11-14T22:13:20.000000Z" for x in rows[1]["readings"])
    assert len(rows[1]["readings"]) > 10  # --all: every reading of every format


def test_encode_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(["time", "encode", "2025-05-04T17:18:50.064939+02:00", "--json"], capsys)
    rows = {r["format"]: r for r in jsonl(lines)}
    assert code == 0
    assert rows["unix_s"]["decimal"] == "1746371930"
    assert (rows["unix_s"]["be_hex"], rows["unix_s"]["le_hex"]) == ("6817855a", "5a851768")
    assert rows["filetime_le"]["text"] == "aed19dd607bddb01"
    assert rows["dos_le"]["text"] == "598aa45a"  # local clock: 17:18:50
    code, lines, _ = run(["time", "encode", "2025-05-04T15:18:50Z", "-f", "gps"], capsys)
    assert code == 0 and "1430407148" in lines[1]
    code, _, err = run(["time", "encode", "someday"], capsys)
    assert code == 2 and "cannot read date" in err


def test_hunt_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = bytes(range(40)) + struct.pack("<q", 1746371930064) + bytes(range(40, 60))
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    before = hashlib.sha256(data).hexdigest()
    code, lines, _ = run(["time", "hunt", str(path), "--after", "2025-05-04T15:00:00Z",
                          "--before", "2025-05-04T16:00:00Z", "--format", "unix_ms", "--json"], capsys)
    rows = jsonl(lines)
    assert code == 0
    assert {(r["offset"], r["width"], r["byteorder"]) for r in rows} == {(40, 8, "little"), (40, 6, "little")}
    assert all(r["utc"] == "2025-05-04T15:18:50.064000Z" for r in rows)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    code, _, err = run(["time", "hunt", str(tmp_path / "missing"), "--after", "2025-01-01", "--before",
                        "2025-02-01"], capsys)
    assert code == 1 and err.startswith("trowel: cannot read")


def test_fields_blob_values_and_anchor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records, _ = rf.fixed_le()
    blob = tmp_path / "records.bin"
    blob.write_bytes(b"".join(records))
    code, lines, _ = run(["time", "fields", str(blob), "--after", "2023-06-01", "--before", "2024-06-01",
                          "--json"], capsys)
    rows = jsonl(lines)
    assert code == 0 and rows[0]["record_size"] == 32
    assert {(r["field"], r["format"], r["width"], r["byteorder"]) for r in rows[:2]} == {
        (4, "unix_ms", 8, "little"), (20, "unix_s", 4, "little")}
    values = tmp_path / "column.txt"
    values.write_text("\n".join(str(1700000000000 + 60_000 * i) for i in range(30)))
    code, lines, _ = run(["time", "fields", str(values), "--values", "--json"], capsys)
    assert code == 0 and jsonl(lines)[0]["format"] == "unix_ms"
    data, anchor, rel = rf.anchored_blob()
    anchored = tmp_path / "messages.bin"
    anchored.write_bytes(data)
    code, lines, _ = run(["time", "fields", str(anchored), "--anchor", anchor.decode(), "--near",
                          "2023-11-15", "--days", "3", "--json"], capsys)
    top = jsonl(lines)[0]
    assert code == 0 and (top["field"], top["format"], top["width"]) == (rel, "unix_ms", 8)
    code, _, err = run(["time", "fields", str(anchored), "--anchor", "x"], capsys)
    assert code == 2 and "--near" in err


def test_formats_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(["time", "formats", "--json"], capsys)
    rows = jsonl(lines)
    assert code == 0 and len(rows) == 131
    gps = next(r for r in rows if r["name"] == "gps")
    assert gps["display"] == "GPS time" and gps["clock"] == "utc" and gps["range"] == "1980-01-06 .. 9999-12-31"
    code, lines, _ = run(["time", "formats"], capsys)
    assert code == 0 and len(lines) == 132 and lines[0].split() == ["name", "clock", "layout", "range", "display"]
    assert lines[1].startswith("unix_s ")


def test_fields_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_path = tmp_path / "calls.db"
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        db.execute("CREATE TABLE calls (id INTEGER, started INTEGER, who TEXT)")
        db.executemany("INSERT INTO calls VALUES (?, ?, ?)",
                       [(i, 1_700_000_000 + 3_600 * i, "x") for i in range(40)])
        db.commit()
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    code, lines, _ = run(["time", "fields", str(db_path), "--after", "2023-06-01", "--before", "2024-06-01",
                          "--json"], capsys)
    rows = jsonl(lines)
    assert code == 0 and (rows[0]["field"], rows[0]["format"]) == ("calls.started", "unix_s")
    assert rows[0]["first_utc"] == "2023-11-14T22:13:20.000000Z" and rows[0]["count"] == 40
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
