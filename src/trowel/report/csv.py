"""CSV exports: ``exports/<kind>.csv`` for every record kind, ``exports/files.csv`` for the inventory.

Columns: the common ones (id, kind, state, confidence, app, package, user, source_*) then every kind-specific
field in the order the records first show it. Time objects become four columns (``<f>_utc``, ``<f>_raw``,
``<f>_format``, ``<f>_clock``); lists and objects are written as JSON. Text is written exactly as stored
(no quoting tricks), so a spreadsheet program must open these files as text, not evaluate them.
"""

from __future__ import annotations

import csv as csvlib
import json
import re
from pathlib import Path
from typing import Any

from trowel.report.casedata import CaseData, is_time
from trowel.report.registry import Writer, register_writer

HEAD = ["id", "kind", "state", "confidence", "app", "package", "user"]
SOURCE = ["evidence", "path", "table", "rowid", "page", "offset", "region", "frame", "detail"]
FILE_COLUMNS = ["id", "evidence", "path", "entry_kind", "size", "sha256", "deleted", "mtime_ns", "atime_ns",
                "ctime_ns", "crtime_ns", "inode", "link_target", "canonical", "area", "user", "package", "note"]
_SAFE_KIND = re.compile(r"^[a-z0-9_]{1,64}$")


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """One CSV row of a record: source split into columns, times into utc/raw/format/clock."""
    row: dict[str, Any] = {k: record.get(k) for k in HEAD}
    src = record.get("source") or {}
    for key in SOURCE:
        row[f"source_{key}"] = src.get(key)
    for key, value in record.items():
        if key in HEAD or key == "source":
            continue
        if is_time(value):
            row[f"{key}_utc"] = value.get("utc")
            row[f"{key}_raw"] = _cell(value.get("raw"))
            row[f"{key}_format"] = value.get("format")
            row[f"{key}_clock"] = value.get("clock")
        else:
            row[key] = _cell(value)
    return row


def export_name(kind: str) -> str:
    """The file name of a kind's export; kinds that are not plain identifiers get a safe name."""
    return f"{kind}.csv" if _SAFE_KIND.match(kind) else "kind_" + "".join(f"{ord(c):x}" for c in kind)[:60] + ".csv"


_IS_TIME = ("(CASE WHEN j.type = 'object' THEN json_type(j.value, '$.format') IS NOT NULL"
            " AND json_type(j.value, '$.raw') IS NOT NULL AND json_type(j.value, '$.utc') IS NOT NULL ELSE 0 END)")


def kind_columns(case: CaseData, kind: str) -> list[str]:
    """The CSV columns of one kind, in first-seen order, found by SQLite's JSON functions (no record is
    decoded in Python for this): a field that holds a time object in any record gets the four time columns,
    a field that holds anything else in any record gets its own column."""
    case.store.flush()
    columns: dict[str, None] = dict.fromkeys(HEAD + [f"source_{k}" for k in SOURCE])
    rows = case.store.db.execute(
        f"SELECT j.key, max({_IS_TIME}), max(NOT {_IS_TIME}) FROM records r, json_each(r.json) j"
        " WHERE r.kind = ? GROUP BY j.key ORDER BY min(r.id * 4294967296 + j.id)", (kind,))
    for key, has_time, has_other in rows:
        if key in HEAD or key == "source":
            continue
        if has_time:
            columns.update(dict.fromkeys(f"{key}_{part}" for part in ("utc", "raw", "format", "clock")))
        if has_other:
            columns[key] = None
    return list(columns)


def write_kind(case: CaseData, kind: str, folder: Path) -> Path:
    columns = kind_columns(case, kind)
    path = folder / export_name(kind)
    with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
        writer = csvlib.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        for record in case.records(kind):
            writer.writerow(flatten(record))
    return path


def write_csv(case: CaseData) -> list[Path]:
    folder = case.root / "exports"
    folder.mkdir(exist_ok=True)
    written = [write_kind(case, kind, folder) for kind in case.kinds()]
    files = folder / "files.csv"
    with open(files, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
        writer = csvlib.DictWriter(stream, fieldnames=FILE_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in case.files():
            writer.writerow(row)
    written.append(files)
    return written


register_writer(Writer("csv", "exports/<kind>.csv for every record kind and exports/files.csv", 40, write_csv))
