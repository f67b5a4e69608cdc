"""``trowel net analyze``: JSON Lines, media under --out, one-line errors and exit codes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

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


LIVE = Path(__file__).parent.parent / "fixtures" / "net" / "live"


def _record_lines(text: str, kind: str) -> list[str]:
    lines = text.splitlines()
    header = lines.index("start (UTC)              end (UTC)                kind         detail")
    return [line for line in lines[header + 1:] if line.split()[2] == kind]


def test_text_summary_quic_sessions(capsys: pytest.CaptureFixture[str], live_manifest: dict[str, Any]) -> None:
    assert main(["--quiet", "net", "analyze", str(LIVE / "quic.pcap"), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    sessions = sorted((r for r in rows if r["kind"] == "quic_session"), key=lambda r: r["start"]["raw"])
    assert main(["--quiet", "net", "analyze", str(LIVE / "quic.pcap")]) == 0
    text = capsys.readouterr().out
    assert "quic_session         6" in text.splitlines()
    lines = _record_lines(text, "quic_session")
    assert len(lines) == 6 == len(sessions)
    runs = live_manifest["quic"]["runs"]
    for line, row, run in zip(lines, sessions, runs, strict=False):
        assert f" sni={run['sni']} " in line and f" dcid={row['original_dcid']}" in line
        assert f":{row['client_port']} -> 127.0.0.1:{row['server_port']} {row['version_name']} " in line
        assert f" ja4={row['ja4']} " in line and row["ja4"].startswith("q")
    assert " alpn=h3 " in lines[0] and lines[0].split()[6] == "QUICv1"
    assert [(" 0-RTT (" in line) for line in lines] == [False, False, False, False, True, False]
    assert [line.endswith(" retry") for line in lines] == [False] * 5 + [True]


def test_text_summary_tunnel(capsys: pytest.CaptureFixture[str], live_manifest: dict[str, Any]) -> None:
    facts = live_manifest["tls13"]
    args = ["--quiet", "net", "analyze", str(LIVE / "tls13.pcap"), "--keylog", str(LIVE / "tls13.keylog")]
    assert main([*args, "--json"]) == 0
    (tunnel,) = [r for r in map(json.loads, capsys.readouterr().out.splitlines()) if r["kind"] == "tunnel"]
    assert main(args) == 0
    (line,) = _record_lines(capsys.readouterr().out, "tunnel")
    host = f"{facts['server_name']}:{facts['port']}"
    assert line.endswith(f":{tunnel['client_port']} -> proxy 127.0.0.1:{facts['proxy_port']} CONNECT {host} 200 "
                         f"inner=tls sni={facts['server_name']} bytes {tunnel['bytes_client_to_server']}/"
                         f"{tunnel['bytes_server_to_client']}")
    assert tunnel["bytes_client_to_server"] > 500 and tunnel["bytes_server_to_client"] > 1000


def test_json_lines_same_bytes_to_a_text_only_stdout_and_records_jsonl(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout without a byte layer (an io.StringIO) gets the same lines, as text, as records.jsonl holds."""
    import io

    from trowel.model.jsonl import record_line
    from trowel.net import KeyLog, analyze_capture

    live = Path(__file__).parent.parent / "fixtures" / "net" / "live"
    text = io.StringIO()
    monkeypatch.setattr(sys, "stdout", text)
    assert main(["--quiet", "net", "analyze", str(live / "tls13.pcap"), "--keylog", str(live / "tls13.keylog"),
                 "--out", str(tmp_path / "out"), "--json"]) == 0
    monkeypatch.undo()
    saved = (tmp_path / "out" / "records.jsonl").read_bytes()
    assert text.getvalue().encode("utf-8") == saved
    result = analyze_capture(live / "tls13.pcap", keylog=KeyLog.load(live / "tls13.keylog"),
                             media_dir=tmp_path / "again" / "media")
    assert saved == b"".join(record_line(r) for r in result.records)
    assert saved.count(b"\n") == len(result.records) and b'"kind":"tunnel"' in saved


def test_network_analysis_imports_codecs_hpack_and_timestamps_only_when_used() -> None:
    """brotli, zstandard (content codings), hpack (HTTP/2) and the timestamp catalogue (times outside
    1970-2116) load on first use: importing the analysis and analysing a TLS 1.3 capture need none of them."""
    code = ("import sys\nfrom pathlib import Path\nimport trowel.net\nimport trowel.cli.net\n"
            "before = sorted(m for m in ('brotli', 'zstandard', 'hpack', 'trowel.timestamps') if m in sys.modules)\n"
            f"trowel.net.analyze_capture(Path({str(Path(__file__).parent.parent / 'fixtures/net/live/tls13.pcap')!r}))\n"
            "after = sorted(m for m in ('brotli', 'zstandard', 'hpack', 'trowel.timestamps') if m in sys.modules)\n"
            "print(before, after)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[] []"
