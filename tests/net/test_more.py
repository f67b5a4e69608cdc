"""Link types, IP fragments and messenger look-alikes (tests/fixtures/net/make_more.py): the real HTTP
capture re-framed in every link type gives the same flows and objects; fragments are reassembled; an
unsupported link type is a warning naming it; imo labels only on positive evidence."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.net import make_more
from tests.net.conftest import by_kind
from tests.net.test_tshark import exported, tshark
from trowel.net import analyze_capture
from trowel.net.packets import Fragments, PacketIssues, decode


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("more")
    paths = make_more.link_captures(out)
    paths["messengers"] = make_more.messenger_capture(out)
    return paths


@pytest.mark.parametrize("name", sorted(make_more.LINK_TYPES) + ["fragments"])
def test_link_types_give_the_same_objects(built: dict[str, Path], name: str, live_manifest: dict[str, Any]) -> None:
    result = analyze_capture(built[name])
    objects = {o["path"]: o["sha256"] for o in by_kind(result, "http_object")}
    assert objects == live_manifest["http"]["objects"]
    flows = by_kind(result, "flow")
    assert len(flows) == 6 and {f["application"] for f in flows} == {"http"}
    assert sum(f["packets_a_to_b"] + f["packets_b_to_a"] for f in flows) == 88
    assert result.warnings == ([] if name != "fragments" else result.warnings)


def test_fragments_reassembled(built: dict[str, Path], live_manifest: dict[str, Any]) -> None:
    result = analyze_capture(built["fragments"])
    flows = by_kind(result, "flow")
    # every datagram counted once (when complete), payload bytes as in the original capture
    original = by_kind(analyze_capture(make_more.LIVE / "http_live.pcap"), "flow")
    assert [(f["payload_a_to_b"], f["payload_b_to_a"]) for f in flows] == [
        (f["payload_a_to_b"], f["payload_b_to_a"]) for f in original]
    assert len(result.warnings) == 1 and "IP fragment (reassembled" in result.warnings[0]
    v6 = analyze_capture(built["fragments_v6"])
    (obj,) = by_kind(v6, "http_object")
    assert obj["sha256"] == hashlib.sha256(bytes(range(256)) * 30).hexdigest() and obj["complete"]
    assert obj["server_ip"] == "2001:db8::80"


def test_same_objects_as_tshark_through_ppp_radiotap_fragments(built: dict[str, Path], tmp_path: Path) -> None:
    for name in ("ppp", "radiotap", "fragments", "ppp_hdlc"):
        ours = sorted(o["sha256"] for o in by_kind(analyze_capture(built[name]), "http_object")
                      if o["content_encoding"] != "zstd")  # tshark 4.0 exports no zstd object
        assert exported(built[name], tmp_path / name) == ours, name


def test_ppp_packets_per_connection_as_tshark(built: dict[str, Path]) -> None:
    out = subprocess.run([tshark(), "-r", str(built["ppp"]), "-T", "fields", "-e", "tcp.stream", "-e", "frame.len"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    theirs: dict[int, list[int]] = {}
    for line in out.splitlines():
        stream, length = line.split()
        theirs.setdefault(int(stream), []).append(int(length))
    flows = by_kind(analyze_capture(built["ppp"]), "flow")
    ours = [(f["packets_a_to_b"] + f["packets_b_to_a"], f["bytes_a_to_b"] + f["bytes_b_to_a"]) for f in flows]
    assert ours == [(len(v), sum(v)) for _k, v in sorted(theirs.items())]


def test_unsupported_link_type_named(built: dict[str, Path]) -> None:
    result = analyze_capture(built["usb"])
    assert result.warnings == ["1 frame(s): link type 189 (USB_LINUX) not supported; frame ignored (first frames 1)"]
    assert not by_kind(result, "flow")


def test_ppp_header_forms() -> None:
    packet = bytes.fromhex("4500001c000100004011f9c00a0000010a000002") + bytes.fromhex("04d2162e00080000")
    issues = PacketIssues()
    for frame in (b"\xff\x03\x00\x21" + packet, b"\x00\x21" + packet, b"\x21" + packet):
        seg = decode(9, frame, 1, issues)
        assert seg is not None and (seg.sport, seg.dport) == (1234, 5678)
    seg = decode(50, b"\x0f\x00\x08\x00" + packet, 1, issues)  # Cisco PPP with HDLC framing
    assert seg is not None and seg.sport == 1234
    seg = decode(166, b"\x01\x03\x00\x21" + packet, 1, issues)  # pppd: a direction byte for the address
    assert seg is not None and seg.sport == 1234
    assert decode(9, b"\xff\x03\xc0\x21" + bytes(10), 2, issues) is None  # LCP
    assert issues.counts == {"ppp_not_ip": 1}


def test_fragment_overlap_first_wins() -> None:
    frags = Fragments()
    issues = PacketIssues()
    key = (b"a", b"b", 1, 17)
    assert frags.add(key, 8, True, b"BBBBBBBB", 1, issues) is None
    assert frags.add(key, 0, True, b"AAAAAAAAXXXX", 2, issues) is None  # overlaps the first 4 bytes of B
    assert frags.add(key, 16, False, b"CC", 3, issues) == b"AAAAAAAABBBBBBBBCC"
    assert issues.counts == {"fragment_overlap": 1}
    assert frags.add((b"x",), 8, False, b"late", 4, issues) is None
    frags.finish(issues)
    assert issues.examples["fragment_unmatched"] == [4]


def test_imo_only_on_positive_evidence(built: dict[str, Path]) -> None:
    result = analyze_capture(built["messengers"])
    flows = {f["flow_id"]: f for f in by_kind(result, "flow")}
    assert flows["tcp-1"]["application"] == "tls"  # TLS application data on 5228: TLS, not imo
    assert flows["tcp-2"]["application"] == "binary"  # sizes multiple of 16 alone: not imo
    assert flows["tcp-4"]["b_name"] == "imo-chat.imo.im"
    sessions = {s["flow_id"]: s for s in by_kind(result, "imo_session")}
    assert sorted(sessions) == ["tcp-4", "tcp-6", "tcp-7"]
    assert sessions["tcp-4"]["reasons"] == ["server address resolved from imo-chat.imo.im"]
    assert sessions["tcp-4"]["confidence"] == 0.9
    fallback = "one client tried 443, then 5223, then 5228 on one server (imo's port fallback)"
    assert sessions["tcp-6"]["reasons"] == sessions["tcp-7"]["reasons"] == [fallback]
    assert sessions["tcp-6"]["confidence"] == sessions["tcp-7"]["confidence"] == 0.6
    assert sessions["tcp-7"]["switched_from"] == "binary:5223"
    keepalive = next(f for f in flows.values() if f["a_port"] == 4500)
    assert keepalive["application"] is None and not by_kind(result, "call_session")
