"""TLS handshake contents: ClientHello, ServerHello and Certificate messages, the certificates themselves
(read with the ``cryptography`` library), and the JA3, JA3S and JA4 (client) fingerprints.

Fingerprints follow their published specifications:
- JA3: ``version,ciphers,extensions,groups,point_formats`` (decimal values joined by ``-``), MD5 of it;
  GREASE values (RFC 8701, ``0x?a?a``) are left out of every list.
- JA3S: ``version,cipher,extensions`` of the ServerHello, MD5 of it.
- JA4 (FoxIO, client part only): ``t`` + version (highest of supported_versions, else the legacy version)
  + ``d``/``i`` (SNI present or not) + cipher count + extension count (GREASE excluded, two digits, at most
  99) + first and last character of the first ALPN value (``00`` without ALPN); then the first 12 hex
  digits of SHA-256 over the sorted cipher list, and over the sorted extension list without SNI and ALPN
  followed by ``_`` and the signature algorithms in their original order.
"""

from __future__ import annotations

import hashlib
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar, overload

from trowel.model import TimeValue, datetime_to_ns, iso_utc

# cipher suites: id -> (name, cipher, key length, MAC hash, PRF hash)
CIPHER_SUITES: dict[int, tuple[str, str, int, str, str]] = {
    0x002F: ("TLS_RSA_WITH_AES_128_CBC_SHA", "cbc", 16, "sha1", "sha256"),
    0x0035: ("TLS_RSA_WITH_AES_256_CBC_SHA", "cbc", 32, "sha1", "sha256"),
    0x003C: ("TLS_RSA_WITH_AES_128_CBC_SHA256", "cbc", 16, "sha256", "sha256"),
    0x003D: ("TLS_RSA_WITH_AES_256_CBC_SHA256", "cbc", 32, "sha256", "sha256"),
    0x0033: ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "cbc", 16, "sha1", "sha256"),
    0x0039: ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "cbc", 32, "sha1", "sha256"),
    0x0067: ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "cbc", 16, "sha256", "sha256"),
    0x006B: ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "cbc", 32, "sha256", "sha256"),
    0xC009: ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "cbc", 16, "sha1", "sha256"),
    0xC00A: ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "cbc", 32, "sha1", "sha256"),
    0xC013: ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "cbc", 16, "sha1", "sha256"),
    0xC014: ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "cbc", 32, "sha1", "sha256"),
    0xC023: ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "cbc", 16, "sha256", "sha256"),
    0xC024: ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "cbc", 32, "sha384", "sha384"),
    0xC027: ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "cbc", 16, "sha256", "sha256"),
    0xC028: ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "cbc", 32, "sha384", "sha384"),
    0x009C: ("TLS_RSA_WITH_AES_128_GCM_SHA256", "gcm", 16, "", "sha256"),
    0x009D: ("TLS_RSA_WITH_AES_256_GCM_SHA384", "gcm", 32, "", "sha384"),
    0x009E: ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "gcm", 16, "", "sha256"),
    0x009F: ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "gcm", 32, "", "sha384"),
    0xC02B: ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "gcm", 16, "", "sha256"),
    0xC02C: ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "gcm", 32, "", "sha384"),
    0xC02F: ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "gcm", 16, "", "sha256"),
    0xC030: ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "gcm", 32, "", "sha384"),
    0xCCA8: ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "chacha20", 32, "", "sha256"),
    0xCCA9: ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "chacha20", 32, "", "sha256"),
    0xCCAA: ("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "chacha20", 32, "", "sha256"),
    0x1301: ("TLS_AES_128_GCM_SHA256", "tls13", 16, "", "sha256"),
    0x1302: ("TLS_AES_256_GCM_SHA384", "tls13", 32, "", "sha384"),
    0x1303: ("TLS_CHACHA20_POLY1305_SHA256", "tls13", 32, "", "sha256"),
}
JA4_VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0200: "s2",
                0xFEFF: "d1", 0xFEFD: "d2", 0xFEFC: "d3"}
EXT_SNI, EXT_GROUPS, EXT_POINTS, EXT_SIGALGS, EXT_ALPN = 0x0000, 0x000A, 0x000B, 0x000D, 0x0010
EXT_ETM, EXT_EMS, EXT_VERSIONS = 0x0016, 0x0017, 0x002B


