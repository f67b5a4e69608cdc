"""One bad input never costs the case: a good extraction examined beside every corrupt or hostile archive
gives the same records as examined alone, and each bad input is named in a warning."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.fixtures import hostile_archives as hostile
from tests.fixtures.imo.generate import build_extraction
from trowel.cli.main import main


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("good") / "extraction"
    build_extraction(root)
    return root


def _counts(case: Path, evidence: str) -> tuple[dict[str, int], int]:
    db = sqlite3.connect(case / "case.sqlite")
    kinds = dict(db.execute("SELECT kind || '/' || state, count(*) FROM records WHERE evidence = ? AND kind != 'warning'"
                            " GROUP BY kind, state", (evidence,)).fetchall())
    files = db.execute("SELECT count(*) FROM files WHERE evidence = ?", (evidence,)).fetchone()[0]
    return kinds, files


def _warnings(case: Path) -> list[str]:
    db = sqlite3.connect(case / "case.sqlite")
    return [r[0] for r in db.execute("SELECT json_extract(json, '$.message') FROM records WHERE kind = 'warning'")]


def test_good_input_beside_every_corrupt_one(good: Path, tmp_path: Path) -> None:
    alone = tmp_path / "alone"
    assert main(["-q", "examine", str(good), "--out", str(alone)]) == 0
    expected = _counts(alone, "E1")
    assert expected[0].get("message/live", 0) > 10 and expected[1] > 20

    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = [builder(bad_dir / name) for name, builder in sorted(hostile.CORRUPT.items())]
    bad += [hostile.tar_odd_names(bad_dir / "odd.tar"), hostile.zip_duplicates(bad_dir / "dups.zip")]
    both = tmp_path / "both"
    status = main(["-q", "examine", str(good), *map(str, bad), "--out", str(both)])
    assert status == 1  # some inputs could not be opened at all: the run says so, and keeps the others
    assert _counts(both, "E1") == expected
    messages = _warnings(both)
    for path in bad:
        if path.name in ("odd.tar", "dups.zip", "tar_pax_bad_record.tar"):
            continue  # nothing is lost in these (the pax record's length is wrong, but its value is all there)
        assert any(path.name in m for m in messages), path.name
    db = sqlite3.connect(both / "case.sqlite")
    kinds = dict(db.execute("SELECT label, kind FROM evidence").fetchall())
    assert kinds["zip_truncated.zip"] == "evidence" and kinds["zip_bad_utf8_name.zip"] == "zip"
    paths = {r[0] for r in db.execute("SELECT path FROM files")}
    assert {"bad\\xff\\xfename.txt", "bad\\xff\\xfe.txt", "[unnamed member 2]", "hard.txt",
            "same.txt [duplicate, member 1]"} <= paths


def test_quiet_run_still_names_a_rejected_input(good: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    junk = hostile.zip_truncated(tmp_path / "cut.zip")
    status = main(["-q", "examine", str(good), str(junk), "--out", str(tmp_path / "case")])
    assert status == 1
    err = capsys.readouterr().err
    assert "cut.zip" in err and "not a readable zip archive" in err


def test_unreadable_input_is_skipped_not_fatal(good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from trowel.case import examine as pipeline

    other = tmp_path / "other.tar"
    other.write_bytes(hostile.tar_bytes([("a.txt", b"a")]))
    real = pipeline.input_digest

    def digest(path: Path) -> str:
        if path == other:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(pipeline, "input_digest", digest)
    out = tmp_path / "case"
    assert main(["-q", "examine", str(other), str(good), "--out", str(out)]) == 1
    assert any("other.tar: cannot read (Permission denied); input skipped" in m for m in _warnings(out))
    db = sqlite3.connect(out / "case.sqlite")
    assert [r[0] for r in db.execute("SELECT id FROM evidence")] == ["E2"]
    assert db.execute("SELECT count(*) FROM files WHERE evidence = 'E2'").fetchone()[0] > 20
