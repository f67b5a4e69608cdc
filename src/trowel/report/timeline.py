"""The timeline: ``timeline.jsonl`` and ``timeline.csv`` in Timesketch's import format.

One line per decoded time of every record (a call's time, a generic row's every timestamp column...) and per
file time of the inventory (modified, accessed, changed, created). Each line has ``message``, ``datetime``
(ISO 8601 UTC), ``timestamp_desc`` and ``timestamp`` (microseconds), plus fields naming the record and where
its bytes are. Lines are sorted by time through a scratch SQLite table, so memory stays flat however large
the case is.
"""

from __future__ import annotations

import csv as csvlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trowel.model.values import datetime_to_ns, iso_ns, iso_utc, ns_to_datetime
from trowel.report.casedata import CaseData
from trowel.report.registry import Writer, register_writer
from trowel.report.summary import describe, record_times, source_label

FILE_TIMES = (("mtime_ns", "file modified"), ("atime_ns", "file accessed"), ("ctime_ns", "file changed"),
              ("crtime_ns", "file created"))
CSV_FIELDS = ["message", "datetime", "timestamp_desc", "timestamp", "kind", "app", "package", "state",
              "record_id", "evidence", "source", "path", "table", "rowid", "page", "offset", "region",
              "raw_time", "time_format", "clock", "datetime_ns", "confidence", "sha256", "size"]


def _desc(kind: str, field: str) -> str:
    name = field.replace("_", " ")
    return f"{kind.replace('_', ' ')} {name}" if name != "time" else f"{kind.replace('_', ' ')} time"


def iso_to_ns(text: Any) -> int | None:
    """Unix ns of a record time's ``utc``/``utc_ns`` text (YYYY-MM-DDTHH:MM:SS[.fraction]Z); None if malformed."""
    if not isinstance(text, str) or len(text) < 20 or not text.endswith("Z"):
        return None
    frac = text[20:-1] if text[19] == "." else ""
    if not frac.isdigit() and frac:
        return None
    try:
        base = datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
    except ValueError:
        return None
    return datetime_to_ns(base) + int((frac + "000000000")[:9])


def sort_key(ns: int) -> str:
    """A text key that sorts in time order for every representable date (years 1-9999), unlike an int64."""
    return iso_ns(ns)


def record_events(record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Timeline lines of one record: (sort key, line)."""
    src = record.get("source") or {}
    message = describe(record)
    for field, when in record_times(record):
        ns = iso_to_ns(when.get("utc_ns") or when["utc"])
        if ns is None:
            continue
        raw = when.get("raw")
        line = {
            "message": message, "datetime": when["utc"], "timestamp_desc": _desc(str(record.get("kind")), field),
            "timestamp": ns // 1000, "kind": record.get("kind"), "app": record.get("app"),
            "package": record.get("package"), "state": record.get("state"), "record_id": record.get("id"),
            "evidence": src.get("evidence"), "source": source_label(record), "path": src.get("path"),
            "table": src.get("table"), "rowid": src.get("rowid"), "page": src.get("page"),
            "offset": src.get("offset"), "region": src.get("region"),
            "raw_time": raw if not isinstance(raw, dict | list) else json.dumps(raw),
            "time_format": when.get("format"), "clock": when.get("clock"),
            "confidence": record.get("confidence"),
        }
        if when.get("utc_ns"):
            line["datetime_ns"] = when["utc_ns"]
        yield sort_key(ns), {k: v for k, v in line.items() if v is not None}


def file_events(row: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Timeline lines of one inventory entry, one per known file time."""
    for column, desc in FILE_TIMES:
        ns = row.get(column)
        if ns is None:
            continue
        try:
            when = ns_to_datetime(int(ns))
        except (OverflowError, ValueError):
            continue
        state = "deleted" if row.get("deleted") else "live"
        line = {
            "message": f"{row.get('entry_kind') or 'file'} {row['path']}" + (" (deleted)" if row.get("deleted") else ""),
            "datetime": iso_utc(when), "timestamp_desc": desc, "timestamp": int(ns) // 1000, "kind": "file",
            "package": row.get("package"), "state": state, "evidence": row.get("evidence"),
            "source": f"{row.get('evidence')}:{row['path']}", "path": row["path"], "raw_time": ns,
            "time_format": "unix_ns", "clock": "utc", "sha256": row.get("sha256"), "size": row.get("size"),
        }
        if int(ns) % 1000:
            line["datetime_ns"] = iso_ns(int(ns))
        yield sort_key(int(ns)), {k: v for k, v in line.items() if v is not None}


def _build_sorted(case: CaseData, path: Path) -> None:
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE ev (ns TEXT, seq INTEGER, line TEXT)")
        batch: list[tuple[str, int, str]] = []

        def lines() -> Iterator[tuple[str, dict[str, Any]]]:
            for record in case.records():
                yield from record_events(record)
            for row in case.files():
                yield from file_events(row)

        for seq, (ns, line) in enumerate(lines(), start=1):
            batch.append((ns, seq, json.dumps(line, ensure_ascii=False, default=str)))
            if len(batch) >= 20_000:
                db.executemany("INSERT INTO ev VALUES (?, ?, ?)", batch)
                batch = []
        db.executemany("INSERT INTO ev VALUES (?, ?, ?)", batch)
        db.execute("CREATE INDEX ev_order ON ev(ns, seq)")
        db.commit()
    finally:
        db.close()


def sorted_events(case: CaseData) -> Iterator[dict[str, Any]]:
    """Every timeline line of the case, oldest first (ties keep store order)."""
    for text in sorted_lines(case):
        yield json.loads(text)


def sorted_lines(case: CaseData) -> Iterator[str]:
    """The timeline lines as JSON text, oldest first. The sort table is built once per CaseData in its
    scratch folder and shared by the writers that need it (timeline files, HTML)."""
    path = case.scratch() / "timeline.sqlite"
    if not path.exists():
        partial = path.with_name("timeline.partial.sqlite")
        partial.unlink(missing_ok=True)
        _build_sorted(case, partial)
        partial.rename(path)
    db = sqlite3.connect(path)
    try:
        for (text,) in db.execute("SELECT line FROM ev ORDER BY ns, seq"):
            yield text
    finally:
        db.close()


def write_timeline(case: CaseData) -> list[Path]:
    jsonl = case.root / "timeline.jsonl"
    csv_path = case.root / "timeline.csv"
    with open(jsonl, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as jstream, \
            open(csv_path, "w", encoding="utf-8", errors="backslashreplace", newline="") as cstream:
        writer = csvlib.DictWriter(cstream, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for text in sorted_lines(case):
            jstream.write(text + "\n")
            writer.writerow(json.loads(text))
    return [jsonl, csv_path]


def parse_datetime(text: str) -> datetime:
    """Parse a timeline ``datetime`` value (ISO 8601, UTC) as Timesketch does."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


register_writer(Writer("timeline", "timeline.jsonl and timeline.csv (Timesketch import format)", 20, write_timeline))
