"""`trowel sqlite recover`: JSON Lines, table output, filters, exit codes, and untouched evidence."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sqlite.conftest import Built
from trowel.cli.main import main


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_json_lines(scenarios: Built, capsys: pytest.CaptureFixture[str]) -> None:
    sc, _ = scenarios.get("wal")
    assert main(["--quiet", "sqlite", "recover", str(sc.db), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    keys = {"table", "state", "region", "page", "offset", "rowid", "values", "columns", "confidence", "frame",
            "salts", "commit", "partial", "source_file", "note"}
    assert rows and all(keys <= set(r) for r in rows)
    live = [r for r in rows if r["state"] == "live" and r["table"] == "msg"]
    assert len(live) == len(sc.live["msg"])
    first = next(r for r in live if r["rowid"] == 1)
    truth = next(t for t in sc.live["msg"] if t[0] == 1)
    assert first["values"][:5] == list(truth[:5])
    blob = first["values"][5]
    assert blob == {"base64": base64.b64encode(truth[5]).decode()}
    deleted = [r for r in rows if r["state"] == "deleted" and r["table"] == "msg"]
    assert len(deleted) == 51 and all(r["region"] == "wal" and len(r["salts"]) == 2 for r in deleted)


def test_deleted_only_and_table_output(scenarios: Built, capsys: pytest.CaptureFixture[str]) -> None:
    sc, _ = scenarios.get("mixed_ipk_single")
    assert main(["--quiet", "sqlite", "recover", str(sc.db), "--deleted-only", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and {r["state"] for r in rows} == {"deleted"}
    assert main(["--quiet", "sqlite", "recover", str(sc.db), "--deleted-only"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].split() == ["state", "table", "rowid", "copy", "where", "conf", "values"]  # the header row
    assert len(text) == 1 + len(rows) and all(line.startswith("deleted") for line in text[1:])


def test_big_integers_are_strings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3
    db = tmp_path / "big.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t(v INTEGER)")
    con.execute("INSERT INTO t VALUES (?)", (2**62,))
    con.commit()
    con.close()
    assert main(["--quiet", "sqlite", "recover", str(db), "--json"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert row["values"] == [str(2**62)]


def test_errors_one_line_exit_codes(tmp_path: Path) -> None:
    missing = subprocess.run([sys.executable, "-m", "trowel.cli.main", "sqlite", "recover", str(tmp_path / "no.db")],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.strip().endswith("no such file")
    assert "Traceback" not in missing.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    bad = subprocess.run([sys.executable, "-m", "trowel.cli.main", "-q", "sqlite", "recover", str(junk)],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "not an SQLite 3 database" in bad.stderr and "Traceback" not in bad.stderr
    usage = subprocess.run([sys.executable, "-m", "trowel.cli.main", "sqlite", "recover"], capture_output=True,
                           text=True)
    assert usage.returncode == 2


@pytest.mark.parametrize("name", ["wal", "journal_persist", "wal_reset"])
def test_evidence_unchanged(scenarios: Built, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The database, WAL and journal bytes (and their modification times) are identical after recovery."""
    sc, _ = scenarios.get(name)
    files = [p for p in (sc.db, sc.wal, sc.journal) if p is not None]
    before = {p: (_sha(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files}
    siblings = sorted(p.name for p in sc.db.parent.iterdir())
    assert main(["--quiet", "sqlite", "recover", str(sc.db), "--json"]) == 0
    capsys.readouterr()
    after = {p: (_sha(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files}
    assert before == after
    assert sorted(p.name for p in sc.db.parent.iterdir()) == siblings  # no -shm, no new journal
