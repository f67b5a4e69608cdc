"""HTTP/1.x: keep-alive pairing, chunked and content-coded bodies, bodies ended by close, partial bodies."""

from __future__ import annotations

import gzip
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from trowel.net.http import HttpConnection, HttpExchange, HttpMessage, decode_content


def run(client: list[bytes], server: list[bytes], gaps: dict[int, int] | None = None,
        close: bool = True) -> list[HttpExchange]:
    got: list[HttpExchange] = []
    conn = HttpConnection(0, got.append)
    for piece in client:
        conn.data(0, piece, 1, 1)
    for i, piece in enumerate(server):
        if gaps and i in gaps:
            conn.gap(1, gaps[i], 2, 2)
        conn.data(1, piece, 3, 3)
    if close:
        conn.close(4)
    return got


GET = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"


def test_keep_alive_pairs_in_order() -> None:
    reqs = [b"GET /one HTTP/1.1\r\nHost: h\r\n\r\n", b"HEAD /two HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET /three HTTP/1.1\r\nHost: h\r\n\r\n"]
    resps = [b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none",
             b"HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n",  # HEAD: no body despite the length
             b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nthree"]
    got = run([b"".join(reqs)], [b"".join(resps)])
    assert [(e.request.target if e.request else None, e.response.status if e.response else None, e.body)
            for e in got] == [("/one", 200, b"one"), ("/three", 404, b"three")]
    assert all(e.message.complete for e in got)


def test_chunked_gzip() -> None:
    body = b"hello chunked world " * 50
    coded = gzip.compress(body)
    chunks = b"".join(f"{len(coded[i:i + 77]):x};ext=1\r\n".encode() + coded[i:i + 77] + b"\r\n"
                      for i in range(0, len(coded), 77)) + b"0\r\nX-Trailer: 1\r\n\r\n"
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
    got = run([GET], [head + chunks])
    assert len(got) == 1
    assert got[0].body == body
    assert got[0].response is not None and got[0].response.wire_size > len(coded)
    assert got[0].message.complete


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=0, max_size=500), st.lists(st.integers(1, 60), min_size=1, max_size=20))
def test_chunked_any_split(body: bytes, cuts: list[int]) -> None:
    coded = b"".join(f"{len(body[i:i + 50]):x}\r\n".encode() + body[i:i + 50] + b"\r\n"
                     for i in range(0, len(body), 50)) + b"0\r\n\r\n"
    wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + coded + \
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    pieces = []
    pos = 0
    i = 0
    while pos < len(wire):
        pieces.append(wire[pos:pos + cuts[i % len(cuts)]])
        pos += cuts[i % len(cuts)]
        i += 1
    got = run([GET, GET], pieces)
    bodies = [e.body for e in got]
    assert bodies == [body, b"ok"]


def test_deflate_raw_and_zlib() -> None:
    data = b"deflate me " * 20
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw_coded = raw.compress(data) + raw.flush()
    assert decode_content(zlib.compress(data), "deflate") == (data, None)
    assert decode_content(raw_coded, "deflate") == (data, None)
    partial, error = decode_content(gzip.compress(data)[:20], "gzip")
    assert error == "gzip stream ends early (body incomplete)"
    assert data.startswith(partial)
    assert decode_content(b"abc", "compress") == (b"abc", "content encoding 'compress' not decoded")


def test_body_until_close() -> None:
    got = run([GET], [b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil", b" close"])
    assert got[0].body == b"until close" and got[0].message.complete


def test_cut_body_kept_and_flagged() -> None:
    got = run([GET], [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"])
    assert got[0].body == b"0123456789"
    assert not got[0].message.complete
    assert got[0].message.incomplete_reason == "stream ends 90 bytes before the end of the body"


def test_gap_inside_body_keeps_prefix_and_stays_in_sync() -> None:
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    got = run([GET, GET], [resp + b"abc", b"hij" + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"], gaps={1: 4})
    assert [e.body for e in got] == [b"abc", b"ok"]
    assert got[0].message.incomplete_reason == "TCP gap of 4 bytes inside the body"
    assert got[0].message.missing == 4
    assert got[1].message.complete


def test_garbage_then_resync() -> None:
    got = run([b"\x00\x01garbage\r\n\r\n" + GET], [b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"])
    assert [e.body for e in got] == [b"x"]
    assert got[0].request is not None and got[0].request.target == "/a"


def test_post_body_is_an_object() -> None:
    got = run([b"POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\ndata"],
              [b"HTTP/1.1 204 No Content\r\n\r\n"])
    assert len(got) == 1
    assert got[0].response is None and got[0].request is not None and got[0].body == b"data"


def test_header_lookup_any_case_first_wins_and_follows_changed_lists() -> None:
    msg = HttpMessage("HTTP/1.1 200 OK", [["Content-Type", "a/b"], ["content-type", "c/d"], ["X-N", "1"]], 0, 1)
    assert msg.header("CONTENT-TYPE") == "a/b" and msg.header("x-n") == "1" and msg.header("Host") is None
    msg.headers.append(["Host", "h.example"])  # grown after the first lookup
    assert msg.header("host") == "h.example"
    msg.headers = [["X-N", "2"]]  # replaced (HTTP/2 trailers)
    assert msg.header("X-N") == "2" and msg.header("Content-Type") is None
