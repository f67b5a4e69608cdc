"""`aed match` on a generated extraction; predictions_for/predicted_types; the examine stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.aed import extraction
from tests.conftest import sha256_of
from trowel.aed import predicted_types, predictions_for
from trowel.aed.build import BuildSummary
from trowel.aed.match import compile_pattern
from trowel.apk.predict import Prediction
from trowel.case.context import STAGES, ActionLog, ExamineContext, ExamineOptions
from trowel.case.examine import input_digest
from trowel.case.store import CaseStore
from trowel.cli.main import main
from trowel.evidence import open_evidence

NOTES = "data/data/com.trowel.dynamic/files/notes/0f8fad5b-d9cb-469f-a165-70867728950e.txt"
EXPECTED_MATCHES = [
    ("data/data/com.imo.android.imoim/databases/imofriends.db", "com.imo.android.imoim", 0, ["text_input", "time"],
     "/data/data/<pkg>/databases/imofriends.db"),
    ("data/data/com.trowel.dynamic/cache/loc_1700000000000.json", "com.trowel.dynamic", 0, ["location"],
     "/data/data/<pkg>/cache/loc_<timestamp>.json"),
    (NOTES, "com.trowel.dynamic", 0, ["text_input"], "/data/data/<pkg>/files/notes/<uuid>.txt"),
    (NOTES, "com.trowel.dynamic", 0, ["time"], "/data/data/<pkg>/files/<intent>"),
    ("data/data/com.trowel.gps/databases/tracks.db", "com.trowel.gps", 0, ["location", "time"],
     "/data/data/<pkg>/databases/tracks.db"),
    ("data/data/com.trowel.gps/files/track.log", "com.trowel.gps", 0, ["location", "time"],
     "/data/data/<pkg>/files/track.log"),
    ("data/data/com.trowel.gps/shared_prefs/gps_prefs.xml", "com.trowel.gps", 0, ["location", "time"],
     "/data/data/<pkg>/shared_prefs/gps_prefs.xml"),
    ("data/user/10/com.trowel.gps/databases/tracks.db", "com.trowel.gps", 10, ["location", "time"],
     "/data/data/<pkg>/databases/tracks.db"),
    ("sdcard/Browser/bookmarks.txt", "com.trowel.browser", 0, ["time", "visited_url"], "/sdcard/Browser/bookmarks.txt"),
    ("storage/emulated/0/Android/data/com.trowel.external/files/gps.txt", "com.trowel.external", 0, ["location"],
     "/sdcard/Android/data/<pkg>/files/gps.txt"),
    ("data/data/com.trowel.thread/files/exec.txt", "com.trowel.thread", 0, ["time"], "/data/data/<pkg>/files/exec.txt"),
]


def test_match_json(built_aed: tuple[Path, BuildSummary], extraction_dir: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    before = input_digest(extraction_dir)
    assert main(["aed", "match", str(extraction_dir), "--db", str(built_aed[0]), "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    files = sorted((r["path"], r["package"], r["user"], r["types"], r["pattern"])
                   for r in records if r["kind"] == "evidence_file")
    assert files == sorted(EXPECTED_MATCHES)
    matched = [r for r in records if r["kind"] == "evidence_file"]
    assert sorted((r["path"], r["pattern"]) for r in matched if r["time_only"]) == [
        ("data/data/com.trowel.dynamic/files/notes/0f8fad5b-d9cb-469f-a165-70867728950e.txt",
         "/data/data/<pkg>/files/<intent>"),
        ("data/data/com.trowel.thread/files/exec.txt", "/data/data/<pkg>/files/exec.txt")]
    assert [r["time_only"] for r in matched] == [False] * (len(matched) - 2) + [True, True]  # ranked last
    first = next(r for r in records if r["kind"] == "evidence_file" and r["path"].endswith("imofriends.db"))
    assert first["tables"] == ["messages"] and first["file_kind"] == "database" and first["state"] == "live"
    assert first["source"] == {"evidence": "E1", "path": "data/data/com.imo.android.imoim/databases/imofriends.db"}
    assert first["size"] == 16
    uncovered = sorted(r["package"] for r in records if r["kind"] == "finding")
    assert uncovered == ["com.other.app", "com.unknown.app"]
    assert all(r["finding"] == "app_not_in_aed" for r in records if r["kind"] == "finding")
    assert input_digest(extraction_dir) == before


def test_match_text_and_missing_aed(built_aed: tuple[Path, BuildSummary], extraction_dir: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "aed", "match", str(extraction_dir), "--db", str(built_aed[0])]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["package", "user", "types", "path"]  # the header row
    assert len(out) == 1 + len(EXPECTED_MATCHES) + 2
    assert "not in AED: com.other.app" in out
    assert out[len(EXPECTED_MATCHES) - 1].endswith("  (time only)")
    with pytest.raises(SystemExit) as info:
        main(["aed", "match", str(extraction_dir), "--db", str(tmp_path / "none.sqlite")])
    assert info.value.code == 1


def test_patterns() -> None:
    def regex(path: str, package: str = "p.q") -> str | None:
        compiled = compile_pattern(Prediction(package=package, path=path, file_kind="file", types=["time"],
                                              storage="internal"))
        return None if compiled is None else compiled.regex.pattern

    assert regex("/data/data/<pkg>/files/<uuid>.txt") == r"files/[^/]+\.txt\Z"
    assert regex("/sdcard/Android/data/<pkg>/files/a") == r"Android/data/p\.q/files/a\Z"
    assert regex("/<unknown>") is None
    assert regex("/sdcard/<unknown>") is None
    assert regex("/data/data/<pkg>/<unknown>") is None


def test_predictions_for_and_predicted_types(built_aed: tuple[Path, BuildSummary]) -> None:
    db = built_aed[0]
    imo = predictions_for(db, "com.imo.android.imoim")
    assert [(p["path"], p["kind"], p["types"]) for p in imo] == [
        ("/data/data/<pkg>/databases/imofriends.db", "database", ["text_input", "time"]),
        ("/data/data/<pkg>/files/imo_prefs.json", "file", ["text_input", "time"]),
    ]
    assert predictions_for(db, "com.nobody") == []
    assert predictions_for(db.parent / "missing.sqlite", "com.trowel.gps") == []
    assert predicted_types(db, "com.trowel.gps", "data/user/10/com.trowel.gps/databases/tracks.db") == ["location", "time"]
    assert predicted_types(str(db), "com.trowel.dynamic", "data/data/com.trowel.dynamic/files/x") == ["time"]
    assert predicted_types(db, "com.trowel.gps", "data/data/com.trowel.gps/files/other.txt") == []


def test_examine_stage_analyses_embedded_and_given_apks(tmp_path: Path, extraction_dir: Path) -> None:
    import trowel.apk.stage  # noqa: F401 - registers the stage

    stage = STAGES["apps-analysis"]
    assert stage.order == 20
    out = tmp_path / "case"
    out.mkdir()
    scratch = out / ".scratch"
    scratch.mkdir()
    im_apk = extraction.APKS / "im.apk"
    apk_hash = sha256_of(im_apk)
    before = input_digest(extraction_dir)
    store = CaseStore(out / "case.sqlite")
    options = ExamineOptions(evidence=[extraction_dir], out=out, apks=[im_apk])
    ctx = ExamineContext(options=options, store=store, scratch=scratch, log=ActionLog(store, out / "log.jsonl"))
    ctx.inputs = {"E1": extraction_dir, "E2": im_apk}
    with open_evidence(extraction_dir) as source:
        ctx.sources["E1"] = source
        assert stage.applies(ctx)
        stage.run(ctx)
    predictions = list(store.records("evidence_prediction"))
    assert sorted((p["package"], p["path"]) for p in predictions) == [
        ("com.trowel.gps", "/data/data/<pkg>/databases/tracks.db"),
        ("com.trowel.gps", "/data/data/<pkg>/files/track.log"),
        ("com.trowel.gps", "/data/data/<pkg>/shared_prefs/gps_prefs.xml"),
        ("com.trowel.im", "/data/data/<pkg>/databases/chat.db"),
    ]
    gps = next(p for p in predictions if p["package"] == "com.trowel.gps")
    assert gps["source"]["evidence"] == "E1" and gps["source"]["path"] == extraction.EMBEDDED_APK
    im = next(p for p in predictions if p["package"] == "com.trowel.im")
    assert im["source"]["evidence"] == "E2" and im["apk_sha256"] == apk_hash
    assert [p["time_only"] for p in predictions] == [False] * 4
    matched = sorted((r["path"], r["user"]) for r in store.records("evidence_file"))
    assert matched == [("data/data/com.trowel.gps/databases/tracks.db", 0),
                       ("data/data/com.trowel.gps/files/track.log", 0),
                       ("data/data/com.trowel.gps/shared_prefs/gps_prefs.xml", 0),
                       ("data/user/10/com.trowel.gps/databases/tracks.db", 10)]
    uncovered = sorted(r["package"] for r in store.records("finding"))
    # installed = an APK under data/app or an app folder under data/data (external folders do not count)
    assert uncovered == ["com.imo.android.imoim", "com.other.app", "com.trowel.dynamic", "com.trowel.neg.uncommitted",
                         "com.trowel.thread", "com.unknown.app"]
    assert (out / "aed.sqlite").is_file()
    assert input_digest(extraction_dir) == before and sha256_of(im_apk) == apk_hash
    store.close()


def test_examine_command_runs_the_stage(tmp_path: Path, extraction_dir: Path) -> None:
    out = tmp_path / "case"
    before = input_digest(extraction_dir)
    assert main(["-q", "examine", str(extraction_dir), "--apk", str(extraction.APKS / "im.apk"), "--out", str(out)]) == 0
    store = CaseStore(out / "case.sqlite")
    kinds = store.kinds()
    assert (kinds["evidence_prediction"], kinds["evidence_file"]) == (4, 4)
    warnings = [w["message"] for w in store.records("warning") if w.get("stage") == "apps-analysis"]
    assert warnings == ["APK analysis failed: data/app/com.other.app-1/base.apk: the APK holds no classes.dex and "
                        "its AndroidManifest.xml names no package"]
    store.close()
    assert (out / "aed.sqlite").is_file()
    assert input_digest(extraction_dir) == before


def test_examine_stage_records_files_whose_name_could_not_be_resolved(tmp_path: Path) -> None:
    import trowel.apk.stage  # noqa: F401 - registers the stage

    out = tmp_path / "case"
    (out / ".scratch").mkdir(parents=True)
    apk = extraction.APKS / "unresolved.apk"
    store = CaseStore(out / "case.sqlite")
    ctx = ExamineContext(options=ExamineOptions(evidence=[], out=out, apks=[apk]), store=store,
                         scratch=out / ".scratch", log=ActionLog(store, out / "log.jsonl"))
    ctx.inputs = {"E1": apk}
    STAGES["apps-analysis"].run(ctx)
    findings = list(store.records("finding"))
    assert [(f["finding"], f["package"], f["severity"], f["source"]["evidence"]) for f in findings] == [
        ("unresolved_file_name", "com.trowel.unresolved", "notice", "E1")] * 3
    assert sorted(f["message"].split(" (")[0] for f in findings) == [
        "a database whose name could not be resolved, in /data/data/<pkg>/databases/",
        "a file whose name could not be resolved, in /<unknown>/",
        "a shared_prefs whose name could not be resolved, in /data/data/<pkg>/shared_prefs/",
    ]
    assert list(store.records("evidence_prediction")) == []
