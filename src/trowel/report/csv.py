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
import shutil
from pathlib import Path
from typing import Any

import orjson

from trowel.report.casedata import CaseData
from trowel.report.registry import Writer, register_writer

HEAD = ["id", "kind", "state", "confidence", "app", "package", "user"]
SOURCE = ["evidence", "path", "table", "rowid", "page", "offset", "region", "frame", "detail"]
FILE_COLUMNS = ["id", "evidence", "path", "entry_kind", "size", "sha256", "deleted", "mtime_ns", "atime_ns",
                "ctime_ns", "crtime_ns", "inode", "link_target", "canonical", "area", "user", "package", "note"]
_SKIP = frozenset(HEAD + ["source"])
_SAFE_KIND = re.compile(r"^[a-z0-9_]{1,64}$")


_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_PLAIN = (str, int, float, bool)


def _cell(value: Any) -> Any:
    """A cell: plain values as they are, lists and objects as compact JSON with sorted keys."""
    if value is None or type(value) in _PLAIN or isinstance(value, _PLAIN):
        return value
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError:  # lone surrogates, integers beyond 64 bits
        return _ENCODE(value)


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """One CSV row of a record: source split into columns, times into utc/raw/format/clock."""
    row: dict[str, Any] = {k: record.get(k) for k in HEAD}
    src = record.get("source") or {}
    for key in SOURCE:
        row[f"source_{key}"] = src.get(key)
    for key, value in record.items():
        if key in _SKIP:
            continue
        if type(value) is dict and "format" in value and "raw" in value and "utc" in value:
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


class _Segment:
    """Rows written while the column list had ``width`` columns (a scratch file of CSV text)."""

    def __init__(self, path: Path, width: int) -> None:
        self.path = path
        self.width = width
        self.stream = open(path, "w", encoding="utf-8", errors="backslashreplace", newline="")  # noqa: SIM115
        self.writer = csvlib.writer(self.stream)


def write_kind(case: CaseData, kind: str, folder: Path) -> Path:
    """One kind's CSV in a single pass over its records. Columns are added in the order the records first
    show them; rows go to a scratch segment per column count, and the segments written before the last
    column appeared are padded with empty fields when the file is put together (usually a few rows)."""
    index: dict[str, int] = {name: n for n, name in enumerate(HEAD + [f"source_{k}" for k in SOURCE])}
    shapes: dict[tuple[str, ...], list[int]] = {}
    segments: list[_Segment] = []
    scratch = case.scratch()
    try:
        for record in case.records(kind):
            row = flatten(record)
            keys = tuple(row)
            positions = shapes.get(keys)
            if positions is None:
                for key in keys:
                    if key not in index:
                        index[key] = len(index)
                positions = shapes[keys] = [index[key] for key in keys]
            if not segments or segments[-1].width != len(index):
                segments.append(_Segment(scratch / f"csv-{kind[:40].encode().hex()}-{len(segments)}", len(index)))
            values: list[Any] = [None] * len(index)
            for position, value in zip(positions, row.values(), strict=True):
                values[position] = value
            segments[-1].writer.writerow(values)
        path = folder / export_name(kind)
        with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
            csvlib.writer(stream).writerow(list(index))
            for segment in segments:
                segment.stream.close()
                with open(segment.path, encoding="utf-8", newline="") as body:
                    if segment.width == len(index):
                        shutil.copyfileobj(body, stream, 1 << 20)
                    else:
                        pad = [None] * (len(index) - segment.width)
                        writer = csvlib.writer(stream)
                        for values in csvlib.reader(body):
                            writer.writerow(values + pad)
    finally:
        for segment in segments:
            segment.stream.close()
            segment.path.unlink(missing_ok=True)
    return path


def write_csv(case: CaseData) -> list[Path]:
    folder = case.root / "exports"
    folder.mkdir(exist_ok=True)
    written = [write_kind(case, kind, folder) for kind in case.kinds()]
    files = folder / "files.csv"
    with open(files, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
        writer = csvlib.writer(stream)
        writer.writerow(FILE_COLUMNS)
        writer.writerows(case.file_values(FILE_COLUMNS))
    written.append(files)
    return written


register_writer(Writer("csv", "exports/<kind>.csv for every record kind and exports/files.csv", 40, write_csv))
