"""HTTP/2: real nghttpd / nghttp / curl sessions (h2c with prior knowledge, h2c after an Upgrade, h2 inside
TLS 1.3 decrypted with curl's key log: tests/fixtures/net/make_live.py) and frame-level cases built with
the hpack encoder (padding, CONTINUATION, resets, gaps)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import hpack

from tests.net.conftest import by_kind
from trowel.net import KeyLog, analyze_capture
from trowel.net.http import HttpExchange
from trowel.net.http2 import PREFACE, Http2Connection

LIVE = Path(__file__).parent.parent / "fixtures" / "net" / "live"


def test_real_h2_sessions(live_manifest: dict[str, Any]) -> None:
    facts = live_manifest["h2"]
    result = analyze_capture(LIVE / "h2.pcap", keylog=KeyLog.load(LIVE / "h2.keylog"))
    flows = by_kind(result, "flow")
    assert [f["application"] for f in flows] == ["http2", "http2", "http2", "tls"]
    objs = [(o["flow_id"], o["method"], o["status"], o["url"].rsplit("/", 1)[1], o["sha256"], o["decrypted"])
            for o in by_kind(result, "http_object")]
    want = facts["objects"]
    assert objs == [
        ("tcp-1", "GET", 200, "one.txt", want["one.txt"], False),  # prior knowledge, stream 1
        ("tcp-1", "GET", 200, "two.bin", want["two.bin"], False),  # same connection, stream 3
        ("tcp-2", "POST", None, "one.txt", facts["posted"], False),  # the request body
        ("tcp-2", "POST", 200, "one.txt", want["one.txt"], False),
        ("tcp-3", "GET", 200, "three.txt", want["three.txt"], False),  # after Upgrade: h2c, stream 1
        ("tcp-4", "GET", 200, "four.bin", want["four.bin"], True),  # h2 inside TLS 1.3
    ]
    assert all(o["complete"] for o in by_kind(result, "http_object"))
    (tls,) = by_kind(result, "tls_session")
    assert tls["server_alpn"] == "h2" and tls["alpn"] == ["h2", "http/1.1"] and tls["decrypted"]
    assert tls["hello_retry"] is True  # curl offered x25519 first; nghttpd asked for another group
    host = next(o for o in by_kind(result, "http_object") if o["decrypted"])["host"]
    assert host == f"{facts['server_name']}:{facts['tls_port']}"  # from :authority


def frame(ftype: int, flags: int, sid: int, body: bytes) -> bytes:
    return struct.pack("!I", len(body))[1:] + bytes([ftype, flags]) + struct.pack("!I", sid) + body


def run(client: list[bytes], server: list[bytes], gap_server: bool = False) -> list[HttpExchange]:
    got: list[HttpExchange] = []
    conn = Http2Connection(0, got.append)
    conn.data(0, PREFACE[:10], 1, 1)  # the preface itself split
    conn.data(0, PREFACE[10:] + frame(4, 0, 0, b""), 2, 2)
    for piece in client:
        conn.data(0, piece, 3, 3)
    for i, piece in enumerate(server):
        if gap_server and i == len(server) - 1:
            conn.gap(1, 100, 4, 4)
        conn.data(1, piece, 4, 4)
    conn.close(5)
    return got


def test_padding_continuation_and_trailers() -> None:
    enc_c, enc_s = hpack.Encoder(), hpack.Encoder()
    req = enc_c.encode([(":method", "GET"), (":path", "/p"), (":scheme", "http"), (":authority", "h")])
    resp = enc_s.encode([(":status", "200"), ("content-type", "text/plain"), ("x-long", "v" * 300)])
    trailer = enc_s.encode([("grpc-status", "0")])
    padded_data = bytes([5]) + b"hello " + bytes(5)
    got = run([frame(1, 0x5, 1, req)], [
        frame(1, 0x0, 1, resp[:10]), frame(9, 0x0, 1, resp[10:20]), frame(9, 0x4, 1, resp[20:]),
        frame(0, 0x8, 1, padded_data), frame(0, 0x0, 1, b"world"), frame(1, 0x5, 1, trailer)])
    (ex,) = got
    assert ex.body == b"hello world" and ex.response is not None and ex.response.status == 200
    assert ["x-long", "v" * 300] in ex.response.headers and ["grpc-status", "0"] in ex.response.headers
    assert ex.request is not None and ex.request.target == "/p" and ex.response.complete


def test_reset_and_gap_give_incomplete_objects() -> None:
    enc_c, enc_s = hpack.Encoder(), hpack.Encoder()
    r1 = enc_c.encode([(":method", "GET"), (":path", "/a"), (":scheme", "http"), (":authority", "h")])
    r3 = enc_c.encode([(":method", "GET"), (":path", "/b"), (":scheme", "http"), (":authority", "h")])
    h = enc_s.encode([(":status", "200")])
    h3 = enc_s.encode([(":status", "200")])
    got = run([frame(1, 0x5, 1, r1), frame(1, 0x5, 3, r3)], [
        frame(1, 0x4, 1, h), frame(0, 0, 1, b"part"), frame(3, 0, 1, struct.pack("!I", 8)),
        frame(1, 0x4, 3, h3), frame(0, 0, 3, b"first"), frame(0, 1, 3, b"lost")], gap_server=True)
    a, b = got
    assert (a.body, a.response.complete, a.response.incomplete_reason) == (  # type: ignore[union-attr]
        b"part", False, "stream reset (error code 8)")
    assert b.body == b"first" and b.response is not None and not b.response.complete
    assert b.response.incomplete_reason == "TCP gap of 100 bytes; the rest is not read"


def test_damaged_header_block_stops_the_direction() -> None:
    got: list[HttpExchange] = []
    conn = Http2Connection(0, got.append)
    conn.data(0, PREFACE + frame(1, 0x5, 1, b"\xff\xff\xff\xff") + frame(1, 0x5, 3, b"\x82"), 1, 1)
    conn.close(2)
    assert got == [] and conn.sides[0].lost
    assert len(conn.notes) == 1 and conn.notes[0].startswith("direction 0: frame damaged (")
