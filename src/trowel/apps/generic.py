"""Generic extraction: the app files no app spec claims, stored as ``generic_row`` records.

For every SQLite database, XML shared-preferences file and JSON file inside an app's storage that no
registered app spec reads, every table row (live and recovered by the SQLite engine) or preference key
becomes a :class:`~trowel.model.GenericRow`. The timestamp toolkit names the columns that hold times and
their format (field inference over the column's values); the AED's predictions (stored by the APK stage as
``evidence_file`` records) tag columns with the evidence types static analysis predicted for that file.
"""

from __future__ import annotations

import fnmatch
import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from trowel.apps.prefs_xml import read_prefs
from trowel.apps.registry import AppSpec, load_specs
from trowel.case.context import ExamineContext, Stage, register_stage
from trowel.errors import TrowelError
from trowel.evidence.android import AndroidLocation, locate
from trowel.evidence.base import Entry, EntryKind, EvidenceSource
from trowel.model import Finding, GenericRow, Provenance, State, TimeValue
from trowel.progress import progress_bar
from trowel.sqlite import SqliteRecord, recover
from trowel.sqlite.schema import TableSchema
from trowel.timestamps import ColumnType, type_table
from trowel.timestamps.columns import name_class
from trowel.timestamps.decoding import decode

SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_SQLITE_BYTES = 2 << 30
MAX_TEXT_BYTES = 32 << 20
MIN_TIME_CONFIDENCE = 0.5
TIME_WINDOW_AFTER = datetime(2005, 1, 1, tzinfo=UTC)
COMPANIONS = ("-wal", "-journal")
SKIP_SUFFIXES = ("-wal", "-journal", "-shm")
# Formats apps use for times in preference values (others decode plausibly by accident too often).
PREF_TIME_FORMATS = frozenset({"unix_s", "unix_ms", "unix_us", "unix_ns", "unix_s_fraction", "chrome", "prtime", "cocoa"})
TIME_NAME = re.compile(r"(time|date|_ts$|^ts_|stamp|last_|_at$|expire|created|modified|updated)", re.I)


@dataclass
class Candidate:
    """One unclaimed app file: where it is and what kind of container it looks like."""

    evidence: str
    entry: Entry
    location: AndroidLocation
    container: str  # sqlite | xml | json
    companions: dict[str, Entry] = field(default_factory=dict)


@dataclass
class Prediction:
    types: list[str]
    columns: dict[str, list[str]]


def _claimed(spec_index: dict[str, list[AppSpec]], loc: AndroidLocation) -> bool:
    """True when an app spec reads this file (its package and one of its path globs)."""
    if loc.package is None:
        return False
    rel = loc.app_relative
    for spec in spec_index.get(loc.package, []):
        if rel is not None and any(fnmatch.fnmatch(rel, g) for g in spec.app_paths):
            return True
        if loc.area == "external":
            tail = loc.canonical.split("/", 2)[-1]
            if any(fnmatch.fnmatch(tail, g) for g in spec.external_paths):
                return True
    return False


def _container(entry: Entry, source: EvidenceSource) -> str | None:
    """sqlite | xml | json by the first bytes and the name; None for anything else (read errors propagate)."""
    name = PurePosixPath(entry.path).name
    if name.endswith(SKIP_SUFFIXES):
        return None
    with source.open(entry) as stream:
        head = stream.read(64)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if name.endswith(".xml") and stripped.startswith(b"<"):
        return "xml"
    if name.endswith(".json") or stripped[:1] in (b"{", b"["):
        return "json" if stripped[:1] in (b"{", b"[") else None
    return None


def find_candidates(ctx: ExamineContext) -> list[Candidate]:
    """Every unclaimed SQLite/XML/JSON file in app storage, once per canonical path (per Android user)."""
    specs = load_specs()
    spec_index: dict[str, list[AppSpec]] = defaultdict(list)
    for spec in specs.values():
        for package in spec.packages:
            spec_index[package].append(spec)
    out: list[Candidate] = []
    seen: set[str] = set()
    for evidence_id, source in ctx.sources.items():
        entries = {e.path: e for e in source.entries() if e.kind is EntryKind.FILE and e.readable}
        for path, entry in entries.items():
            if entry.size == 0:  # nothing to read (checked first: a large archive may hold a million of them)
                continue
            loc = locate(path)
            if loc.package is None or loc.area not in ("internal", "device_protected", "external"):
                continue
            if loc.canonical in seen or _claimed(spec_index, loc):
                continue
            limit = MAX_SQLITE_BYTES if "databases/" in path else MAX_TEXT_BYTES
            if entry.size > limit:
                continue
            try:
                kind = _container(entry, source)
            except (TrowelError, OSError, EOFError, ValueError) as exc:
                ctx.warn(f"generic extraction: cannot read the file's first bytes ({exc})", evidence_id, path,
                         "generic")
                continue
            if kind is None:
                continue
            seen.add(loc.canonical)
            companions = {s: entries[path + s] for s in COMPANIONS if path + s in entries}
            out.append(Candidate(evidence_id, entry, loc, kind, companions))
    return out


