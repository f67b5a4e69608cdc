"""HTTP/1.x over reassembled TCP streams: requests and responses paired in order on keep-alive connections,
bodies by Content-Length, chunked transfer coding or connection close, then gzip/deflate/br/zstd decoded.

Each finished message body becomes an :class:`HttpExchange` handed to a callback. Nothing is dropped: a
body cut by the end of the capture, a TCP gap or a reset is handed over as well, flagged incomplete with
the reason; the bytes kept are the contiguous prefix before the first missing byte.
"""

from __future__ import annotations

import io
import re
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

MAX_HEADER = 64 << 10
MAX_BODY = 512 << 20  # bodies beyond this are kept up to it and flagged incomplete
MAX_DECODED = 512 << 20
_REQUEST_LINE = re.compile(rb"[A-Z][A-Z_-]{1,19} \S+ HTTP/1\.[01]\r?\n")  # any method (WebDAV, SSDP...)
_METHOD_TOKEN = re.compile(rb"[A-Z][A-Z_-]{1,19}( |$)")
_RESPONSE_LINE = re.compile(rb"HTTP/1\.[01] \d{3}")
ASCII_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only (str.isdigit accepts other scripts' digits)
METHODS = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ", b"TRACE ")


class StreamSink(Protocol):
    """What receives a reassembled stream: bytes and gaps per direction, then the end."""

    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None: ...

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None: ...

    def close(self, ts_ns: int) -> None: ...


class _NullSink:
    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None:
        return None

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None:
        return None

    def close(self, ts_ns: int) -> None:
        return None


def looks_like_http(first: bytes) -> bool:
    """Does a stream start with an HTTP/1.x request or response line?"""
    if first.startswith(METHODS) or first.startswith(b"HTTP/1."):
        return True
    return _REQUEST_LINE.match(first) is not None  # another method, when its whole request line is there


@dataclass
class HttpMessage:
    """One request or response as read from the stream."""

    start_line: str
    headers: list[list[str]]
    start_ts: int
    start_frame: int
    method: str | None = None
    target: str | None = None
    status: int | None = None
    reason: str | None = None
    body: bytearray = field(default_factory=bytearray)
    wire_size: int = 0
    end_ts: int = 0
    end_frame: int = 0
    complete: bool = True
    incomplete_reason: str | None = None
    missing: int = 0
    _index: tuple[list[list[str]], int, dict[str, str]] | None = field(default=None, init=False, repr=False,
                                                                        compare=False)

    def header(self, name: str) -> str | None:
        """The value of the first header of that name (any case). The headers are indexed by lower-case name
        on the first call (a message is asked for a header about ten times); the index is made again when
        ``headers`` is replaced or grows."""
        headers = self.headers
        index = self._index
        if index is None or index[0] is not headers or index[1] != len(headers):
            names: dict[str, str] = {}
            for key, value in headers:
                names.setdefault(key.lower(), value)
            index = self._index = (headers, len(headers), names)
        return index[2].get(name.lower())


@dataclass
class HttpExchange:
    """A body-carrying message with the request it answers (``request`` is None for request bodies)."""

    request: HttpMessage | None
    response: HttpMessage | None
    body: bytes
    decoded_ok: bool
    decode_error: str | None
    client_dir: int = 0  # the TCP direction that carried the request
    raw: bytes | None = None  # the body before content decoding, when a content coding was undone

    @property
    def message(self) -> HttpMessage:
        msg = self.response or self.request
        assert msg is not None
        return msg


def decode_content(body: bytes, encoding: str | None) -> tuple[bytes, str | None]:
    """Undo the content codings (gzip, deflate, br, zstd; several in the order listed), bounded at
    ``MAX_DECODED``; on failure keep what decoded and say why."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings or not body:
        return body, None
    for coding in reversed(codings):  # the last coding listed was applied last
        body, error = _decode_one(body, coding)
        if error is not None:
            return body, error
    return body, None


def _decode_one(body: bytes, enc: str) -> tuple[bytes, str | None]:
    if enc in ("gzip", "x-gzip"):
        return _zlib(body, enc, [47])
    if enc == "deflate":
        return _zlib(body, enc, [15, -15])
    if enc == "br":
        return _brotli(body)
    if enc == "zstd":
        return _zstd(body)
    return body, f"content encoding {enc!r} not decoded"


def _zlib(body: bytes, enc: str, attempts: list[int]) -> tuple[bytes, str | None]:
    error = None
    for wbits in attempts:
        dec = zlib.decompressobj(wbits)
        try:
            out = dec.decompress(body, MAX_DECODED)
        except zlib.error as exc:
            error = f"{enc} data damaged: {exc}"
            continue
        if dec.unconsumed_tail:
            return out, f"decoded body exceeds {MAX_DECODED} bytes; cut"
        if not dec.eof:
            return out, f"{enc} stream ends early (body incomplete)"
        return out, None
    return body, error


def _brotli(body: bytes) -> tuple[bytes, str | None]:
    import brotli  # on first use (like zstandard below): most captures carry neither coding

    dec = brotli.Decompressor()
    try:
        out = dec.process(body, output_buffer_limit=MAX_DECODED)
    except brotli.error as exc:
        return body, f"br data damaged: {exc}"
    if len(out) >= MAX_DECODED and not dec.is_finished():
        return out[:MAX_DECODED], f"decoded body exceeds {MAX_DECODED} bytes; cut"
    if not dec.is_finished():
        return out, "br stream ends early (body incomplete)"
    return out, None


def _zstd(body: bytes) -> tuple[bytes, str | None]:
    import zstandard

    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(body), read_across_frames=True)
    out = bytearray()
    try:
        while len(out) <= MAX_DECODED:
            piece = reader.read(1 << 20)
            if not piece:
                break
            out += piece
    except zstandard.ZstdError as exc:
        return bytes(out) or body, f"zstd data damaged: {exc}"
    if len(out) > MAX_DECODED:
        return bytes(out[:MAX_DECODED]), f"decoded body exceeds {MAX_DECODED} bytes; cut"
    return bytes(out), None


class _Reader:
    """One direction: parses a sequence of messages from the reassembled bytes."""

    def __init__(self, conn: HttpConnection, is_request: bool, direction: int) -> None:
        self.conn = conn
        self.is_request = is_request
        self.direction = direction
        self.buf = bytearray()
        # start | body_len | body_chunked | body_close | lost | connect (waiting for the proxy's answer) | tunnel
        self.state = "start"
        self.msg: HttpMessage | None = None
        self.remaining = 0
        self.chunk_left = -1  # -1: expecting a chunk-size line; -2: expecting trailers
        self.gapped = False  # a gap inside the current body: bytes after it are counted, not kept
        self.ts = 0
        self.frame = 0
        self.request_for: HttpMessage | None = None

    # --- input -----------------------------------------------------------------------------------
    def data(self, payload: bytes, ts: int, frame: int) -> None:
        self.ts, self.frame = ts, frame
        if self.state == "tunnel":
            self.conn.tunnel_data(self.direction, payload, ts, frame)
            return
        msg = self.msg
        if self.state == "body_len" and msg is not None and not self.buf and not self.gapped:
            take = min(self.remaining, len(payload))  # body bytes straight from the segment: no buffering
            if len(msg.body) + take <= MAX_BODY:
                msg.body += payload if take == len(payload) else payload[:take]
                msg.wire_size += take
                self.remaining -= take
                if self.remaining:
                    return
                self._finish_body()
                payload = payload[take:]
                if not payload:
                    return
        if self.state == "lost":
            self.buf += payload
            self._resync()
            if self.state == "lost":
                return
        else:
            self.buf += payload
        self._run()

    def gap(self, length: int, ts: int, frame: int) -> None:
        self.ts, self.frame = ts, frame
        if self.state == "tunnel":
            self.conn.tunnel_gap(self.direction, length, ts, frame)
            return
        msg = self.msg
        if self.state == "body_len" and msg is not None:
            self._mark(msg, f"TCP gap of {length} bytes inside the body")
            take = min(self.remaining, len(self.buf))
            self._consume_body(take)
            skip = min(self.remaining, length)
            msg.missing += skip
            msg.wire_size += skip
            self.remaining -= skip
            if self.remaining == 0:
                self._finish_body()
                if length > skip:
                    self._lose()
            return
        if self.state == "body_close" and msg is not None:
            self._consume_body(len(self.buf))
            self._mark(msg, f"TCP gap of {length} bytes inside the body")
            msg.missing += length
            return
        if msg is not None and self.state != "start":
            self._mark(msg, f"TCP gap of {length} bytes inside the chunked body")
            self._emit(msg)
        self._lose()

    def close(self) -> None:
        msg = self.msg
        if msg is None or self.state in ("lost", "connect", "tunnel"):
            return
        if self.state == "body_close":
            self._consume_body(len(self.buf))
            msg.end_ts, msg.end_frame = self.ts, self.frame
            self._emit(msg)
        elif self.state in ("body_len", "body_chunked"):
            if self.state == "body_len":
                self._consume_body(min(self.remaining, len(self.buf)))
                self._mark(msg, f"stream ends {self.remaining} bytes before the end of the body")
            else:
                self._mark(msg, "stream ends inside the chunked body")
            msg.end_ts, msg.end_frame = self.ts, self.frame
            self._emit(msg)
        self.msg = None

    # --- state machine ---------------------------------------------------------------------------
    def _lose(self) -> None:
        self.state = "lost"
        self.msg = None
        self.buf.clear()

    def _resync(self) -> None:
        pattern = _REQUEST_LINE if self.is_request else _RESPONSE_LINE
        found = pattern.search(self.buf)
        if found is None:
            if len(self.buf) > MAX_HEADER:
                del self.buf[:-64]
            return
        del self.buf[:found.start()]
        self.state = "start"

    def _mark(self, msg: HttpMessage, reason: str) -> None:
        if msg.complete:
            msg.complete = False
            msg.incomplete_reason = reason
        self.gapped = True

    def run(self) -> None:
        self._run()

    def _run(self) -> None:
        while True:
            if self.state == "start":
                if not self._headers():
                    return
            elif self.state == "body_len":
                take = min(self.remaining, len(self.buf))
                self._consume_body(take)
                self.remaining -= take
                if self.remaining:
                    return
                self._finish_body()
            elif self.state == "body_chunked":
                if not self._chunks():
                    return
            elif self.state == "body_close":
                self._consume_body(len(self.buf))
                return
            elif self.state == "tunnel":
                self.flush_tunnel()
                return
            else:  # lost, or connect: bytes wait for the proxy's answer (bounded)
                if self.state == "connect" and len(self.buf) > MAX_HEADER * 16:
                    self._lose()
                return

    def flush_tunnel(self) -> None:
        if self.buf:
            data = bytes(self.buf)
            self.buf.clear()
            self.conn.tunnel_data(self.direction, data, self.ts, self.frame)

    def _consume_body(self, take: int) -> None:
        msg = self.msg
        if msg is None or take <= 0:
            return
        if not self.gapped and len(msg.body) + take <= MAX_BODY:
            msg.body += self.buf[:take]
        elif not self.gapped:
            self._mark(msg, f"body larger than {MAX_BODY} bytes; kept up to that")
        msg.wire_size += take
        del self.buf[:take]

    def _may_start(self, head: bytes) -> bool:
        """Could these bytes begin this direction's next message (a request line or a status line)?"""
        if self.is_request:
            return _METHOD_TOKEN.match(head) is not None
        return head.startswith(b"HTTP/1.") or b"HTTP/1.".startswith(head)

    def _headers(self) -> bool:
        buf = self.buf
        while buf[:2] == b"\r\n":  # stray line ends between messages
            del buf[:2]
        if not buf:
            return False
        end = buf.find(b"\r\n\r\n")
        sep = 4
        if end < 0:
            end = buf.find(b"\n\n")
            sep = 2
        if end < 0:
            if len(buf) > MAX_HEADER:
                self._lose()
            elif len(buf) >= 8 and not (self._may_start(bytes(buf[:21]))):
                self.state = "lost"
                self._resync()
            return False
        head = bytes(buf[:end]).decode("latin-1")
        del buf[:end + sep]
        lines = head.replace("\r\n", "\n").split("\n")
        first = lines[0]
        headers: list[list[str]] = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and headers:
                headers[-1][1] += " " + line.strip()
                continue
            name, colon, value = line.partition(":")
            if colon:
                headers.append([name.strip(), value.strip()])
        msg = HttpMessage(first, headers, self.ts, self.frame)
        parts = first.split(" ", 2)
        if self.is_request:
            if len(parts) < 3 or not parts[2].startswith("HTTP/1."):
                self.state = "lost"
                self._resync()
                return self.state == "start"
            msg.method, msg.target = parts[0], parts[1]
            self.conn.requests.append(msg)
            self.conn.on_request(msg)
            if msg.method == "CONNECT":  # what follows is tunnel bytes once the proxy says yes
                self.state = "connect"
                return False
        else:
            if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not ASCII_DIGITS.fullmatch(parts[1]):
                self.state = "lost"
                self._resync()
                return self.state == "start"
            msg.status = int(parts[1])
            msg.reason = parts[2] if len(parts) > 2 else ""
            if msg.status == 101 and self.conn.requests:  # Switching Protocols: h2c, WebSocket...
                self.conn.open_tunnel(self.conn.requests.popleft(), msg)
                return True
            if 100 <= msg.status < 200:
                return True  # interim response: the real one follows
            self.request_for = self.conn.requests.popleft() if self.conn.requests else None
            req = self.request_for
            if req is not None and req.method == "CONNECT":
                self.conn.open_tunnel(req, msg)
                if 200 <= (msg.status or 0) < 300:  # no body: the tunnel starts after the header
                    self.msg = None
                    return True
        self.msg = msg
        self.gapped = False
        self._choose_body(msg)
        return True

    def _choose_body(self, msg: HttpMessage) -> None:
        te = (msg.header("Transfer-Encoding") or "").lower()
        cl = msg.header("Content-Length")
        no_body = False
        if not self.is_request:
            req = self.request_for
            status = msg.status or 0
            no_body = (req is not None and req.method == "HEAD") or status in (204, 304)
        if no_body:
            self._finish_body(emit=False)
        elif "chunked" in te:
            self.state, self.chunk_left = "body_chunked", -1
        elif cl is not None and ASCII_DIGITS.fullmatch(cl.strip()):
            self.remaining = int(cl.strip())
            self.state = "body_len"
            if self.remaining == 0:
                self._finish_body()
        elif self.is_request:
            self._finish_body(emit=False)
        else:
            self.state = "body_close"

    def _chunks(self) -> bool:
        """Decode as much chunked coding as the buffer holds; True when the body has ended."""
        msg = self.msg
        assert msg is not None
        buf = self.buf
        while True:
            if self.chunk_left == -1:
                eol = buf.find(b"\n")
                if eol < 0:
                    if len(buf) > 1024:
                        self._mark(msg, "chunk size line damaged")
                        self._emit(msg)
                        self._lose()
                    return False
                line = bytes(buf[:eol]).split(b";")[0].strip()
                try:
                    size = int(line, 16)
                except ValueError:
                    self._mark(msg, "chunk size line damaged")
                    self._emit(msg)
                    self._lose()
                    return False
                msg.wire_size += eol + 1
                del buf[:eol + 1]
                self.chunk_left = size if size else -2
            elif self.chunk_left == -2:
                eol = buf.find(b"\n")
                if eol < 0:
                    return False
                msg.wire_size += eol + 1
                del buf[:eol + 1]
                if eol <= 1:  # empty line: end of trailers
                    self._finish_body()
                    return True
            elif self.chunk_left > 0:
                if not buf:
                    return False
                take = min(self.chunk_left, len(buf))
                self._consume_body(take)
                self.chunk_left -= take
                if self.chunk_left:
                    return False
                self.chunk_left = -3
            else:  # -3: the line end after a chunk's data
                if not buf or buf == b"\r":
                    return False
                crlf = 2 if buf[:2] == b"\r\n" else 1 if buf[:1] == b"\n" else 0
                msg.wire_size += crlf
                del buf[:crlf]
                self.chunk_left = -1

    def _finish_body(self, emit: bool = True) -> None:
        msg = self.msg
        assert msg is not None
        msg.end_ts, msg.end_frame = self.ts, self.frame
        if emit:
            self._emit(msg)
        self.msg = None
        self.state = "start"

    def _emit(self, msg: HttpMessage) -> None:
        if msg.wire_size or msg.body or not msg.complete:
            if self.is_request:
                self.conn.emit(msg, None)
            else:
                self.conn.emit(self.request_for, msg)
        self.msg = None


class HttpConnection:
    """A TCP stream consumer for HTTP/1.x. ``client_dir`` says which direction carries the requests."""

    def __init__(self, client_dir: int, on_exchange: Callable[[HttpExchange], None],
                 on_request: Callable[[HttpMessage], None] | None = None,
                 on_tunnel: Callable[[HttpMessage, HttpMessage], StreamSink | None] | None = None) -> None:
        self.client_dir = client_dir
        self.requests: deque[HttpMessage] = deque()
        self.readers = {client_dir: _Reader(self, True, client_dir), 1 - client_dir: _Reader(self, False, 1 - client_dir)}
        self._on_exchange = on_exchange
        self._on_request = on_request
        self._on_tunnel = on_tunnel
        self.tunnel: StreamSink | None = None

    def open_tunnel(self, request: HttpMessage, response: HttpMessage) -> None:
        """A proxy's 2xx answer to CONNECT, or a 101 Switching Protocols: from now on both directions carry
        another protocol's bytes (``on_tunnel`` gives their consumer). A refused CONNECT sends the client's
        reader back to reading requests."""
        client = self.readers[self.client_dir]
        server = self.readers[1 - self.client_dir]
        if 200 <= (response.status or 0) < 300 or response.status == 101:
            sink = self._on_tunnel(request, response) if self._on_tunnel is not None else None
            self.tunnel = sink if sink is not None else _NullSink()
            client.state = server.state = "tunnel"
            client.msg = None
            client.flush_tunnel()
            return
        if client.state == "connect":  # refused: the bytes after the CONNECT are requests again
            client.state = "start"
            client.msg = None
            client.run()

    def tunnel_data(self, direction: int, payload: bytes, ts: int, frame: int) -> None:
        if self.tunnel is not None:
            self.tunnel.data(direction, payload, ts, frame)

    def tunnel_gap(self, direction: int, length: int, ts: int, frame: int) -> None:
        if self.tunnel is not None:
            self.tunnel.gap(direction, length, ts, frame)

    def on_request(self, msg: HttpMessage) -> None:
        if self._on_request is not None:
            self._on_request(msg)

    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None:
        self.readers[direction].data(payload, ts_ns, frame)

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None:
        self.readers[direction].gap(length, ts_ns, frame)

    def close(self, ts_ns: int) -> None:
        for reader in self.readers.values():
            reader.close()
        if self.tunnel is not None:
            self.tunnel.close(ts_ns)

    def emit(self, request: HttpMessage | None, response: HttpMessage | None) -> None:
        msg = response or request
        assert msg is not None
        raw = bytes(msg.body)
        body, error = decode_content(raw, msg.header("Content-Encoding"))
        self._on_exchange(HttpExchange(request, response, body, error is None, error, self.client_dir,
                                       raw if body is not raw else None))
