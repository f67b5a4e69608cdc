"""Varints, serial types and records, checked against values SQLite itself wrote."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import pytest

from trowel.errors import SqliteFormatError
from trowel.sqlite.record import (
    RecordError,
    decode_record,
    encode_varint,
    parse_header,
    read_varint,
    serial_for_value,
    serial_size,
    signed64,
    varint_length,
)


@pytest.mark.parametrize("value", [0, 1, 127, 128, 240, 2287, 16383, 16384, 2**21, 2**28 - 1, 2**35, 2**56 - 1,
                                   2**56, 2**63, 2**64 - 1])
def test_varint_roundtrip(value: int) -> None:
    raw = encode_varint(value)
    assert len(raw) == varint_length(value)
    assert read_varint(raw + b"\xff", 0) == (value, len(raw))


def test_varint_known_bytes() -> None:
    assert encode_varint(0x81) == b"\x81\x01"
    assert read_varint(b"\xff" * 9, 0) == (2**64 - 1, 9)
    assert signed64(2**64 - 1) == -1
    with pytest.raises(RecordError):
        read_varint(b"\x81\x82", 0)


def test_serial_sizes() -> None:
    assert [serial_size(s) for s in range(10)] == [0, 1, 2, 3, 4, 6, 8, 8, 0, 0]
    assert serial_size(12) == 0 and serial_size(13) == 0 and serial_size(20) == 4 and serial_size(21) == 4
    assert serial_for_value(None) == 0 and serial_for_value(0) == 8 and serial_for_value(1) == 9
    assert serial_for_value(-129) == 2 and serial_for_value(2**40) == 5 and serial_for_value(2**50) == 6
    assert serial_for_value(1.5) == 7 and serial_for_value("ab") == 17 and serial_for_value(b"ab") == 16


def test_reserved_serial_types_rejected() -> None:
    with pytest.raises(SqliteFormatError):
        parse_header(b"\x02\x0a", 0)


def test_records_written_by_sqlite(tmp_path: Path) -> None:
    """Every serial type, read from a real page: decode_record equals what sqlite3 returns."""
    db = tmp_path / "r.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA page_size=4096")
    con.execute("CREATE TABLE t(v)")
    values = [None, 0, 1, -1, 127, -128, 32767, -32768, 2**23 - 1, -(2**23), 2**31 - 1, -(2**31), 2**47 - 1,
              -(2**47), 2**63 - 1, -(2**63), 3.25, -0.5, 1e300, "", "text ✓", b"", b"\x00\xff"]
    con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    con.commit()
    con.close()
    page = db.read_bytes()[4096:8192]
    ncells = struct.unpack(">H", page[3:5])[0]
    got = []
    for i in range(ncells):
        ptr = struct.unpack(">H", page[8 + 2 * i:10 + 2 * i])[0]
        plen, p = read_varint(page, ptr)
        _rowid, p = read_varint(page, p)
        got.append(decode_record(page[p:p + plen], "utf-8")[0])
    assert got == values
    assert [type(v) for v in got] == [type(v) for v in values]


def test_truncated_record_raises() -> None:
    with pytest.raises(RecordError):
        decode_record(b"\x02\x06\x00\x01", "utf-8")
