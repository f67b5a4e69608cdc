"""QUIC: the clear-enough parts of a connection, without keys.

Initial packets are protected with keys that anyone can derive from the client's first Destination
Connection ID and the version's published salt (RFC 9001 section 5.2 for v1, RFC 9369 for v2, and the
draft-29 salt). Header protection is removed (AES-ECB mask over a 16-byte sample), the payload opened with
AES-128-GCM, and the CRYPTO frames are put back in order across packets, so that a ClientHello split over
several packets is read whole. The ClientHello gives the server name, ALPN, cipher suites and the JA4
fingerprint (``q`` prefix); the server's Initial gives the ServerHello. 0-RTT packets (sent before the
handshake ends, on a resumed session) are counted; their content needs the session keys and is not read.

One :class:`QuicConnection` per client Initial's original Destination Connection ID; a client that moves
to the server's connection ID (as it must after the server's first Initial) stays on the same connection.
"""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trowel.net.tls import ClientHello, ServerHello, parse_client_hello, parse_server_hello
from trowel.net.tlscrypto import hkdf_expand_label as tls13_expand_label

V1 = 0x00000001
V2 = 0x6B3343CF
DRAFT_29 = 0xFF00001D
SALTS = {
    V1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
    V2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
    DRAFT_29: bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899"),
}
for _draft in (0xFF00001B, 0xFF00001C, 0xFF00001E, 0xFF00001F, 0xFF000020):  # drafts 27-32 share 29's salt
    SALTS[_draft] = SALTS[DRAFT_29]
VERSION_NAMES = {V1: "QUICv1", V2: "QUICv2", DRAFT_29: "draft-29", 0xFF00001B: "draft-27", 0xFF00001C: "draft-28",
                 0xFF00001E: "draft-30", 0xFF00001F: "draft-31", 0xFF000020: "draft-32"}
# long header packet types: (initial, 0-RTT, handshake, retry) bits for each version family
_TYPES_V1 = {0: "initial", 1: "0rtt", 2: "handshake", 3: "retry"}
_TYPES_V2 = {1: "initial", 2: "0rtt", 3: "handshake", 0: "retry"}
MAX_CRYPTO = 64 << 10  # a ClientHello larger than this is not reassembled
MAX_PACKETS = 64  # long-header packets of one connection that are examined


def hkdf_expand_label(secret: bytes, label: bytes, length: int) -> bytes:
    """TLS 1.3 HKDF-Expand-Label with an empty context, SHA-256 (what every QUIC version's Initial keys use)."""
    return tls13_expand_label(secret, label, length, "sha256")


@dataclass
class _Keys:
    aead: AESGCM
    iv: bytes
    hp: bytes
    hp_encryptor: CipherContext | None = None

    def mask(self, sample: bytes) -> bytes:
        """AES-ECB of one 16-byte sample. ECB has no chaining, so one encryptor serves every sample."""
        if self.hp_encryptor is None:
            self.hp_encryptor = Cipher(algorithms.AES(self.hp), modes.ECB()).encryptor()
        return self.hp_encryptor.update(sample)


def _one_block_info(label: bytes, length: int) -> bytes:
    """HKDF-Expand-Label's HMAC input for a one-block output: HkdfLabel (empty context), then the counter 1."""
    full = b"tls13 " + label
    return struct.pack("!HB", length, len(full)) + full + b"\x00\x01"


# per version family: the HMAC inputs of the client and server Initial secrets, then of key, iv and hp
_INITIAL_INFO = {
    prefix: ((_one_block_info(b"client in", 32), _one_block_info(b"server in", 32)),
             (_one_block_info(prefix + b"key", 16), _one_block_info(prefix + b"iv", 12),
              _one_block_info(prefix + b"hp", 16)))
    for prefix in (b"quic ", b"quicv2 ")
}


