"""Data on stdout, progress and messages on stderr: checked under a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys
from pathlib import Path

from trowel import progress
from trowel.cli.common import TerminalReporter
from trowel.model.jsonl import record_text, write_lines


def _deleted_rows_db(path: Path, rows: int, deleted: int) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, created INTEGER)")
    con.executemany("INSERT INTO notes VALUES (?, ?, ?)",
                    [(i, f"note number {i} " + "x" * 40, 1_700_000_000_000 + i) for i in range(1, rows + 1)])
    con.commit()
    con.execute("DELETE FROM notes WHERE id <= ?", (deleted,))
    con.commit()
    con.close()


def _run_with_tty_stderr(args: list[str], stdout_path: Path) -> tuple[int, bytes]:
    """Run trowel with stderr on a pseudo-terminal and stdout redirected to a file; returns (status, tty bytes)."""
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120")
    env.pop("NO_COLOR", None)
    with stdout_path.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "trowel.cli.main", *args], stdout=out, stderr=slave,
                                stdin=subprocess.DEVNULL, env=env)
        os.close(slave)
        seen = bytearray()
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed with the last writer
                break
            if not chunk:
                break
            seen += chunk
        status = proc.wait(timeout=120)
    os.close(master)
    return status, bytes(seen)


def test_records_go_to_the_redirected_file_not_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    _deleted_rows_db(db, rows=600, deleted=300)
    out = tmp_path / "out.jsonl"
    status, terminal = _run_with_tty_stderr(["sqlite", "recover", str(db), "--json"], out)
    assert status == 0
    lines = out.read_bytes().splitlines()
    records = [json.loads(line) for line in lines]
    live = [r for r in records if r.get("state") == "live"]
    assert len(live) == 300
    assert {r["rowid"] for r in live} == set(range(301, 601))
    assert b'"kind"' not in terminal and b"note number" not in terminal


def test_time_decode_json_lines_only_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "decode.jsonl"
    status, terminal = _run_with_tty_stderr(["time", "decode", "1700000000000", "--format", "unix_ms", "--json"],
                                            out)
    assert status == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["utc"].startswith("2023-11-14T22:13:20")
    assert b"2023-11-14" not in terminal


def test_reporter_keeps_warnings_and_lists_them_again(capsys: object) -> None:
    reporter = TerminalReporter(live=False, quiet=True)
    previous = progress.install(reporter)
    try:
        progress.warn("first.db: a page could not be read; the rest of the file was")
        with progress.progress_bar("work", total=3) as bar:
            bar.advance(3)
    finally:
        progress.install(previous)
    assert reporter.warnings == ["first.db: a page could not be read; the rest of the file was"]
    reporter.summary()
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert err == "trowel: 1 warning in this run:\n  - first.db: a page could not be read; the rest of the file was\n"


def test_silent_reporter_is_the_default_below_the_command_line() -> None:
    assert isinstance(progress.current(), progress.SilentReporter)


def test_write_lines_writes_each_item_once(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    with path.open("w") as fh:
        n = write_lines(({"i": i, "text": "ü"} for i in range(1000)), fh)
    assert n == 1000
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") == 1000 and text.splitlines()[999] == '{"i":999,"text":"ü"}'
    assert callable(record_text)
