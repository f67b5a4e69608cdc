from __future__ import annotations

import os
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
