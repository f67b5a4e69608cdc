"""A TCP stream consumer for TLS: record layer, handshake messages, and (with a key log) decryption of
TLS 1.2 and TLS 1.3 records; the application data is then handed to an HTTP/1.x consumer like any clear
stream. In TLS 1.3 the server's certificate is read from the decrypted handshake."""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from trowel.net.http import HttpConnection, HttpExchange, looks_like_http
from trowel.net.http2 import Http2Connection, looks_like_h2
from trowel.net.tls import (
    CIPHER_SUITES,
    EXT_EMS,
    EXT_ETM,
    ClientHello,
    ServerHello,
    parse_certificate_list,
    parse_certificate_list13,
    parse_client_hello,
    parse_encrypted_extensions_alpn,
    parse_server_hello,
)
from trowel.net.tlscrypto import (
    KeyLog,
    RecordDecryptor,
    Tls13Decryptor,
    master_from_premaster,
    session_decryptors,
)

EXT_EARLY_DATA = 42
HELLO_RETRY_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

MAX_RECORD = 16384 + 2048
MAX_HANDSHAKE = 1 << 20


def looks_like_tls(first: bytes) -> bool:
    """A TLS record header: handshake, alert, CCS or application data (a capture that starts mid-connection),
    version 3.0-3.4 (1.3 records say 3.3), a length a record may have."""
    if len(first) < 5 or first[0] not in (20, 21, 22, 23) or first[1] != 3 or first[2] > 4:
        return False
    length = (first[3] << 8) | first[4]
    return 0 < length <= MAX_RECORD