def _predictions(ctx: ExamineContext) -> dict[tuple[str, str], Prediction]:
    """AED matches stored by the APK stage, by (evidence id, path)."""
    out: dict[tuple[str, str], Prediction] = {}
    for record in ctx.store.records("evidence_file"):
        key = (str(record.get("source", {}).get("evidence", "")), str(record.get("path", "")))
        pred = out.setdefault(key, Prediction([], {}))
        pred.types = sorted(set(pred.types) | set(record.get("types") or []))
        for table, columns in (record.get("columns") or {}).items():
            pred.columns[table] = sorted(set(pred.columns.get(table, [])) | set(columns))
    return out


def _evidence_types(pred: Prediction | None, table: str | None) -> dict[str, list[str]]:
    if pred is None or not pred.types:
        return {}
    columns = pred.columns.get(table or "", [])
    if columns:
        return {column: pred.types for column in columns}
    return {"*": pred.types}


def _window_before() -> datetime:
    return datetime.now(UTC) + timedelta(days=366)


def time_columns(columns: list[str], rows: list[list[Any]], table: str | None = None,
                 schema: TableSchema | None = None, context: str | None = None) -> dict[str, ColumnType]:
    """Which columns hold timestamps, in which format and why (the timestamp toolkit's column typing:
    identifiers, versions, hashes, durations and counts are recognised first)."""
    typed = column_types(columns, rows, table, schema, context)
    return {name: t for name, t in typed.items() if t.is_time and t.confidence >= MIN_TIME_CONFIDENCE}


def column_types(columns: list[str], rows: list[list[Any]], table: str | None = None,
                 schema: TableSchema | None = None, context: str | None = None) -> dict[str, ColumnType]:
    """Every column typed (time or not, with the reason)."""
    if not rows:
        return {}
    declared: list[str | None] | None = None
    keys: list[str] = []
    if schema is not None:
        by_name = dict(zip(schema.columns, schema.types, strict=False))
        declared = [by_name.get(c) for c in columns]
        keys = [k for k in (schema.ipk, *schema.pk_columns) if k]
    return type_table(columns, rows, table=table, declared_types=declared, primary_key=keys, context=context,
                      after=TIME_WINDOW_AFTER, before=_window_before())


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return str(value)
    return value


def sqlite_rows(ctx: ExamineContext, cand: Candidate, source: EvidenceSource, scratch: Path,
                pred: Prediction | None) -> Iterator[GenericRow]:
    db = source.materialize(cand.entry, scratch, "db.sqlite")
    for suffix, companion in cand.companions.items():
        source.materialize(companion, scratch, "db.sqlite" + suffix)
    result = recover(db)
    by_table: dict[str | None, list[SqliteRecord]] = defaultdict(list)
    for rec in result.iter_records():
        by_table[rec.table].append(rec)
    # warnings and findings are complete once the records were read; findings say why deleted rows may be
    # missing (freed space zeroed, auto-vacuum) or were set aside
    for warning in result.warnings:
        ctx.warn(f"sqlite: {warning}", cand.evidence, cand.entry.path, "generic")
    for message in result.findings:
        ctx.store.add(Finding(source=Provenance(evidence=cand.evidence, path=cand.entry.path),
                              app=cand.location.package, package=cand.location.package, user=cand.location.user,
                              finding="sqlite_recovery", message=message, severity="notice"))
    for table, records in by_table.items():
        columns = records[0].columns
        every = column_types(columns, [r.values for r in records], table, result.schema.get(table or ""),
                             cand.location.package)
        typed = {c: t for c, t in every.items() if t.is_time and t.confidence >= MIN_TIME_CONFIDENCE}
        ctx.log("generic column types", {"evidence": cand.evidence, "path": cand.entry.path, "table": table},
                {c: t.to_json() for c, t in every.items()})
        reasons = {c: {"format": t.format, "reason": t.reason} for c, t in typed.items()}
        types = _evidence_types(pred, table)
        for rec in records:
            values = {c: _json_value(v) for c, v in zip(rec.columns, rec.values, strict=False)}
            times = {c: got for c, t in typed.items() if (got := t.stamp(values.get(c))) is not None}
            yield GenericRow(
                source=Provenance(evidence=cand.evidence, path=cand.entry.path, table=table, rowid=rec.rowid,
                                  page=rec.page if rec.state != "live" else None,
                                  offset=rec.offset if rec.state != "live" else None,
                                  region=rec.region, frame=rec.frame, detail=rec.note),
                state=State(rec.state), confidence=rec.confidence, package=cand.location.package,
                user=cand.location.user, container="sqlite", table=table, values=values,
                time_fields=times, evidence_types=types, time=_first_time(times),
                raw={"partial": True, "time_columns": reasons} if rec.partial else {"time_columns": reasons},
            )