def initial_keys(version: int, dcid: bytes) -> tuple[_Keys, _Keys]:
    """(client, server) Initial keys for a version and the client's original Destination Connection ID
    (RFC 9001 section 5.2: every expansion is one SHA-256 block, made by one HMAC from fixed inputs)."""
    initial = hmac.digest(SALTS[version], dcid, "sha256")
    sides, (key_info, iv_info, hp_info) = _INITIAL_INFO[b"quicv2 " if version == V2 else b"quic "]
    out = []
    for side_info in sides:
        secret = hmac.digest(initial, side_info, "sha256")
        out.append(_Keys(AESGCM(hmac.digest(secret, key_info, "sha256")[:16]),
                         hmac.digest(secret, iv_info, "sha256")[:12], hmac.digest(secret, hp_info, "sha256")[:16]))
    return out[0], out[1]


def varint(data: bytes, pos: int) -> tuple[int, int]:
    """A QUIC variable-length integer at ``pos``: (value, next position); ValueError past the end."""
    if pos >= len(data):
        raise ValueError("varint past the end")
    first = data[pos]
    if first < 0x40:  # one byte: the common case (frame types, small lengths)
        return first, pos + 1
    size = 1 << (first >> 6)
    end = pos + size
    if end > len(data):
        raise ValueError("varint past the end")
    return int.from_bytes(data[pos:end], "big") & _VARINT_MASKS[size], end


_VARINT_MASKS = {2: (1 << 14) - 1, 4: (1 << 30) - 1, 8: (1 << 62) - 1}  # the value bits of a 2, 4 or 8-byte varint


@dataclass(slots=True)
class LongHeader:
    version: int
    kind: str
    dcid: bytes
    scid: bytes
    token: bytes
    pn_offset: int  # where the (protected) packet number starts
    end: int  # end of this packet in the datagram


def parse_long_header(data: bytes, pos: int) -> LongHeader | None:
    """The long header of the packet starting at ``pos`` (None when it is not one we can read)."""
    if len(data) < pos + 7 or not data[pos] & 0x80:
        return None
    version = int.from_bytes(data[pos + 1:pos + 5], "big")
    if version not in SALTS:
        return None
    p = pos + 5
    dlen = data[p]
    dcid = data[p + 1:p + 1 + dlen]
    p += 1 + dlen
    if p >= len(data) or dlen > 20:
        return None
    slen = data[p]
    scid = data[p + 1:p + 1 + slen]
    p += 1 + slen
    bits = (data[pos] >> 4) & 3
    kind = (_TYPES_V2 if version == V2 else _TYPES_V1)[bits]
    if slen > 20 or p > len(data):
        return None
    if kind == "retry":
        return LongHeader(version, kind, dcid, scid, b"", p, len(data))
    token = b""
    if kind == "initial":
        tlen, p = varint(data, p)
        token = data[p:p + tlen]
        p += tlen
    length, p = varint(data, p)
    if p + length > len(data):
        return None
    return LongHeader(version, kind, dcid, scid, token, p, p + length)


def open_packet(data: bytes, pos: int, hdr: LongHeader, keys: _Keys) -> bytes | None:
    """The decrypted payload of one protected long-header packet, or None when it does not open."""
    sample_at = hdr.pn_offset + 4
    if sample_at + 16 > hdr.end:
        return None
    mask = keys.mask(data[sample_at:sample_at + 16])
    first = data[pos] ^ (mask[0] & 0x0F)
    pn_len = (first & 3) + 1
    # Initial packet numbers stay small: the truncated value is exact
    pn = int.from_bytes(data[hdr.pn_offset:hdr.pn_offset + pn_len], "big") ^ int.from_bytes(mask[1:1 + pn_len], "big")
    header = bytes([first]) + data[pos + 1:hdr.pn_offset] + pn.to_bytes(pn_len, "big")
    nonce = (int.from_bytes(keys.iv, "big") ^ pn).to_bytes(12, "big")
    try:
        return keys.aead.decrypt(nonce, data[hdr.pn_offset + pn_len:hdr.end], header)
    except InvalidTag:
        return None