@dataclass
class _Direction:
    buf: bytearray = field(default_factory=bytearray)
    handshake: bytearray = field(default_factory=bytearray)
    encrypted: bool = False
    lost: bool = False
    bytes: int = 0
    decryptor: RecordDecryptor | None = None
    failed: bool = False
    d13: Tls13Decryptor | None = None  # TLS 1.3: the current traffic keys of this direction
    app_secret: builtins.bytes | None = None  # TLS 1.3: the secret that follows this direction's Finished
    hs13: bytearray = field(default_factory=bytearray)  # TLS 1.3: decrypted handshake bytes
    opened: int = 0  # TLS 1.3: records opened with this direction's handshake or traffic keys


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
        self.inner: HttpConnection | Http2Connection | None = None
        self.inner_kind: str | None = None  # http | http2 | other
        self.first_ts: int | None = None
        self.last_ts = 0
        self.tls13 = False
        self.hello_retry = False  # the server asked for a second ClientHello (HelloRetryRequest)
        self.encrypted_alpn: str | None = None  # TLS 1.3: the ALPN the server chose (EncryptedExtensions)
        self.early_offered = False  # TLS 1.3 0-RTT: the ClientHello carries early_data
        self.early: Tls13Decryptor | None = None  # the early-data keys, once a record opened with them
        self.early_candidates: list[Tls13Decryptor] = []  # one per offered 1.3 suite until then
        self.early_done = False
        self.early_records = 0
        self.early_skipped = 0
        self.transcript: bytearray | None = bytearray()  # handshake messages up to ClientKeyExchange (TLS 1.2)
        self.key_updates = 0

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
        if d.lost or (d.encrypted and d.decryptor is None and d.d13 is None and not d.buf
                      and not (self.early_offered and direction == self.client_dir)):
            return  # nothing more to read in clear, nothing to decrypt: only counted
        if d.buf:
            d.buf += payload
            buf: bytes | bytearray = d.buf
        else:  # nothing waiting (the common case): records are read from the segment itself, the rest kept
            buf = payload
        pos = 0
        n = len(buf)  # the records read below never change the buffer
        while n - pos >= 5:
            ctype = buf[pos]
            length = (buf[pos + 3] << 8) | buf[pos + 4]
            if ctype not in (20, 21, 22, 23, 24) or buf[pos + 1] != 3 or length > MAX_RECORD:
                d.lost = True
                self._note(f"direction {direction}: bytes that are not TLS records; reading stopped")
                break
            end = pos + 5 + length
            if end > n:
                break
            version = (buf[pos + 1] << 8) | buf[pos + 2]
            fragment = bytes(buf[pos + 5:end])
            pos = end
            if self.tls13:  # (the ServerHello may set it between two records of one segment)
                self._record13(direction, d, ctype, version, fragment, ts_ns, frame)
            else:
                self._record(direction, d, ctype, version, fragment, ts_ns, frame)
        if d.lost:
            d.buf.clear()
        elif buf is d.buf:
            del d.buf[:pos]
        elif pos < n:
            d.buf += buf[pos:]

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
        if self.tls13:
            self._record13(direction, d, ctype, version, fragment, ts, frame)
            return
        if ctype == 23 and self.early_offered and direction == self.client_dir:  # 0-RTT before the ServerHello
            if not self._early(direction, ctype, version, fragment, ts, frame):
                self.early_skipped += 1
            return
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

    def _record13(self, direction: int, d: _Direction, ctype: int, version: int, fragment: bytes, ts: int,
                  frame: int) -> None:
        if ctype == 20:  # the compatibility ChangeCipherSpec carries nothing
            return
        if ctype == 22 and d.d13 is None:
            d.handshake += fragment  # a second ClientHello after a HelloRetryRequest
            self._handshake(direction, d)
            return
        if ctype != 23 or d.d13 is None or d.failed:
            return
        if direction == self.client_dir and self.early_offered and not self.early_done:
            if self._early(direction, ctype, version, fragment, ts, frame):
                return
            self.early_done = True  # early data over (EndOfEarlyData seen, or refused by the server)
        try:
            inner, content = d.d13.open(ctype, version, fragment)
        except ValueError as exc:
            if direction == self.client_dir and self.early_offered and not d.opened:
                self.early_skipped += 1  # 0-RTT data the key log cannot open; the handshake keys come next
                return
            d.failed = True
            self._note(f"direction {direction}: decryption stopped: {exc}")
            return
        d.opened += 1
        self.decrypted_records += 1
        if inner == 22:
            d.hs13 += content
            self._handshake13(direction, d)
        elif inner == 23:
            self._application(direction, content, ts, frame)

    def _early(self, direction: int, ctype: int, version: int, fragment: bytes, ts: int, frame: int) -> bool:
        """Open a 0-RTT record with CLIENT_EARLY_TRAFFIC_SECRET (the suite found by trying the offered ones);
        False when it does not open."""
        for dec in [self.early] if self.early is not None else self.early_candidates:
            try:
                inner, content = dec.open(ctype, version, fragment)
            except ValueError:
                continue
            self.early = dec
            self.early_records += 1
            self.decrypted_records += 1
            if inner == 23:
                self._application(direction, content, ts, frame)
            elif inner == 22 and content[:1] == b"\x05":  # EndOfEarlyData: the handshake keys follow
                self.early_done = True
            return True
        return False

    def _handshake13(self, direction: int, d: _Direction) -> None:
        hs = d.hs13
        while len(hs) >= 4:
            mtype = hs[0]
            mlen = int.from_bytes(hs[1:4], "big")
            if len(hs) < 4 + mlen:
                if mlen > MAX_HANDSHAKE:
                    hs.clear()
                return
            body = bytes(hs[4:4 + mlen])
            del hs[:4 + mlen]
            if mtype == 8 and direction != self.client_dir:  # EncryptedExtensions: ALPN lives here in 1.3
                try:
                    self.encrypted_alpn = parse_encrypted_extensions_alpn(body)
                except ValueError as exc:
                    self._note(f"direction {direction}: EncryptedExtensions damaged: {exc}")
            elif mtype == 11 and direction != self.client_dir and not self.certificates:
                try:
                    self.certificates = parse_certificate_list13(body)
                except ValueError as exc:
                    self._note(f"direction {direction}: certificate message damaged: {exc}")
            elif mtype == 20 and d.app_secret is not None and d.d13 is not None:  # Finished: application keys
                d.d13.set_secret(d.app_secret)
                d.app_secret = None
            elif mtype == 24 and d.d13 is not None:  # KeyUpdate: this direction's next secret
                d.d13.key_update()
                self.key_updates += 1

    def _application(self, direction: int, plain: bytes, ts: int, frame: int) -> None:
        if not plain:
            return
        if self.inner_kind is None:
            if direction != self.client_dir:
                return
            if looks_like_http(plain[:512]):
                self.inner_kind = "http"
                self.inner = HttpConnection(direction, self.on_exchange)
            elif looks_like_h2(plain):
                self.inner_kind = "http2"
                self.inner = Http2Connection(direction, self.on_exchange)
            else:
                self.inner_kind = "other"
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
            if self.transcript is not None:
                self.transcript += hs[:4 + mlen]
            del hs[:4 + mlen]
            try:
                self._message(direction, mtype, body)
            except ValueError as exc:
                self._note(f"direction {direction}: handshake message {mtype} damaged: {exc}")

    def _message(self, direction: int, mtype: int, body: bytes) -> None:
        if mtype == 1 and self.client_hello is None:
            self.client_hello = parse_client_hello(body)
            self.client_dir = direction
            self._early_keys(self.client_hello)
        elif mtype == 2 and self.server_hello is None:
            hello = parse_server_hello(body)
            if hello.random == HELLO_RETRY_RANDOM:  # TLS 1.3: the real ServerHello follows the second hello
                self.hello_retry = True
                self.tls13 = True
                self.transcript = None
                if self.client_dir is None:
                    self.client_dir = 1 - direction
                return
            self.server_hello = hello
            if self.client_dir is None:
                self.client_dir = 1 - direction
            if hello.version == 0x0304:
                self.tls13 = True
                self.transcript = None
            self._setup_decryption()
        elif mtype == 11 and not self.certificates:
            version = self.server_hello.version if self.server_hello else 0x0303
            if version <= 0x0303:
                self.certificates = parse_certificate_list(body)
        elif mtype == 16 and direction == self.client_dir:
            self._rsa_key_exchange(body)
            self.transcript = None

    def _early_keys(self, ch: ClientHello) -> None:
        if ch.ext(EXT_EARLY_DATA) is None:
            return
        self.early_offered = True
        secret = self.keylog.tls13.get(ch.random, {}).get("CLIENT_EARLY_TRAFFIC_SECRET") if self.keylog else None
        if secret is not None:
            self.early_candidates = [Tls13Decryptor(suite, secret) for suite in ch.ciphers
                                     if suite in (0x1301, 0x1302, 0x1303)]

    def _setup_decryption(self) -> None:
        ch, sh = self.client_hello, self.server_hello
        if self.tls13:
            for d in self.dirs:
                d.encrypted = True  # every record after the ServerHello is protected
        if self.keylog is None or ch is None or sh is None or self.client_dir is None:
            return
        if self.tls13:
            self._setup13(ch, sh)
            return
        master = self.keylog.master_secrets.get(ch.random)
        if master is None:
            if not self.keylog.rsa_premasters:
                self._note("the key log has no secret for this session")
            return  # an RSA line may still give it at the ClientKeyExchange
        if sh.version != 0x0303:
            self._note(f"TLS version 0x{sh.version:04x}: only TLS 1.2 and 1.3 sessions are decrypted")
            return
        self._setup12(master)

    def _setup13(self, ch: ClientHello, sh: ServerHello) -> None:
        assert self.keylog is not None and self.client_dir is not None
        secrets = self.keylog.tls13.get(ch.random, {})
        needed = ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET")
        if any(label not in secrets for label in needed):
            self._note("the key log has no TLS 1.3 handshake secrets for this session")
            return
        try:
            client = Tls13Decryptor(sh.cipher, secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"])
            server = Tls13Decryptor(sh.cipher, secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"])
        except ValueError as exc:
            self._note(str(exc))
            return
        c, s = self.dirs[self.client_dir], self.dirs[1 - self.client_dir]
        c.d13, s.d13 = client, server
        c.app_secret = secrets.get("CLIENT_TRAFFIC_SECRET_0")
        s.app_secret = secrets.get("SERVER_TRAFFIC_SECRET_0")
        if c.app_secret is None or s.app_secret is None:
            self._note("the key log has no TLS 1.3 traffic secrets: only the handshake is decrypted")
        self.decrypting = True

    def _rsa_key_exchange(self, body: bytes) -> None:
        """TLS 1.2 with RSA key exchange: the pre-master secret from an ``RSA`` key log line."""
        ch, sh = self.client_hello, self.server_hello
        if self.keylog is None or ch is None or sh is None or self.decrypting or not self.keylog.rsa_premasters:
            return
        if ch.random in self.keylog.master_secrets:
            return
        suite = CIPHER_SUITES.get(sh.cipher)
        encrypted = body[2:] if len(body) >= 10 and int.from_bytes(body[:2], "big") == len(body) - 2 else body
        premaster = self.keylog.rsa_premasters.get(encrypted[:8])
        if premaster is None or suite is None:
            self._note("the key log has no secret for this session")
            return
        session_hash = None
        if sh.ext(EXT_EMS) is not None:
            if self.transcript is None:
                self._note("extended master secret without the handshake transcript; not decrypted")
                return
            session_hash = hashlib.new(suite[4], bytes(self.transcript)).digest()
        self._setup12(master_from_premaster(premaster, ch.random, sh.random, suite[4], session_hash))

    def _setup12(self, master: bytes) -> None:
        ch, sh = self.client_hello, self.server_hello
        assert ch is not None and sh is not None and self.client_dir is not None
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
    def early_note(self) -> str | None:
        if self.early_skipped:
            return (f"{self.early_skipped} 0-RTT early-data record(s) not decrypted (no CLIENT_EARLY_TRAFFIC_SECRET "
                    "for them)")
        return None

    @property
    def decrypted(self) -> bool:
        return self.decrypted_records > 0 and not any(d.failed for d in self.dirs)
