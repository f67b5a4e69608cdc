"""A TCP stream consumer for TLS: record layer, handshake messages, and (with a key log) decryption of
TLS 1.2 application data, which is then handed to an HTTP/1.x consumer like any clear stream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from trowel.net.http import HttpConnection, HttpExchange, looks_like_http
from trowel.net.tls import (
    CIPHER_SUITES,
    EXT_ETM,
    ClientHello,
    ServerHello,
    parse_certificate_list,
    parse_client_hello,
    parse_server_hello,
)
from trowel.net.tlscrypto import KeyLog, RecordDecryptor, session_decryptors

MAX_RECORD = 16384 + 2048
MAX_HANDSHAKE = 1 << 20


def looks_like_tls(first: bytes) -> bool:
    """A TLS record header: handshake (or alert/CCS) type, major version 3, plausible length."""
    return len(first) >= 5 and first[0] in (20, 21, 22) and first[1] == 3 and first[2] <= 4


@dataclass
class _Direction:
    buf: bytearray = field(default_factory=bytearray)
    handshake: bytearray = field(default_factory=bytearray)
    encrypted: bool = False
    lost: bool = False
    bytes: int = 0
    decryptor: RecordDecryptor | None = None
    failed: bool = False


class TlsConnection:
    """Parses both directions of a TLS connection; decrypts TLS 1.2 when the key log knows the session."""

    def __init__(self, keylog: KeyLog | None, on_exchange: Callable[[HttpExchange], None]) -> None:
        self.keylog = keylog
        self.on_exchange = on_exchange
        self.dirs = (_Direction(), _Direction())
        self.client_dir: int | None = None
        self.client_hello: ClientHello | None = None
        self.server_hello: ServerHello | None = None
        self.certificates: list[bytes] = []
        self.notes: list[str] = []
        self.decrypting = False
        self.decrypted_records = 0
        self.inner: HttpConnection | None = None
        self.inner_kind: str | None = None  # http | other
        self.first_ts: int | None = None
        self.last_ts = 0

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # --- StreamConsumer ---------------------------------------------------------------------------
    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None:
        if self.first_ts is None:
            self.first_ts = ts_ns
        self.last_ts = ts_ns
        d = self.dirs[direction]
        d.bytes += len(payload)
        if d.lost or (d.encrypted and d.decryptor is None and not d.buf):
            return  # nothing more to read in clear, nothing to decrypt: only counted
        d.buf += payload
        buf = d.buf
        pos = 0
        while len(buf) - pos >= 5:
            ctype = buf[pos]
            length = (buf[pos + 3] << 8) | buf[pos + 4]
            if ctype not in (20, 21, 22, 23, 24) or buf[pos + 1] != 3 or length > MAX_RECORD:
                d.lost = True
                self._note(f"direction {direction}: bytes that are not TLS records; reading stopped")
                break
            if len(buf) - pos < 5 + length:
                break
            version = (buf[pos + 1] << 8) | buf[pos + 2]
            fragment = bytes(buf[pos + 5:pos + 5 + length])
            pos += 5 + length
            self._record(direction, d, ctype, version, fragment, ts_ns, frame)
        if d.lost:
            d.buf.clear()
        else:
            del buf[:pos]

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None:
        d = self.dirs[direction]
        d.lost = True
        d.buf.clear()
        self._note(f"direction {direction}: TCP gap of {length} bytes; the rest of this direction is not read")
        if self.inner is not None:
            self.inner.gap(direction, length, ts_ns, frame)

    def close(self, ts_ns: int) -> None:
        if self.inner is not None:
            self.inner.close(ts_ns)

    # --- records ----------------------------------------------------------------------------------
    def _record(self, direction: int, d: _Direction, ctype: int, version: int, fragment: bytes, ts: int,
                frame: int) -> None:
        if ctype == 20:
            d.encrypted = True
            return
        if d.encrypted:
            plain = self._decrypt(direction, d, ctype, version, fragment)
            if plain is not None and ctype == 23:
                self._application(direction, plain, ts, frame)
            return
        if ctype == 22:
            d.handshake += fragment
            self._handshake(direction, d)

    def _decrypt(self, direction: int, d: _Direction, ctype: int, version: int, fragment: bytes) -> bytes | None:
        if d.decryptor is None or d.failed:
            return None
        try:
            plain = d.decryptor.open(ctype, version, fragment)
        except ValueError as exc:
            d.failed = True
            self._note(f"direction {direction}: decryption stopped: {exc}")
            return None
        self.decrypted_records += 1
        return plain

    def _application(self, direction: int, plain: bytes, ts: int, frame: int) -> None:
        if not plain:
            return
        if self.inner_kind is None:
            if direction != self.client_dir:
                return
            self.inner_kind = "http" if looks_like_http(plain[:16]) else "other"
            if self.inner_kind == "http":
                self.inner = HttpConnection(direction, self.on_exchange)
        if self.inner is not None:
            self.inner.data(direction, plain, ts, frame)

    def _handshake(self, direction: int, d: _Direction) -> None:
        hs = d.handshake
        while len(hs) >= 4:
            mtype = hs[0]
            mlen = int.from_bytes(hs[1:4], "big")
            if mlen > MAX_HANDSHAKE:
                d.lost = True
                self._note(f"direction {direction}: handshake message of {mlen} bytes; reading stopped")
                hs.clear()
                return
            if len(hs) < 4 + mlen:
                return
            body = bytes(hs[4:4 + mlen])
            del hs[:4 + mlen]
            try:
                self._message(direction, mtype, body)
            except ValueError as exc:
                self._note(f"direction {direction}: handshake message {mtype} damaged: {exc}")

    def _message(self, direction: int, mtype: int, body: bytes) -> None:
        if mtype == 1 and self.client_hello is None:
            self.client_hello = parse_client_hello(body)
            self.client_dir = direction
        elif mtype == 2 and self.server_hello is None:
            self.server_hello = parse_server_hello(body)
            if self.client_dir is None:
                self.client_dir = 1 - direction
            self._setup_decryption()
        elif mtype == 11 and not self.certificates:
            version = self.server_hello.version if self.server_hello else 0x0303
            if version <= 0x0303:
                self.certificates = parse_certificate_list(body)

    def _setup_decryption(self) -> None:
        ch, sh = self.client_hello, self.server_hello
        if self.keylog is None or ch is None or sh is None or self.client_dir is None:
            return
        master = self.keylog.master_secrets.get(ch.random)
        if master is None:
            self._note("the key log has no secret for this session")
            return
        if sh.version != 0x0303:
            self._note(f"TLS version 0x{sh.version:04x}: only TLS 1.2 sessions are decrypted")
            return
        suite = CIPHER_SUITES.get(sh.cipher)
        etm = sh.ext(EXT_ETM) is not None and suite is not None and suite[1] == "cbc"
        try:
            c2s, s2c = session_decryptors(master, sh.cipher, ch.random, sh.random, etm)
        except ValueError as exc:
            self._note(str(exc))
            return
        self.dirs[self.client_dir].decryptor = c2s
        self.dirs[1 - self.client_dir].decryptor = s2c
        self.decrypting = True

    @property
    def decrypted(self) -> bool:
        return self.decrypted_records > 0 and not any(d.failed for d in self.dirs)
