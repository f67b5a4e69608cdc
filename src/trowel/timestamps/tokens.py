"""Composite text tokens: FILETIME halves (Hotmail, IE cookie, low:high), VMSD, Horolog, ext4 'sec:extra',
.NET ToBinary, LEB128, and the Google/Metasploit base64 tokens (ei, gclid, ved, payload UUID).

Each is a pair of functions (text -> Unix ns, Unix ns -> text) in a table; protobuf and base64 parsing
is done here by hand because only a varint or two is needed.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from trowel.errors import TimestampError
from trowel.model.values import Clock
from trowel.timestamps import arith as A
from trowel.timestamps.base import Decoded, Format, Kind, OutOfRange, Raw
from trowel.timestamps.registry import register

FT = A.EPOCH_1601


class TokenFormat(Format):
    family = "token"
    kind = Kind.TEXT

    def __init__(self, name: str, display: str, pattern: str, reader: Callable[[str], int],
                 writer: Callable[[int], str] | None, encoding: str, range_text: tuple[str, str],
                 aliases: tuple[str, ...] = (), resolution_ns: int = 1, clock: Clock = Clock.UTC,
                 kind: Kind = Kind.TEXT) -> None:
        self.name, self.display, self.regex, self.reader, self.writer = name, display, re.compile(pattern), reader, writer
        self.encoding, self.range_text, self.aliases, self.resolution_ns = encoding, range_text, aliases, resolution_ns
        self.clock, self.kind = clock, kind
        self.decode_only = writer is None

    def decode_raw(self, raw: Raw) -> Decoded:
        text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else None
        if text is None or not self.regex.fullmatch(text):
            raise TimestampError(f"not a {self.display} value")
        return self.decoded(self.reader(text))

    def encode_raw(self, unix_ns: int) -> Raw:
        if self.writer is None:
            raise TimestampError(f"{self.name} is decode only")
        self.check_range(unix_ns)
        text = self.writer(unix_ns)
        return int(text) if self.kind is Kind.INT else text

    def parse_text(self, text: str) -> list[Raw]:
        body = text.strip()
        if not self.regex.fullmatch(body):
            return []
        return [int(body)] if self.kind is Kind.INT else [body]


def _ft(ns: int) -> int:
    return (ns - FT) // 100


def _ft_ns(ticks: int) -> int:
    return FT + ticks * 100


def _hotmail_r(t: str) -> int:
    hi, lo = t.split(":")
    return _ft_ns((int.from_bytes(bytes.fromhex(hi), "little") << 32) | int.from_bytes(bytes.fromhex(lo), "little"))


def _hotmail_w(ns: int) -> str:
    v = _ft(ns)
    return (v >> 32).to_bytes(4, "little").hex() + ":" + (v & 0xFFFFFFFF).to_bytes(4, "little").hex()


def _cookie_r(t: str) -> int:
    lo, hi = (int(p) for p in t.split(","))
    if not (0 <= lo < 1 << 32 and 0 <= hi < 1 << 32):
        raise OutOfRange("halves must be unsigned 32-bit")
    return _ft_ns((hi << 32) | lo)


def _cookie_w(ns: int) -> str:
    v = _ft(ns)
    return f"{v & 0xFFFFFFFF},{v >> 32}"


def _lohi_r(t: str) -> int:
    lo, hi = t.split(":")
    return _ft_ns((int(hi, 16) << 32) | int(lo, 16))


def _lohi_w(ns: int) -> str:
    v = _ft(ns)
    return f"{v & 0xFFFFFFFF:08x}:{v >> 32:08x}"


def _vmsd_r(t: str) -> int:
    hi, lo = (int(p) for p in t.split(","))
    return ((hi << 32) + (lo & 0xFFFFFFFF)) * A.US


def _vmsd_w(ns: int) -> str:
    us = ns // A.US
    lo = us & 0xFFFFFFFF
    return f"{us >> 32},{lo - (1 << 32) if lo >= 1 << 31 else lo}"


def _horolog_r(t: str) -> int:
    days, secs = t.split(",")
    s = A.parse_decimal(secs)
    if not 0 <= s < 86_400:
        raise TimestampError("seconds of day outside 0..86399")
    return A.EPOCH_1840_12_31 + int(days) * A.DAY_NS + A.fraction_to_ns(s * A.NS)


def _horolog_w(ns: int) -> str:
    days, rest = divmod(ns - A.EPOCH_1840_12_31, A.DAY_NS)
    return f"{days},{rest // A.NS}"


def _ext4_r(t: str) -> int:
    sec_hex, extra_hex = t.split(":")
    sec, extra = int(sec_hex, 16), int(extra_hex, 16)
    if sec >= 1 << 32 or extra >= 1 << 32:
        raise OutOfRange("fields are 32-bit")
    signed = sec - (1 << 32) if sec & 0x80000000 else sec
    nano = extra >> 2
    if nano > 999_999_999:
        raise TimestampError("nanoseconds over 999999999")
    return (signed + ((extra & 3) << 32)) * A.NS + nano


def _ext4_w(ns: int) -> str:
    sec, nano = divmod(ns, A.NS)
    low = sec & 0xFFFFFFFF
    signed_low = low - (1 << 32) if low & 0x80000000 else low
    epoch_bits = (sec - signed_low) >> 32
    if not 0 <= epoch_bits <= 3:
        raise OutOfRange("outside the 34-bit ext4 seconds")
    return f"{low:08x}:{(nano << 2) | epoch_bits:08x}"


_TICKS_CEILING = 1 << 62
_MAX_TICKS = 3_155_378_975_999_999_999


def _dotnet_binary_r(t: str) -> int:
    value = int(t) & ((1 << 64) - 1)
    kind, ticks = value >> 62, value & (_TICKS_CEILING - 1)
    if kind >= 2 and ticks > _MAX_TICKS:  # Local kind: UTC ticks, wrapped below zero
        ticks -= _TICKS_CEILING
    return A.EPOCH_0001 + ticks * 100


def _dotnet_binary_w(ns: int) -> str:
    return str(((ns - A.EPOCH_0001) // 100) | (1 << 62))  # Kind = Utc


def _leb128_r(t: str) -> int:
    data = bytes.fromhex(t)
    value, shift = 0, 0
    for i, byte in enumerate(data):
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if i != len(data) - 1:
                raise TimestampError("bytes after the end of the varint")
            return value * A.MS
    raise TimestampError("varint not terminated")


def _leb128_w(ns: int) -> str:
    value = ns // A.MS
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return out.hex()


def b64url(text: str) -> bytes:
    body = text.strip().replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TimestampError("not URL-safe base64") from exc


def varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while pos < len(data):
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 70:
            break
    raise TimestampError("truncated or overlong varint")


def proto_field(data: bytes, number: int) -> int | bytes:
    """The first value of a protobuf field (varint -> int, length-delimited -> bytes)."""
    pos = 0
    while pos < len(data):
        key, pos = varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(data, pos)
            if field == number:
                return value
        elif wire == 2:
            length, pos = varint(data, pos)
            chunk = data[pos:pos + length]
            if len(chunk) != length:
                raise TimestampError("truncated protobuf field")
            pos += length
            if field == number:
                return chunk
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise TimestampError(f"unsupported protobuf wire type {wire}")
    raise TimestampError(f"protobuf field {number} not found")


def _int_field(data: bytes, path: tuple[int, ...]) -> int:
    for number in path[:-1]:
        inner = proto_field(data, number)
        if not isinstance(inner, bytes):
            raise TimestampError(f"protobuf field {number} is not a message")
        data = inner
    value = proto_field(data, path[-1])
    if not isinstance(value, int):
        raise TimestampError("protobuf time field is not a varint")
    return value


def _ei_r(t: str) -> int:
    data = b64url(t)
    if len(data) < 4:
        raise TimestampError("ei value shorter than 4 bytes")
    return int.from_bytes(data[:4], "little") * A.NS


def _ei_w(ns: int) -> str:
    return base64.urlsafe_b64encode((ns // A.NS).to_bytes(4, "little")).decode().rstrip("=")


def _gclid_r(t: str) -> int:
    return _int_field(b64url(t), (1,)) * A.US


def _ved_r(t: str) -> int:
    body = t[1:] if t.startswith("0") else t
    return _int_field(b64url(body), (13, 1, 1)) * A.US


def _metasploit_r(t: str) -> int:
    data = b64url(t[:22])
    if len(data) < 16:
        raise TimestampError("payload UUID shorter than 16 bytes")
    xor1, xor2 = data[8], data[9]
    stamp = bytes(b ^ k for b, k in zip(data[12:16], (xor1, xor2, xor1, xor2), strict=True))
    return int.from_bytes(stamp, "big") * A.NS


B64 = r"[A-Za-z0-9_\-]+={0,2}"
U32 = ("1970-01-01", "2106-02-07")
FILETIME_RANGE = ("1601-01-01", "9999-12-31")
FORMATS = [register(f) for f in (
    TokenFormat("hotmail", "Microsoft Hotmail time", r"[0-9a-fA-F]{8}:[0-9a-fA-F]{8}", _hotmail_r, _hotmail_w,
                "FILETIME as 'high dword LE bytes : low dword LE bytes'", FILETIME_RANGE, resolution_ns=100),
    TokenFormat("windows_cookie", "Windows Cookie Date", r"\d{1,10},\d{1,10}", _cookie_r, _cookie_w,
                "'low,high' decimals of a FILETIME (IE cookie file)", FILETIME_RANGE, ("cookie", "ie_cookie"),
                resolution_ns=100),
    TokenFormat("filetime_lohi", "Windows FILETIME (Low|High)", r"[0-9a-fA-F]{8}:[0-9a-fA-F]{8}", _lohi_r, _lohi_w,
                "'low:high' 32-bit hex halves of a FILETIME", FILETIME_RANGE, ("filetimelohi", "filetime_low_high"),
                resolution_ns=100),
    TokenFormat("vmsd", "VMSD time", r"-?\d+,-?\d+", _vmsd_r, _vmsd_w,
                "VMware .vmsd createTimeHigh,createTimeLow -> (high<<32)+(low as uint32) us since 1970",
                ("1970-01-01", "9999-12-31"), ("vmware", "vm"), resolution_ns=A.US),
    TokenFormat("horolog", "Horolog Time", r"-?\d+,\d+(\.\d+)?", _horolog_r, _horolog_w,
                "MUMPS $HOROLOG 'days,seconds', day 1 = 1841-01-01", ("1840-12-31", "9999-12-31"),
                ("mumps", "h"), resolution_ns=A.NS, clock=Clock.LOCAL),
    TokenFormat("ext4", "ext4 inode time", r"[0-9a-fA-F]{1,8}:[0-9a-fA-F]{1,8}", _ext4_r, _ext4_w,
                "'seconds:extra' hex: signed 32-bit seconds + extra (low 2 bits epoch << 32, upper 30 bits ns)",
                ("1901-12-13", "2446-05-10"), ("ext4_inode",)),
    TokenFormat("dotnet_binary", "Microsoft .NET ToBinary", r"-?\d{1,20}", _dotnet_binary_r, _dotnet_binary_w,
                ".NET DateTime.ToBinary(): ticks in the low 62 bits, Kind in the top 2 bits (signed decimal)",
                ("0001-01-01", "9999-12-31"), ("net_tobinary", "tobinary"), resolution_ns=100, kind=Kind.INT),
    TokenFormat("leb128_hex", "LEB128 Hex time", r"(?:[0-9a-fA-F]{2})+", _leb128_r, _leb128_w,
                "unsigned LEB128 varint (hex bytes) of Unix milliseconds", ("1970-01-01", "9999-12-31"),
                ("leb128",), resolution_ns=A.MS),
    TokenFormat("google_ei", "Google EI time", B64, _ei_r, _ei_w,
                "Google 'ei' URL parameter: URL-safe base64; first 4 bytes LE uint32 Unix seconds", U32,
                ("ei", "eitime"), resolution_ns=A.NS),
    TokenFormat("gclid", "Google GCLID time", B64, _gclid_r, None,
                "Google Ads click id: URL-safe base64 protobuf, field 1 = microseconds since 1970",
                ("1970-01-01", "9999-12-31"), ("google_gclid",), resolution_ns=A.US),
    TokenFormat("ved", "Google VED time", B64, _ved_r, None,
                "Google 'ved' parameter: URL-safe base64 protobuf, field 13.1.1 = microseconds since 1970",
                ("1970-01-01", "9999-12-31"), ("google_ved",), resolution_ns=A.US),
    TokenFormat("metasploit_uuid", "Metasploit Payload UUID", r"[A-Za-z0-9_\-]{22}", _metasploit_r, None,
                "payload UUID (base64url): puid(8), xor keys(2), platform/arch(2), 4 time bytes XORed -> Unix s",
                U32, ("metasploit", "msf_uuid"), resolution_ns=A.NS),
)]