def crypto_frames(payload: bytes) -> list[tuple[int, bytes]]:
    """(offset, data) of the CRYPTO frames in a decrypted Initial payload (PADDING, PING, ACK skipped)."""
    out = []
    pos = 0
    n = len(payload)
    try:
        while pos < n:
            ftype = payload[pos]
            pos += 1
            if ftype == 0x00 or ftype == 0x01:  # PADDING, PING
                continue
            if ftype in (0x02, 0x03):  # ACK (with ECN counts for 0x03)
                _largest, pos = varint(payload, pos)
                _delay, pos = varint(payload, pos)
                count, pos = varint(payload, pos)
                _first, pos = varint(payload, pos)
                for _ in range(count):
                    _gap, pos = varint(payload, pos)
                    _len, pos = varint(payload, pos)
                if ftype == 0x03:
                    for _ in range(3):
                        _ecn, pos = varint(payload, pos)
            elif ftype == 0x06:
                offset, pos = varint(payload, pos)
                length, pos = varint(payload, pos)
                out.append((offset, payload[pos:pos + length]))
                pos += length
            else:  # CONNECTION_CLOSE or anything else ends the frames we read
                break
    except ValueError:
        pass
    return out


@dataclass
class _CryptoStream:
    pieces: dict[int, bytes] = field(default_factory=dict)
    packets: int = 0  # packets that carried CRYPTO data

    def add(self, offset: int, data: bytes) -> None:
        if offset + len(data) <= MAX_CRYPTO and offset not in self.pieces:
            self.pieces[offset] = data

    def contiguous(self) -> bytes:
        out = bytearray()
        for offset in sorted(self.pieces):
            data = self.pieces[offset]
            if offset > len(out):
                break
            out += data[len(out) - offset:]
        return bytes(out)


def first_message(stream: bytes, mtype: int) -> bytes | None:
    """The body of the first handshake message when it is of type ``mtype`` and complete."""
    if len(stream) < 4 or stream[0] != mtype:
        return None
    mlen = int.from_bytes(stream[1:4], "big")
    return stream[4:4 + mlen] if len(stream) >= 4 + mlen else None


class QuicConnection:
    """What one QUIC connection shows before its handshake keys: versions, connection IDs, both hellos."""

    def __init__(self, version: int, odcid: bytes, client_dir: int, ts: int, frame: int,
                 keys: tuple[_Keys, _Keys] | None = None) -> None:
        self.version = version
        self.odcid = odcid
        self.client_dir = client_dir
        self.client_keys, self.server_keys = keys or initial_keys(version, odcid)
        self.client_scid: bytes | None = None
        self.server_scid: bytes | None = None
        self.client_crypto = _CryptoStream()
        self.server_crypto = _CryptoStream()
        self.client_hello: ClientHello | None = None
        self.client_hello_raw: bytes | None = None
        self.server_hello: ServerHello | None = None
        self.initial_packets = [0, 0]  # by direction
        self.undecryptable = 0
        self.zero_rtt_packets = 0
        self.handshake_packets = [0, 0]
        self.retry = False
        self.retry_scid: bytes | None = None
        self.versions_seen: set[int] = {version}
        self.first_ts = self.last_ts = ts
        self.first_frame = self.last_frame = frame
        self.examined = 0
        self.first_open: tuple[int, int, bytes] | None = None  # (frame, offset, payload) opened to find us
        self.notes: list[str] = []

    def owns(self, dcid: bytes) -> bool:
        return dcid == self.odcid or dcid in (self.server_scid, self.retry_scid)

    def packet(self, direction: int, data: bytes, pos: int, hdr: LongHeader, ts: int, frame: int) -> None:
        self.last_ts, self.last_frame = ts, frame
        self.versions_seen.add(hdr.version)
        is_client = direction == self.client_dir
        if hdr.kind == "0rtt":
            self.zero_rtt_packets += 1
            return
        if hdr.kind == "retry":
            self.retry = True
            self.retry_scid = hdr.scid
            return
        if is_client and hdr.kind == "initial" and self.retry_scid is not None and hdr.dcid == self.retry_scid:
            # after a Retry the client's Initial keys come from the connection ID the Retry gave
            self.client_keys, self.server_keys = initial_keys(hdr.version, hdr.dcid)
            self.retry_scid = None
        if hdr.kind == "handshake":
            self.handshake_packets[0 if is_client else 1] += 1
            if not is_client and self.server_scid is None:
                self.server_scid = hdr.scid
            return
        if is_client:
            if self.client_scid is None:
                self.client_scid = hdr.scid
        elif self.server_scid is None:
            self.server_scid = hdr.scid
        self.initial_packets[0 if is_client else 1] += 1
        if self.examined >= MAX_PACKETS:
            return
        self.examined += 1
        if (is_client and self.client_hello is not None) or (not is_client and self.server_hello is not None):
            return
        keys = self.client_keys if is_client else self.server_keys
        first = self.first_open
        if first is not None and first[0] == frame and first[1] == pos:
            plain: bytes | None = first[2]  # the packet that started the connection: opened already
        else:
            plain = open_packet(data, pos, hdr, keys)
        self.first_open = None
        if plain is None:
            self.undecryptable += 1
            return
        frames = crypto_frames(plain)
        stream = self.client_crypto if is_client else self.server_crypto
        if frames:
            stream.packets += 1
        for offset, chunk in frames:
            stream.add(offset, chunk)
        whole = stream.contiguous()
        try:
            if is_client:
                body = first_message(whole, 1)
                if body is not None:
                    self.client_hello = parse_client_hello(body)
                    self.client_hello_raw = body
            else:
                body = first_message(whole, 2)
                if body is not None:
                    self.server_hello = parse_server_hello(body)
        except ValueError as exc:
            note = f"{'ClientHello' if is_client else 'ServerHello'} damaged: {exc}"
            if note not in self.notes:
                self.notes.append(note)


