"""Identifiers that embed a time: ULID, KSUID, xid, cuid, Firebase push ids, Bluesky TID/s32, UUIDs, ...

Each is a textual token; the timestamp is a slice of it in some base-N alphabet. Encoding writes the time
part and fills the rest with zero digits (the random part is not a time and is not invented).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

from trowel.errors import TimestampError
from trowel.timestamps import arith as A
from trowel.timestamps.base import Decoded, Format, Kind, OutOfRange, Raw
from trowel.timestamps.registry import register

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
BASE32_HEX = "0123456789abcdefghijklmnopqrstuv"
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PUSH = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def from_base(text: str, alphabet: str) -> int:
    value = 0
    base = len(alphabet)
    for ch in text:
        digit = alphabet.find(ch)
        if digit < 0:
            raise TimestampError(f"{ch!r} is not in the alphabet")
        value = value * base + digit
    return value


def to_base(value: int, alphabet: str, length: int) -> str:
    base = len(alphabet)
    out = []
    for _ in range(length):
        value, digit = divmod(value, base)
        out.append(alphabet[digit])
    if value:
        raise OutOfRange("value does not fit the field")
    return "".join(reversed(out))


class IdFormat(Format):
    """A text token -> a count of units since an epoch (via ``extract``) and back (via ``build``)."""

    family = "id"
    kind = Kind.TEXT

    def __init__(self, name: str, display: str, pattern: str, extract: Callable[[str], int],
                 build: Callable[[int], str] | None, epoch_ns: int, unit_ns: int | Fraction, encoding: str,
                 range_text: tuple[str, str], aliases: tuple[str, ...] = ()) -> None:
        self.name, self.display, self.regex = name, display, re.compile(pattern)
        self.extract, self.build, self.epoch_ns, self.unit = extract, build, epoch_ns, Fraction(unit_ns)
        self.encoding, self.range_text, self.aliases = encoding, range_text, aliases
        self.decode_only = build is None
        self.resolution_ns = max(1, int(self.unit))

    def decode_raw(self, raw: Raw) -> Decoded:
        if not isinstance(raw, str) or not self.regex.fullmatch(raw.strip()):
            raise TimestampError(f"not a {self.display} value")
        count = self.extract(raw.strip())
        return self.decoded(self.epoch_ns + A.fraction_to_ns(count * self.unit))

    def encode_raw(self, unix_ns: int) -> Raw:
        if self.build is None:
            raise TimestampError(f"{self.name} is decode only")
        self.check_range(unix_ns)
        offset = unix_ns - self.epoch_ns
        count = offset * self.unit.denominator // self.unit.numerator
        return self.build(count)

    def parse_text(self, text: str) -> list[Raw]:
        body = text.strip()
        return [body] if self.regex.fullmatch(body) else []


def _uuid_hex(text: str) -> str:
    return text.replace("-", "").lower()


def _uuid_text(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _uuid1_extract(text: str) -> int:
    h = _uuid_hex(text)
    if h[12] != "1":
        raise TimestampError("not a version 1 UUID")
    return (int(h[13:16], 16) << 48) | (int(h[8:12], 16) << 32) | int(h[:8], 16)


def _uuid1_build(count: int) -> str:
    if not 0 <= count < 1 << 60:
        raise OutOfRange("outside the 60-bit UUID time")
    low, mid, high = count & 0xFFFFFFFF, (count >> 32) & 0xFFFF, count >> 48
    return _uuid_text(f"{low:08x}{mid:04x}1{high:03x}8000000000000000")


def _uuid6_extract(text: str) -> int:
    h = _uuid_hex(text)
    if h[12] != "6":
        raise TimestampError("not a version 6 UUID")
    return (int(h[:12], 16) << 12) | int(h[13:16], 16)


def _uuid6_build(count: int) -> str:
    if not 0 <= count < 1 << 60:
        raise OutOfRange("outside the 60-bit UUID time")
    return _uuid_text(f"{count >> 12:012x}6{count & 0xFFF:03x}8000000000000000")


def _uuid7_extract(text: str) -> int:
    h = _uuid_hex(text)
    if h[12] != "7":
        raise TimestampError("not a version 7 UUID")
    return int(h[:12], 16)


def _uuid7_build(count: int) -> str:
    if not 0 <= count < 1 << 48:
        raise OutOfRange("outside the 48-bit UUID v7 time")
    return _uuid_text(f"{count:012x}70008000{'0' * 12}")


def _gmail_boundary_extract(text: str) -> int:
    part = text[12:26]
    return int(part[6:] + part[:6], 16)


def _gmail_boundary_build(count: int) -> str:
    h = f"{count:014x}"
    if len(h) > 14:
        raise OutOfRange("over 14 hex digits")
    return "000000000000" + h[8:] + h[:8] + "00"


def _xid_extract(text: str) -> int:
    return (from_base(text, BASE32_HEX) >> 4) >> 64


def _u32(count: int) -> int:
    if not 0 <= count < 1 << 32:
        raise OutOfRange("outside the 32-bit time field")
    return count


def _ksuid_extract(text: str) -> int:
    value = from_base(text, BASE62)
    if value >= 1 << 160:
        raise TimestampError("KSUID over 160 bits")
    return value >> 128


UUID_RE = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
MS, S, US = A.MS, A.NS, A.US
ALL, UNIX = ("0001-01-01", "9999-12-31"), ("1970-01-01", "9999-12-31")
U32 = ("1970-01-01", "2106-02-07")

FORMATS = [register(f) for f in (
    IdFormat("ulid", "ULID time", r"[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}|[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{10}",
             lambda t: from_base(t[:10].upper(), CROCKFORD), lambda c: to_base(c, CROCKFORD, 10) + "0" * 16,
             0, MS, "26 chars Crockford base32: first 10 chars = 48-bit ms since 1970", UNIX),
    IdFormat("ksuid", "KSUID Alpha-numeric", r"[0-9A-Za-z]{27}", _ksuid_extract,
             lambda c: to_base(_u32(c) << 128, BASE62, 27), 1_400_000_000 * S, S,
             "27-char base62 -> 20 bytes; first 4 bytes BE seconds + 1400000000", ("2014-05-13", "2150-06-19"),
             ("ksalnum", "ksuid_alnum")),
    IdFormat("xid", "xid time", r"[0-9a-v]{20}", _xid_extract,
             lambda c: to_base((c << 64) << 4, BASE32_HEX, 20), 0, S,
             "20 chars base32hex -> 12 bytes; first 4 bytes BE Unix seconds", U32),
    IdFormat("cuid", "cuid time", r"c[0-9a-z]{8}[0-9a-z]*", lambda t: from_base(t[1:9], BASE36),
             lambda c: "c" + to_base(c, BASE36, 8) + "0" * 16, 0, MS,
             "'c' + 8 base36 chars = ms since 1970, then counter/fingerprint/random", ("1970-01-01", "2059-05-25")),
    IdFormat("firebase_push", "Firebase Push ID time", r"[-0-9A-Za-z_]{20}|[-0-9A-Za-z_]{8}",
             lambda t: from_base(t[:8], PUSH), lambda c: to_base(c, PUSH, 8) + "-" * 12, 0, MS,
             "first 8 chars in the 64-char push alphabet = ms since 1970", UNIX, ("firebase",)),
    IdFormat("bluesky_tid", "Bluesky TID time", r"[2-7a-z]{13}", lambda t: from_base(t, BASE32_SORT) >> 10,
             lambda c: to_base(c << 10, BASE32_SORT, 13), 0, US,
             "ATProto TID: 13 chars base32-sortable; 53-bit microseconds since 1970 << 10 | clock id",
             ("1970-01-01", "2255-06-05"), ("tid", "atproto_tid")),
    IdFormat("bluesky_s32", "S32 Encoded (Bluesky) time", r"[2-7a-z]{9}", lambda t: from_base(t, BASE32_SORT),
             lambda c: to_base(c, BASE32_SORT, 9), 0, MS, "s32 (base32-sortable) 9 chars = ms since 1970",
             ("1970-01-01", "3084-12-12"), ("s32",)),
    IdFormat("uuid_v1", "UUID time", UUID_RE, _uuid1_extract, _uuid1_build, A.EPOCH_1582_10_15, 100,
             "UUID v1: 60-bit count of 100 ns since 1582-10-15", ("1582-10-15", "5236-03-31"), ("uuid", "uuid1")),
    IdFormat("uuid_v6", "UUID v6 time", UUID_RE, _uuid6_extract, _uuid6_build, A.EPOCH_1582_10_15, 100,
             "UUID v6: reordered v1 time field", ("1582-10-15", "5236-03-31"), ("uuid6",)),
    IdFormat("uuid_v7", "UUID v7 time", UUID_RE, _uuid7_extract, _uuid7_build, 0, MS,
             "UUID v7: top 48 bits = Unix ms", UNIX, ("uuid7",)),
    IdFormat("objectid", "MongoDB ObjectId time", r"[0-9a-fA-F]{24}", lambda t: int(t[:8], 16),
             lambda c: to_base(c, "0123456789abcdef", 8) + "0" * 16, 0, S,
             "MongoDB ObjectId: first 4 bytes BE Unix seconds", U32, ("mongodb", "mongo_objectid")),
    IdFormat("aws_xray", "AWS X-Ray trace ID time", r"1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}", lambda t: int(t[2:10], 16),
             lambda c: "1-" + to_base(c, "0123456789abcdef", 8) + "-" + "0" * 24, 0, S,
             "'1-<8 hex Unix seconds>-<96-bit random>'", U32, ("xray",)),
    IdFormat("dhcpv6_duid", "DHCPv6 DUID time", r"0001[0-9a-fA-F]{12}[0-9a-fA-F]*",
             lambda t: int(t[8:16], 16), lambda c: "00010001" + to_base(c, "0123456789abcdef", 8) + "0" * 12,
             A.EPOCH_2000, S, "DUID-LLT hex: 0001, hwtype, 4-byte BE seconds since 2000-01-01, link-layer address",
             ("2000-01-01", "2136-02-07"), ("duid", "dhcp6")),
    IdFormat("gmail_boundary", "GMail Boundary time", r"[0-9a-fA-F]{28}", _gmail_boundary_extract,
             _gmail_boundary_build, 0, US, "MIME boundary (28 hex): hex [12:26] rotated -> microseconds since 1970",
             ("1970-01-01", "4253-05-31"), ("gbound",)),
    IdFormat("fb_cookie", "Facebook cookie time", r"fb\.\d+\.\d{1,16}\.[^.]*(\..*)?", lambda t: int(t.split(".")[2]),
             lambda c: f"fb.1.{c}.0", 0, MS, "Meta _fbp/_fbc cookie 'fb.<subdomain>.<ms since 1970>.<random|fbclid>'",
             UNIX, ("fbp", "fbc")),
    IdFormat("ga_cookie", "Google Analytics cookie time", r"GA\d\.\d+\.\d+\.\d{9,11}", lambda t: int(t.split(".")[3]),
             None, 0, S, "_ga/_gid 'GA1.<n>.<random>.<Unix seconds>' (decode only)", UNIX, ("ga", "google_analytics")),
)]
