"""QUIC Initial packets: keys from the published salts (RFC 9001 / RFC 9369 vectors), and real aioquic
connections captured with tcpdump (tests/fixtures/net/make_live.py): v1, v2, a ClientHello over three
packets, 0-RTT on a resumed session, and a draft-29 Initial; server names cross-checked with tshark."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.net.conftest import by_kind
from tests.net.test_tshark import tshark
from trowel.net import analyze_capture
from trowel.net.quic import V1, V2, crypto_frames, initial_keys, looks_like_quic_initial, varint

LIVE = Path(__file__).parent.parent / "fixtures" / "net" / "live"


@pytest.fixture(scope="module")
def quic() -> list[dict[str, Any]]:
    return by_kind(analyze_capture(LIVE / "quic.pcap"), "quic_session")


def test_initial_keys_match_the_rfc_vectors() -> None:
    dcid = bytes.fromhex("8394c8f03e515708")
    client, server = initial_keys(V1, dcid)  # RFC 9001 appendix A.1
    assert client.iv.hex() == "fa044b2f42a3fd3b46fb255c" and client.hp.hex() == "9f50449e04a0e810283a1e9933adedd2"
    assert server.iv.hex() == "0ac1493ca1905853b0bba03e" and server.hp.hex() == "c206b8d9b9f0f37644430b490eeaa314"
    client2, _ = initial_keys(V2, dcid)  # RFC 9369 appendix A.1
    assert client2.iv.hex() == "91f73e2351d8fa91660e909f" and client2.hp.hex() == "45b95e15235d6f45a6b19cbcb0294ba9"


def test_varints_and_frames() -> None:
    assert varint(bytes.fromhex("c2197c5eff14e88c"), 0) == (151288809941952652, 8)
    assert varint(bytes.fromhex("9d7f3e7d"), 0) == (494878333, 4)
    assert varint(bytes.fromhex("7bbd"), 0) == (15293, 2)
    assert varint(bytes.fromhex("25"), 0) == (37, 1)
    # PADDING, PING, ACK (largest 5, delay 0, one extra range), CRYPTO at offset 3
    payload = bytes([0, 1, 2, 5, 0, 1, 0, 1, 1, 6, 3, 4]) + b"abcd" + bytes(10)
    assert crypto_frames(payload) == [(3, b"abcd")]
    assert not looks_like_quic_initial(b"\x40" + bytes(30))


def _varint_by_the_rfc(data: bytes, pos: int) -> tuple[int, int]:
    """RFC 9000 appendix A.1's decoding, byte by byte (the reference for ``varint``)."""
    if pos >= len(data):
        raise ValueError("past the end")
    length = 1 << (data[pos] >> 6)
    if pos + length > len(data):
        raise ValueError("past the end")
    value = data[pos] & 0x3F
    for i in range(1, length):
        value = (value << 8) + data[pos + i]
    return value, pos + length


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=12), st.integers(0, 13))
def test_varint_is_the_rfc_decoding(data: bytes, pos: int) -> None:
    """Every length prefix (1, 2, 4, 8 bytes), cut short or whole, at any position: the same value and next
    position as the RFC's loop, or ValueError where it has none."""
    try:
        expect: tuple[int, int] | None = _varint_by_the_rfc(data, pos)
    except ValueError:
        expect = None
    if expect is None:
        with pytest.raises(ValueError):
            varint(data, pos)
    else:
        assert varint(data, pos) == expect


def test_real_connections(quic: list[dict[str, Any]], live_manifest: dict[str, Any]) -> None:
    runs = live_manifest["quic"]["runs"]
    assert [(q["sni"], q["version"]) for q in quic] == [(r["sni"], r["version"]) for r in runs]
    assert [q["version_name"] for q in quic] == ["QUICv1", "QUICv2", "QUICv1", "QUICv1", "QUICv1", "QUICv1"]
    assert [q["alpn"] for q in quic] == [r["alpn"] for r in runs]
    assert [q["server_port"] for q in quic] == [r["port"] for r in runs]
    assert all(q["ja4"].startswith("q13d03") and q["ja4"].split("_")[0][-2:] in ("h3", "xp") for q in quic)
    assert quic[0]["ja4"] == quic[1]["ja4"] == quic[3]["ja4"]  # same client, same hello
    # the cipher part is the one FoxIO publishes for Chrome's QUIC hello (q13d0312h3_55b375c5d22e_...): the
    # same three TLS 1.3 suites, sorted and hashed
    assert {q["ja4"].split("_")[1] for q in quic} == {"55b375c5d22e"}
    assert all(q["server_cipher_suite_name"] == "TLS_AES_256_GCM_SHA384" for q in quic)
    assert all(len(q["original_dcid"]) == 16 and len(q["server_scid"]) == 16 and q["client_scid"] for q in quic)
    assert [q["client_hello_packets"] for q in quic] == [1, 1, 3, 1, 1, 1]  # the big hello spans three packets
    assert [q["zero_rtt_packets"] > 0 for q in quic] == [False, False, False, False, True, False]
    assert [q["early_data_offered"] for q in quic] == [False, False, False, False, True, False]
    # the Retry: the client's next Initials (and the server's) use keys from the Retry's connection ID
    assert [q["retry"] for q in quic] == [False] * 5 + [True]
    assert quic[5]["initial_packets_client"] == 3 and quic[5]["server_cipher_suite_name"] == "TLS_AES_256_GCM_SHA384"
    assert all(q["undecryptable_initials"] == 0 and q["notes"] == [] for q in quic)