def is_grease(value: int) -> bool:
    """RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ... 0xfafa."""
    return (value & 0x0F0F) == 0x0A0A and (value >> 8) == (value & 0xFF)


GREASE = frozenset(range(0x0A0A, 0x10000, 0x1010))  # the 16 values 0x0a0a ... 0xfafa, for membership tests


class _Cursor:
    """Bounds-checked reading of a handshake message; a short message raises ValueError."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("handshake message shorter than its fields")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        pos = self.pos
        data = self.data
        if pos + 2 > len(data):
            raise ValueError("handshake message shorter than its fields")
        self.pos = pos + 2
        return (data[pos] << 8) | data[pos + 1]

    def vec(self, width: int) -> bytes:
        """A length-prefixed field (the length ``width`` bytes wide). On a short message the position is left
        after the length, as two ``take`` calls would leave it."""
        pos = self.pos
        data = self.data
        start = pos + width
        if start > len(data):
            raise ValueError("handshake message shorter than its fields")
        end = start + int.from_bytes(data[pos:start], "big")
        self.pos = start
        if end > len(data):
            raise ValueError("handshake message shorter than its fields")
        self.pos = end
        return data[start:end]

    @property
    def left(self) -> int:
        return len(self.data) - self.pos


def _u16_list(data: bytes) -> list[int]:
    """Big-endian 16-bit values (an odd last byte is left out)."""
    return list(struct.unpack_from(f">{len(data) // 2}H", data))


def _extensions(cur: _Cursor) -> list[tuple[int, bytes]]:
    if cur.left < 2:
        return []
    data = cur.vec(2)
    out = []
    pos = 0
    n = len(data)
    while n - pos >= 4:  # type (2 bytes), length (2 bytes), body
        end = pos + 4 + ((data[pos + 2] << 8) | data[pos + 3])
        if end > n:
            raise ValueError("handshake message shorter than its fields")
        out.append(((data[pos] << 8) | data[pos + 1], data[pos + 4:end]))
        pos = end
    return out


_T = TypeVar("_T")


class _Once(Generic[_T]):
    """A property computed on first use and kept in the instance (functools.cached_property without its lock,
    which Python 3.11 takes on every first use)."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, obj: None, owner: Any = None) -> _Once[_T]: ...

    @overload
    def __get__(self, obj: object, owner: Any = None) -> _T: ...

    def __get__(self, obj: object | None, owner: Any = None) -> _T | _Once[_T]:
        if obj is None:
            return self
        value = self.func(obj)
        obj.__dict__[self.name] = value  # a plain attribute from now on (this descriptor has no __set__)
        return value



def _first_extension(state: dict[str, Any], extensions: list[tuple[int, bytes]], etype: int) -> bytes | None:
    """The body of the first extension of type ``etype`` of a hello: an index by type is built on the first
    call and kept in the hello's ``state`` (its instance dict; extensions are not changed after parsing)."""
    index: dict[int, bytes] | None = state.get("_ext_index")
    if index is None:
        index = {}
        for t, body in extensions:
            index.setdefault(t, body)
        state["_ext_index"] = index
    return index.get(etype)

@dataclass
class ClientHello:
    """A parsed ClientHello; ``raw`` is the message body it was read from."""

    legacy_version: int
    random: bytes
    session_id: bytes
    ciphers: list[int]
    compression: bytes
    extensions: list[tuple[int, bytes]] = field(default_factory=list)
    raw: bytes = b""

    def ext(self, etype: int) -> bytes | None:
        """The body of the first extension of this type (extensions are not changed after parsing: the
        index by type is built on the first call, and the properties below are read once too, since the
        fingerprints and the session record ask for the same ones)."""
        return _first_extension(self.__dict__, self.extensions, etype)

    @_Once
    def sni(self) -> str | None:
        """The first host_name of the server_name extension; None when there is none or the extension is
        damaged (no name rather than a guess). Read by index: a name list, then entries of type, length, name."""
        body = self.ext(EXT_SNI)
        if not body or len(body) < 5:
            return None
        end = 2 + ((body[0] << 8) | body[1])
        if end > len(body):
            return None
        pos = 2
        while end - pos >= 3:
            start = pos + 3
            stop = start + ((body[pos + 1] << 8) | body[pos + 2])
            if stop > end:
                return None
            if body[pos] == 0:
                return body[start:stop].decode("ascii", "replace")
            pos = stop
        return None

    @_Once
    def alpn(self) -> list[str]:
        return parse_alpn(self.ext(EXT_ALPN))

    @_Once
    def supported_versions(self) -> list[int]:
        body = self.ext(EXT_VERSIONS)
        return _u16_list(body[1:1 + body[0]]) if body else []

    @_Once
    def groups(self) -> list[int]:
        body = self.ext(EXT_GROUPS)
        return _u16_list(body[2:]) if body and len(body) >= 2 else []

    @_Once
    def point_formats(self) -> list[int]:
        body = self.ext(EXT_POINTS)
        return list(body[1:1 + body[0]]) if body else []

    @_Once
    def signature_algorithms(self) -> list[int]:
        body = self.ext(EXT_SIGALGS)
        return _u16_list(body[2:]) if body and len(body) >= 2 else []


