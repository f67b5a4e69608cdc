"""The file writers: timeline (Timesketch), bodyfile, CSV, KML, CASE/UCO and the writer registry."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.report.case_fixture import DB, build_case
from trowel.report import registry
from trowel.report.casedata import CaseData
from trowel.report.html import data_js
from trowel.report.kml import coordinates, xml_text
from trowel.report.packed import unpacked_text

Case = tuple[Path, dict[str, Any]]


def _time_fields(db: sqlite3.Connection) -> int:
    """How many decoded times the stored records hold (one timeline line each)."""
    n = 0
    for (text,) in db.execute("SELECT json FROM records"):
        data = json.loads(text)
        for key, value in data.items():
            if key == "source" or key == "raw":
                continue
            if isinstance(value, dict) and "format" in value and value.get("utc"):
                n += 1
            elif isinstance(value, dict):
                n += sum(1 for v in value.values() if isinstance(v, dict) and "format" in v and v.get("utc"))
    return n


def test_timeline_jsonl_is_timesketch_importable(built_case: Case) -> None:
    root, facts = built_case
    lines = [json.loads(x) for x in (root / "timeline.jsonl").read_text(encoding="utf-8").splitlines()]
    db = sqlite3.connect(root / "case.sqlite")
    file_times = db.execute("SELECT sum((mtime_ns IS NOT NULL) + (atime_ns IS NOT NULL) + (ctime_ns IS NOT NULL)"
                            " + (crtime_ns IS NOT NULL)) FROM files").fetchone()[0]
    assert file_times == 5
    assert len(lines) == _time_fields(db) + file_times == 25
    previous = ""
    for line in lines:
        assert {"message", "datetime", "timestamp_desc"} <= set(line)
        assert isinstance(line["message"], str) and line["message"]
        parsed = datetime.fromisoformat(line["datetime"].replace("Z", "+00:00"))
        assert parsed.tzinfo is not None and parsed.utcoffset() == UTC.utcoffset(None)
        assert line["timestamp"] == int(parsed.timestamp()) * 1_000_000 + parsed.microsecond
        assert line["datetime"] >= previous
        previous = line["datetime"]
    first_message = next(x for x in lines if x["kind"] == "message")
    assert first_message["datetime"] == "2023-11-14T22:13:20.000000Z"
    assert first_message["timestamp_desc"] == "message time"
    assert first_message["raw_time"] == 1_700_000_000_000 and first_message["time_format"] == "unix_ms"
    assert first_message["source"] == f"E1:{DB} table messages rowid 1"
    deleted = next(x for x in lines if x.get("region") == "freeblock")
    assert deleted["state"] == "deleted" and deleted["page"] == 5 and deleted["offset"] == 812
    photo_file = next(x for x in lines if x["kind"] == "file" and x["path"].endswith("photo.png"))
    assert photo_file["datetime_ns"] == "2023-11-14T22:13:20.000000123Z" and photo_file["raw_time"] == BASE_NS + 123
    generic = next(x for x in lines if x["kind"] == "generic_row")
    assert generic["timestamp_desc"] == "generic row time fields.seen" and generic["time_format"] == "unix_s"


BASE_NS = 1_700_000_000_000_000_000


def test_timeline_csv_matches_jsonl(built_case: Case) -> None:
    root, _ = built_case
    lines = [json.loads(x) for x in (root / "timeline.jsonl").read_text(encoding="utf-8").splitlines()]
    with open(root / "timeline.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == len(lines)
    assert list(rows[0])[:3] == ["message", "datetime", "timestamp_desc"]
    assert [r["datetime"] for r in rows] == [x["datetime"] for x in lines]
    assert [r["message"] for r in rows] == [x["message"] for x in lines]


def test_bodyfile_lines(built_case: Case) -> None:
    root, _ = built_case
    lines = (root / "bodyfile.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4
    assert all(len(line.split("|")) == 11 for line in lines)
    assert lines[0] == f"0|E1:/{DB}|12|r/----------|0|0|8192|0|1700000500|1700000500|0"
    assert lines[2].split("|")[1].endswith("gone.txt (deleted)")
    assert lines[3].split("|")[3] == "d/d---------"


def test_bodyfile_escapes_separators(tmp_path: Path) -> None:
    from trowel.report.bodyfile import bodyfile_line
    line = bodyfile_line({"evidence": "E1", "path": "a|b\nc", "entry_kind": "file", "size": 3, "deleted": 0})
    assert line.split("|")[1] == "E1:/a\\x7cb\\x0ac" and len(line.split("|")) == 11 and "\n" not in line


def test_csv_per_kind(built_case: Case) -> None:
    root, facts = built_case
    exports = root / "exports"
    assert sorted(p.name for p in exports.iterdir()) == sorted([f"{k}.csv" for k in facts["kinds"]] + ["files.csv"])
    for kind, count in facts["kinds"].items():
        with open(exports / f"{kind}.csv", encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        assert len(rows) == count, kind
    with open(exports / "message.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    first = rows[0]
    assert first["time_utc"] == "2023-11-14T22:13:20.000000Z" and first["time_raw"] == "1700000000000"
    assert first["time_format"] == "unix_ms" and first["source_table"] == "messages" and first["source_rowid"] == "1"
    photo = next(r for r in rows if r["message_kind"] == "photo")
    assert json.loads(photo["attachments"]) == ["data/media/0/imo/photo.png"]
    assert photo["source_region"] == "wal" and photo["source_frame"] == "3"
    with open(exports / "files.csv", encoding="utf-8", newline="") as stream:
        assert len(list(csv.DictReader(stream))) == facts["files"]


def test_kml_when_coordinates(built_case: Case, tmp_path: Path) -> None:
    root, _ = built_case
    tree = ET.parse(root / "locations.kml")
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    marks = tree.findall(".//k:Placemark", ns)
    assert len(marks) == 1
    assert marks[0].find(".//k:coordinates", ns).text == "13.405,52.52"  # type: ignore[union-attr]
    assert marks[0].find(".//k:when", ns).text == "2023-11-14T22:13:20.000000Z"  # type: ignore[union-attr]
    assert coordinates({"latitude": 91.0, "longitude": 0}) is None
    assert coordinates({"lat": "1.5", "lng": "2"}) == (1.5, 2.0)
    assert xml_text("a\x00b") == "a\\x00b"


def test_no_kml_without_coordinates(tmp_path: Path) -> None:
    from trowel.case.store import CaseStore
    store = CaseStore(tmp_path / "case.sqlite")
    store.close()
    case = CaseData.open(tmp_path)
    try:
        assert registry.load_writers() and registry.WRITERS["kml"].write(case) == []
    finally:
        case.close()
    assert not (tmp_path / "locations.kml").exists()


def test_case_jsonld_passes_case_validate(built_case: Case) -> None:
    root, _ = built_case
    bundle = json.loads((root / "case.jsonld").read_text(encoding="utf-8"))
    nodes = bundle["@graph"]
    types = [n["@type"] for n in nodes]
    assert types.count("observable:Message") == 9
    assert types.count("observable:Call") == 2
    assert types.count("observable:Contact") == 2
    assert types.count("observable:NetworkConnection") == 1
    assert types.count("investigation:InvestigativeAction") == 1
    assert types.count("investigation:ProvenanceRecord") >= 3
    hashes = [n for n in nodes if n["@type"] == "types:Hash"]
    assert all(h["types:hashMethod"] == "SHA256" for h in hashes)
    assert {h["types:hashValue"]["@value"] for h in hashes} >= {"A" * 64, "C" * 64}
    tool = next(n for n in nodes if n["@type"] == "tool:Tool")
    assert tool["core:name"] == "trowel" and tool["tool:version"] == "9.9.9"
    action = next(n for n in nodes if n["@type"] == "investigation:InvestigativeAction")
    assert action["action:instrument"] == [{"@id": tool["@id"]}] and len(action["action:object"]) == 2
    validate = Path(sys.executable).parent / "case_validate"
    proc = subprocess.run([str(validate), str(root / "case.jsonld")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "Conforms: True" in proc.stdout


def test_case_jsonld_is_deterministic(built_case: Case) -> None:
    root, _ = built_case
    before = (root / "case.jsonld").read_bytes()
    case = CaseData.open(root)
    try:
        registry.WRITERS["casejson"].write(case)
    finally:
        case.close()
    assert (root / "case.jsonld").read_bytes() == before


def test_registry_refuses_duplicates_and_lists_every_module() -> None:
    writers = registry.load_writers()
    assert [w.name for w in writers] == ["timeline", "bodyfile", "csv", "kml", "casejson", "html"]
    assert {w.write.__module__ for w in writers} == set(registry.WRITER_MODULES)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register_writer(registry.Writer("csv", "again", 1, lambda case: []))


def test_a_failing_writer_does_not_stop_the_others(tmp_path: Path) -> None:
    build_case(tmp_path / "case")
    case = CaseData.open(tmp_path / "case")
    (tmp_path / "case" / "exports").write_text("a file where the exports folder should be")
    try:
        result = registry.write_all(case)
    finally:
        case.close()
    assert list(result.failures) == ["csv"]
    assert (tmp_path / "case" / "report" / "index.html").is_file()
    assert (tmp_path / "case" / "case.jsonld").is_file()


def test_data_js_cannot_break_out() -> None:
    text = data_js("X", {"a": "</script><!--\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert text.isascii()
    assert json.loads(text[len("window.X = "):-2]) == {"a": "</script><!--\u2028&"}


def test_extreme_and_undecodable_times(tmp_path: Path) -> None:
    """Year 1 and year 9999 sort correctly (beyond the int64 nanosecond range); an undecodable time has no
    timeline line but keeps its raw value in the CSV and the HTML report."""
    from tests.report.case_fixture import add_raw
    from trowel.case.store import CaseStore
    from trowel.model import Message, Provenance, TimeValue
    store = CaseStore(tmp_path / "case.sqlite")
    src = Provenance(evidence="E1", path="x.db", table="m", rowid=1)
    for message in [
        Message(source=src, text="late", time=TimeValue(raw=1, format="test", unix_ns=253402300799999999000)),
        Message(source=src, text="early", time=TimeValue(raw=2, format="test", unix_ns=-62135596800000000000)),
        Message(source=src, text="middle", time=TimeValue(raw=3, format="test", unix_ns=0)),
        Message(source=src, text="broken", time=TimeValue(raw=99, format="test", unix_ns=None, error="bad value")),
    ]:
        add_raw(store, message.to_json())  # CaseStore.add cannot index times outside int64 nanoseconds
    store.close()
    case = CaseData.open(tmp_path)
    try:
        result = registry.write_all(case)
    finally:
        case.close()
    assert result.failures == {}
    lines = [json.loads(x) for x in (tmp_path / "timeline.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["datetime"] for x in lines] == ["0001-01-01T00:00:00.000000Z", "1970-01-01T00:00:00.000000Z",
                                              "9999-12-31T23:59:59.999999Z"]
    with open(tmp_path / "exports" / "message.csv", encoding="utf-8", newline="") as stream:
        broken = next(r for r in csv.DictReader(stream) if r["text"] == "broken")
    assert broken["time_raw"] == "99" and broken["time_utc"] == ""
    chat = (tmp_path / "report" / "app1-chat1.html")
    assert not chat.exists()  # no app: messages without an app are listed on the "other" page
    assert (tmp_path / "report" / "other.html").is_file()
    data = "".join(unpacked_text(p.read_bytes()) for p in (tmp_path / "report" / "data").glob("table-*.js"))
    assert '["t",null,"99","(test: bad value)"]' in data  # the undecoded time's raw value, in its table cell


def test_parallel_writers_give_the_same_outputs(built_case: Case, tmp_path: Path) -> None:
    """The side writers in a second process (as on a large case) write exactly what one process writes, and a
    side writer that fails is reported while every other output is written."""
    import shutil

    root, _ = built_case
    copy = tmp_path / "case"
    shutil.copytree(root, copy)
    (copy / "case.jsonld").unlink()  # the index, written in this process, must wait for the second one's output
    case = CaseData.open(copy)
    try:
        result = registry.write_all(case, parallel=True)
    finally:
        case.close()
    assert result.failures == {} and set(result.outputs) == {w.name for w in registry.load_writers()}
    names = ["timeline.jsonl", "timeline.csv", "bodyfile.txt", "case.jsonld"]
    names += [str(p.relative_to(root)) for p in sorted((root / "exports").iterdir())]
    for name in names:
        assert (copy / name).read_bytes() == (root / name).read_bytes(), name
    assert sorted(p.name for p in (copy / "report" / "data").iterdir()) == sorted(
        p.name for p in (root / "report" / "data").iterdir())
    assert '<a href="../case.jsonld">' in (copy / "report" / "index.html").read_text(encoding="utf-8")
    (copy / "exports").rename(copy / "exports-old")
    (copy / "exports").write_text("a file where the exports folder should be")
    case = CaseData.open(copy)
    try:
        result = registry.write_all(case, parallel=True)
    finally:
        case.close()
    assert list(result.failures) == ["csv"] and result.failures["csv"].startswith(("FileExistsError", "NotADirectory"))
    assert (copy / "case.jsonld").is_file() and (copy / "report" / "index.html").is_file()
