from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from trowel.scratch import private_folder, remove_orphans


def _dead_pid() -> int:
    pid = 4_000_000
    while Path(f"/proc/{pid}").exists():
        pid += 1
    return pid


def test_folders_of_killed_runs_are_removed_at_the_next_start(tmp_path: Path) -> None:
    dead = tmp_path / f"trowel-x-{_dead_pid()}-abc"
    dead.mkdir()
    (dead / "sort.tmp").write_bytes(b"x" * 100)
    alive = tmp_path / "trowel-x-1-def"  # pid 1 always runs
    alive.mkdir()
    other = tmp_path / "trowel-y-999999999-ghi"
    other.mkdir()
    new = private_folder("trowel-x-", tmp_path)
    assert new.parent == tmp_path and new.name.startswith(f"trowel-x-{os.getpid()}-")
    assert not dead.exists() and alive.is_dir() and other.is_dir()
    assert (new.stat().st_mode & 0o777) == 0o700
    assert remove_orphans(tmp_path, "trowel-x-") == []  # its own folder is kept while it runs


KILLED_FIELDS = """
import os, signal, sys
import trowel.timestamps.infer as infer
infer.type_table = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # killed while the copy is open
infer.infer_sqlite(sys.argv[1])
"""
KILLED_IMO = """
import os, signal, sys
import trowel.apps.runner as runner
runner.find_app_data = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # killed while sorting the files
from trowel.cli.main import main
main(["imo", sys.argv[1]])
"""


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TMPDIR=str(tmp), PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_killed_time_fields_and_imo_folders_are_removed_at_the_next_start(tmp_path: Path) -> None:
    """`time fields` on a database and `trowel imo` make their scratch with trowel.scratch: a run killed
    while its folder exists leaves it, the next run of the same command removes it and its own."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    db = tmp_path / "notes.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, created INTEGER)")
        conn.executemany("INSERT INTO notes(created) VALUES (?)", [(1_700_000_000 + 3600 * i,) for i in range(40)])
    conn.close()
    tree = tmp_path / "tree" / "data" / "media" / "0"
    tree.mkdir(parents=True)
    (tree / "a.txt").write_text("x\n")
    for prefix, script, arg, again in (
            ("trowel-fields-", KILLED_FIELDS, db, ["time", "fields", str(db)]),
            ("trowel-imo-", KILLED_IMO, tmp_path / "tree", ["imo", str(tmp_path / "tree")])):
        killed = _run(tmp, "-c", script, str(arg))
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        left = list(tmp.glob(f"{prefix}*"))
        assert len(left) == 1 and left[0].is_dir()
        assert left[0].name.startswith(prefix) and left[0].name[len(prefix):].partition("-")[0].isdigit()
        if prefix == "trowel-fields-":
            assert (left[0] / "db.sqlite").read_bytes() == db.read_bytes()  # the copy it was reading
        next_run = _run(tmp, "-m", "trowel.cli.main", "-q", *again)
        assert next_run.returncode == 0, next_run.stderr
        assert list(tmp.glob(f"{prefix}*")) == []
    fields = _run(tmp, "-m", "trowel.cli.main", "time", "fields", str(db))
    assert "notes.created" in fields.stdout
