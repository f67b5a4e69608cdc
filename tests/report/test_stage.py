"""examine writes every output through the report stage; `trowel report DIR` regenerates them from
case.sqlite alone; media copies are checked against their SHA-256."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import sha256_of
from tests.report.case_fixture import png_bytes
from trowel.case.context import STAGES, ActionLog, ExamineContext, ExamineOptions
from trowel.case.store import CaseStore
from trowel.cli.main import main
from trowel.evidence import open_evidence
from trowel.model import MediaFile, Provenance
from trowel.report.stage import copy_media

OUTPUTS = ["case.sqlite", "log.jsonl", "report/index.html", "report/timeline.html", "timeline.jsonl",
           "timeline.csv", "bodyfile.txt", "case.jsonld", "exports/files.csv"]


def test_examine_writes_every_output(tree_targz: Path, tmp_path: Path) -> None:
    before = sha256_of(tree_targz)
    out = tmp_path / "case"
    assert main(["-q", "examine", str(tree_targz), "--out", str(out), "--case-number", "C-1"]) == 0
    assert STAGES["report"].order == 90
    for name in OUTPUTS:
        assert (out / name).is_file(), name
    assert sha256_of(tree_targz) == before  # evidence is read-only
    db = sqlite3.connect(out / "case.sqlite")
    files = db.execute("SELECT count(*) FROM files").fetchone()[0]
    assert len((out / "bodyfile.txt").read_text(encoding="utf-8").splitlines()) == files
    ev = db.execute("SELECT sha256_before, sha256_after FROM evidence").fetchone()
    assert ev == (before, before)
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    row = page[page.index('<tr data-evidence="E1">'):]
    row = row[:row.index("</tr>")]
    assert row.count(before) == 2 and '<td class="ok">yes</td>' in row  # before and after on the case page
    assert f'<td class="count">{files}</td>' in page
    # no capture, no APK: their pages and links are left out
    assert not (out / "report" / "network.html").exists() and not (out / "report" / "evidence-map.html").exists()
    assert "network.html" not in page and "evidence-map.html" not in page
    actions = [json.loads(line)["action"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert "report" in actions and actions.index("media") < actions.index("verify") < actions.index("report")


def test_report_regenerates_from_case_sqlite_alone(tree_dir: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "case"
    assert main(["-q", "examine", str(tree_dir), "--out", str(out)]) == 0
    capsys.readouterr()
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(out / "case.sqlite", alone / "case.sqlite")
    assert main(["-q", "report", str(alone)]) == 0
    assert capsys.readouterr().out.strip() == str(alone / "report" / "index.html")
    for name in OUTPUTS[2:]:
        assert (alone / name).is_file(), name
    assert (alone / "timeline.jsonl").read_bytes() == (out / "timeline.jsonl").read_bytes()
    assert (alone / "bodyfile.txt").read_bytes() == (out / "bodyfile.txt").read_bytes()
    graphs = [json.loads((d / "case.jsonld").read_text(encoding="utf-8"))["@graph"] for d in (out, alone)]
    # the same graph; only the examine action's end time moves (the log grew by verify/end/report)
    for graph in graphs:
        action = next(n for n in graph if n["@type"] == "investigation:InvestigativeAction")
        action.pop("action:endTime")
    assert graphs[0] == graphs[1]
    store = CaseStore(alone / "case.sqlite")
    assert store.actions()[-1]["action"] == "report"
    store.close()


def test_report_json_lines(tree_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "case"
    assert main(["-q", "examine", str(tree_dir), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["-q", "report", str(out), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["writer"] for x in lines] == ["timeline", "bodyfile", "csv", "kml", "casejson", "html"]
    assert next(x for x in lines if x["writer"] == "kml")["files"] == []


def test_report_on_a_folder_without_a_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err == f"trowel: {tmp_path}: no case.sqlite in this folder\n"
    (tmp_path / "case.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path)])
    assert exc.value.code == 1
    assert "not a trowel case store" in capsys.readouterr().err


def test_copy_media_checks_hashes(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "sdcard").mkdir(parents=True)
    good = png_bytes(1)
    (tree / "sdcard" / "a.png").write_bytes(good)
    (tree / "sdcard" / "b.png").write_bytes(png_bytes(2))
    tree_hash_before = {p.name: sha256_of(p) for p in (tree / "sdcard").iterdir()}
    out = tmp_path / "out"
    out.mkdir()
    store = CaseStore(out / "case.sqlite")
    sha_good = hashlib.sha256(good).hexdigest()
    store.add_many([
        MediaFile(source=Provenance(evidence="E1", path="sdcard/a.png"), sha256=sha_good, size=len(good)),
        MediaFile(source=Provenance(evidence="E1", path="sdcard/b.png"), sha256="0" * 64, size=1),
        MediaFile(source=Provenance(evidence="E1", path="sdcard/missing.png"), sha256="1" * 64, size=1),
    ])
    source = open_evidence(tree)
    ctx = ExamineContext(options=ExamineOptions(evidence=[tree], out=out), store=store, scratch=tmp_path,
                         log=ActionLog(store, out / "log.jsonl"), sources={"E1": source})
    try:
        assert copy_media(ctx) == 1
    finally:
        source.close()
        store.close()
    assert sorted(p.name for p in (out / "media").iterdir()) == [sha_good]
    assert (out / "media" / sha_good).read_bytes() == good
    assert {p.name: sha256_of(p) for p in (tree / "sdcard").iterdir()} == tree_hash_before
