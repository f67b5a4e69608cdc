from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import sha256_of
from tests.fixtures import android_tree
from trowel.case.store import CaseStore
from trowel.cli.main import main
from trowel.model import Message, Provenance


@pytest.mark.parametrize("fixture", ["tree_dir", "tree_targz", "tree_zip"])
def test_examine_inventory_and_hashes(fixture: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    evidence: Path = request.getfixturevalue(fixture)
    before = sha256_of(evidence) if evidence.is_file() else None
    out = tmp_path / "case"
    assert main(["-q", "examine", str(evidence), "--out", str(out)]) == 0
    db = sqlite3.connect(out / "case.sqlite")
    files = dict(db.execute("SELECT path, sha256 FROM files WHERE entry_kind = 'file'").fetchall())
    assert files == android_tree.expected_hashes()
    ev = db.execute("SELECT sha256_before, sha256_after FROM evidence").fetchall()
    assert len(ev) == 1 and ev[0][0] == ev[0][1]
    if before:
        assert ev[0][0] == before == sha256_of(evidence)
    users = dict(db.execute("SELECT path, user FROM files WHERE path LIKE '%VerificationPrefs.json'").fetchall())
    assert users[f"data/user/10/{android_tree.IMO}/files/VerificationPrefs.json"] == 10
    canon = {r[0] for r in db.execute(
        "SELECT canonical FROM files WHERE path LIKE '%VerificationPrefs.json' AND user = 0")}
    assert canon == {f"data/user/0/{android_tree.IMO}/files/VerificationPrefs.json"}
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    actions = [e["action"] for e in log]
    assert actions[0] == "start" and actions[-1] == "end" and "verify" in actions
    verify = next(e for e in log if e["action"] == "verify")
    assert verify["details"]["unchanged"] is True and verify["tool_version"]


def test_refuses_non_empty_out(tree_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "case"
    out.mkdir()
    (out / "x").write_text("x")
    with pytest.raises(SystemExit) as exc:
        main(["-q", "examine", str(tree_dir), "--out", str(out)])
    assert exc.value.code == 1
    assert "not empty" in capsys.readouterr().err
    assert main(["-q", "examine", str(tree_dir), "--out", str(out), "--force"]) == 0


def test_one_bad_input_does_not_stop_the_run(tree_dir: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not evidence" * 10)
    out = tmp_path / "case"
    main(["-q", "examine", str(junk), str(tree_dir), "--out", str(out)])
    store = CaseStore(out / "case.sqlite")
    warnings = list(store.records("warning"))
    assert any("unknown evidence format" in w["message"] for w in warnings)
    assert store.db.execute("SELECT count(*) FROM files").fetchone()[0] > 10
    store.close()


def test_store_batches_100k_records(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "case.sqlite")
    src = Provenance(evidence="E1", path="x.db", table="messages")
    n = store.add_many(Message(source=src, text=f"m{i}") for i in range(100_000))
    assert n == 100_000 and store.count("message") == 100_000
    assert store.schema_version == 1
    store.close()


def test_store_keeps_times_outside_int64(tmp_path: Path) -> None:
    from trowel.model import TimeValue

    store = CaseStore(tmp_path / "case.sqlite")
    far = TimeValue(raw=99_999_999_999_999, format="unix_s", unix_ns=99_999_999_999_999 * 10**9)
    store.add(Message(source=Provenance(evidence="E1", path="x.db"), time=far))
    (row,) = list(store.records("message"))
    assert row["time"]["raw"] == 99_999_999_999_999
    assert store.db.execute("SELECT time_ns FROM records").fetchone()[0] is None
    store.close()


def test_inputs_verified_before_outputs_are_written(tree_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "case"
    assert main(["-q", "examine", str(tree_dir), "--out", str(out)]) == 0
    actions = [json.loads(line)["action"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert actions.index("media") < actions.index("verify") < actions.index("report")
    assert actions.count("verify") == 1


def _end(out: Path) -> dict[str, object]:
    entries = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert entries[-1]["action"] == "end"
    details = entries[-1]["details"]
    assert isinstance(details, dict)
    return details


def test_bad_pcap_named_exit_1_rest_of_case_written(tree_dir: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("meeting at noon\n")
    out = tmp_path / "case"
    assert main(["-q", "examine", str(tree_dir), "--pcap", str(notes), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    last = err.splitlines()
    assert f"trowel: examine finished with 1 problem: {notes}: capture not analysed" in err
    assert "not a packet capture" in err and f"the rest of the case is in {out}" in err
    assert last[-2:] == ["trowel: 1 warning in this run:", f"  - {notes}: capture not analysed: {notes}: not a "
                         "packet capture (neither pcap nor pcapng magic at the start)"]
    details = _end(out)
    assert details["ok"] is False and details["complete"] is True
    assert str(details["reason"]).startswith(f"{notes}: capture not analysed")
    assert not (out / "FAILED.txt").exists()
    start = json.loads((out / "log.jsonl").read_text().splitlines()[0])
    assert start["details"]["case_folder"] == str(out) and start["details"]["folder_mode"] == "new"
    work = Path(start["details"]["work_folder"])
    assert work.parent == tmp_path and work.name.startswith(".case.trowel-") and not work.exists()
    db = sqlite3.connect(out / "case.sqlite")
    files = dict(db.execute("SELECT path, sha256 FROM files WHERE entry_kind = 'file'").fetchall())
    assert files == android_tree.expected_hashes()
    assert (out / "report" / "index.html").is_file()
    db.close()
    # the examiner drops the bad capture and runs again into the same folder: no --force needed
    assert main(["-q", "examine", str(tree_dir), "--out", str(out)]) == 0
    assert _end(out)["ok"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case", "notes.txt"]


def test_retry_after_a_run_that_stopped(tree_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    import trowel.case.examine as pipeline

    def broken(ctx: object, result: object) -> list[str]:
        raise RuntimeError("disk unplugged")

    out = tmp_path / "case"
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "_verify_inputs", broken)
        with pytest.raises(SystemExit) as exc:
            main(["-q", "examine", str(tree_dir), "--out", str(out)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err == f"trowel: examine stopped: RuntimeError: disk unplugged (the failed case is in {out})\n"
    details = _end(out)
    assert details == {**details, "ok": False, "complete": False, "reason": "RuntimeError: disk unplugged"}
    assert "disk unplugged" in (out / "FAILED.txt").read_text()
    assert (out / "case.sqlite").is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["case"]
    # the retry replaces the failed folder without --force
    assert main(["-q", "examine", str(tree_dir), "--out", str(out)]) == 0
    assert _end(out)["ok"] is True and not (out / "FAILED.txt").exists()
    starts = [line for line in (out / "log.jsonl").read_text().splitlines() if '"action": "start"' in line]
    assert len(starts) == 1  # a fresh case, not the failed one continued
    # a good case is not replaced without --force
    with pytest.raises(SystemExit) as again:
        main(["-q", "examine", str(tree_dir), "--out", str(out)])
    assert again.value.code == 1 and "folder is not empty" in capsys.readouterr().err


def test_interrupted_run_leaves_a_failed_folder(tree_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import trowel.case.examine as pipeline

    def interrupted(ctx: object, result: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "_register_inputs", interrupted)
    out = tmp_path / "case"
    with pytest.raises(SystemExit) as exc:
        main(["-q", "examine", str(tree_dir), "--out", str(out)])
    assert exc.value.code == 1 and capsys.readouterr().err == "trowel: interrupted\n"
    assert _end(out) == {**_end(out), "ok": False, "complete": False, "reason": "interrupted"}


def test_stopped_run_with_force_keeps_the_folder_it_was_given(tree_dir: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import trowel.case.examine as pipeline

    out = tmp_path / "case"
    out.mkdir()
    (out / "notes.md").write_text("the examiner's own notes")
    (out / "case.sqlite-wal").write_bytes(b"stale")
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "_verify_inputs", lambda ctx, result: 1 / 0)
        with pytest.raises(SystemExit):
            main(["-q", "examine", str(tree_dir), "--out", str(out), "--force"])
    assert sorted(p.name for p in out.iterdir()) == ["case.sqlite-wal", "notes.md"]
    failed = tmp_path / "case.failed"
    assert _end(failed)["reason"] == "ZeroDivisionError: division by zero"
    assert main(["-q", "examine", str(tree_dir), "--out", str(out), "--force"]) == 0
    assert (out / "notes.md").read_text() == "the examiner's own notes"
    assert not (out / "case.sqlite-wal").exists() and _end(out)["ok"] is True
    assert sqlite3.connect(out / "case.sqlite").execute("SELECT count(*) FROM files").fetchone()[0] > 10


def test_work_folder_of_a_killed_run_is_removed(tree_dir: Path, tmp_path: Path) -> None:
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = tmp_path / f".case.trowel-{gone.pid}-x1y2"
    stale.mkdir()
    (stale / "case.sqlite").write_bytes(b"half")
    out = tmp_path / "case"
    assert main(["-q", "examine", str(tree_dir), "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case"]


def test_a_failed_stage_is_a_problem_of_the_run(tree_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from trowel.case.context import STAGES, ExamineContext, Stage
    from trowel.errors import ParseError

    def broken(ctx: ExamineContext) -> None:
        raise ParseError("the parser met a page it cannot read")

    monkeypatch.setitem(STAGES, "generic", Stage("generic", 35, broken))
    out = tmp_path / "case"
    assert main(["-q", "examine", str(tree_dir), "--out", str(out), "--json"]) == 1
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["ok"] is False and summary["case"] == str(out)
    assert summary["problems"] == ["stage generic failed: the parser met a page it cannot read"]
    assert captured.err.splitlines()[0] == ("trowel: examine finished with 1 problem: stage generic failed: the parser "
                                            f"met a page it cannot read; the rest of the case is in {out}")
    details = _end(out)
    assert details["complete"] is True and details["reason"] == "stage generic failed: the parser met a page it cannot read"
    assert (out / "report" / "index.html").is_file()


def test_bad_apk_and_pcap_both_named(tree_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("meeting at noon\n")
    out = tmp_path / "case"
    assert main(["-q", "examine", str(tree_dir), "--apk", str(notes), "--pcap", str(notes), "--out", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    apk = f"{notes}: APK analysis failed: {notes}: not an APK (no ZIP structure) and not a DEX file"
    pcap = f"{notes}: capture not analysed: {notes}: not a packet capture (neither pcap nor pcapng magic at the start)"
    assert err == [f"trowel: examine finished with 2 problems: {apk} (and 1 more, listed with the warnings); the rest of the "
                   f"case is in {out}", "trowel: 2 warnings in this run:", f"  - {apk}", f"  - {pcap}"]
    assert _end(out)["problems"] == [apk, pcap]


def test_examine_into_the_current_empty_folder(tree_dir: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "case"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["-q", "examine", str(tree_dir), "--out", "."]) == 0
    assert Path.cwd() == here and (here / "case.sqlite").is_file() and _end(here)["ok"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case"]


def test_sigterm_leaves_a_failed_folder(tree_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import signal
    import time

    import trowel.case.examine as pipeline

    def killed(ctx: object, result: object) -> None:  # `timeout` or `kill` while the run is working
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        raise AssertionError("SIGTERM did not stop the run")

    monkeypatch.setattr(pipeline, "_verify_inputs", killed)
    before = signal.getsignal(signal.SIGTERM)
    out = tmp_path / "case"
    with pytest.raises(SystemExit) as exc:
        main(["-q", "examine", str(tree_dir), "--out", str(out)])
    assert exc.value.code == 1 and capsys.readouterr().err == "trowel: terminated\n"
    assert _end(out)["reason"] == "terminated" and (out / "FAILED.txt").is_file()
    assert signal.getsignal(signal.SIGTERM) == before


def test_retry_after_evidence_that_cannot_be_opened(tree_dir: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "phone.bin"
    junk.write_bytes(b"not evidence" * 10)
    out = tmp_path / "case"
    with pytest.raises(SystemExit) as exc:
        main(["-q", "examine", str(junk), "--out", str(out)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"trowel: examine stopped: {junk}: unknown evidence format")
    assert err.endswith(f"(the failed case is in {out})\n")
    assert _end(out)["ok"] is False and (out / "FAILED.txt").is_file()
    assert main(["-q", "examine", str(tree_dir), "--out", str(out)]) == 0
    assert _end(out)["ok"] is True and not (out / "FAILED.txt").exists()
