"""Column typing (issue 15): identifiers, versions, hashes, resource ids, durations and counts are not
times; real time columns are typed in the right unit even with 0 / -1 / INT64_MAX in them."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fixtures.generic import play_services
from trowel.timestamps import ColumnType, type_column, type_table

AFTER = datetime(2005, 1, 1, tzinfo=UTC)
BEFORE = datetime(2027, 1, 1, tzinfo=UTC)


def _typed_db(path: Path, context: str | None = None) -> dict[tuple[str, str], ColumnType]:
    out: dict[tuple[str, str], ColumnType] = {}
    with contextlib.closing(sqlite3.connect(path)) as db:
        for table in play_services.TABLES:
            info = db.execute(f'PRAGMA table_info("{table}")').fetchall()
            columns = [r[1] for r in info]
            declared = [r[2] for r in info]
            keys = [r[1] for r in info if r[5]]
            rows = [list(r) for r in db.execute(f'SELECT * FROM "{table}"')]
            typed = type_table(columns, rows, table=table, declared_types=declared, primary_key=keys,
                               context=context, after=AFTER, before=BEFORE)
            out.update({(table, c): t for c, t in typed.items()})
    return out


def test_play_services_like_tables_are_typed_as_labelled(tmp_path: Path) -> None:
    db = play_services.build(tmp_path / "gms.db")
    typed = _typed_db(db, play_services.PKG)
    not_times = [k for k, v in play_services.LABELS.items() if v is None]
    times = {k: v for k, v in play_services.LABELS.items() if v is not None}
    assert len(not_times) == 53 and len(times) == 16
    wrong = {k: (typed[k].format, typed[k].reason) for k in not_times if typed[k].is_time}
    assert wrong == {}
    mistyped = {k: (typed[k].format, typed[k].reason) for k, fmt in times.items() if typed[k].format != fmt}
    assert mistyped == {}
    # text columns are never times
    assert not typed[("WorkSpec", "id")].is_time and not typed[("Flags", "name")].is_time
    # every answer carries its reason
    assert typed[("pending_ops", "_id")].reason.startswith("primary key")
    assert "a version" in typed[("pending_ops", "superpack_version")].reason
    assert "a hash" in typed[("pending_ops", "_hash_")].reason
    assert "duration" in typed[("pending_ops", "ttl_millis")].reason
    assert "duration" in typed[("pending_ops", "flex_time")].reason
    assert typed[("media", "flavor")].reason == "Android resource ids (0x7f......)"
    assert "hash" in typed[("jobs", "extra1")].reason
    assert "0 not-set" not in typed[("pending_ops", "last_runtime")].reason
    assert "15 not-set values set aside" in typed[("pending_ops", "last_runtime")].reason
    assert "no time name" not in typed[("jobs", "watermark")].reason and typed[("jobs", "watermark")].hinted is False


def test_not_set_values_neither_decide_the_unit_nor_flood_the_timeline() -> None:
    values = [0, 0, 1_690_000_000_000, 1_690_000_360_000, -1, (1 << 63) - 1, 1_690_100_000_000]
    typed = type_column("last_runtime", values, after=AFTER, before=BEFORE)
    assert typed.format == "unix_ms"
    assert "4 not-set values set aside" in typed.reason
    zero = typed.stamp(0)
    assert zero is not None and zero.unix_ns is None and zero.error == "not set (0)"
    never = typed.stamp((1 << 63) - 1)
    assert never is not None and never.error == "not set (INT64_MAX)"
    real = typed.stamp(1_690_000_000_000)
    assert real is not None and real.unix_ns == 1_690_000_000_000 * 1_000_000
    # without the name, zeros alone do not make 1970 win over a snowflake or push the column out
    assert type_column("col7", values, after=AFTER, before=BEFORE).format == "unix_ms"
    # only not-set values: the name's unit, else nothing
    assert type_column("sync_timestamp_ms", [0, 0, -1], after=AFTER, before=BEFORE).format == "unix_ms"
    assert type_column("col7", [0, 0, -1], after=AFTER, before=BEFORE).format is None


def test_name_hints_choose_the_unit_both_ways() -> None:
    ms = [1_690_000_000_000 + i * 1000 for i in range(10)]
    assert type_column("event_time_ms", ms, after=AFTER, before=BEFORE).format == "unix_ms"
    assert type_column("expiration_millis", ms, after=AFTER, before=BEFORE).format == "unix_ms"
    assert type_column("createdAt", [v // 1000 for v in ms], after=AFTER, before=BEFORE).format == "unix_s"
    assert type_column("start_nanos", [v * 1_000_000 for v in ms], after=AFTER, before=BEFORE).format == "unix_ns"
    # durations in ms named like ms are still durations
    for name in ("ttl_millis", "timeout_ms", "backoff_delay_ms", "session_duration", "sync_interval", "max_age",
                 "retry_period", "flex_time", "expires_in", "elapsed_realtime_millis"):
        typed = type_column(name, ms, after=AFTER, before=BEFORE)
        assert typed.format is None and "duration" in typed.reason, name


def test_identifiers_versions_counts_by_name() -> None:
    big = [1_690_000_000 + i * 7 for i in range(10)]  # would be Unix seconds in the window
    for name in ("id", "_id", "message_id", "typeResourceId", "pk", "seq", "parent", "version", "versionCode",
                 "superpack_version", "_hash_", "checksum", "retry_count", "payload_size", "times_contacted"):
        typed = type_column(name, big, after=AFTER, before=BEFORE)
        assert typed.format is None, (name, typed.reason)
    assert type_column("rowid_alias", big, primary_key=True, after=AFTER, before=BEFORE).format is None
    # a time-named column in a composite key is still a time
    assert type_column("event_timestamp", big, primary_key=True, after=AFTER, before=BEFORE).format == "unix_s"


def test_identifiers_by_value() -> None:
    resources = [0x7F080000 + i * 3 for i in range(20)]
    assert type_column("c2", resources, after=AFTER, before=BEFORE).reason.startswith("Android resource")
    hashes = [(-1) ** i * (123_456_789 + i * 98_765_431) for i in range(20)]
    assert "hash" in type_column("c3", hashes, after=AFTER, before=BEFORE).reason
    unsigned = [(i * 2_654_435_761) % (1 << 32) for i in range(1, 40)]
    assert "spread over the whole range" in type_column("c4", unsigned, after=AFTER, before=BEFORE).reason
    versions = [231818044] * 30  # Cocoa 2008, SAS/GPS plausible: one value and no time name
    assert type_column("c5", versions, after=AFTER, before=BEFORE).format is None


def test_snowflakes_only_for_ids_of_their_service() -> None:
    # Twitter ids of 2023 (timestamp 1.69e12 ms): (ms - epoch) << 22
    tweets = [((1_690_000_000_000 + i * 5000 - 1_288_834_974_657) << 22) + i for i in range(20)]
    assert type_column("status_id", tweets, context="com.example.reader", after=AFTER, before=BEFORE).format is None
    twitter = type_column("status_id", tweets, context="com.twitter.android", after=AFTER, before=BEFORE)
    assert twitter.format == "twitter" and "ids of twitter" in twitter.reason
    stamped = twitter.stamp(tweets[0])
    assert stamped is not None and stamped.unix_ns == 1_690_000_000_000 * 1_000_000
    # a plain unit that fits wins even in the service's own database
    ms = [1_690_000_000_000 + i for i in range(20)]
    assert type_column("created", ms, context="com.twitter.android", after=AFTER, before=BEFORE).format == "unix_ms"


def test_unnamed_columns_must_sit_near_the_tables_named_times() -> None:
    rows = [[1_690_000_000_000 + i * 1000, 1_200_000_000_000 + i * 99_000] for i in range(10)]
    typed = type_table(["created_ms", "c9"], rows, after=AFTER, before=BEFORE)
    assert typed["created_ms"].format == "unix_ms"
    assert typed["c9"].format is None and "5 years" in typed["c9"].reason


def test_fields_on_sqlite_types_the_date_column_not_the_ids(tmp_path: Path) -> None:
    from trowel.timestamps.infer import infer_sqlite

    path = tmp_path / "mmssms.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE messages (_id INTEGER PRIMARY KEY, thread_id INTEGER, date INTEGER, body TEXT)")
        db.executemany("INSERT INTO messages VALUES (?, ?, ?, ?)",
                       [(700_000_000 + i, 5, 1_335_570_372_000 + i * 60_000, f"m{i}") for i in range(30)])
        db.commit()
    guesses = infer_sqlite(path, "2010-01-01", "2030-01-01")
    assert [(g.field, g.format) for g in guesses] == [("messages.date", "unix_ms")]
    assert guesses[0].count == 30 and guesses[0].first_utc == "2012-04-27T23:46:12.000000Z"
    assert guesses[0].note is not None and "named as a time" in guesses[0].note


def test_fields_text_output_has_a_header_and_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.timestamps.test_cli import run

    path = tmp_path / "t.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE t (_id INTEGER PRIMARY KEY, version_code INTEGER, created_ms INTEGER)")
        db.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, 231818044, 1_700_000_000_000 + i) for i in range(5)])
        db.commit()
    code, lines, _ = run(["time", "fields", str(path)], capsys)
    assert code == 0 and lines[0].split()[:3] == ["confidence", "field", "format"] and len(lines) == 2
    assert "column t.created_ms" in lines[1] and "unix_ms" in lines[1] and "[named as a time in unix_ms" in lines[1]
    empty = tmp_path / "e.db"
    with contextlib.closing(sqlite3.connect(empty)) as db:
        db.execute("CREATE TABLE t (_id INTEGER PRIMARY KEY, version_code INTEGER)")
        db.execute("INSERT INTO t VALUES (1, 231818044)")
        db.commit()
    code, lines, err = run(["time", "fields", str(empty)], capsys)
    assert code == 1 and lines == [] and err == "trowel: no timestamp fields found in e.db\n"