@dataclass
class ServerHello:
    legacy_version: int
    random: bytes
    session_id: bytes
    cipher: int
    compression: int
    extensions: list[tuple[int, bytes]] = field(default_factory=list)

    def ext(self, etype: int) -> bytes | None:
        """The body of the first extension of this type (indexed on the first call, as ClientHello's)."""
        return _first_extension(self.__dict__, self.extensions, etype)

    @property
    def version(self) -> int:
        body = self.ext(EXT_VERSIONS)
        return int.from_bytes(body[:2], "big") if body and len(body) >= 2 else self.legacy_version

    @property
    def alpn(self) -> str | None:
        names = parse_alpn(self.ext(EXT_ALPN))
        return names[0] if names else None


def parse_alpn(body: bytes | None) -> list[str]:
    """The protocol names of an ALPN extension body (a 2-byte list length, then 1-byte-length names); on
    damage, the names read before it."""
    if not body or len(body) < 2:
        return []
    end = 2 + ((body[0] << 8) | body[1])
    if end > len(body):
        return []
    out: list[str] = []
    pos = 2
    while pos < end:
        stop = pos + 1 + body[pos]
        if stop > end:
            break
        out.append(body[pos + 1:stop].decode("ascii", "replace"))
        pos = stop
    return out


def parse_client_hello(body: bytes) -> ClientHello:
    """A ClientHello message body (after the 4-byte handshake header); ValueError when damaged."""
    cur = _Cursor(body)
    version = cur.u16()
    random = cur.take(32)
    session = cur.vec(1)
    ciphers = _u16_list(cur.vec(2))
    compression = cur.vec(1)
    return ClientHello(version, random, session, ciphers, compression, _extensions(cur), body)


def parse_server_hello(body: bytes) -> ServerHello:
    cur = _Cursor(body)
    version = cur.u16()
    random = cur.take(32)
    session = cur.vec(1)
    cipher = cur.u16()
    compression = cur.u8()
    return ServerHello(version, random, session, cipher, compression, _extensions(cur))


def parse_certificate_list(body: bytes) -> list[bytes]:
    """DER certificates of a TLS <= 1.2 Certificate message, server's own first."""
    cur = _Cursor(body)
    chain = _Cursor(cur.vec(3))
    out = []
    while chain.left >= 3:
        out.append(chain.vec(3))
    return out


def parse_encrypted_extensions_alpn(body: bytes) -> str | None:
    """The ALPN protocol a TLS 1.3 server chose, from its (decrypted) EncryptedExtensions message."""
    exts = _extensions(_Cursor(body))
    names = parse_alpn(next((b for t, b in exts if t == EXT_ALPN), None))
    return names[0] if names else None


def parse_certificate_list13(body: bytes) -> list[bytes]:
    """DER certificates of a TLS 1.3 Certificate message (request context, then entries each followed by
    their extensions), server's own first."""
    cur = _Cursor(body)
    cur.vec(1)
    chain = _Cursor(cur.vec(3))
    out = []
    while chain.left >= 5:
        out.append(chain.vec(3))
        chain.vec(2)
    return out


# --- fingerprints ----------------------------------------------------------------------------------
class _Texts(dict[int, str]):
    """Number -> its text in one format, made on first use (fingerprints format the same 16-bit cipher,
    extension and group numbers over and over); emptied past 70,000 entries."""

    def __init__(self, text: Callable[[int], str]) -> None:
        super().__init__()
        self.text = text

    def __missing__(self, key: int) -> str:
        if len(self) > 70_000:
            self.clear()
        value = self[key] = self.text(key)
        return value