def test_flows_labelled_quic(live_manifest: dict[str, Any]) -> None:
    flows = by_kind(analyze_capture(LIVE / "quic.pcap"), "flow")
    assert len(flows) == 6 and {f["application"] for f in flows} == {"quic"}


def test_draft29_initial(live_manifest: dict[str, Any]) -> None:
    (q,) = by_kind(analyze_capture(LIVE / "quic_draft29.pcap"), "quic_session")
    assert q["version"] == 0xFF00001D and q["version_name"] == "draft-29"
    assert q["original_dcid"] == live_manifest["quic"]["draft29_dcid"]
    assert q["sni"] == live_manifest["quic"]["runs"][0]["sni"]


def test_server_names_as_tshark_reads_them(quic: list[dict[str, Any]]) -> None:
    out = subprocess.run([tshark(), "-r", str(LIVE / "quic.pcap"), "-Y", "tls.handshake.type == 1", "-T", "fields",
                          "-e", "tls.handshake.extensions_server_name"], capture_output=True, text=True, check=True,
                         timeout=120).stdout.split()
    assert out == [q["sni"] for q in quic]


def test_capture_begun_after_the_first_initial(tmp_path: Path, live_manifest: dict[str, Any]) -> None:
    from tests.fixtures.net.make_more import read_pcap
    from tests.fixtures.net.pcapwriter import PcapFile

    linktype, frames = read_pcap(LIVE / "quic.pcap")
    cap = PcapFile(linktype)
    for ts, data in frames[1:]:  # the first connection's ClientHello datagram is missing
        cap.add(ts, data)
    cap.write(tmp_path / "late.pcap")
    result = analyze_capture(tmp_path / "late.pcap")
    sessions = by_kind(result, "quic_session")
    assert [q["sni"] for q in sessions] == [r["sni"] for r in live_manifest["quic"]["runs"][1:]]
    assert by_kind(result, "flow")[0]["application"] == "quic"
    assert len(result.warnings) == 1 and "QUIC Initial packet that opens with no client's keys" in result.warnings[0]


def test_crypto_frames_shuffled_across_packets(tmp_path: Path, live_manifest: dict[str, Any]) -> None:
    """Chrome's "chaos protection": the ClientHello cut into CRYPTO frames sent out of order, with PING and
    PADDING frames between them, over two Initial packets (protected here with aioquic's own crypto)."""
    from aioquic.buffer import Buffer
    from aioquic.quic import crypto
    from aioquic.quic.packet import QuicProtocolVersion, pull_quic_header

    from tests.fixtures.net.make_live import pcap_records

    source = LIVE / "quic.pcap"
    header, frame = pcap_records(source)[0]
    udp_at = 14 + 20 + 8
    datagram = frame[udp_at:]
    buf = Buffer(data=datagram)
    head = pull_quic_header(buf, host_cid_length=8)
    keys = crypto.CryptoPair()
    keys.setup_initial(head.destination_cid, is_client=False, version=QuicProtocolVersion.VERSION_1)
    plain_header, payload, _number = keys.decrypt_packet(datagram[:head.packet_length], buf.tell(), 0)
    frames = Buffer(data=payload)
    while True:  # skip to the CRYPTO frame (type 6)
        ftype = frames.pull_uint_var()
        if ftype == 6:
            break
    assert frames.pull_uint_var() == 0
    hello = frames.pull_bytes(frames.pull_uint_var())
    cuts = [0, 100, 230, 400, len(hello) - 50, len(hello)]
    pieces = [(cuts[i], hello[cuts[i]:cuts[i + 1]]) for i in range(len(cuts) - 1)]

    def packet(number: int, parts: list[tuple[int, bytes]]) -> bytes:
        out = Buffer(capacity=len(payload))
        for offset, data in parts:
            out.push_uint_var(1)  # PING
            out.push_uint_var(6)
            out.push_uint_var(offset)
            out.push_uint_var(len(data))
            out.push_bytes(data)
            out.push_bytes(bytes(3))  # PADDING
        body = out.data + bytes(len(payload) - len(out.data))
        pn_len = (plain_header[0] & 3) + 1
        head_n = plain_header[:-pn_len] + number.to_bytes(pn_len, "big")
        sealer = crypto.CryptoPair()
        sealer.setup_initial(head.destination_cid, is_client=True, version=QuicProtocolVersion.VERSION_1)
        return sealer.encrypt_packet(head_n, body, number)

    first = packet(0, [pieces[3], pieces[0]])
    second = packet(1, [pieces[4], pieces[2], pieces[1]])
    data = source.read_bytes()[:24]
    for sealed in (first, second):
        data += header[:8] + (udp_at + len(sealed)).to_bytes(4, "little") * 2 + frame[:udp_at] + sealed
    (tmp_path / "chaos.pcap").write_bytes(data)
    (q,) = by_kind(analyze_capture(tmp_path / "chaos.pcap"), "quic_session")
    assert q["sni"] == live_manifest["quic"]["runs"][0]["sni"] and q["client_hello_packets"] == 2
    assert q["original_dcid"] == head.destination_cid.hex() and q["undecryptable_initials"] == 0
