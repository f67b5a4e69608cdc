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

import orjson

from trowel.model.values import datetime_to_ns, iso_ns, iso_utc, ns_to_datetime
from trowel.report.casedata import CaseData, encode
from trowel.report.registry import Writer, register_writer
from trowel.report.summary import clip, describe_parts, record_times, source_parts

FILE_TIMES = (("mtime_ns", "file modified"), ("atime_ns", "file accessed"), ("ctime_ns", "file changed"),
              ("crtime_ns", "file created"))
CSV_FIELDS = ["message", "datetime", "timestamp_desc", "timestamp", "kind", "app", "package", "state",
              "record_id", "evidence", "source", "path", "table", "rowid", "page", "offset", "region",
              "raw_time", "time_format", "clock", "datetime_ns", "confidence", "sha256", "size"]


_DESCS: dict[tuple[str, str], str] = {}


def _desc(kind: str, field: str) -> str:
    known = _DESCS.get((kind, field))
    if known is None:
        known = _make_desc(kind, field)
        if len(_DESCS) < 10_000:
            _DESCS[(kind, field)] = known
    return known


def _make_desc(kind: str, field: str) -> str:
    name = field.replace("_", " ")
    return f"{kind.replace('_', ' ')} {name}" if name != "time" else f"{kind.replace('_', ' ')} time"


_DAYS: dict[str, int] = {}  # "YYYY-MM-DD" -> Unix ns of that midnight (one datetime parse per day seen)


def _day_ns(day: str) -> int | None:
    ns = _DAYS.get(day)
    if ns is None:
        try:
            ns = datetime_to_ns(datetime.fromisoformat(day).replace(tzinfo=UTC))
        except ValueError:
            return None
        if len(_DAYS) < 100_000:
            _DAYS[day] = ns
    return ns


def parse_instant(text: Any) -> tuple[int, str] | None:
    """Unix ns of a record time's ``utc``/``utc_ns`` text (YYYY-MM-DDTHH:MM:SS[.fraction]Z) and its sort key
    (the same instant with nine fraction digits, which sorts in time order for every year 1-9999, unlike an
    int64); None if malformed."""
    if not isinstance(text, str) or len(text) < 20 or not text.endswith("Z") or text[10] != "T" \
            or text[13] != ":" or text[16] != ":":
        return None
    frac = text[20:-1] if text[19] == "." else ""
    if frac and not (frac.isdigit() and frac.isascii()):
        return None
    clock = text[11:13] + text[14:16] + text[17:19]
    day = _day_ns(text[:10]) if clock.isdigit() and clock.isascii() else None
    if day is None:
        return None
    hour, minute, second = int(clock[:2]), int(clock[2:4]), int(clock[4:])
    if hour > 23 or minute > 59 or second > 59:
        return None
    frac9 = (frac + "000000000")[:9]
    ns = day + ((hour * 60 + minute) * 60 + second) * 1_000_000_000 + int(frac9)
    return ns, f"{text[:19]}.{frac9}Z"


def iso_to_ns(text: Any) -> int | None:
    """Unix ns of a record time's ``utc``/``utc_ns`` text; None if malformed."""
    parsed = parse_instant(text)
    return None if parsed is None else parsed[0]


def sort_key(ns: int) -> str:
    """A text key that sorts in time order for every representable date (years 1-9999), unlike an int64."""
    return iso_ns(ns)


