"""The inventory's exports read the files table as tuples (``CaseData.file_values``): the lines they write are
the lines the per-row functions (``file_events``, ``bodyfile_line``, the CSV columns) give for the same rows."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from trowel.case.store import CaseStore
from trowel.evidence.base import Entry, EntryKind
from trowel.report import registry
from trowel.report.bodyfile import bodyfile_line
from trowel.report.casedata import CaseData
from trowel.report.csv import FILE_COLUMNS
from trowel.report.timeline import CSV_FIELDS, file_events

EMPTY = hashlib.sha256(b"").hexdigest()
ENTRIES = [
    (Entry("data/media/0/a.txt", EntryKind.FILE, 0, mtime=1_700_000_000_000_000_000), EMPTY),
    (Entry("data/data/com.imo.android.imous/databases/x.db", EntryKind.FILE, 12,
           mtime=1_700_000_000_123_456_789, atime=1_600_000_000_000_000_000, deleted=True, inode=7), None),
    (Entry("data/media/0/pipe|and\nbreak", EntryKind.FILE, 3, ctime=5, crtime=1_700_000_000_000_000_000), EMPTY),
    (Entry("data/media/0/link", EntryKind.SYMLINK, 0, mtime=1_700_000_000_000_000_000, link_target="../a.txt"), None),
    (Entry("data/media/0", EntryKind.DIR, 0), None),
    (Entry("data/media/0/" + "long" * 200, EntryKind.FILE, 1, mtime=1_700_000_000_000_000_000), None),
]


@pytest.fixture
def case(tmp_path: Path) -> CaseData:
    store = CaseStore(tmp_path / "case.sqlite")
    store.add_files("E1", ENTRIES)
    store.close()
    return CaseData.open(tmp_path)


def test_file_values_are_the_rows_columns(case: CaseData) -> None:
    try:
        rows = list(case.files())
        assert [tuple(r[c] for c in FILE_COLUMNS) for r in rows] == list(case.file_values(FILE_COLUMNS))
        assert len(rows) == 6
        with pytest.raises(ValueError, match="not a column of the files table: json"):
            list(case.file_values(("path", "json")))
    finally:
        case.close()


def test_inventory_exports_equal_the_per_row_forms(case: CaseData) -> None:
    try:
        rows = list(case.files())
        for name in ("timeline", "bodyfile", "csv", "casejson"):
            registry.load_writers()
            registry.WRITERS[name].write(case)
    finally:
        case.close()
    root = case.root
    # bodyfile: one line per row, as bodyfile_line gives it
    assert (root / "bodyfile.txt").read_text(encoding="utf-8").splitlines() == [bodyfile_line(r) for r in rows]
    assert bodyfile_line(rows[2]) == "0|E1:/data/media/0/pipe\\x7cand\\x0abreak|0|r/----------|0|0|3|0|0|0|1700000000"
    assert bodyfile_line(rows[1]).startswith(
        "0|E1:/data/data/com.imo.android.imous/databases/x.db (deleted)|7|r/----------|0|0|12|1600000000|1700000000|")
    # files.csv: the header and every row's columns
    with open(root / "exports" / "files.csv", encoding="utf-8", newline="") as stream:
        table = list(csv.reader(stream))
    assert table[0] == FILE_COLUMNS
    assert table[1:] == [["" if r[c] is None else str(r[c]) for c in FILE_COLUMNS] for r in rows]
    # timeline: the file lines, in time order, equal what file_events gives for each row
    lines = [json.loads(t) for t in (root / "timeline.jsonl").read_text(encoding="utf-8").splitlines()]
    expected = sorted(((key, seq, line) for seq, r in enumerate(rows) for key, line, _ in file_events(r)),
                      key=lambda item: (item[0], item[1]))
    assert lines == [line for _, _, line in expected]
    with open(root / "timeline.csv", encoding="utf-8", newline="") as stream:
        timeline_csv = list(csv.reader(stream))
    assert timeline_csv[0] == CSV_FIELDS
    assert timeline_csv[1:] == [["" if line.get(f) is None else str(line.get(f)) for f in CSV_FIELDS]
                                for _, _, line in expected]
    assert len(lines) == 7  # a.txt, x.db twice, pipe twice (ctime 5 ns and crtime), link, long
    nano = [line for line in lines if line["path"].endswith("x.db") and line["timestamp_desc"] == "file modified"]
    assert nano == [{
        "message": "file data/data/com.imo.android.imous/databases/x.db (deleted)",
        "datetime": "2023-11-14T22:13:20.123457Z", "timestamp_desc": "file modified",
        "timestamp": 1_700_000_000_123_456, "kind": "file", "package": "com.imo.android.imous", "state": "deleted",
        "evidence": "E1", "source": "E1:data/data/com.imo.android.imous/databases/x.db",
        "path": "data/data/com.imo.android.imous/databases/x.db", "raw_time": 1_700_000_000_123_456_789,
        "time_format": "unix_ns", "clock": "utc", "size": 12, "datetime_ns": "2023-11-14T22:13:20.123456789Z"}]
    empty = [line for line in lines if line["path"] == "data/media/0/a.txt"]
    assert empty[0]["sha256"] == EMPTY and "package" not in empty[0] and empty[0]["state"] == "live"
    # CASE/UCO: one File node per row, the times as xsd:dateTime
    graph = json.loads((root / "case.jsonld").read_text(encoding="utf-8"))["@graph"]
    files = [n for n in graph if n["@type"] == "observable:File" and "core:description" not in n]
    assert len(files) == 6
    facet = files[1]["core:hasFacet"][0]
    assert facet["observable:fileName"] == "x.db" and facet["observable:allocationStatus"] == "deleted"
    assert facet["observable:modifiedTime"] == {"@type": "xsd:dateTime", "@value": "2023-11-14T22:13:20.123457Z"}
    assert facet["observable:accessedTime"]["@value"] == "2020-09-13T12:26:40.000000Z"
    assert len(files[0]["core:hasFacet"]) == 2 and len(files[1]["core:hasFacet"]) == 1  # hash only when known
