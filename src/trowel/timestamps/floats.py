"""IEEE-754 double formats: OLE dates as 8-byte doubles, Apple Biome (Cocoa seconds as a double).

A double is converted exactly (``Fraction(double)``) and rounded half to even to the nanosecond; encoding
picks the nearest double. ``tolerance_ns`` is half a unit in the last place at that magnitude: what the
format itself can hold.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction

from trowel.errors import TimestampError
from trowel.timestamps import arith as A
from trowel.timestamps.base import Decoded, Format, Kind, OutOfRange, Raw, hex_bytes, parse_int_text
from trowel.timestamps.registry import register


class DoubleFormat(Format):
    """Units since an epoch held in an 8-byte IEEE double."""

    family = "double"
    kind = Kind.FLOAT
    width = 8

    def __init__(self, name: str, display: str, epoch_ns: int, unit_ns: int, byteorder: str | None,
                 encoding: str, range_text: tuple[str, str], aliases: tuple[str, ...] = ()) -> None:
        self.name = name
        self.display = display
        self.epoch_ns = epoch_ns
        self.unit_ns = unit_ns
        self.byteorder = byteorder
        self.encoding = encoding
        self.range_text = range_text
        self.aliases = aliases
        self.resolution_ns = 1000

    def struct_code(self) -> str:
        return "<d" if self.byteorder == "little" else ">d"

    def decode_raw(self, raw: Raw) -> Decoded:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise TimestampError(f"{self.name} needs a number")
        value = float(raw)
        if not math.isfinite(value):
            raise TimestampError("not a finite number (NaN or infinity)")
        return self.decoded(self.epoch_ns + A.fraction_to_ns(Fraction(value) * self.unit_ns))

    def encode_raw(self, unix_ns: int) -> Raw:
        self.check_range(unix_ns)
        value = float(Fraction(unix_ns - self.epoch_ns, self.unit_ns))
        if self.instant(value) < self.min_ns:  # the nearest double fell outside: step one ulp inwards
            value = math.nextafter(value, math.inf)
        elif self.instant(value) > self.max_ns:
            value = math.nextafter(value, -math.inf)
        return value

    def instant(self, value: float) -> int:
        return self.epoch_ns + A.fraction_to_ns(Fraction(value) * self.unit_ns)

    def double_bounds(self, after_ns: int, before_ns: int) -> tuple[float, float] | None:
        lo_ns, hi_ns = max(after_ns, self.min_ns), min(before_ns, self.max_ns)
        if lo_ns > hi_ns:
            return None
        return (float(Fraction(lo_ns - self.epoch_ns, self.unit_ns)),
                float(Fraction(hi_ns - self.epoch_ns, self.unit_ns)))

    def to_text(self, raw: Raw) -> str:
        assert isinstance(raw, float)
        data = struct.pack(">d", raw)
        return data[::-1].hex() if self.byteorder == "little" else data.hex()

    def parse_text(self, text: str) -> list[Raw]:
        data = hex_bytes(text, 8)
        if data is None:
            return []
        if self.byteorder:
            return [struct.unpack(self.struct_code(), data)[0]]
        # Biome: big-endian if the first byte is 0x41 (the reference's rule); otherwise little-endian,
        # unless that reading is not a plausible count (within 1 us of the epoch but not zero, NaN or outside the range), as for
        # big-endian values before 2001 (first byte 0xC1/0xC2) or near 2001-01-01.
        be, le = struct.unpack(">d", data)[0], struct.unpack("<d", data)[0]
        if data[0] == 0x41 or not self.plausible(le):
            return [be]
        return [le]

    def plausible(self, value: float) -> bool:
        if not math.isfinite(value) or (value != 0 and abs(value) < 2.0**-20):
            return False
        return self.min_ns <= self.instant(value) <= self.max_ns

    def tolerance_ns(self, raw: Raw) -> int:
        assert isinstance(raw, float)
        return int(math.ulp(raw) * self.unit_ns) + 1


class BiomeDecimal(DoubleFormat):
    """Apple Biome: the uint64 bit pattern of a double holding Cocoa seconds, written as a decimal."""

    kind = Kind.INT

    def decode_raw(self, raw: Raw) -> Decoded:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise TimestampError("Apple Biome decimal needs an integer")
        if not 0 <= raw < 1 << 64:
            raise OutOfRange("not a 64-bit pattern")
        value = struct.unpack(">d", raw.to_bytes(8, "big"))[0]
        if value != 0 and abs(value) < 2.0**-20:
            raise TimestampError("the double is within 1 us of the epoch but not zero: not a Biome value")
        return super().decode_raw(value)

    def encode_raw(self, unix_ns: int) -> Raw:
        value = super().encode_raw(unix_ns)
        return int.from_bytes(struct.pack(">d", value), "big")

    def to_text(self, raw: Raw) -> str:
        return str(raw)

    def parse_text(self, text: str) -> list[Raw]:
        return [v for v in parse_int_text(text) if v >= 0]

    def tolerance_ns(self, raw: Raw) -> int:
        assert isinstance(raw, int)
        return super().tolerance_ns(struct.unpack(">d", raw.to_bytes(8, "big"))[0])


DAY = A.DAY_NS
FORMATS = [
    register(DoubleFormat("ole_be", "Windows OLE 64-bit hex BE", A.EPOCH_1899_12_30, DAY, "big",
                          "OLE date as 8-byte IEEE double, big-endian", ("1899-12-30", "9999-12-31"), ("olebe",))),
    register(DoubleFormat("ole_le", "Windows OLE 64-bit hex LE", A.EPOCH_1899_12_30, DAY, "little",
                          "OLE date as 8-byte IEEE double, little-endian (as stored)", ("1899-12-30", "9999-12-31"),
                          ("olele", "ole_double"))),
    register(DoubleFormat("biome_hex", "Apple Biome Hex time", A.EPOCH_2001, A.NS, None,
                          "8-byte IEEE double of Cocoa seconds; big-endian if the first byte is 0x41, else LE",
                          ("0001-01-01", "9999-12-31"), ("biomehex", "cocoa_double"))),
    register(BiomeDecimal("biome_decimal", "Apple Biome 64-bit decimal", A.EPOCH_2001, A.NS, "big",
                          "decimal uint64 bit pattern of an IEEE double of Cocoa seconds", ("0001-01-01", "9999-12-31"),
                          ("biome64",))),
]
