"""Binary-coded-decimal dates: plain BCD, CDMA SMS, nibble-swapped semi-octets, GSM TP-SCTS.

GSM 03.40 / 3GPP TS 23.040 TP-Service-Centre-Time-Stamp: 7 semi-octets YY MM DD hh mm ss TZ, each octet
nibble-swapped; TZ is a signed count of quarter hours (sign = bit 3 of the octet as stored). The offset is
applied, so GSM readings are UTC; the other three carry the phone's local clock.
"""

from __future__ import annotations

from trowel.errors import TimestampError
from trowel.model.values import Clock
from trowel.timestamps import arith as A
from trowel.timestamps.base import Decoded, Format, Kind, Raw, hex_bytes
from trowel.timestamps.registry import register


def bcd_digits(data: bytes, swapped: bool) -> list[int]:
    """Two-digit numbers of BCD octets (``swapped``: low nibble is the tens digit)."""
    out = []
    for octet in data:
        hi, lo = (octet & 0x0F, octet >> 4) if swapped else (octet >> 4, octet & 0x0F)
        if hi > 9 or lo > 9:
            raise TimestampError(f"octet {octet:02x} is not BCD")
        out.append(hi * 10 + lo)
    return out


def to_bcd(numbers: list[int], swapped: bool) -> bytes:
    out = bytearray()
    for n in numbers:
        tens, units = divmod(n, 10)
        out.append((units << 4) | tens if swapped else (tens << 4) | units)
    return bytes(out)


class BcdFormat(Format):
    """Six octets YYMMDDhhmmss in BCD."""

    family = "bcd"
    kind = Kind.BYTES
    width = 6
    byteorder = "big"
    clock = Clock.LOCAL
    resolution_ns = A.NS

    def __init__(self, name: str, display: str, swapped: bool, century_pivot: int | None, encoding: str,
                 range_text: tuple[str, str], aliases: tuple[str, ...] = ()) -> None:
        self.name, self.display, self.swapped, self.pivot = name, display, swapped, century_pivot
        self.encoding, self.range_text, self.aliases = encoding, range_text, aliases

    def year_of(self, yy: int) -> int:
        if self.pivot is not None and yy >= self.pivot:
            return 1900 + yy
        return 2000 + yy

    def wall_ns(self, fields: list[int]) -> int:
        yy, mo, d, h, mi, s = fields[:6]
        try:
            return A.civil_ns(self.year_of(yy), mo, d, h, mi, s)
        except ValueError as exc:
            raise TimestampError(f"not a valid date/time: {exc}") from exc

    def decode_raw(self, raw: Raw) -> Decoded:
        if not isinstance(raw, bytes) or len(raw) != self.width:
            raise TimestampError(f"{self.name} needs {self.width} bytes")
        return self.decoded(self.wall_ns(bcd_digits(raw[:6], self.swapped)))

    def encode_raw(self, unix_ns: int) -> Raw:
        c = self.prepare(unix_ns)
        return to_bcd([c.year % 100, c.month, c.day, c.hour, c.minute, c.second], self.swapped)

    def parse_text(self, text: str) -> list[Raw]:
        data = hex_bytes(text, self.width)
        return [data] if data is not None else []


class GsmFormat(BcdFormat):
    """GSM TP-SCTS: semi-octets plus a time-zone octet; UTC = local - offset."""

    width = 7
    clock = Clock.UTC

    def decode_raw(self, raw: Raw) -> Decoded:
        if not isinstance(raw, bytes) or len(raw) != 7:
            raise TimestampError("GSM TP-SCTS needs 7 bytes")
        wall = self.wall_ns(bcd_digits(raw[:6], True))
        tz = raw[6]
        tens, units = tz & 0x07, tz >> 4
        if units > 9:
            raise TimestampError(f"time-zone octet {tz:02x} is not BCD")
        quarters = tens * 10 + units
        if tz & 0x08:
            quarters = -quarters
        if not -79 <= quarters <= 79:
            raise TimestampError("time zone outside +-19:45")
        return self.decoded(wall - quarters * 900 * A.NS, Clock.UTC, f"stored offset {quarters * 15:+d} min applied")

    def encode_raw(self, unix_ns: int) -> Raw:
        return bytes(super().encode_raw(unix_ns)) + b"\x00"  # type: ignore[arg-type]


FORMATS = [
    register(BcdFormat("bcd", "Binary Coded Decimal", False, None,
                       "12 BCD digits YYMMDDhhmmss, year 2000+YY; local time", ("2000-01-01", "2099-12-31"))),
    register(BcdFormat("cdma_sms", "CDMA SMS time", False, 96,
                       "12 BCD digits YYMMDDhhmmss (CDMA SMS), YY>=96 -> 19YY else 20YY; local",
                       ("1996-01-01", "2095-12-31"), ("cdma",))),
    register(BcdFormat("semi_octet", "Semi-Octet decimal", True, None,
                       "12 nibble-swapped BCD digits YYMMDDhhmmss (2000+YY); local", ("2000-01-01", "2099-12-31"),
                       ("semioctet", "nibble_swapped_bcd"))),
    register(GsmFormat("gsm", "GSM time", True, 90,
                       "GSM 03.40 TP-SCTS: 7 semi-octets YY MM DD hh mm ss TZ (signed quarter hours)",
                       ("1990-01-01", "2089-12-31"), ("tp_scts", "gsm_sms", "sms_pdu"))),
]
