"""``trowel imo`` on every evidence form, read-only; the examine ``apps`` stage; hostile input."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from tests.apps.imo.conftest import counts, run_imo
from tests.conftest import sha256_of
from tests.fixtures.imo.generate import IMO, GroundTruth
from trowel.case.examine import input_digest
from trowel.cli.main import main

Records = list[dict[str, Any]]


def test_tar_gives_the_same_records_and_stays_unchanged(imo_tar: Path, imo_records: Records) -> None:
    before = sha256_of(imo_tar)
    from_tar = run_imo(imo_tar)
    assert sha256_of(imo_tar) == before
    assert counts(from_tar) == counts(imo_records)
    assert {r["source"]["evidence"] for r in from_tar} == {"extraction.tar.gz"}


def test_folder_evidence_is_not_written(imo_truth: GroundTruth) -> None:
    before = input_digest(imo_truth.root)
    run_imo(imo_truth.root)
    assert input_digest(imo_truth.root) == before
    assert not list(imo_truth.root.rglob("*-shm"))


def test_summary_table(imo_truth: GroundTruth) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["-q", "imo", str(imo_truth.root)]) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["package", "user", "kind", "state", "count", "finding"]
    assert f"{IMO:<28} {0:>4} {'message':<10} {'live':<9} {21:>8}  " in lines


def test_missing_evidence_fails_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["imo", str(tmp_path / "nope"), "--json"])
    assert exc.value.code == 1
    assert capsys.readouterr().err == f"trowel: {tmp_path / 'nope'}: no such file or folder\n"


def test_hostile_and_corrupt_files_become_warnings(tmp_path: Path) -> None:
    app = tmp_path / "ev" / "data/data/com.imo.android.imoim"
    (app / "databases").mkdir(parents=True)
    (app / "files").mkdir()
    (app / "databases/imofriends.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    (app / "databases/accountdb.db").write_bytes(b"")
    (app / "files/bprefs.json").write_bytes(b'{"GET_MY_PROFILE": "{not json", "SIGNUP_DATE": "soon"}')
    (app / "files/brefs.json").write_bytes(b"\x00\x01[1,2")
    records = run_imo(tmp_path / "ev")
    kinds = sorted((r["kind"], r.get("note") or r.get("message", "")) for r in records)
    assert ("account", "GET_MY_PROFILE is not a JSON object") in kinds
    event = next(r for r in records if r["kind"] == "app_event")
    assert event["time"] is None and event["note"] == "time unit not an integer"
    warnings = sorted(r["source"]["path"] for r in records if r["kind"] == "warning")
    assert "data/data/com.imo.android.imoim/files/brefs.json" in warnings
    assert "data/data/com.imo.android.imoim/databases/imofriends.db" in warnings
    assert all(r["state"] == "live" for r in records)


def test_examine_stores_imo_records_and_media(imo_truth: GroundTruth, imo_records: Records, tmp_path: Path) -> None:
    out = tmp_path / "case"
    before = input_digest(imo_truth.root)
    assert main(["-q", "examine", str(imo_truth.root), "--out", str(out)]) == 0
    assert input_digest(imo_truth.root) == before
    db = sqlite3.connect(out / "case.sqlite")
    stored = [json.loads(t) for (t,) in db.execute("SELECT json FROM records WHERE app = 'imo'")]
    assert counts(stored) == counts(imo_records)
    media = [r for r in stored if r["kind"] == "media"]
    assert len(media) == 5
    for record in media:
        copy = out / record["media_path"]
        assert record["media_path"] == f"media/{record['sha256']}"
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == record["sha256"]
    assert {r["sha256"] for r in media} <= {p.name for p in (out / "media").iterdir()}
