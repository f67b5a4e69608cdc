"""TLS decryption with an NSS key log file (the ``SSLKEYLOGFILE`` format): TLS 1.2 and TLS 1.3.

A ``CLIENT_RANDOM <client random> <master secret>`` line gives the master secret of one session. The key
block is derived with the TLS 1.2 PRF (RFC 5246 section 5: P_hash over HMAC with the suite's hash) and
split into MAC keys, encryption keys and IVs (RFC 5246 section 6.3). Records are then opened with the
``cryptography`` primitives: AES-GCM (RFC 5288), ChaCha20-Poly1305 (RFC 7905), and AES-CBC with HMAC
either MAC-then-encrypt (RFC 5246) or encrypt-then-MAC (RFC 7366). Every record's MAC or tag is checked;
a record that fails is reported, never passed on.

TLS 1.2 with RSA key exchange can also be opened with ``RSA <first 8 bytes of the encrypted pre-master
secret> <pre-master secret>`` lines: the master secret is derived from the pre-master secret (RFC 5246
section 8.1, or RFC 7627's extended master secret over the session hash).

TLS 1.3 (RFC 8446): ``CLIENT_HANDSHAKE_TRAFFIC_SECRET``, ``SERVER_HANDSHAKE_TRAFFIC_SECRET``,
``CLIENT_TRAFFIC_SECRET_0`` and ``SERVER_TRAFFIC_SECRET_0`` lines give each direction's secrets; record keys
are ``HKDF-Expand-Label(secret, "key" / "iv")`` with the suite's hash, the nonce is the IV XOR the record
number, the additional data the record header, and the inner content type is read after the padding.
A KeyUpdate moves a direction to ``HKDF-Expand-Label(secret, "traffic upd")``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from trowel.errors import CaptureError
from trowel.net.tls import CIPHER_SUITES

_LINE = re.compile(r"^([A-Z_0-9]+) ([0-9a-fA-F]+) ([0-9a-fA-F]+)\s*$")
MAC_LEN = {"sha1": 20, "sha256": 32, "sha384": 48}


TLS13_LABELS = ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                 "SERVER_TRAFFIC_SECRET_0", "CLIENT_EARLY_TRAFFIC_SECRET", "EXPORTER_SECRET")


@dataclass
class KeyLog:
    """Master secrets by client random (TLS 1.2), TLS 1.3 traffic secrets by client random and label,
    pre-master secrets by the first 8 bytes of their RSA encryption, and the count of other labels."""

    master_secrets: dict[bytes, bytes] = field(default_factory=dict)
    tls13: dict[bytes, dict[str, bytes]] = field(default_factory=dict)
    rsa_premasters: dict[bytes, bytes] = field(default_factory=dict)
    other_labels: dict[str, int] = field(default_factory=dict)
    bad_lines: int = 0

    @classmethod
    def load(cls, path: Path) -> KeyLog:
        """Read a key log file; raises CaptureError when it cannot be read or holds no key line at all."""
        try:
            text = path.read_text(encoding="ascii", errors="replace")
        except OSError as exc:
            raise CaptureError(f"{path}: cannot read the key log ({exc.strerror or exc})") from exc
        log = cls()
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            match = _LINE.match(line.strip())
            if match is None:
                log.bad_lines += 1
                continue
            label, first, second = match.groups()
            if len(first) % 2 or len(second) % 2:
                log.bad_lines += 1
            elif label == "CLIENT_RANDOM" and len(first) == 64 and len(second) == 96:
                log.master_secrets[bytes.fromhex(first)] = bytes.fromhex(second)
            elif label in TLS13_LABELS and len(first) == 64:
                log.tls13.setdefault(bytes.fromhex(first), {})[label] = bytes.fromhex(second)
            elif label == "RSA" and len(first) == 16 and len(second) == 96:
                log.rsa_premasters[bytes.fromhex(first)] = bytes.fromhex(second)
            else:
                log.other_labels[label] = log.other_labels.get(label, 0) + 1
        if not (log.master_secrets or log.tls13 or log.rsa_premasters or log.other_labels):
            raise CaptureError(f"{path}: not an NSS key log file (no CLIENT_RANDOM or secret lines)")
        return log


def master_from_premaster(premaster: bytes, client_random: bytes, server_random: bytes, prf_hash: str,
                          session_hash: bytes | None) -> bytes:
    """The TLS 1.2 master secret from a pre-master secret (``session_hash`` given: RFC 7627's extended
    master secret)."""
    if session_hash is not None:
        return prf(premaster, b"extended master secret", session_hash, 48, prf_hash)
    return prf(premaster, b"master secret", client_random + server_random, 48, prf_hash)


_AAD = struct.Struct("!BHH")  # a TLS 1.3 record's additional data: its header
_INFO: dict[tuple[bytes, int], bytes] = {}  # (label, length) -> HkdfLabel bytes (a handful of fixed labels)


def hkdf_expand_label(secret: bytes, label: bytes, length: int, hash_name: str) -> bytes:
    """RFC 8446 HKDF-Expand-Label with an empty context."""
    info = _INFO.get((label, length))
    if info is None:
        full = b"tls13 " + label
        info = struct.pack("!HB", length, len(full)) + full + b"\x00"
        if len(_INFO) < 64:
            _INFO[(label, length)] = info
    if length <= 32 and hash_name in ("sha256", "sha384"):  # one block: T(1) = HMAC(secret, info | 0x01)
        return hmac.digest(secret, info + b"\x01", hash_name)[:length]
    out = b""
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac.digest(secret, block + info + bytes([counter]), hash_name)
        out += block
        counter += 1
    return out[:length]


class Tls13Decryptor:
    """Opens the records of one direction of a TLS 1.3 connection under its current traffic secret."""

    def __init__(self, suite: int, secret: bytes) -> None:
        info = CIPHER_SUITES.get(suite)
        if info is None or info[1] != "tls13":
            raise ValueError(f"cipher suite 0x{suite:04x} is not a TLS 1.3 suite")
        self.suite = suite
        self.key_len = info[2]
        self.hash_name = info[4]
        self.set_secret(secret)

    def set_secret(self, secret: bytes) -> None:
        self.secret = secret
        key = hkdf_expand_label(secret, b"key", self.key_len, self.hash_name)
        self.iv = hkdf_expand_label(secret, b"iv", 12, self.hash_name)
        self.iv_int = int.from_bytes(self.iv, "big")
        self.aead: AESGCM | ChaCha20Poly1305 = ChaCha20Poly1305(key) if self.suite == 0x1303 else AESGCM(key)
        self.seq = 0

    def key_update(self) -> None:
        size = hashlib.new(self.hash_name).digest_size
        self.set_secret(hkdf_expand_label(self.secret, b"traffic upd", size, self.hash_name))

    def open(self, ctype: int, version: int, fragment: bytes) -> tuple[int, bytes]:
        """(inner content type, content) of one protected record; ValueError when the tag fails."""
        size = len(fragment)
        if size < 17:
            raise ValueError("record shorter than its tag")
        nonce = (self.iv_int ^ self.seq).to_bytes(12, "big")
        aad = _AAD.pack(ctype, version, size)
        try:
            plain = self.aead.decrypt(nonce, fragment, aad)
        except InvalidTag as exc:
            raise ValueError("authentication tag does not verify") from exc
        self.seq += 1
        plain = plain.rstrip(b"\x00")  # the padding after the content type
        if not plain:
            raise ValueError("record without a content type")
        return plain[-1], plain[:-1]


def prf(secret: bytes, label: bytes, seed: bytes, length: int, hash_name: str) -> bytes:
    """The TLS 1.2 PRF: P_hash(secret, label + seed) cut to ``length`` bytes."""
    seed = label + seed
    out = bytearray()
    a = seed
    while len(out) < length:
        a = hmac.digest(secret, a, hash_name)
        out += hmac.digest(secret, a + seed, hash_name)
    return bytes(out[:length])


class RecordDecryptor:
    """Opens the protected records of one direction of a TLS 1.2 session."""

    def __init__(self, cipher: str, key: bytes, iv: bytes, mac_key: bytes, mac_hash: str,
                 encrypt_then_mac: bool) -> None:
        self.cipher = cipher
        self.key = key
        self.iv = iv
        self.mac_key = mac_key
        self.mac_hash = mac_hash
        self.etm = encrypt_then_mac
        self.seq = 0
        self._aead: AESGCM | ChaCha20Poly1305 | None = None
        if cipher == "gcm":
            self._aead = AESGCM(key)
        elif cipher == "chacha20":
            self._aead = ChaCha20Poly1305(key)

    def open(self, ctype: int, version: int, fragment: bytes) -> bytes:
        """The plaintext of one record; ValueError when its tag or MAC does not verify."""
        seq = struct.pack("!Q", self.seq)
        self.seq += 1
        if self.cipher == "gcm":
            return self._gcm(seq, ctype, version, fragment)
        if self.cipher == "chacha20":
            assert self._aead is not None
            if len(fragment) < 16:
                raise ValueError("record shorter than its tag")
            nonce = bytes(a ^ b for a, b in zip(self.iv, b"\0\0\0\0" + seq, strict=True))
            aad = seq + struct.pack("!BHH", ctype, version, len(fragment) - 16)
            try:
                return self._aead.decrypt(nonce, fragment, aad)
            except InvalidTag as exc:
                raise ValueError("authentication tag does not verify") from exc
        return self._cbc(seq, ctype, version, fragment)

    def _gcm(self, seq: bytes, ctype: int, version: int, fragment: bytes) -> bytes:
        assert self._aead is not None
        if len(fragment) < 24:
            raise ValueError("record shorter than explicit nonce and tag")
        nonce = self.iv[:4] + fragment[:8]
        body = fragment[8:]
        aad = seq + struct.pack("!BHH", ctype, version, len(body) - 16)
        try:
            return self._aead.decrypt(nonce, body, aad)
        except InvalidTag as exc:
            raise ValueError("authentication tag does not verify") from exc

    def _cbc(self, seq: bytes, ctype: int, version: int, fragment: bytes) -> bytes:
        mac_len = MAC_LEN[self.mac_hash]
        if self.etm:
            if len(fragment) < 32 + mac_len:
                raise ValueError("record too short for IV, block and MAC")
            body, tag = fragment[:-mac_len], fragment[-mac_len:]
            header = seq + struct.pack("!BHH", ctype, version, len(body))
            expect = hmac.new(self.mac_key, header + body, self.mac_hash).digest()
            if not hmac.compare_digest(expect, tag):
                raise ValueError("record MAC does not verify")
            plain = self._cbc_decrypt(body)
            return _unpad(plain)
        if len(fragment) < 32 or len(fragment) % 16:
            raise ValueError("CBC record is not a whole number of blocks")
        plain = _unpad(self._cbc_decrypt(fragment))
        if len(plain) < mac_len:
            raise ValueError("record shorter than its MAC")
        content, tag = plain[:-mac_len], plain[-mac_len:]
        header = seq + struct.pack("!BHH", ctype, version, len(content))
        expect = hmac.new(self.mac_key, header + content, self.mac_hash).digest()
        if not hmac.compare_digest(expect, tag):
            raise ValueError("record MAC does not verify")
        return content

    def _cbc_decrypt(self, body: bytes) -> bytes:
        iv, data = body[:16], body[16:]
        if not data or len(data) % 16:
            raise ValueError("CBC record is not a whole number of blocks")
        dec = Cipher(algorithms.AES(self.key), modes.CBC(iv)).decryptor()
        return dec.update(data) + dec.finalize()


def _unpad(plain: bytes) -> bytes:
    if not plain:
        raise ValueError("empty CBC plaintext")
    pad = plain[-1]
    if pad + 1 > len(plain) or any(b != pad for b in plain[-pad - 1:]):
        raise ValueError("CBC padding damaged")
    return plain[:-pad - 1]


def session_decryptors(master: bytes, suite: int, client_random: bytes, server_random: bytes,
                       encrypt_then_mac: bool) -> tuple[RecordDecryptor, RecordDecryptor]:
    """(client-to-server, server-to-client) decryptors for a TLS 1.2 session; ValueError when the suite
    is not one that can be decrypted."""
    info = CIPHER_SUITES.get(suite)
    if info is None or info[1] not in ("gcm", "cbc", "chacha20"):
        name = info[0] if info else f"0x{suite:04x}"
        raise ValueError(f"cipher suite {name} cannot be decrypted")
    _name, cipher, key_len, mac_hash, prf_hash = info
    mac_len = MAC_LEN[mac_hash] if cipher == "cbc" else 0
    iv_len = {"gcm": 4, "chacha20": 12, "cbc": 16}[cipher]
    block = prf(master, b"key expansion", server_random + client_random, 2 * (mac_len + key_len + iv_len),
                prf_hash)
    parts = []
    pos = 0
    for size in (mac_len, mac_len, key_len, key_len, iv_len, iv_len):
        parts.append(block[pos:pos + size])
        pos += size
    c_mac, s_mac, c_key, s_key, c_iv, s_iv = parts
    return (RecordDecryptor(cipher, c_key, c_iv, c_mac, mac_hash, encrypt_then_mac),
            RecordDecryptor(cipher, s_key, s_iv, s_mac, mac_hash, encrypt_then_mac))