class QuicFlow:
    """The QUIC connections of one UDP flow, fed with the flow's datagrams."""

    __slots__ = ("connections", "datagrams", "unopened")

    def __init__(self) -> None:
        self.connections: list[QuicConnection] = []
        self.datagrams = 0
        self.unopened: list[int] = []  # frames of Initial packets that start no connection we can open

    def datagram(self, direction: int, data: bytes, ts: int, frame: int) -> None:
        self.datagrams += 1
        pos = 0
        while pos < len(data) and data[pos] & 0x80:
            try:
                hdr = parse_long_header(data, pos)
            except ValueError:
                return
            if hdr is None:
                return
            conn = self._connection(direction, data, pos, hdr, ts, frame)
            if conn is not None:
                conn.packet(direction, data, pos, hdr, ts, frame)
            if hdr.end <= pos:
                return
            pos = hdr.end
        if pos == 0 and self.connections:  # short header: 1-RTT data of the latest connection
            self.connections[-1].last_ts, self.connections[-1].last_frame = ts, frame

    def _connection(self, direction: int, data: bytes, pos: int, hdr: LongHeader, ts: int,
                    frame: int) -> QuicConnection | None:
        for conn in reversed(self.connections):
            if direction == conn.client_dir and conn.owns(hdr.dcid):
                return conn
            if direction != conn.client_dir and (conn.client_scid is None or hdr.dcid == conn.client_scid):
                return conn
        if hdr.kind != "initial":
            return self.connections[-1] if self.connections else None
        if self.connections and direction != self.connections[-1].client_dir:
            return self.connections[-1]
        keys = initial_keys(hdr.version, hdr.dcid)
        plain = open_packet(data, pos, hdr, keys[0])
        if plain is None:  # not a client's first Initial (a capture begun late)
            self.unopened.append(frame)
            return None
        conn = QuicConnection(hdr.version, hdr.dcid, direction, ts, frame, keys)
        conn.first_open = (frame, pos, plain)
        self.connections.append(conn)
        return conn


def looks_like_quic_initial(data: bytes) -> bool:
    """A datagram starting with a long-header Initial packet of a version we can open."""
    if len(data) < 7 or (data[0] & 0xC0) != 0xC0:
        return False
    version = int.from_bytes(data[1:5], "big")
    if version not in SALTS:
        return False
    bits = (data[0] >> 4) & 3
    return bits == (1 if version == V2 else 0)
