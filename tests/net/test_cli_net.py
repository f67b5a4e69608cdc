"""``trowel net analyze``: JSON Lines, media under --out, one-line errors and exit codes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from trowel.cli.main import main


def test_json_lines_and_out_folder(captures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["--quiet", "net", "analyze", str(captures / "tls_decrypt.pcap"), "--keylog",
                 str(captures / "tls_decrypt.keylog"), "--out", str(out), "--json"])
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [r["kind"] for r in rows]
    assert kinds.count("flow") == 4 and kinds.count("tls_session") == 4 and kinds.count("http_object") == 8
    assert kinds.count("imo_session") == 4
    saved = sorted(p.name for p in (out / "media").iterdir())
    assert saved == sorted({r["sha256"] for r in rows if r["kind"] == "http_object"})
    for name in saved:
        assert hashlib.sha256((out / "media" / name).read_bytes()).hexdigest() == name
    assert len((out / "records.jsonl").read_text().splitlines()) == len(rows)


def test_text_summary(captures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quiet", "net", "analyze", str(captures / "imo.pcap")]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0].endswith("imo.pcap: 1338 frames, 1337 TCP/UDP")
    assert lines[1].split() == ["kind", "count"] and "call_session         2" in lines
    header = lines.index("start (UTC)              end (UTC)                kind         detail")
    assert len(lines) - header - 1 == 2 + 17 + 6 + 3 + 4 + 1 + 2  # one line per record
    assert ("2018-06-12T10:08:20.000Z 2018-06-12T10:08:50.041Z call_session call-1 client 192.168.1.10:40001 "
            "relay 203.0.113.5:30010 peer 198.51.100.20:47000 (connected) 30.0 s; also tried, UNANSWERED: "
            "10.20.30.40:47000 (4 packets)") in lines
    assert ("2018-06-12T10:15:00.000Z 2018-06-12T10:15:09.025Z call_session call-2 client 192.168.1.10:40555 "
            "relay 203.0.113.6:443 peer 198.51.100.33:51000 (tried, UNANSWERED) 9.0 s") in lines
    unanswered = [line for line in lines if line.endswith("UNANSWERED (no packet back)")]
    assert len(unanswered) == 5 and all(" flow " in line for line in unanswered)
    assert "PARTIAL (stream ends" in text


@pytest.mark.parametrize("content", [b"not a capture at all", b""])
def test_bad_capture_one_line_exit_1(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "trowel.cli.main", "net", "analyze", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == f"trowel: {bad}: not a packet capture (neither pcap nor pcapng magic at the start)\n"


def test_bad_keylog_exit_1(captures: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "trowel.cli.main", "net", "analyze", str(captures / "imo.pcap"),
                           "--keylog", str(tmp_path / "none.txt")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stderr.startswith("trowel: ") and proc.stderr.count("\n") == 1


def test_usage_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["net"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["net", "analyze"])
    assert exc.value.code == 2
