"""HTTP/2 over a reassembled stream (RFC 9113): cleartext with prior knowledge (``PRI * HTTP/2.0`` first),
after an HTTP/1.1 ``Upgrade: h2c`` (the upgraded request becomes stream 1), or inside a decrypted TLS
session that negotiated ``h2``.

Frames are read in each direction; header blocks (HEADERS, CONTINUATION, PUSH_PROMISE) are decoded with one
HPACK decoder per direction (the ``hpack`` package), DATA frames are collected per stream without their
padding. Each stream's response (and a request's body) becomes an :class:`HttpExchange` like an HTTP/1.x one,
with the pseudo-headers kept among the headers. A stream cut by the end of the capture, a reset or a TCP gap
is handed over as incomplete with the reason; after a gap the direction is not read further (the HPACK state
is lost with it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trowel.net.http import MAX_BODY, HttpExchange, HttpMessage, decode_content

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
MAX_FRAME = 1 << 24
MAX_STREAMS = 10_000  # open streams kept per connection
DATA, HEADERS, RST_STREAM, SETTINGS, PUSH_PROMISE, GOAWAY, CONTINUATION = 0, 1, 3, 4, 5, 7, 9
END_STREAM, END_HEADERS, PADDED, PRIORITY = 0x1, 0x4, 0x8, 0x20


def looks_like_h2(first: bytes) -> bool:
    return first.startswith(b"PRI * HTTP/2.0")


if TYPE_CHECKING:
    import hpack


def _hpack_error() -> type[Exception]:
    import hpack

    return hpack.HPACKError


def _decoder() -> hpack.Decoder:
    """A new HPACK decoder (``hpack`` is imported on first use: most captures carry no HTTP/2)."""
    import hpack

    return hpack.Decoder()


@dataclass
class _Stream:
    sid: int
    request: HttpMessage | None = None
    response: HttpMessage | None = None
    request_ended: bool = False
    done: bool = False


@dataclass
class _Side:
    buf: bytearray = field(default_factory=bytearray)
    decoder: hpack.Decoder = field(default_factory=_decoder)
    block: bytearray = field(default_factory=bytearray)  # a header block waiting for CONTINUATION
    block_stream: int = 0
    block_flags: int = 0
    block_promised: int = 0
    lost: bool = False
    preface: bool = False


class Http2Connection:
    """A stream consumer for HTTP/2. ``client_dir`` is the direction carrying the requests."""

    def __init__(self, client_dir: int, on_exchange: Callable[[HttpExchange], None],
                 upgraded: HttpMessage | None = None) -> None:
        self.client_dir = client_dir
        self.on_exchange = on_exchange
        self.sides = (_Side(), _Side())
        for side in self.sides:
            side.decoder.max_allowed_table_size = 1 << 20
        self.sides[client_dir].preface = True
        self.streams: dict[int, _Stream] = {}
        self.notes: list[str] = []
        self.ts = 0
        self.frame = 0
        if upgraded is not None:  # the HTTP/1.1 request that asked for h2c is stream 1's request
            self.streams[1] = _Stream(1, request=upgraded, request_ended=True)

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # --- StreamSink ----------------------------------------------------------------------------------
    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None:
        side = self.sides[direction]
        if side.lost:
            return
        self.ts, self.frame = ts_ns, frame
        side.buf += payload
        buf = side.buf
        if side.preface:
            if len(buf) < len(PREFACE):
                if not PREFACE.startswith(bytes(buf)):
                    side.preface = False
                return
            if buf.startswith(PREFACE):
                del buf[:len(PREFACE)]
            side.preface = False
        pos = 0
        while len(buf) - pos >= 9:
            length = int.from_bytes(buf[pos:pos + 3], "big")
            if length > MAX_FRAME:
                self._lose(direction, f"direction {direction}: frame of {length} bytes; reading stopped")
                return
            if len(buf) - pos < 9 + length:
                break
            ftype, flags = buf[pos + 3], buf[pos + 4]
            sid = int.from_bytes(buf[pos + 5:pos + 9], "big") & 0x7FFFFFFF
            body = bytes(buf[pos + 9:pos + 9 + length])
            pos += 9 + length
            try:
                self._frame(direction, side, ftype, flags, sid, body)
            except (_hpack_error(), ValueError, IndexError) as exc:
                self._lose(direction, f"direction {direction}: frame damaged ({exc}); reading stopped")
                return
        del buf[:pos]

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None:
        self.ts, self.frame = ts_ns, frame
        self._lose(direction, f"direction {direction}: TCP gap of {length} bytes; the rest is not read")

    def close(self, ts_ns: int) -> None:
        for stream in list(self.streams.values()):
            self._finish(stream, "stream ends before the end of the HTTP/2 stream")

    # --- frames --------------------------------------------------------------------------------------
    def _lose(self, direction: int, note: str) -> None:
        side = self.sides[direction]
        side.lost = True
        side.buf.clear()
        self._note(note)
        for stream in self.streams.values():
            msg = stream.request if direction == self.client_dir else stream.response
            if msg is not None and msg.complete and not stream.done:
                msg.complete = False
                msg.incomplete_reason = note.split(": ", 1)[1]

    def _frame(self, direction: int, side: _Side, ftype: int, flags: int, sid: int, body: bytes) -> None:
        if side.block and ftype != CONTINUATION:
            raise ValueError("header block interrupted")
        if ftype == DATA:
            self._data(direction, sid, flags, _unpad(body, flags))
        elif ftype == HEADERS:
            block = _unpad(body, flags)
            if flags & PRIORITY:
                block = block[5:]
            self._block(direction, side, sid, flags, block, 0)
        elif ftype == PUSH_PROMISE:
            block = _unpad(body, flags)
            promised = int.from_bytes(block[:4], "big") & 0x7FFFFFFF
            self._block(direction, side, sid, flags, block[4:], promised)
        elif ftype == CONTINUATION:
            if not side.block_stream:
                raise ValueError("CONTINUATION without a header block")
            self._block(direction, side, side.block_stream, side.block_flags | (flags & END_HEADERS), body,
                        side.block_promised, continued=True)
        elif ftype == RST_STREAM and sid in self.streams:
            self._finish(self.streams[sid], f"stream reset (error code {int.from_bytes(body[:4], 'big')})")

    def _block(self, direction: int, side: _Side, sid: int, flags: int, block: bytes, promised: int,
               continued: bool = False) -> None:
        if not continued:
            side.block_stream, side.block_flags, side.block_promised = sid, flags, promised
        side.block += block
        if not flags & END_HEADERS:
            return
        headers = side.decoder.decode(bytes(side.block), raw=False)
        side.block.clear()
        side.block_stream = 0
        fields = [[str(name), str(value)] for name, value in headers]
        if promised:  # a pushed response: the promised request, from the server
            self._message(promised, True, fields, False)
        else:
            self._message(sid, direction == self.client_dir, fields, bool(side.block_flags & END_STREAM))

    def _stream(self, sid: int) -> _Stream | None:
        stream = self.streams.get(sid)
        if stream is None and len(self.streams) < MAX_STREAMS:
            stream = self.streams[sid] = _Stream(sid)
        return stream

    def _message(self, sid: int, is_request: bool, fields: list[list[str]], end: bool) -> None:
        stream = self._stream(sid)
        if stream is None:
            self._note(f"more than {MAX_STREAMS} open streams; stream {sid} not read")
            return
        pseudo = {name: value for name, value in fields if name.startswith(":")}
        if is_request:
            if stream.request is None:
                method, path = pseudo.get(":method"), pseudo.get(":path")
                stream.request = HttpMessage(f"{method} {path} HTTP/2", fields, self.ts, self.frame,
                                             method=method, target=path)
            else:  # trailers
                stream.request.headers = stream.request.headers + fields
            if end:
                self._request_end(stream)
            return
        status = pseudo.get(":status")
        if stream.response is None or (stream.response.status or 0) < 200:
            code = int(status) if status and status.isascii() and status.isdigit() else None
            stream.response = HttpMessage(f"HTTP/2 {status}", fields, self.ts, self.frame, status=code, reason="")
        else:  # trailers
            stream.response.headers = stream.response.headers + fields
        if end:
            self._finish(stream, None)

    def _data(self, direction: int, sid: int, flags: int, data: bytes) -> None:
        stream = self.streams.get(sid)
        if stream is None:
            return
        msg = stream.request if direction == self.client_dir else stream.response
        if msg is None:
            return
        if len(msg.body) + len(data) <= MAX_BODY:
            msg.body += data
        elif msg.complete:
            msg.complete = False
            msg.incomplete_reason = f"body larger than {MAX_BODY} bytes; kept up to that"
        msg.wire_size += len(data)
        if flags & END_STREAM:
            if direction == self.client_dir:
                self._request_end(stream)
            else:
                self._finish(stream, None)

    def _request_end(self, stream: _Stream) -> None:
        stream.request_ended = True
        req = stream.request
        if req is not None:
            req.end_ts, req.end_frame = self.ts, self.frame
            if req.body:
                self._emit(req, None)

    def _finish(self, stream: _Stream, reason: str | None) -> None:
        if stream.done:
            return
        stream.done = True
        self.streams.pop(stream.sid, None)
        msg = stream.response
        if msg is None:
            req = stream.request
            if req is not None and reason is not None and not stream.request_ended and req.body:
                req.complete, req.incomplete_reason = False, reason
                self._emit(req, None)
            return
        if reason is not None and msg.complete:
            msg.complete, msg.incomplete_reason = False, reason
        msg.end_ts, msg.end_frame = self.ts, self.frame
        if msg.body or not msg.complete:  # as for HTTP/1.x: no object for an empty body
            self._emit(msg, stream.request)

    def _emit(self, msg: HttpMessage, request: HttpMessage | None) -> None:
        """Hand over a response (``request`` is the one it answers) or a request body (``request`` None)."""
        raw = bytes(msg.body)
        body, error = decode_content(raw, msg.header("content-encoding"))
        kept = raw if body is not raw else None
        if msg.status is None:
            exchange = HttpExchange(msg, None, body, error is None, error, self.client_dir, kept)
        else:
            exchange = HttpExchange(request, msg, body, error is None, error, self.client_dir, kept)
        self.on_exchange(exchange)


def _unpad(body: bytes, flags: int) -> bytes:
    if not flags & PADDED:
        return body
    if not body:
        raise ValueError("padded frame without a pad length")
    pad = body[0]
    if pad >= len(body):
        raise ValueError("padding longer than the frame")
    return body[1:len(body) - pad]
