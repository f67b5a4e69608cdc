from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import android_tree
from trowel import __version__
from trowel.cli.main import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"trowel {__version__}"


def test_ls_json_hash(tree_targz: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", str(tree_targz), "--json", "--hash"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    files = {r["path"]: r["sha256"] for r in rows if r["entry_kind"] == "file"}
    assert files == android_tree.expected_hashes()
    row = next(r for r in rows if r["path"].startswith("data/user/10/com.imo"))
    assert row["user"] == 10 and row["package"] == android_tree.IMO
    assert row["mtime"] == "2023-11-14T22:13:20.000000Z"


def test_missing_input_one_line_exit_1(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "trowel.cli.main", "ls", str(tmp_path / "nope")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_usage_error_exit_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ls"])
    assert exc.value.code == 2


def test_examine_refuses_unknown_zone(tree_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["-q", "examine", str(tree_dir), "--out", str(tmp_path / "case"), "--tz", "Mars/Olympus"])
    assert exc.value.code == 2
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
    assert not (tmp_path / "case").exists()
