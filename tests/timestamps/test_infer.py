"""Field inference names the timestamp fields of generated record files (record_files.py)."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.timestamps import record_files as rf
from trowel.errors import EvidenceError, UsageError
from trowel.timestamps import FieldGuess, find_anchor_fields, infer_fields
from trowel.timestamps.infer import TooFewRecords, infer_blob, infer_sqlite

AFTER, BEFORE = "2023-06-01", "2024-06-01"


def named(guesses: list[FieldGuess], truth: list[rf.Truth]) -> None:
    got = {(g.field, g.format, g.width, g.byteorder) for g in guesses}
    for t in truth:
        assert (t.offset, t.format, t.width, t.byteorder) in got, (t, sorted(got, key=str))


@pytest.mark.parametrize("builder", [rf.fixed_le, rf.fixed_be, rf.variable])
def test_records_fields_named(builder: Callable[[], tuple[list[bytes], list[rf.Truth]]]) -> None:
    records, truth = builder()
    guesses = infer_fields(records=records, after=AFTER, before=BEFORE)
    named(guesses, truth)
    # the named fields are the best guesses, and nothing else overlaps them
    top = {(g.field, g.format) for g in guesses[: len(truth)]}
    assert top == {(t.offset, t.format) for t in truth}
    for g in guesses[: len(truth)]:
        assert g.share == 1.0 and g.monotonic > 0.9
        if g.width in (4, 8):
            assert g.lsb_fastest is True


def test_fixed_blob_record_size_found() -> None:
    records, truth = rf.fixed_le()
    size, guesses = infer_blob(b"".join(records), AFTER, BEFORE)
    assert size == 32
    named(guesses, truth)


def test_be_blob_record_size_found() -> None:
    records, truth = rf.fixed_be()
    size, guesses = infer_blob(b"".join(records), AFTER, BEFORE)
    assert size == 24
    named(guesses, truth)


def test_byte_order_from_lsb_rule() -> None:
    records, _ = rf.fixed_le()
    guesses = infer_fields(records=records, after=AFTER, before=BEFORE)
    ms = next(g for g in guesses if g.field == 4)
    assert (ms.format, ms.byteorder, ms.lsb_fastest) == ("unix_ms", "little", True)
    assert not any(g.field == 4 and g.byteorder == "big" for g in guesses)


def test_columns_like_sqlite() -> None:
    times = rf.times(200, 9)
    columns: list[list[Any]] = [
        [t // 10**6 for t in times],  # INTEGER unix ms
        [t // 1000 + 11_644_473_600_000_000 for t in times],  # INTEGER Chrome/WebKit us
        [(t - 978_307_200 * 10**9) / 1e9 for t in times],  # REAL Cocoa seconds
        [str(t // 10**9) for t in times],  # TEXT unix seconds
        [None, "", *[str(t // 10**6) for t in times[:50]]],  # nulls are ignored
        ["hello", "world"] * 20,  # not a timestamp
    ]
    guesses = infer_fields(columns=columns, after=AFTER, before=BEFORE)
    best: dict[int | str, FieldGuess] = {}
    for g in guesses:
        best.setdefault(g.field, g)
    assert best[0].format == "unix_ms"
    assert best[1].format == "chrome"
    assert best[2].format in ("mac_absolute", "cocoa")
    assert best[3].format == "unix_s"
    assert best[4].format == "unix_ms" and best[4].count == 50
    assert 5 not in best


def test_anchor_workflow() -> None:
    data, anchor, rel = rf.anchored_blob()
    guesses = find_anchor_fields(data, anchor.decode(), "2023-11-15T12:00:00Z", radius=64, days=3)
    top = guesses[0]
    assert (top.field, top.format, top.width, top.byteorder) == (rel, "unix_ms", 8, "little")
    assert top.count == 50 and top.monotonic == 1.0


def test_bad_input() -> None:
    with pytest.raises(UsageError):
        infer_fields()
    with pytest.raises(UsageError):
        infer_fields(records=[b"x"])
    assert infer_fields(columns=[[]]) == []
    with pytest.raises(TooFewRecords, match=r"too few records \(10\)"):
        infer_fields(records=[struct.pack("<I", 5)] * 10, after=AFTER, before=BEFORE)
    assert infer_fields(records=[struct.pack("<I", 5)] * 30, after=AFTER, before=BEFORE) == []


def test_sqlite_columns_and_evidence_untouched(tmp_path: Path) -> None:
    db_path = tmp_path / "msgstore.db"
    times = rf.times(120, 11)
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        db.execute("CREATE TABLE messages (_id INTEGER PRIMARY KEY, body TEXT, timestamp INTEGER, "
                   "received REAL, chrome_time INTEGER)")
        db.executemany("INSERT INTO messages (body, timestamp, received, chrome_time) VALUES (?, ?, ?, ?)",
                       [(f"m{i}", t // 10**6, (t - 978_307_200 * 10**9) / 1e9, t // 1000 + 11_644_473_600_000_000)
                        for i, t in enumerate(times)])
        db.commit()
    digest = hashlib.sha256(db_path.read_bytes()).hexdigest()
    guesses = infer_sqlite(db_path, AFTER, BEFORE)
    best: dict[int | str, FieldGuess] = {}
    for g in guesses:
        best.setdefault(g.field, g)
    assert best["messages.timestamp"].format == "unix_ms"
    assert best["messages.received"].format in ("mac_absolute", "cocoa")
    assert best["messages.chrome_time"].format == "chrome"
    assert "messages._id" not in best and "messages.body" not in best
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["msgstore.db"]
    with pytest.raises(EvidenceError):
        infer_sqlite(tmp_path / "missing.db")


def test_variable_blob_without_record_size() -> None:
    records, _ = rf.variable()
    size, guesses = infer_blob(b"".join(records), AFTER, BEFORE)
    assert size is None
    named = [(g.field, g.format, g.width, g.byteorder, g.count) for g in guesses]
    assert named[:2] == [("variable", "unix_us", 8, "little", 300), ("variable", "unix_s", 4, "little", 301)]
    assert len(guesses) == 2  # text read as numbers (ASCII is 2023 in BE seconds) is not reported
