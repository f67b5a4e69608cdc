"""Packed bit-field formats: DOS/FAT in its three byte orders, exFAT (+ extras), DVR, BitDate, DTTM.

A 32-bit value holds calendar fields (year offset, month, day, hour, minute, seconds/2 ...). These store
the device's local clock (no offset), except exFAT with extras when its UTC-offset byte is valid.
"""

from __future__ import annotations

from trowel.errors import TimestampError
from trowel.model.values import Clock
from trowel.timestamps import arith as A
from trowel.timestamps.base import Decoded, Format, Kind, OutOfRange, Raw, hex_bytes, parse_int_text
from trowel.timestamps.registry import register

# (field, bits, added) from the most significant bit down; "sec2" holds seconds / 2
Layout = tuple[tuple[str, int, int], ...]
DOS: Layout = (("year", 7, 1980), ("month", 4, 0), ("day", 5, 0), ("hour", 5, 0), ("minute", 6, 0), ("sec2", 5, 0))
DVR: Layout = (("year", 6, 2000), ("month", 4, 0), ("day", 5, 0), ("hour", 5, 0), ("minute", 6, 0), ("second", 6, 0))
BITDATE: Layout = (("year", 12, 0), ("month", 4, 0), ("day", 5, 0), ("hour", 5, 0), ("minute", 6, 0))
DTTM: Layout = (("wday", 3, 0), ("year", 9, 1900), ("month", 4, 0), ("day", 5, 0), ("hour", 5, 0), ("minute", 6, 0))


def unpack(layout: Layout, value: int) -> dict[str, int]:
    fields: dict[str, int] = {}
    for name, bits, added in reversed(layout):
        fields[name] = (value & ((1 << bits) - 1)) + added
        value >>= bits
    return fields


def pack(layout: Layout, fields: dict[str, int]) -> int:
    value = 0
    for name, bits, added in layout:
        part = fields[name] - added
        if not 0 <= part < 1 << bits:
            raise OutOfRange(f"{name} {fields[name]} does not fit the field")
        value = (value << bits) | part
    return value


def fields_to_ns(fields: dict[str, int]) -> int:
    second = fields.get("second", fields.get("sec2", 0) * 2)
    try:
        return A.civil_ns(fields["year"], fields["month"], fields["day"], fields["hour"], fields["minute"], second)
    except ValueError as exc:
        raise TimestampError(f"not a valid date/time: {exc}") from exc