def _first_time(times: dict[str, TimeValue]) -> TimeValue | None:
    for value in times.values():
        if value.unix_ns is not None:
            return value
    return None


def _guess_time(key: str, value: Any) -> TimeValue | None:
    """A preference value that is plausibly a timestamp: a time-like key name or a typical digit count."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    text = str(value).strip()
    if not re.fullmatch(r"-?\d{9,19}(\.\d+)?", text):
        return None
    if name_class(key)[0] is not None:  # ttl_millis, version_code, *_id ...: not a time whatever the digits
        return None
    digits = len(text.split(".")[0].lstrip("-"))
    if not TIME_NAME.search(key) and digits not in (10, 13, 16, 19):
        return None
    readings = [r for r in decode(text, after=TIME_WINDOW_AFTER, before=_window_before())
                if r.ok and r.format in PREF_TIME_FORMATS]
    return readings[0].time_value() if readings else None


def _key_rows(cand: Candidate, table: str, items: list[tuple[str, str, Any]],
              pred: Prediction | None) -> Iterator[GenericRow]:
    types = _evidence_types(pred, None)
    for key, kind, value in items:
        when = _guess_time(key, value)
        times = {"value": when} if when is not None else {}
        yield GenericRow(
            source=Provenance(evidence=cand.evidence, path=cand.entry.path, detail=f"key {key}"),
            package=cand.location.package, user=cand.location.user, container=cand.container, table=table,
            values={"key": key, "type": kind, "value": value}, time_fields=times, evidence_types=types,
            time=when, confidence=1.0 if when is None else 0.7,
        )


def xml_items(data: bytes) -> list[tuple[str, str, Any]]:
    """Keys of an Android shared-preferences file: (name, type, value as stored); see ``read_prefs``."""
    return read_prefs(data).items


def json_items(data: bytes) -> list[tuple[str, str, Any]]:
    """Top-level keys of a JSON document (nested values kept as compact JSON text)."""
    doc = json.loads(data.decode("utf-8-sig"))
    pairs = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else [("", doc)]
    items: list[tuple[str, str, Any]] = []
    for key, value in pairs:
        if isinstance(value, dict | list):
            items.append((str(key), type(value).__name__, json.dumps(value, ensure_ascii=False)))
        else:
            items.append((str(key), type(value).__name__, value))
    return items


def _read_bounded(source: EvidenceSource, entry: Entry) -> bytes:
    with source.open(entry) as stream:
        return bytes(stream.read(MAX_TEXT_BYTES + 1))[:MAX_TEXT_BYTES]


def extract_candidate(ctx: ExamineContext, cand: Candidate, scratch: Path,
                      pred: Prediction | None) -> Iterator[GenericRow]:
    source = ctx.sources[cand.evidence]
    if cand.container == "sqlite":
        yield from sqlite_rows(ctx, cand, source, scratch, pred)
        return
    data = _read_bounded(source, cand.entry)
    name = PurePosixPath(cand.entry.path).name
    if cand.container == "xml":
        parsed = read_prefs(data)
        for warning in parsed.warnings:
            ctx.warn(f"generic extraction: {warning}", cand.evidence, cand.entry.path, "generic")
        items = parsed.items
    else:
        items = json_items(data)
    yield from _key_rows(cand, name, items, pred)


def run_generic(ctx: ExamineContext) -> None:
    predictions = _predictions(ctx)
    candidates = find_candidates(ctx)
    counts: dict[str, int] = defaultdict(int)
    with progress_bar("generic extraction", total=len(candidates)) as bar:
        for number, cand in enumerate(candidates):
            scratch = ctx.scratch / "generic" / str(number)
            pred = predictions.get((cand.evidence, cand.entry.path))
            try:
                for row in extract_candidate(ctx, cand, scratch, pred):
                    ctx.store.add(row)
                    counts[cand.container] += 1
            except (TrowelError, ET.ParseError, ValueError, UnicodeDecodeError, OSError, EOFError) as exc:
                ctx.warn(f"generic extraction failed: {exc}", cand.evidence, cand.entry.path, "generic")
            bar.advance()
    ctx.store.flush()
    ctx.log("generic", None, {"files": len(candidates), "rows": dict(counts)})


register_stage(Stage("generic", 35, run_generic))
