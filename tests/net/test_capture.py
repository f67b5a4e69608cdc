"""Capture reading: pcap both byte orders and resolutions, pcapng with several interfaces, sniffing by
content, truncated files and damaged records as warnings."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures.net.make_captures import T0
from trowel.errors import CaptureError
from trowel.net.capture import open_capture
from trowel.net.packets import PacketIssues, decode


def frames(path: Path) -> tuple[list[tuple[int, int, int, int, int]], list[str], list[dict[str, object]], str]:
    with open_capture(path) as reader:
        out = [(p.frame, p.ts_ns, p.linktype, p.orig_len, p.interface) for p in reader]
        return out, reader.info.warnings, reader.info.interfaces, reader.info.format


def test_pcap_little_endian_microseconds(captures: Path) -> None:
    got, warnings, ifaces, fmt = frames(captures / "imo.pcap")
    assert fmt == "pcap"
    assert len(got) == 1338
    assert warnings == []
    assert ifaces == [{"id": 0, "linktype": 1, "snaplen": 262144}]
    assert got[0][1] == T0  # the first SYN of the TLS chat
    assert [g[0] for g in got[:3]] == [1, 2, 3]


def test_pcap_big_endian_nanoseconds_sll2(captures: Path) -> None:
    got, warnings, ifaces, _ = frames(captures / "ipv6_sll2.pcap")
    assert len(got) == 18
    assert ifaces[0]["linktype"] == 276
    assert got[0][1] == T0 + 7  # nanosecond precision kept
    assert warnings == []


def test_pcapng_three_interfaces(captures: Path) -> None:
    got, warnings, ifaces, fmt = frames(captures / "two_ifaces.pcapng")
    assert fmt == "pcapng"
    assert [i["linktype"] for i in ifaces] == [1, 113, 101]
    assert len(got) == 27
    by_iface = {i: [g for g in got if g[4] == i] for i in range(3)}
    assert [len(v) for v in by_iface.values()] == [9, 9, 9]
    # interface 0 stores microseconds, interface 1 nanoseconds (if_tsresol 9)
    assert by_iface[0][0][1] == T0 + 1_123_456_000
    assert by_iface[1][0][1] == T0 + 2_123_456_789
    assert by_iface[2][0][1] == T0 + 3_123_456_000
    assert warnings == []


def test_content_sniffed_not_by_name(captures: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "really-pcapng.pcap"
    shutil.copy(captures / "two_ifaces.pcapng", renamed)
    got, _, _, fmt = frames(renamed)
    assert fmt == "pcapng" and len(got) == 27


@pytest.mark.parametrize("content", [b"", b"hello world, not a capture", b"\xd4\xc3"])
def test_not_a_capture(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(content)
    with pytest.raises(CaptureError, match="not a packet capture"):
        open_capture(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no such capture file"):
        open_capture(tmp_path / "nope.pcap")


def test_truncated_file_warns_and_keeps_earlier_frames(captures: Path) -> None:
    got, warnings, _, _ = frames(captures / "truncated.pcap")
    assert len(got) == 1337
    assert len(warnings) == 1
    assert warnings[0].startswith("file ends inside frame 1338 at offset")
    assert "truncated capture" in warnings[0]


def test_damaged_record_length_stops_with_warning(captures: Path, tmp_path: Path) -> None:
    data = bytearray((captures / "imo.pcap").read_bytes())
    struct.pack_into("<I", data, 24 + 8, 0x7FFFFFFF)  # first record claims 2 GiB
    path = tmp_path / "bad.pcap"
    path.write_bytes(bytes(data))
    got, warnings, _, _ = frames(path)
    assert got == []
    assert warnings == ["record at offset 24 claims 2147483647 bytes: damaged, reading stops here"]


def test_pcapng_cut_inside_block(captures: Path, tmp_path: Path) -> None:
    data = (captures / "two_ifaces.pcapng").read_bytes()
    path = tmp_path / "cut.pcapng"
    path.write_bytes(data[:-10])
    got, warnings, _, _ = frames(path)
    assert len(got) == 26
    assert len(warnings) == 1 and "truncated capture" in warnings[0]


def test_broken_packets_counted(captures: Path) -> None:
    issues = PacketIssues()
    with open_capture(captures / "imo.pcap") as reader:
        for p in reader:
            decode(p.linktype, p.data, p.frame, issues)
    assert issues.counts == {"ip_len_zero": 1, "snap_cut": 1}
    msgs = issues.messages()
    assert msgs[0].startswith("1 frame(s): IPv4 total length 0 (segmentation offload)")
    assert msgs[1].startswith("1 frame(s): cut at the snap length")


def test_vlan_and_ip_len_zero_decode() -> None:
    from tests.fixtures.net.pcapwriter import ip, link, udp

    packet = ip("10.0.0.1", "10.0.0.2", 17, udp("10.0.0.1", 1000, "10.0.0.2", 2000, b"abc"), total_len=0)
    issues = PacketIssues()
    seg = decode(1, link(1, packet, vlan=7), 5, issues)
    assert seg is not None
    assert (seg.sport, seg.dport, seg.payload) == (1000, 2000, b"abc")
    assert issues.examples == {"ip_len_zero": [5]}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([0, 1, 101, 113, 228, 229, 276, 999]), st.binary(max_size=120))
def test_decode_never_raises_on_garbage(linktype: int, data: bytes) -> None:
    decode(linktype, data, 1, PacketIssues())


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=0, max_size=400))
def test_reader_never_raises_on_garbage_after_header(tmp_path_factory: pytest.TempPathFactory, tail: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.pcapng"
    shb = struct.pack("<II", 0x0A0D0D0A, 28) + struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
    path.write_bytes(shb + tail)
    with open_capture(path) as reader:
        for _ in reader:
            pass
