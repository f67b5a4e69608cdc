"""Hostile bytes into the new readers: QUIC datagrams, HTTP/2 frames, DNS answers, link types with fragment
reassembly, nested ZIPs. Nothing may raise."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trowel.errors import CaptureError
from trowel.net import KeyLog, analyze_capture
from trowel.net.dns import answers
from trowel.net.http2 import PREFACE, Http2Connection
from trowel.net.objects import zip_members
from trowel.net.packets import Fragments, PacketIssues, decode
from trowel.net.quic import QuicFlow

QUIC_V1_INITIAL = bytes([0xC3, 0, 0, 0, 1, 8]) + bytes(range(8)) + bytes([0, 0])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1400), st.booleans())
def test_quic_datagrams_never_raise(tail: bytes, initial_prefix: bool) -> None:
    flow = QuicFlow()
    data = (QUIC_V1_INITIAL + tail) if initial_prefix else tail
    flow.datagram(0, data, 1, 1)
    flow.datagram(1, data[::-1], 2, 2)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_http2_frames_never_raise(pieces: list[bytes]) -> None:
    conn = Http2Connection(0, lambda _e: None)
    conn.data(0, PREFACE, 1, 1)
    for i, piece in enumerate(pieces):
        conn.data(i % 2, piece, 2, 2)
    conn.gap(1, 10, 3, 3)
    conn.close(4)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_dns_answers_never_raise(data: bytes) -> None:
    answers(b"\x12\x34\x81\x80" + data)
    answers(data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([9, 50, 51, 104, 105, 127, 166, 204]), st.binary(max_size=120), st.booleans())
def test_new_link_types_and_fragments_never_raise(linktype: int, data: bytes, fragmented: bool) -> None:
    frags = Fragments()
    issues = PacketIssues()
    if fragmented:  # an IPv4 header claiming to be a fragment, behind a PPP header
        data = b"\xff\x03\x00\x21" + bytes([0x45, 0, 0, 40, 0, 1, 0x20, 0x01, 64, 6, 0, 0]) + bytes(8) + data
    decode(linktype, data, 1, issues, frags)
    decode(linktype, data, 2, issues, frags)
    frags.finish(issues)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=400))
def test_damaged_nested_zip_never_raises(garbage: bytes, cut: int) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("in.txt", garbage)
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("inner.zip", inner.getvalue()[:cut] + garbage)
    zip_members(outer.getvalue())


LIVE_DIR = Path(__file__).parent.parent / "fixtures" / "net" / "live"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["h2.pcap", "quic.pcap", "tls13.pcap", "http_live.pcap"]),
       st.lists(st.tuples(st.integers(min_value=24, max_value=120_000), st.integers(min_value=0, max_value=255)),
                min_size=1, max_size=30))
def test_damaged_real_captures_never_raise(tmp_path_factory: pytest.TempPathFactory, name: str,
                                           flips: list[tuple[int, int]]) -> None:
    data = bytearray((LIVE_DIR / name).read_bytes())
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    path = tmp_path_factory.mktemp("damaged") / name
    path.write_bytes(bytes(data))
    keylog = LIVE_DIR / (name.split(".")[0] + ".keylog")
    with contextlib.suppress(CaptureError):  # the one-line "not a capture" error is the only one allowed
        analyze_capture(path, keylog=KeyLog.load(keylog) if keylog.exists() else None)