def ns_to_fields(civil: A.Civil) -> dict[str, int]:
    return {"year": civil.year, "month": civil.month, "day": civil.day, "hour": civil.hour, "minute": civil.minute,
            "second": civil.second, "sec2": civil.second // 2, "wday": civil.weekday}


class PackedFormat(Format):
    """A 32-bit packed date/time stored as 4 bytes (``swap_halves``: the two 16-bit words are swapped)."""

    family = "bitfield"
    kind = Kind.BYTES
    width = 4
    clock = Clock.LOCAL

    def __init__(self, name: str, display: str, layout: Layout, byteorder: str, encoding: str,
                 range_text: tuple[str, str], aliases: tuple[str, ...] = (), swap_halves: bool = False,
                 resolution_ns: int = 60 * A.NS) -> None:
        self.name, self.display, self.layout, self.byteorder = name, display, layout, byteorder
        self.encoding, self.range_text, self.aliases, self.swap_halves = encoding, range_text, aliases, swap_halves
        self.resolution_ns = resolution_ns

    def packed_of(self, data: bytes) -> int:
        value = int.from_bytes(data[:4], self.byteorder)  # type: ignore[arg-type]
        return ((value & 0xFFFF) << 16) | (value >> 16) if self.swap_halves else value

    def bytes_of(self, packed: int) -> bytes:
        value = ((packed & 0xFFFF) << 16) | (packed >> 16) if self.swap_halves else packed
        return value.to_bytes(4, self.byteorder)  # type: ignore[arg-type]

    def decode_raw(self, raw: Raw) -> Decoded:
        if not isinstance(raw, bytes) or len(raw) != 4:
            raise TimestampError(f"{self.name} needs 4 bytes")
        return self.decoded(fields_to_ns(unpack(self.layout, self.packed_of(raw))))

    def encode_raw(self, unix_ns: int) -> Raw:
        return self.bytes_of(pack(self.layout, ns_to_fields(self.prepare(unix_ns))))

    def parse_text(self, text: str) -> list[Raw]:
        data = hex_bytes(text, 4)
        return [data] if data is not None else []


class BitwiseDecimal(PackedFormat):
    """The BitDate layout written as a decimal integer."""

    kind = Kind.INT

    def decode_raw(self, raw: Raw) -> Decoded:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < 1 << 32:
            raise TimestampError("Bitwise Decimal needs an unsigned 32-bit integer")
        return self.decoded(fields_to_ns(unpack(self.layout, raw)))

    def encode_raw(self, unix_ns: int) -> Raw:
        return pack(self.layout, ns_to_fields(self.prepare(unix_ns)))

    def to_text(self, raw: Raw) -> str:
        return str(raw)

    def parse_text(self, text: str) -> list[Raw]:
        return [v for v in parse_int_text(text) if 0 <= v < 1 << 32]


class ExfatExtras(Format):
    """exFAT timestamp (4 bytes, date in the high word, BE as in the exFAT row) + 10 ms byte + UTC offset byte.

    The offset byte: bit 7 set means valid; bits 0-6 are a signed count of 15-minute units. With a valid
    offset the result is UTC (local - offset); without, it is the local clock.
    """

    family = "bitfield"
    kind = Kind.BYTES
    width = 6
    clock = Clock.LOCAL
    name, display = "exfat_extras", "exFAT time with extras"
    aliases = ("exfat_with_extras",)
    encoding = "exFAT 32-bit value + 10 ms increment byte (0-199) + UTC-offset byte (bit 7 valid, 15-min units)"
    range_text = ("1980-01-01", "2107-12-31")
    resolution_ns = 10 * A.MS

    def decode_raw(self, raw: Raw) -> Decoded:
        if not isinstance(raw, bytes) or len(raw) != 6:
            raise TimestampError("exFAT with extras needs 6 bytes")
        wall = fields_to_ns(unpack(DOS, int.from_bytes(raw[:4], "big")))
        if raw[4] > 199:
            raise TimestampError(f"10 ms increment {raw[4]} is over 199")
        wall += raw[4] * 10 * A.MS
        if raw[5] & 0x80:
            quarters = raw[5] & 0x7F
            quarters = quarters - 128 if quarters & 0x40 else quarters
            utc = wall - quarters * 15 * 60 * A.NS
            return self.decoded(utc, Clock.UTC, f"stored UTC offset {quarters * 15:+d} min applied")
        return self.decoded(wall, Clock.LOCAL, "no valid UTC offset: device local clock")

    def encode_raw(self, unix_ns: int) -> Raw:
        civil = self.prepare(unix_ns)
        base = pack(DOS, ns_to_fields(civil)).to_bytes(4, "big")
        increment = (civil.second % 2) * 100 + civil.ns // (10 * A.MS)
        return base + bytes([increment, 0x80])

    def parse_text(self, text: str) -> list[Raw]:
        data = hex_bytes(text, 6)
        return [data] if data is not None else []


_TWO_S = 2 * A.NS
FORMATS = [
    register(PackedFormat("dos_le", "Microsoft MS-DOS 32-bit Hex", DOS, "little",
                          "DOS date/time as stored in a directory entry: time word LE then date word LE",
                          ("1980-01-01", "2107-12-31"), ("msdos", "dos", "ms_dos", "dos_datetime"),
                          resolution_ns=_TWO_S)),
    register(PackedFormat("fat_date_time", "FAT Date + Time", DOS, "little",
                          "wFatDate (2 bytes LE) then wFatTime (2 bytes LE)", ("1980-01-01", "2107-12-31"),
                          ("fat", "dos_date_first"), swap_halves=True, resolution_ns=_TWO_S)),
    register(PackedFormat("exfat", "exFAT time", DOS, "big",
                          "exFAT/DOS 32-bit timestamp written big-endian (date in the high word)",
                          ("1980-01-01", "2107-12-31"), ("dos_be",), resolution_ns=_TWO_S)),
    register(PackedFormat("dvr", "DVR (WFS / DHFS) File System", DVR, "big",
                          "32-bit BE: year-2000(6) month(4) day(5) hour(5) minute(6) second(6)",
                          ("2000-01-01", "2063-12-31"), ("wfs", "dhfs"), resolution_ns=A.NS)),
    register(PackedFormat("bitdate", "BitDate time", BITDATE, "little",
                          "4 bytes LE: year(12) month(4) day(5) hour(5) minute(6) (Samsung/LG feature phones)",
                          ("0001-01-01", "4095-12-31"))),
    register(BitwiseDecimal("bitwise_decimal", "Bitwise Decimal time", BITDATE, "big",
                            "decimal of the BitDate 32-bit layout", ("0001-01-01", "4095-12-31"), ("bitdec",))),
    register(PackedFormat("dttm", "Microsoft DTTM date", DTTM, "big",
                          "MS-DOC DTTM 32-bit: weekday(3) year-1900(9) month(4) day(5) hour(5) minute(6)",
                          ("1900-01-01", "2411-12-31"), ("ms_dttm",))),
    register(ExfatExtras()),
]
