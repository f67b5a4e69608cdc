"""The commands as an examiner meets them: under a terminal with stdout redirected, options before or after the
command name, each command's own usage, help with examples and output columns, one-line reasons on exit 1."""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import struct
from pathlib import Path

import pytest

from tests.cli.terminal import HIDE_CURSOR, run_trowel
from tests.fixtures.imo.generate import build_extraction
from tests.fixtures.net import make_captures
from trowel.cli.main import build_parser, main

IMO_PCAP_RECORDS = 35  # 17 flows, 6 HTTP objects, 1 TLS session, 4 stickers, 3 imo sessions, 2 calls, 2 warnings


@pytest.fixture(scope="module")
def notes_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "notes.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, created INTEGER)")
    con.executemany("INSERT INTO notes VALUES (?, ?, ?)",
                    [(i, f"note number {i} " + "x" * 60, 1_700_000_000_000 + i * 60_000) for i in range(1, 401)])
    con.commit()
    con.execute("DELETE FROM notes WHERE id <= 100")
    con.commit()
    con.close()
    return path


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("captures")
    make_captures.build(out)
    return out


@pytest.fixture(scope="module")
def imo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_extraction(tmp_path_factory.mktemp("imo") / "extraction").root


@pytest.fixture(scope="module")
def times_blob(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 little-endian Unix-millisecond values 16 bytes apart, between filler bytes that decode to nothing."""
    path = tmp_path_factory.mktemp("blob") / "times.bin"
    path.write_bytes(b"".join(struct.pack("<q", 1_700_000_000_000 + i * 1000) + b"\xee" * 8 for i in range(120)))
    return path


def _json_lines(data: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


# -- data on stdout, only: commands run under a pseudo-terminal with stdout redirected ------------------------


def test_sqlite_recover_json_under_terminal(notes_db: Path, tmp_path: Path) -> None:
    run = run_trowel(["--json", "sqlite", "recover", str(notes_db)], tmp_path / "out.jsonl")
    assert run.status == 0
    rows = _json_lines(run.stdout)
    live = [r for r in rows if r["state"] == "live"]
    assert len(live) == 300 and {r["rowid"] for r in live} == set(range(101, 401))
    assert len(rows) == 300 + sum(r["state"] == "deleted" for r in rows)
    assert b"note number" not in run.terminal and b'"state"' not in run.terminal
    assert f"{len(rows)} records (" in run.stderr_text


def test_imo_json_under_terminal(imo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "imo", str(imo_root), "--json"]) == 0
    expected = capsys.readouterr().out.splitlines()
    run = run_trowel(["imo", str(imo_root), "--json"], tmp_path / "imo.jsonl")
    assert run.status == 0
    lines = run.stdout.decode().splitlines()
    assert len(lines) == len(expected) == 94  # 91 + three schema_differs findings (issue 13)
    assert sorted(lines) == sorted(expected)
    assert b'"kind"' not in run.terminal


def test_time_hunt_json_under_terminal(times_blob: Path, tmp_path: Path) -> None:
    run = run_trowel(["time", "hunt", str(times_blob), "--after", "2023-11-14", "--before", "2023-11-15",
                      "--format", "unix_ms", "--json"], tmp_path / "hits.jsonl")
    assert run.status == 0
    hits = _json_lines(run.stdout)
    eight = sorted(int(str(h["offset"])) for h in hits if h["width"] == 8)
    assert eight == [16 * i for i in range(120)]
    assert b'"offset"' not in run.terminal and f"{len(hits)} hits" in run.stderr_text


def test_net_analyze_json_under_terminal(captures: Path, tmp_path: Path) -> None:
    run = run_trowel(["net", "analyze", str(captures / "imo.pcap"), "--json", "--quiet"], tmp_path / "net.jsonl")
    assert run.status == 0
    rows = _json_lines(run.stdout)
    assert len(rows) == IMO_PCAP_RECORDS
    assert [r["call_id"] for r in rows if r["kind"] == "call_session"] == ["call-1", "call-2"]
    assert b'"kind"' not in run.terminal
    # the capture's two warnings: listed once at the end (quiet), each on one line although the terminal is narrow
    text = run.stderr_text
    assert text.startswith("trowel: 2 warnings in this run:\n")
    assert "  - imo.pcap: 1 frame(s): cut at the snap length; payload incomplete (first frames 18)\n" in text


def test_warnings_are_never_wrapped(captures: Path, tmp_path: Path) -> None:
    run = run_trowel(["net", "analyze", str(captures / "imo.pcap")], tmp_path / "net.txt", columns=40)
    warning = ("imo.pcap: 1 frame(s): IPv4 total length 0 (segmentation offload); length taken from the captured "
               "bytes (first frames 17)")
    lines = run.stderr_text.splitlines()
    assert f"trowel: warning: {warning}" in lines and f"  - {warning}" in lines


def test_progress_drawn_only_when_stdout_is_not_the_terminal(notes_db: Path, tmp_path: Path) -> None:
    redirected = run_trowel(["sqlite", "recover", str(notes_db)], tmp_path / "out.txt")
    assert HIDE_CURSOR in redirected.terminal  # the live progress display was drawn on stderr
    on_terminal = run_trowel(["sqlite", "recover", str(notes_db)], None)
    assert on_terminal.status == 0
    assert HIDE_CURSOR not in on_terminal.terminal and "━" not in on_terminal.stderr_text
    shown = on_terminal.stdout.decode().replace("\r", "").splitlines()
    assert shown[0].split() == ["state", "table", "rowid", "copy", "where", "conf", "values"]
    assert len(shown) == 1 + 300 + sum(line.startswith("deleted") for line in shown)
    quiet = run_trowel(["sqlite", "recover", str(notes_db), "-q"], tmp_path / "quiet.txt")
    assert quiet.terminal == b"" and quiet.stdout.decode().splitlines()[0].startswith("state")


# -- options before or after the command; each command's own usage ------------------------------------------


@pytest.mark.parametrize("argv", [
    ["--quiet", "--json", "sqlite", "recover", "{db}"],
    ["sqlite", "recover", "{db}", "--quiet", "--json"],
    ["-q", "sqlite", "--json", "recover", "{db}"],
    ["--json", "sqlite", "recover", "-q", "{db}"],
])
def test_global_options_anywhere(argv: list[str], notes_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([a.replace("{db}", str(notes_db)) for a in argv]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert sum(r["state"] == "live" for r in rows) == 300
    assert err == ""  # quiet: not even the count of records


def test_json_before_the_command_for_every_group(times_blob: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "time", "decode", "1700000000000", "--format", "unix_ms"]) == 0
    assert json.loads(capsys.readouterr().out)["utc"] == "2023-11-14T22:13:20.000000Z"
    assert main(["time", "--json", "formats"]) == 0
    assert all(json.loads(line)["name"] for line in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize(("argv", "prog", "message"), [
    (["sqlite", "recover", "x.db", "--bogus"], "trowel sqlite recover", "unrecognized arguments: --bogus"),
    (["ls", "x.tar", "--hash", "--colour"], "trowel ls", "unrecognized arguments: --colour"),
    (["time", "hunt", "f.bin"], "trowel time hunt", "the following arguments are required: --after, --before"),
    (["net", "analyze"], "trowel net analyze", "the following arguments are required: capture"),
    (["examine", "e.tar"], "trowel examine", "the following arguments are required: --out"),
    (["time", "bogus"], "trowel time", "argument SUBCOMMAND: invalid choice: 'bogus'"),
    (["aed", "build", "a.apk", "--db", "x", "--jobs", "many"], "trowel aed build",
     "argument --jobs: invalid int value: 'many'"),
])
def test_bad_option_prints_that_commands_usage(argv: list[str], prog: str, message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: {prog} ")
    assert err.splitlines()[-1].startswith(f"{prog}: {message}")


def _leaves(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    children = [child for action in parser._actions if isinstance(action, argparse._SubParsersAction)
                for child in action.choices.values()]
    return [parser] if not children else [leaf for child in children for leaf in _leaves(child)]


def test_every_help_has_an_example_and_its_output() -> None:
    top = build_parser().format_help()
    assert "\n  trowel ls phone.tar                                          # the files of an extraction\n" in top
    leaves = _leaves(build_parser())
    names = sorted(leaf.prog for leaf in leaves)
    assert names == sorted(f"trowel {n}" for n in [
        "examine", "ls", "imo", "sqlite recover", "time decode", "time encode", "time hunt", "time fields",
        "time formats", "apk analyze", "aed build", "aed match", "net analyze", "report"])
    for leaf in leaves:
        text = leaf.format_help()
        command = leaf.prog
        assert "example" in text and re.search(f"\n  {command}[ \n]", text), command  # this very command
        assert "output" in text and "--quiet" in text, command


# -- exit status 1 always comes with one line saying why ----------------------------------------------------


def test_one_line_reasons(tmp_path: Path, captures: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"abc")
    cases = [
        (["time", "decode", "99999999999999999999999", "--json"],
         "trowel: no reading of '99999999999999999999999' falls in the window; --all shows every reading"),
        (["time", "decode", "zzz", "--format", "unix_s", "--json"], "trowel: no valid reading of 'zzz' as unix_s"),
        (["time", "fields", str(junk)], "trowel: no timestamp fields found in junk.bin"),
        (["sqlite", "recover", str(junk)],
         "trowel: junk.bin: file is shorter than the 100-byte SQLite header; nothing could be read"),
        (["ls", str(tmp_path / "missing")], "trowel: "),
        (["net", "analyze", str(junk)], f"trowel: {junk}: not a packet capture"),
    ]
    for argv, start in cases:
        run = run_trowel(argv, tmp_path / "out")
        assert run.status == 1, argv
        lines = run.stderr_text.splitlines()
        assert len(lines) == 1 and lines[0].startswith(start), (argv, lines)


def test_examine_bad_pcap_under_terminal(tmp_path: Path, imo_root: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a capture\n")
    out = tmp_path / "case"
    run = run_trowel(["examine", str(imo_root), "--pcap", str(notes), "--out", str(out), "-q"], tmp_path / "o.txt")
    assert run.status == 1
    assert run.stdout.decode() == f"{out / 'report' / 'index.html'}\n"
    lines = run.stderr_text.splitlines()
    reason = f"{notes}: capture not analysed: {notes}: not a packet capture (neither pcap nor pcapng magic at the start)"
    assert lines == [f"trowel: examine finished with 1 problem: {reason}; the rest of the case is in {out}",
                     "trowel: 1 warning in this run:", f"  - {reason}"]
    assert sqlite3.connect(out / "case.sqlite").execute(
        "SELECT count(*) FROM records WHERE kind = 'message'").fetchone()[0] > 0


def test_unexpected_errors_are_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import trowel.cli.ls as ls_command

    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("a parser bug\nwith a second line")

    monkeypatch.setattr(ls_command, "run", broken)
    monkeypatch.delenv("TROWEL_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["ls", "anything"])
    assert exc.value.code == 1
    assert capsys.readouterr().err == ("trowel: internal error: RuntimeError: a parser bug (TROWEL_DEBUG=1 shows "
                                       "where)\n")
    monkeypatch.setattr(ls_command, "run", lambda args: open("/nonexistent/dir/file"))  # noqa: SIM115
    with pytest.raises(SystemExit) as exc:
        main(["ls", "anything"])
    assert exc.value.code == 1
    assert capsys.readouterr().err == "trowel: /nonexistent/dir/file: No such file or directory\n"


def test_closed_pipe_ends_quietly(notes_db: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "trowel.cli.main", "sqlite", "recover", str(notes_db), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0 and json.loads(first)["table"] == "notes"
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert b"records (" not in err  # the pipe did close before the end: the run stopped there


@pytest.fixture(scope="module")
def wal_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A WAL database copied while its writer is open: row 3 edited, rows 5 and 6 deleted, all in the WAL."""
    import shutil

    folder = tmp_path_factory.mktemp("wal")
    live = folder / "live.db"
    con = sqlite3.connect(live)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE msgs (id INTEGER PRIMARY KEY, body TEXT, ts INTEGER)")
    con.executemany("INSERT INTO msgs VALUES (?, ?, ?)",
                    [(i, f"message {i} " + "long text " * 8, 1_700_000_000_000 + i * 60_000) for i in range(1, 21)])
    con.commit()
    con.execute("UPDATE msgs SET body = 'edited' WHERE id = 3")
    con.commit()
    con.execute("DELETE FROM msgs WHERE id IN (5, 6)")
    con.commit()
    shutil.copyfile(live, folder / "copy.db")
    shutil.copyfile(folder / "live.db-wal", folder / "copy.db-wal")
    con.close()
    return folder / "copy.db"


def test_sqlite_recover_text_groups_copies_and_decodes_times(wal_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "sqlite", "recover", str(wal_db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["state", "table", "rowid", "copy", "where", "conf", "values"]
    rows = [line.split() for line in lines[1:]]
    assert [(r[0], r[2], r[3]) for r in rows[2:4]] == [("live", "3", "1/2"), ("deleted", "3", "2/2")]
    assert len(rows) == 21 and sum(r[0] == "deleted" for r in rows) == 3
    edited, older = lines[3], lines[4]
    assert "body=edited | ts=1700000180000 (2023-11-14T22:16:20.000000Z unix_ms)" in edited
    assert "body=message 3 long text long text long text… |" in older  # cut at 40 characters
    assert older.endswith("[older committed version of the page; older version of live rowid 3 (row changed)]")
    assert " wal p2+" in older and " f3 " in older
    assert main(["-q", "sqlite", "recover", str(wal_db), "--no-truncate", "--deleted-only", "--table", "msgs"]) == 0
    whole = capsys.readouterr().out.splitlines()
    assert len(whole) == 4 and f"body=message 5 {'long text ' * 8} |" in whole[2]
