"""Cross-checks against tshark (an independent implementation): HTTP objects exported by
``tshark --export-objects http`` and the conversation tables of ``-z conv,tcp`` / ``-z conv,udp``.
tshark must be installed (scripts/system-deps.sh); the test fails loudly when it is not."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.net.conftest import by_kind
from trowel.net import AnalysisResult, analyze_capture


def tshark() -> str:
    path = shutil.which("tshark")
    if path is None:
        pytest.fail("tshark is not installed: run scripts/system-deps.sh (Debian package tshark)")
    return path


def exported(capture: Path, folder: Path) -> list[str]:
    folder.mkdir()
    subprocess.run([tshark(), "-r", str(capture), "-q", "--export-objects", f"http,{folder}"], check=True,
                   capture_output=True, timeout=120)
    return sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir())


@pytest.mark.parametrize("name", ["imo.pcap", "two_ifaces.pcapng", "ipv6_sll2.pcap"])
def test_same_complete_objects_as_tshark(captures: Path, tmp_path: Path, name: str) -> None:
    ours = analyze_capture(captures / name)
    complete = sorted(o["sha256"] for o in by_kind(ours, "http_object") if o["complete"])
    assert complete, "the capture must hold complete objects"
    assert exported(captures / name, tmp_path / "tshark") == complete


def _conversations(capture: Path, proto: str) -> dict[tuple[str, str], tuple[int, int, str, str]]:
    out = subprocess.run([tshark(), "-r", str(capture), "-q", "-z", f"conv,{proto}"], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    rows = {}
    pattern = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+) (\d+ \w+)\s+(\d+) (\d+ \w+)")
    for line in out.splitlines():
        match = pattern.match(line)
        if match:
            a, b, frames_in, bytes_in, frames_out, bytes_out = match.groups()
            rows[(a, b)] = (int(frames_out), int(frames_in), bytes_out, bytes_in)
    return rows


def _size_text(n: int) -> str:
    """tshark 4.0's way of printing a byte count in its conversation tables (SI, truncated)."""
    return f"{n} bytes" if n < 10_000 else f"{n // 1000} kB"


@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_conversations_match_tshark(captures: Path, imo_result: AnalysisResult, proto: str) -> None:
    theirs = _conversations(captures / "imo.pcap", proto)
    ours = {}
    for f in by_kind(imo_result, "flow"):
        if f["transport"] == proto:
            key = (f"{f['a_ip']}:{f['a_port']}", f"{f['b_ip']}:{f['b_port']}")
            ours[key] = (f["packets_a_to_b"], f["packets_b_to_a"], _size_text(f["bytes_a_to_b"]),
                         _size_text(f["bytes_b_to_a"]))
    assert len(ours) == {"tcp": 9, "udp": 8}[proto]
    assert ours == theirs
