"""The format contract: what every timestamp format declares and how it converts.

A format turns a *raw* value (an int, a float, bytes, or text, depending on ``kind``) into an instant in
Unix nanoseconds and back. Local-clock formats return the wall-clock reading as if it were UTC and say so
with ``Clock.LOCAL``; formats with a stored offset apply it and return UTC.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import ClassVar

from trowel.errors import TimestampError
from trowel.model.values import Clock
from trowel.timestamps.arith import MAX_NS, MIN_NS, Civil, date_ns

Raw = int | float | bytes | str
LOCAL_NOTE = "device local clock: no UTC offset stored (the time shown is the wall-clock reading)"


class Kind(enum.StrEnum):
    """The Python type of a format's raw value."""

    INT = "int"  # an integer (decimal text, or a fixed-width binary integer)
    FLOAT = "float"  # an IEEE-754 double
    BYTES = "bytes"  # a fixed binary structure (text form: hex)
    TEXT = "text"  # a textual token (ids, 'a:b' pairs, base-N strings)


@dataclass(frozen=True, slots=True)
class Decoded:
    """An instant read from a raw value; ``note`` explains anything an examiner must know."""

    unix_ns: int
    clock: Clock
    note: str | None = None


class OutOfRange(TimestampError):
    """A value decodes (or an instant encodes) outside the format's representable range."""


def check_fields(ok: bool, what: str) -> None:
    if not ok:
        raise TimestampError(what)


