"""What a group of plain integer texts (one length, one sign; or of hex digits with a letter) reads as, for ranked batch decoding: the
integer raws of the linear formats as int64 columns (``RawColumns``), and the readings of the decimal-fraction
formats whose epoch and unit are whole nanoseconds (``decimal_readings``).

Each column is what the format's own ``parse_text`` gives for such a text, in its order:

- a plain decimal format: the integer (``parse_int_text``);
- a hex format without a width: ``int(body, 16)`` (a '-' first gives a negative number), and for gmail_id
  a text of digits alone also as decimal;
- an octal format: ``int(body, 8)`` where every character is an octal digit (never for a signed text);
- a format of a fixed width and byte order: the text as hex bytes of that width (``hex_bytes``: an even
  count of hex digits, no sign) read in the format's order and signedness, then the decimal integer when it
  differs from that (``parse_int_text``, ``v not in out``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from trowel.model.values import Clock
from trowel.timestamps.base import LOCAL_NOTE
from trowel.timestamps.decimals import DecimalFormat
from trowel.timestamps.decoding import LINEAR, Reading, describe_raw, score
from trowel.timestamps.floats import DoubleFormat
from trowel.timestamps.linear import LinearFormat

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
Ints = np.ndarray[Any, np.dtype[np.int64]]
Bools = np.ndarray[Any, np.dtype[np.bool_]]
Column = tuple[Ints, Bools, Bools]  # raws, where the format reads one, where the raw is past int64
HEX_VALUE = np.zeros(256, dtype=np.int64)  # the value of an ASCII hex digit
for _k, _c in enumerate("0123456789abcdef"):
    HEX_VALUE[ord(_c)] = HEX_VALUE[ord(_c.upper())] = _k


class RawColumns:
    """The integer raws ``decode`` reads a group's texts as: ``of(fmt, tag)`` gives one column per raw the
    format's ``parse_text`` returns, in its order; ``python(fmt, seq, position)`` the exact raw where a column
    says it is past int64."""

    def __init__(self, members: list[tuple[str, int]], length: int, letters: bool = False) -> None:
        self.members = members
        self.length = length
        self.letters = letters  # texts of hex digits with a letter: no decimal integer
        self.negative = members[0][0].strip()[:1] == "-"
        n = len(members)
        self.numbers = np.fromiter((number for _, number in members), dtype=np.int64, count=n)
        self.all = np.ones(n, dtype=bool)
        self.none = np.zeros(n, dtype=bool)
        self._digits: Ints | None = None
        self._hex: tuple[Ints, Bools] | None = None
        self._oct: tuple[Ints, Bools] | None = None
        self._bytes: dict[tuple[int, str, bool], tuple[Ints, Bools]] = {}
        self._python: dict[tuple[str, int], Callable[[str], int]] = {}

    def digits(self) -> Ints:
        """The digit values of the texts (without the sign), one row per member."""
        if self._digits is None:
            bodies = "".join(text.strip() for text, _ in self.members).encode("ascii")
            matrix = np.frombuffer(bodies, dtype=np.uint8).reshape(len(self.members), self.length)
            self._digits = HEX_VALUE[matrix[:, 1:] if self.negative else matrix]
        return self._digits

    def hexes(self) -> tuple[Ints, Bools]:
        """int(text, 16) of each text and where it is past int64 (16 digits or more)."""
        if self._hex is None:
            digits = self.digits()
            if digits.shape[1] <= 15:  # 16**15 = 2**60: exact in int64
                values = digits @ (16 ** np.arange(digits.shape[1] - 1, -1, -1, dtype=np.int64))
                self._hex = (-values if self.negative else values), self.none
            else:
                ints = [int(text.strip(), 16) for text, _ in self.members]
                big = np.array([not INT64_MIN <= v <= INT64_MAX for v in ints], dtype=bool)
                values = np.array([0 if b else v for v, b in zip(ints, big.tolist(), strict=True)], dtype=np.int64)
                self._hex = values, big
        return self._hex

    def octals(self) -> tuple[Ints, Bools]:
        """int(text, 8) where every character is an octal digit; 19 digits at most: below 8**19 = 2**57."""
        if self._oct is None:
            if self.negative:
                self._oct = np.zeros(len(self.members), dtype=np.int64), self.none
            else:
                digits = self.digits()
                values = digits @ (8 ** np.arange(digits.shape[1] - 1, -1, -1, dtype=np.int64))
                self._oct = values, np.asarray((digits <= 7).all(axis=1), dtype=bool)
        return self._oct

    def from_bytes(self, width: int, order: str, signed: bool) -> tuple[Ints, Bools]:
        """int.from_bytes(bytes.fromhex(text), order, signed) of texts of 2 x width digits, and where it is
        past int64 (unsigned 8-byte values with the top bit set)."""
        key = (width, order, signed)
        if key not in self._bytes:
            digits = self.digits()
            pairs = (digits[:, 0::2] * 16 + digits[:, 1::2]).astype(np.uint64)  # one byte per two digits
            if order == "little":
                pairs = pairs[:, ::-1]
            value = np.zeros(len(self.members), dtype=np.uint64)
            for k in range(width):
                value = (value << np.uint64(8)) | pairs[:, k]
            if width == 8:
                as_signed = value.view(np.int64)  # two's complement: the signed reading, exactly
                self._bytes[key] = (as_signed, self.none) if signed else (as_signed, as_signed < 0)
            else:
                values = value.astype(np.int64)
                if signed:
                    values = np.where(values >= 1 << (8 * width - 1), values - (1 << (8 * width)), values)
                self._bytes[key] = values, self.none
        return self._bytes[key]

    def of(self, fmt: LinearFormat, tag: int) -> list[Column]:
        if fmt.width and fmt.byteorder and (tag == LINEAR or self.length == 2 * fmt.width):
            if self.negative or self.length != 2 * fmt.width:
                return [(self.numbers, self.all, self.none)]  # not hex bytes of the width: the integer alone
            values, big = self.from_bytes(fmt.width, fmt.byteorder, bool(fmt.signed))
            self._python[fmt.name, 0] = lambda body: int.from_bytes(bytes.fromhex(body), fmt.byteorder,  # type: ignore[arg-type]
                                                                    signed=bool(fmt.signed))
            if self.letters:
                return [(values, ~big, big)]
            return [(values, ~big, big), (self.numbers, big | (values != self.numbers), self.none)]
        if tag != LINEAR:
            return [(self.numbers, self.all, self.none)]  # the integer itself (parse_int_text)
        if fmt.spec.base == 16:  # int(body, 16), and for gmail_id a text of digits alone also as decimal
            values, big = self.hexes()
            self._python[fmt.name, 0] = lambda body: int(body, 16)
            out = [(values, ~big, big)]
            if fmt.name == "gmail_id" and not self.negative and not self.letters:
                out.append((self.numbers, self.all, self.none))
            return out
        values, octal = self.octals()
        return [(values, octal, self.none)]

    def python(self, fmt: LinearFormat, seq: int, position: int) -> int:
        """The exact raw of a column where it is past int64."""
        return self._python[fmt.name, seq](self.members[position][0].strip())


def decimal_readings(fmt: DecimalFormat, members: list[tuple[str, int]], positions: list[int], text: str,
                     after_ns: int, before_ns: int) -> list[tuple[int, Reading]] | None:
    """(position, reading) of a decimal-fraction format whose epoch and unit are whole nanoseconds (not on
    Terrestrial Time) for the members at ``positions``, as ``decode`` reads them: ``parse_text`` gives the
    stripped text, ``decode_unchecked`` the exact integer epoch + n x unit, ``decoded`` checks the range.
    None for another kind of decimal format (``decode``'s own loop reads those)."""
    if fmt.spec.tt or fmt.epoch.denominator != 1 or fmt.unit.denominator != 1:
        return None
    epoch, unit = fmt.epoch.numerator, fmt.unit.numerator
    low, high = max(after_ns, fmt.min_ns), min(before_ns, fmt.max_ns)
    note = fmt.clock_note or (LOCAL_NOTE if fmt.clock is Clock.LOCAL else None)
    scores: dict[bool, float] = {}
    out: list[tuple[int, Reading]] = []
    for position in positions:
        body, number = members[position][0].strip(), members[position][1]
        unix_ns = epoch + number * unit
        if not low <= unix_ns <= high:
            continue  # outside the format's range (an error) or the window
        fine = unix_ns % 1000 == 0
        reading = Reading(fmt.name, fmt.display, body, describe_raw(fmt, body), unix_ns, fmt.clock, note)
        if fine not in scores:
            scores[fine] = score(reading, text, fmt, after_ns, before_ns)
        out.append((position, with_score(reading, scores[fine])))
    return out


def with_score(reading: Reading, rank: float) -> Reading:
    """The reading with its score (``decoding._scored`` once the score is known)."""
    state = dict(reading.__dict__)
    state["score"] = rank
    copy = object.__new__(Reading)
    object.__setattr__(copy, "__dict__", state)
    return copy


def tiny_double_readings(fmt: DoubleFormat, members: list[tuple[str, int]], positions: list[int], text: str,
                         after_ns: int, before_ns: int) -> tuple[list[tuple[int, Reading]], list[int]]:
    """(position, reading) of an 8-byte double format (OLE, Biome hex) for the members whose double, as the
    format's own ``parse_text`` reads it, is finite and below a quarter of a nanosecond's worth of units:
    ``decode_raw``'s epoch + round_half_even(value x unit) is then the epoch itself (so is -0.0). Digit texts
    read as hex are mostly such doubles. Also the positions so decided (the others are left to ``decode``'s
    loop)."""
    limit = 0.25 / fmt.unit_ns
    epoch = fmt.epoch_ns
    inside = after_ns <= epoch <= before_ns and fmt.min_ns <= epoch <= fmt.max_ns
    note = fmt.clock_note or (LOCAL_NOTE if fmt.clock is Clock.LOCAL else None)
    rank: float | None = None
    out: list[tuple[int, Reading]] = []
    decided: list[int] = []
    for position in positions:
        raws = fmt.parse_text(members[position][0])
        if len(raws) != 1 or not isinstance(raws[0], float) or not abs(raws[0]) < limit:
            continue  # NaN fails the comparison too: decode's loop decides
        decided.append(position)
        if not inside:
            continue
        value = raws[0]
        reading = Reading(fmt.name, fmt.display, value, describe_raw(fmt, value), epoch, fmt.clock, note)
        if rank is None:
            rank = score(reading, text, fmt, after_ns, before_ns)
        out.append((position, with_score(reading, rank)))
    return out, decided