def record_events(record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Timeline lines of one record: (sort key, line, the HTML timeline's ``parts,record_id,source parts]``)."""
    src = record.get("source") or {}
    parts = describe_parts(record)
    message = parts.text()
    label = None
    rest = ""
    for field, when in record_times(record):
        parsed = parse_instant(when.get("utc_ns") or when["utc"])
        if parsed is None:
            continue
        ns, key = parsed
        raw = when.get("raw")
        if label is None:
            where = source_parts(record)
            label = where.text()
            rest = markup_safe_json([parts, record.get("id"), where])[1:]
        line = {
            "message": message, "datetime": when["utc"], "timestamp_desc": _desc(str(record.get("kind")), field),
            "timestamp": ns // 1000, "kind": record.get("kind"), "app": record.get("app"),
            "package": record.get("package"), "state": record.get("state"), "record_id": record.get("id"),
            "evidence": src.get("evidence"), "source": label, "path": src.get("path"),
            "table": src.get("table"), "rowid": src.get("rowid"), "page": src.get("page"),
            "offset": src.get("offset"), "region": src.get("region"),
            "raw_time": raw if not isinstance(raw, dict | list) else json.dumps(raw),
            "time_format": when.get("format"), "clock": when.get("clock"),
            "confidence": record.get("confidence"),
        }
        if when.get("utc_ns"):
            line["datetime_ns"] = when["utc_ns"]
        yield key, {k: v for k, v in line.items() if v is not None}, rest


FILE_COLUMNS = ("evidence", "path", "entry_kind", "deleted", "package", "sha256", "size",
                *(column for column, _ in FILE_TIMES))
_UNKNOWN = object()


class FileTimes:
    """The text forms of a file time (ISO UTC, sort key, nanosecond ISO when the time has digits below the
    microsecond, the datetime as markup-safe JSON), memoised: an inventory repeats its times (an archive's
    members often share one), and this runs once per file."""

    LIMIT = 100_000

    def __init__(self) -> None:
        self.known: dict[Any, tuple[str, str, str | None, str] | None] = {}

    def __call__(self, ns: Any) -> tuple[str, str, str | None, str] | None:
        found = self.known.get(ns, _UNKNOWN)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
        value: tuple[str, str, str | None, str] | None
        try:
            number = int(ns)
            when = ns_to_datetime(number)
        except (OverflowError, ValueError):
            value = None
        else:
            text = iso_utc(when)
            value = (text, sort_key(number), iso_ns(number) if number % 1000 else None, markup_safe_json(text))
        if len(self.known) >= self.LIMIT:
            self.known.clear()
        self.known[ns] = value
        return value


def file_events(row: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Timeline lines of one inventory entry, one per known file time."""
    for key, line, rest, *_ in file_lines(tuple(row.get(name) for name in FILE_COLUMNS), FileTimes()):
        yield key, line, rest


FileLine = tuple[str, dict[str, Any], str, str, list[Any], tuple[str, str, str, str]]


def file_lines(values: tuple[Any, ...], times: FileTimes) -> Iterator[FileLine]:
    """Timeline lines of one inventory entry given as the values of FILE_COLUMNS, one per known file time:
    (sort key, line, the HTML timeline's ``parts,record_id,source parts]``, the datetime as markup-safe JSON,
    the line's CSV_FIELDS values, its HTML_COLUMNS texts): the forms the sort table keeps, made directly."""
    evidence, path, entry_kind, deleted, package, sha256, size = values[:7]
    rest = ""
    message = ""
    state = "deleted" if deleted else "live"
    for (_, desc), ns in zip(FILE_TIMES, values[7:], strict=True):
        if ns is None:
            continue
        known = times(ns)
        if known is None:
            continue
        text, key, nano, dt_json = known
        if not rest:
            kind_text = entry_kind or "file"
            message = f"{kind_text} {path}" + (" (deleted)" if deleted else "")
            shown = clip(path)  # as Parts.value: the HTML timeline's pieces, words and evidence values
            what = [f"{kind_text} ", shown, " (deleted)"] if deleted else [f"{kind_text} ", shown]
            rest = markup_safe_json([what, None, ["", clip(str(evidence)), ":", shown]])[1:]
        line = {"message": message, "datetime": text, "timestamp_desc": desc, "timestamp": int(ns) // 1000,
                "kind": "file"}
        if package is not None:
            line["package"] = package
        line["state"] = state
        if evidence is not None:
            line["evidence"] = evidence
        line["source"] = f"{evidence}:{path}"
        line["path"] = path
        line["raw_time"] = ns
        line["time_format"] = "unix_ns"
        line["clock"] = "utc"
        if sha256 is not None:
            line["sha256"] = sha256
        if size is not None:
            line["size"] = size
        if nano is not None:
            line["datetime_ns"] = nano
        csv_values = [message, text, desc, line["timestamp"], "file", None, package, state, None, evidence,
                      line["source"], path, None, None, None, None, None, ns, "unix_ns", "utc", nano, None, sha256, size]
        yield key, line, rest, dt_json, csv_values, (desc, "file", "", state)


HTML_COLUMNS = (("desc", "timestamp_desc"), ("kind", "kind"), ("app", "app"), ("state", "state"))


class _Echo:
    """A file for csv.writer whose write() returns the text: writerow() then returns the row's text."""

    @staticmethod
    def write(text: str) -> str:
        return text


class _CsvText:
    """One timeline CSV row as text (the csv module's quoting, ``\r\n`` line ends)."""

    def __init__(self) -> None:
        self.writer = csvlib.writer(_Echo())

    def __call__(self, line: dict[str, Any]) -> str:
        return self.row([line.get(name) for name in CSV_FIELDS])

    def row(self, values: list[Any]) -> str:
        """The CSV text of a line given as its CSV_FIELDS values."""
        return str(self.writer.writerow(values))


def _build_sorted(case: CaseData, path: Path) -> None:
    """The sort table: each line once in every form a writer needs (JSONL text, CSV text, the HTML timeline's
    row pieces), so no writer parses the lines again."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE ev (ns TEXT, seq INTEGER, line TEXT, csv TEXT, dt TEXT, desc TEXT, kind TEXT,"
                   " app TEXT, state TEXT, rest TEXT)")
        batch: list[tuple[Any, ...]] = []
        csv_text = _CsvText()
        times = FileTimes()
        seq = 0
        for record in case.records():
            for ns, line, rest in record_events(record):
                seq += 1
                batch.append((ns, seq, encode(line), csv_text(line), markup_safe_json(line["datetime"]),
                              *(str(line.get(key) or "") for _, key in HTML_COLUMNS), rest))
            if len(batch) >= 20_000:
                db.executemany("INSERT INTO ev VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                batch = []
        for values in case.file_values(FILE_COLUMNS):  # the inventory: every form made directly from the row
            for ns, line, rest, dt_json, csv_values, html in file_lines(values, times):
                seq += 1
                batch.append((ns, seq, encode(line), csv_text.row(csv_values), dt_json, *html, rest))
            if len(batch) >= 20_000:
                db.executemany("INSERT INTO ev VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                batch = []
        db.executemany("INSERT INTO ev VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        db.execute("CREATE INDEX ev_order ON ev(ns, seq)")
        db.commit()
    finally:
        db.close()


def json_text(value: Any) -> str:
    """ASCII JSON in which no character can open or close markup (<, >, & escaped): safe inside the HTML
    report's data files."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def markup_safe_json(value: Any) -> str:
    """UTF-8 JSON in which no character can open or close markup (<, >, & escaped): for the HTML report's
    timeline data file (``json_text`` when orjson refuses the value)."""
    try:
        text = orjson.dumps(value).decode("utf-8")
    except TypeError:
        return json_text(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _sorted(case: CaseData, columns: str) -> Iterator[tuple[Any, ...]]:
    """Rows of the sort table, oldest first (ties keep store order). The table is built once per CaseData in
    its scratch folder and shared by the writers that need it (timeline files, HTML)."""
    path = case.scratch() / "timeline.sqlite"
    if not path.exists():
        partial = path.with_name("timeline.partial.sqlite")
        partial.unlink(missing_ok=True)
        _build_sorted(case, partial)
        partial.rename(path)
    db = sqlite3.connect(path)
    try:
        yield from db.execute(f"SELECT {columns} FROM ev ORDER BY ns, seq")
    finally:
        db.close()


def sorted_events(case: CaseData) -> Iterator[dict[str, Any]]:
    """Every timeline line of the case, oldest first (ties keep store order)."""
    for text in sorted_lines(case):
        yield json.loads(text)


def sorted_lines(case: CaseData) -> Iterator[str]:
    """The timeline lines as JSON text, oldest first."""
    for (text,) in _sorted(case, "line"):
        yield text


def html_rows(case: CaseData) -> Iterator[tuple[str, str, str, str, str, str]]:
    """The HTML timeline's pieces of every line, oldest first: (datetime as JSON, desc, kind, app, state,
    the rest of the row: ``message,record_id,source]`` as markup-safe JSON)."""
    yield from _sorted(case, "dt, desc, kind, app, state, rest")


def write_timeline(case: CaseData) -> list[Path]:
    jsonl = case.root / "timeline.jsonl"
    csv_path = case.root / "timeline.csv"
    with open(jsonl, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as jstream, \
            open(csv_path, "w", encoding="utf-8", errors="backslashreplace", newline="") as cstream:
        cstream.write(",".join(CSV_FIELDS) + "\r\n")
        jbuf: list[str] = []
        cbuf: list[str] = []
        for text, row in _sorted(case, "line, csv"):
            jbuf.append(text)
            cbuf.append(row)
            if len(jbuf) >= 4096:
                jstream.write("\n".join(jbuf) + "\n")
                cstream.write("".join(cbuf))
                jbuf, cbuf = [], []
        if jbuf:
            jstream.write("\n".join(jbuf) + "\n")
            cstream.write("".join(cbuf))
    return [jsonl, csv_path]


def parse_datetime(text: str) -> datetime:
    """Parse a timeline ``datetime`` value (ISO 8601, UTC) as Timesketch does."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


register_writer(Writer("timeline", "timeline.jsonl and timeline.csv (Timesketch import format)", 20, write_timeline))