_DEC = _Texts(str).__getitem__  # decimal, as JA3 writes numbers
_HEX4 = _Texts("{:04x}".format).__getitem__  # four hex digits, as JA4 writes them


_FP_MAX = 4096  # fingerprints remembered per kind (emptied past it)
_JA3: dict[tuple[object, ...], tuple[str, str]] = {}
_JA4: dict[tuple[object, ...], tuple[str, str]] = {}


def _no_grease(values: list[int]) -> tuple[int, ...]:
    """The values without GREASE (a plain copy when there is none, the common case)."""
    return tuple(values) if GREASE.isdisjoint(values) else tuple([v for v in values if v not in GREASE])


def _plain_lists(hello: ClientHello) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The GREASE-free cipher suites and extension types of a hello, in their order (kept on the hello: JA3
    and JA4 both read them)."""
    lists: tuple[tuple[int, ...], tuple[int, ...]] | None = hello.__dict__.get("_plain_lists")
    if lists is None:
        lists = hello.__dict__["_plain_lists"] = (_no_grease(hello.ciphers),
                                                  _no_grease([t for t, _ in hello.extensions]))
    return lists


def _remember(cache: dict[tuple[object, ...], tuple[str, str]], key: tuple[object, ...],
              value: tuple[str, str]) -> None:
    if len(cache) >= _FP_MAX:
        cache.clear()
    cache[key] = value


def ja3(hello: ClientHello) -> tuple[str, str]:
    """(JA3 string, MD5 hex).

    Remembered by what the string is made of (version and the GREASE-free cipher, extension, group and point
    format lists): one client program sends the same lists on every connection, so a real capture repeats
    them; GREASE values, which a client draws per connection, are not part of that key."""
    ciphers, exts = _plain_lists(hello)
    key = (hello.legacy_version, ciphers, exts, _no_grease(hello.groups), hello.ext(EXT_POINTS))
    found = _JA3.get(key)
    if found is None:
        found = _ja3_text(hello.legacy_version, key[1], key[2], key[3], hello.point_formats)
        _remember(_JA3, key, found)
    return found


def _ja3_text(version: int, ciphers: tuple[int, ...], extensions: tuple[int, ...], groups: tuple[int, ...],
              point_formats: list[int]) -> tuple[str, str]:
    text = ",".join([
        str(version), "-".join(map(_DEC, ciphers)), "-".join(map(_DEC, extensions)), "-".join(map(_DEC, groups)),
        "-".join(map(_DEC, point_formats)),
    ])
    return text, hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def ja3s(hello: ServerHello) -> tuple[str, str]:
    text = ",".join([
        str(hello.legacy_version), str(hello.cipher),
        "-".join([_DEC(t) for t, _ in hello.extensions if t not in GREASE]),
    ])
    return text, hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def ja4_alpn(value: str | None) -> str:
    """First and last characters of the first ALPN value; hex digits when they are not alphanumeric."""
    if not value:
        return "00"
    first, last = value[0], value[-1]
    if _alnum(first) and _alnum(last):
        return first + last
    raw = value.encode("latin-1", "replace")
    return f"{raw[0]:02x}"[0] + f"{raw[-1]:02x}"[1]


def ja4_from_parts(version: str, sni: bool, ciphers: list[int], extensions: list[int], alpn: str | None,
                   sigalgs: list[int], transport: str = "t") -> tuple[str, str]:
    """(JA4, JA4_r) from already GREASE-filtered lists (``extensions`` in any order, all of them);
    ``transport`` is ``t`` for TLS over TCP, ``q`` for QUIC."""
    a = f"{transport}{version}{'d' if sni else 'i'}{min(len(ciphers), 99):02d}{min(len(extensions), 99):02d}"
    a += ja4_alpn(alpn)
    cipher_text = ",".join(map(_HEX4, sorted(ciphers)))
    ext_text = ",".join([_HEX4(e) for e in sorted(extensions) if e != EXT_SNI and e != EXT_ALPN])
    sig_text = ",".join(map(_HEX4, sigalgs))
    c_text = ext_text + ("_" + sig_text if sig_text else "")
    b_hash = _sha12(cipher_text) if ciphers else "000000000000"
    c_hash = _sha12(c_text) if ext_text or sig_text else "000000000000"
    return f"{a}_{b_hash}_{c_hash}", f"{a}_{cipher_text}_{c_text}"




def _sha12(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def ja4(hello: ClientHello, transport: str = "t") -> tuple[str, str]:
    """(JA4, JA4_r) of a ClientHello over TCP (``t``) or QUIC (``q``).

    Remembered by what JA4 is made of (GREASE-free lists, the extensions as a sorted list since JA4 sorts
    them, the first ALPN value, SNI present or not): the same client program gives the same key on every
    connection, also one that shuffles its extensions or draws GREASE values per connection."""
    versions = _no_grease(hello.supported_versions)
    top = max(versions) if versions else hello.legacy_version
    alpn = hello.alpn
    ciphers, exts = _plain_lists(hello)
    key = (transport, top, hello.sni is not None, ciphers, tuple(sorted(exts)), alpn[0] if alpn else None,
           _no_grease(hello.signature_algorithms))
    found = _JA4.get(key)
    if found is None:
        found = ja4_from_parts(JA4_VERSIONS.get(top, "00"), key[2], list(key[3]), list(exts), key[5],
                               list(key[6]), transport)
        _remember(_JA4, key, found)
    return found


# --- certificates ----------------------------------------------------------------------------------
def _x509_time(value: Any) -> TimeValue:
    return TimeValue(raw=iso_utc(value), format="x509", unix_ns=datetime_to_ns(value))


def describe_certificate(der: bytes) -> dict[str, Any]:
    """Subject, issuer, organisation, validity, SANs and SHA-256 fingerprint of one DER certificate (a copy:
    servers present the same certificate on every connection, so it is read once)."""
    return dict(_describe_certificate(der))


@lru_cache(maxsize=1024)
def _describe_certificate(der: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {"sha256": hashlib.sha256(der).hexdigest(), "size": len(der)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out.update(_certificate_fields(der))
    notes = sorted({str(w.message) for w in caught})
    if notes:  # e.g. a serial number that is not positive: the certificate breaks RFC 5280
        out["notes"] = notes
    return out


def _certificate_fields(der: bytes) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    out: dict[str, Any] = {}
    try:
        cert = x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as exc:
        out["error"] = f"certificate cannot be read: {exc}"
        return out
    try:
        out["subject"] = cert.subject.rfc4514_string()
        out["issuer"] = cert.issuer.rfc4514_string()
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        orgs = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        issuer_orgs = cert.issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        out["common_name"] = str(cns[0].value) if cns else None
        out["organisation"] = str(orgs[0].value) if orgs else None
        out["issuer_organisation"] = str(issuer_orgs[0].value) if issuer_orgs else None
        out["serial"] = f"{cert.serial_number:x}"
        before, after = cert.not_valid_before_utc, cert.not_valid_after_utc
        out["not_before"] = _x509_time(before)
        out["not_after"] = _x509_time(after)
        out["valid_days"] = round((after - before).total_seconds() / 86400, 3)
        sans: list[str] = []
        try:
            ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            sans = [str(v) for v in ext.value.get_values_for_type(x509.DNSName)]
            sans += [str(v) for v in ext.value.get_values_for_type(x509.IPAddress)]
        except x509.ExtensionNotFound:
            pass
        except ValueError as exc:
            out["san_error"] = str(exc)
        out["sans"] = sans
        try:
            out["signature_algorithm"] = cert.signature_algorithm_oid._name
        except ValueError:
            out["signature_algorithm"] = cert.signature_algorithm_oid.dotted_string
    except ValueError as exc:  # cryptography parses fields lazily: damage shows up here
        out["error"] = f"certificate field cannot be read: {exc}"
    return out


def cert_matches(cert: dict[str, Any], suffix: str) -> bool:
    """Does a certificate name (CN or SAN) fall under a domain (``imo.im`` matches ``*.imo.im``)?"""
    names = [cert.get("common_name") or "", *cert.get("sans", [])]
    return any(host_in_domain(n, suffix) for n in names)


def host_in_domain(host: str, domain: str) -> bool:
    host = host.lower().rstrip(".").removeprefix("*.")
    domain = domain.lower()
    return host == domain or host.endswith("." + domain)