class Format:
    """One timestamp format. Subclasses set the class attributes and implement the four conversions."""

    name: str = ""
    display: str = ""
    aliases: tuple[str, ...] = ()
    kind: Kind = Kind.INT
    width: int | None = None  # bytes, for fixed binary forms
    byteorder: str | None = None  # "little" / "big" for binary forms
    signed: bool = False
    clock: Clock = Clock.UTC
    clock_note: str | None = None  # e.g. "the writer decides: UTC or local"
    encoding: str = ""  # one line: how it is stored
    range_text: tuple[str, str] = ("0001-01-01", "9999-12-31")
    resolution_ns: int = 1
    decode_only: bool = False
    family: ClassVar[str] = "other"

    # -- range ---------------------------------------------------------------------------------------
    @property
    def min_ns(self) -> int:
        return self._range()[0]

    @property
    def max_ns(self) -> int:
        return self._range()[1]

    def _range(self) -> tuple[int, int]:
        """The representable range: the reference's dates, narrowed to what the raw field can hold
        (e.g. a uint32 of seconds ends at 06:28:15 on its last day). Computed once, on first use."""
        cached: tuple[tuple[str, str], int, int] | None = self.__dict__.get("_range_cache")
        if cached is None or cached[0] != self.range_text:
            lo = max(MIN_NS, date_ns(self.range_text[0]))
            hi = min(MAX_NS, date_ns(self.range_text[1], end=True))
            self.__dict__["_range_cache"] = (self.range_text, lo, hi)
            if not self.decode_only:
                lo, hi = self._edge(lo, hi, upper=False), self._edge(lo, hi, upper=True)
            cached = (self.range_text, lo, hi)
            self.__dict__["_range_cache"] = cached
        return cached[1], cached[2]

    def _encodes(self, unix_ns: int) -> bool:
        try:
            self.encode_raw(unix_ns)
        except (TimestampError, ValueError, OverflowError, struct.error):
            return False
        return True

    def _edge(self, lo: int, hi: int, upper: bool) -> int:
        """The last (or first) instant near the table's end (start) date that the raw field can hold."""
        edge = hi if upper else lo
        if self._encodes(edge):
            return edge
        window = 3 * 86_400_000_000_000
        inner = max(lo, hi - window) if upper else min(hi, lo + window)
        if not self._encodes(inner):
            return edge
        good, bad = inner, edge
        while abs(bad - good) > 1:
            mid = (good + bad) // 2
            if self._encodes(mid):
                good = mid
            else:
                bad = mid
        return good

    def range_label(self) -> str:
        return f"{self.range_text[0]} .. {self.range_text[1]}"

    def check_range(self, unix_ns: int) -> None:
        lo, hi = self._range()
        if not lo <= unix_ns <= hi:
            raise OutOfRange(f"outside the range of {self.name} ({self.range_label()})")

    # -- conversions ---------------------------------------------------------------------------------
    def decode_raw(self, raw: Raw) -> Decoded:
        """The instant a raw value stands for (TimestampError when it cannot be one)."""
        raise TimestampError(f"{self.name} cannot decode")

    def encode_raw(self, unix_ns: int) -> Raw:
        """The raw value that stands for an instant (truncated to the format's resolution)."""
        raise TimestampError(f"{self.name} is decode only")

    def to_text(self, raw: Raw) -> str:
        """The format's own text form of a raw value."""
        if isinstance(raw, bytes):
            return raw.hex()
        return str(raw)

    def parse_text(self, text: str) -> list[Raw]:
        """Every raw value the text could be in this format (empty when it cannot be one)."""
        return []

    def tolerance_ns(self, raw: Raw) -> int:
        """How far a decoded instant may sit from the encoded one because of the raw type's precision."""
        return 0

    # -- helpers shared by subclasses ------------------------------------------------------------------
    def decoded(self, unix_ns: int, clock: Clock | None = None, note: str | None = None) -> Decoded:
        self.check_range(unix_ns)
        clock = clock or self.clock
        note = note or self.clock_note or (LOCAL_NOTE if clock is Clock.LOCAL else None)
        return Decoded(unix_ns, clock, note)

    def prepare(self, unix_ns: int) -> Civil:
        """Range-check an instant for encoding and break it into fields."""
        self.check_range(unix_ns)
        return Civil(unix_ns)

    def binary_forms(self, raw: Raw) -> tuple[str | None, str | None, str | None]:
        """(decimal, big-endian hex, little-endian hex) of a raw value, for the timediff32 table."""
        if isinstance(raw, bool):
            return None, None, None
        if isinstance(raw, int):
            width = self.width or max(1, (raw.bit_length() + 8) // 8 if raw < 0 else (raw.bit_length() + 7) // 8)
            signed = raw < 0
            try:
                be = raw.to_bytes(width, "big", signed=signed)
            except OverflowError:
                return str(raw), None, None
            return str(raw), be.hex(), be[::-1].hex()
        if isinstance(raw, float):
            be = struct.pack(">d", raw)
            return repr(raw), be.hex(), be[::-1].hex()
        if isinstance(raw, bytes):
            if self.byteorder == "little":
                return str(int.from_bytes(raw, "little")), raw[::-1].hex(), raw.hex()
            return str(int.from_bytes(raw, "big")), raw.hex(), raw[::-1].hex()
        return None, None, None

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "display": self.display,
            "aliases": list(self.aliases),
            "kind": self.kind.value,
            "width": self.width,
            "byteorder": self.byteorder,
            "signed": self.signed,
            "clock": self.clock.value,
            "clock_note": self.clock_note,
            "encoding": self.encoding,
            "range": self.range_label(),
            "decode_only": self.decode_only,
        }


HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def hex_bytes(text: str, width: int | None = None) -> bytes | None:
    """Bytes of a plain or ``0x`` hex string (spaces and colons allowed), or None."""
    body = text.strip()
    if body[:2].lower() == "0x":
        body = body[2:]
    body = body.replace(" ", "")
    if not body or len(body) % 2 or not set(body) <= HEX_DIGITS:
        return None
    data = bytes.fromhex(body)
    if width is not None and len(data) != width:
        return None
    return data


def parse_int_text(text: str, allow_plain_hex: bool = False) -> list[int]:
    """Integer readings of text: decimal, ``0x`` hex, and (optionally) plain hex."""
    body = text.strip().replace("_", "")
    out: list[int] = []
    if not body:
        return out
    if body[:2].lower() == "0x" or body[:3].lower() == "-0x":
        try:
            out.append(int(body, 16))
        except ValueError:
            return out
        return out
    if body.lstrip("+-").isdigit():
        out.append(int(body))
    if allow_plain_hex and set(body) <= HEX_DIGITS and not body.isdigit():
        out.append(int(body, 16))
    return out
