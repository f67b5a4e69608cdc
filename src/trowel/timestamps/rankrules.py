"""Rules that rule formats out for a whole group of texts at once (ranked batch decoding, issue 15).

Each rule is a condition every reading in the window must meet, computed with numpy on the bytes the
format's own ``parse_text`` reads from a text of plain hex digits (``byte_matrix``: two digits a byte, as
``hex_bytes`` reads them). A text failing it cannot give a reading inside [after, before]: its decoder
raises, or its instant lies outside. A text meeting it still goes through ``decode``'s own loop, which
decides. So a rule may keep too much, never too little; the argument for each is next to it.

Calendar fields: ``civil_ns`` accepts month 1..12, day 1..(days in the month, at most 31), hour 0..23,
minute 0..59 and second 0..59, else raises. A local-clock civil reading's instant has the field's year as its
own, so a year outside the years of [after, before] is outside the window.
"""

from __future__ import annotations

import functools
import re
import re._parser as _sre  # the engine's own parser: what a pattern tests, for digit_blind
from collections.abc import Callable
from typing import Any

import numpy as np

from trowel.timestamps import arith as A
from trowel.timestamps.base import Format
from trowel.timestamps.bitfields import BitwiseDecimal, Layout, PackedFormat
from trowel.timestamps.floats import DoubleFormat
from trowel.timestamps.idtext import BASE32_SORT, CROCKFORD, PUSH, IdFormat
from trowel.timestamps.structs import PCAP_BE, PCAP_LE, SQL_BE, SQL_LE, XFS, StructFormat, _jet_r, _mysql_r
from trowel.timestamps.tokens import TokenFormat, _ei_r, _gclid_r, _leb128_r, _ved_r

Ints = np.ndarray[Any, np.dtype[np.int64]]
Bools = np.ndarray[Any, np.dtype[np.bool_]]
_HEX_VALUE = np.zeros(256, dtype=np.int64)
for _k, _c in enumerate("0123456789abcdef"):
    _HEX_VALUE[ord(_c)] = _HEX_VALUE[ord(_c.upper())] = _k


def byte_matrix(bodies: list[str]) -> Ints:
    """The bytes of texts of plain hex digits, all of one even length (``bytes.fromhex``), one row a text."""
    length = len(bodies[0])
    chars = np.frombuffer("".join(bodies).encode("ascii"), dtype=np.uint8).reshape(len(bodies), length)
    values = _HEX_VALUE[chars]
    return values[:, 0::2] * 16 + values[:, 1::2]


class Window:
    """The window in the units the rules compare: nanoseconds, whole seconds, days since 1900, years."""

    def __init__(self, after_ns: int, before_ns: int) -> None:
        self.after_ns, self.before_ns = after_ns, before_ns
        self.first_year, self.last_year = A.Civil(after_ns).year, A.Civil(before_ns).year
        self.first_second, self.last_second = after_ns // A.NS, before_ns // A.NS


def _word(data: Ints, start: int, size: int, order: str, signed: bool = False) -> Ints:
    """int.from_bytes(data[start:start + size], order, signed) per row (size <= 5, or 4 signed)."""
    part = data[:, start:start + size]
    if order == "little":
        part = part[:, ::-1]
    value = np.zeros(len(data), dtype=np.int64)
    for k in range(size):
        value = (value << 8) | part[:, k]
    if signed:
        value = np.where(value >= 1 << (8 * size - 1), value - (1 << (8 * size)), value)
    return value


def _civil(window: Window, year: Ints, month: Ints, day: Ints, hour: Ints, minute: Ints,
           second: Ints) -> Bools:
    """Fields ``civil_ns`` could accept, in a year of the window."""
    return ((month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (hour <= 23) & (minute <= 59)
            & (second <= 59) & (year >= window.first_year) & (year <= window.last_year))


def _layout_fields(layout: Layout, packed: Ints) -> dict[str, Ints]:
    """``bitfields.unpack`` over an array of packed values."""
    fields: dict[str, Ints] = {}
    value = packed
    for name, bits, added in reversed(layout):
        fields[name] = (value & ((1 << bits) - 1)) + added
        value = value >> bits
    return fields


def _packed(fmt: PackedFormat, packed: Ints, window: Window) -> Bools:
    """A packed date (DOS, FAT, exFAT, DVR, BitDate, DTTM, Bitwise Decimal): ``fields_to_ns(unpack(...))``
    raises unless its fields are a civil date-time."""
    fields = _layout_fields(fmt.layout, packed)
    second = fields["second"] if "second" in fields else fields.get("sec2", np.zeros(len(packed), dtype=np.int64)) * 2
    return _civil(window, fields["year"], fields["month"], fields["day"], fields["hour"], fields["minute"], second)


def _packed_bytes(fmt: PackedFormat, data: Ints | None, numbers: Ints | None, window: Window) -> Bools | None:
    if isinstance(fmt, BitwiseDecimal):  # the decimal integer is the packed value (0 <= n < 2**32 checked)
        if numbers is None:
            return None
        return _packed(fmt, np.where((numbers >= 0) & (numbers < 1 << 32), numbers, 0), window)
    if data is None or data.shape[1] != 4:
        return None
    value = _word(data, 0, 4, fmt.byteorder or "big")  # packed_of: the four bytes in the format's order
    if fmt.swap_halves:
        value = ((value & 0xFFFF) << 16) | (value >> 16)
    return _packed(fmt, value, window)


def _jet(data: Ints, window: Window) -> Bools:
    """JET LogTime: civil(1900 + b5, b4, b3, b2, b1, b0)."""
    return _civil(window, 1900 + data[:, 5], data[:, 4], data[:, 3], data[:, 2], data[:, 1], data[:, 0])


def _mysql(data: Ints, window: Window) -> Bools:
    """MySQL DATETIME2: the 40-bit head's top bit must be set (else 'negative'), then civil(ym // 13,
    ym % 13, day, hour, minute, second) from its bit fields."""
    head = _word(data, 0, 5, "big")
    ym = (head >> 22) & 0x1FFFF
    return ((head >> 39) == 1) & _civil(window, ym // 13, ym % 13, (head >> 17) & 31, (head >> 12) & 31,
                                        (head >> 6) & 63, head & 63)


def _sql(order: str) -> Callable[[Ints, Window], Bools]:
    """SQL Server DATETIME: ticks under one day (300 x 86,400, else an error), and the instant 1900 + days
    + (ticks / 300 s) lies within [days, days + 1] after 1900-01-01, so days must be within a day of the
    window's."""
    def rule(data: Ints, window: Window) -> Bools:
        if order == "big":  # struct.unpack(">iI", b)
            days, ticks = _word(data, 0, 4, "big", signed=True), _word(data, 4, 4, "big")
        else:  # struct.unpack("<iI", b[4:] + b[:4])
            days, ticks = _word(data, 4, 4, "little", signed=True), _word(data, 0, 4, "little")
        first = (window.after_ns - A.EPOCH_1900) // A.DAY_NS - 1
        last = (window.before_ns - A.EPOCH_1900) // A.DAY_NS + 1
        return (ticks < 300 * 86_400) & (days >= first) & (days <= last)
    return rule


def _sec_sub(order: str, signed: bool, sub_max: int) -> Callable[[Ints, Window], Bools]:
    """Seconds + a sub-second count (pcap, XFS): the sub-second field must be below its maximum (else an
    error), and the instant lies within [seconds, seconds + 1)."""
    def rule(data: Ints, window: Window) -> Bools:
        sec, sub = _word(data, 0, 4, order, signed), _word(data, 4, 4, order)
        return (sub < sub_max) & (sec >= window.first_second - 1) & (sec <= window.last_second + 1)
    return rule


_STRUCTS: dict[Any, Callable[[Ints, Window], Bools]] = {
    _jet_r: _jet, _mysql_r: _mysql, SQL_BE[0]: _sql("big"), SQL_LE[0]: _sql("little"),
    PCAP_LE[0]: _sec_sub("little", False, 1_000_000), PCAP_BE[0]: _sec_sub("big", False, 1_000_000),
    XFS[0]: _sec_sub("big", True, A.NS),
}


def _doubles(fmt: DoubleFormat, data: Ints, window: Window) -> Bools | None:
    """OLE and Biome doubles: ``decode_raw`` refuses NaN and infinities, and the instant (epoch + value x
    unit) rises with the value: a value below the window's start less two seconds, or above its end plus two
    seconds, is outside (the margin covers rounding). Biome hex reads one of the two byte orders: the text
    stays if either could be inside."""
    if data.shape[1] != 8:
        return None
    big = _word(data, 0, 4, "big").astype(np.uint64) << np.uint64(32) | _word(data, 4, 4, "big").astype(np.uint64)
    little = _word(data, 4, 4, "little").astype(np.uint64) << np.uint64(32) | _word(data, 0, 4, "little").astype(np.uint64)
    low = (window.after_ns - fmt.epoch_ns) / fmt.unit_ns - 2 * A.NS / fmt.unit_ns
    high = (window.before_ns - fmt.epoch_ns) / fmt.unit_ns + 2 * A.NS / fmt.unit_ns

    def inside(bits: np.ndarray[Any, np.dtype[np.uint64]]) -> Bools:
        values = bits.view(np.float64)
        with np.errstate(invalid="ignore"):
            return np.asarray(np.isfinite(values) & (values >= low) & (values <= high), dtype=bool)

    if fmt.byteorder == "big":
        return inside(big)
    if fmt.byteorder == "little":
        return inside(little)
    return inside(big) | inside(little)


def _leb128(data: Ints) -> Bools:
    """LEB128: the varint must end exactly at the last byte (every byte before it has the top bit set, the
    last has it clear), else ``_leb128_r`` raises."""
    return np.asarray((data[:, :-1] >= 0x80).all(axis=1) & (data[:, -1] < 0x80), dtype=bool)


def rule_out(fmt: Format, data: Ints | None, numbers: Ints | None, window: Window) -> Bools | None:
    """Where ``fmt`` may still read each text of the group inside the window (None: no rule for it). ``data``
    is the texts' bytes when they are plain hex of an even length, ``numbers`` their integers when decimal."""
    if isinstance(fmt, PackedFormat):
        return _packed_bytes(fmt, data, numbers, window)
    if data is None:
        return None
    if isinstance(fmt, StructFormat) and fmt.reader in _STRUCTS and data.shape[1] in fmt.widths:
        return _STRUCTS[fmt.reader](data, window)
    if isinstance(fmt, DoubleFormat) and type(fmt).parse_text is DoubleFormat.parse_text:
        return _doubles(fmt, data, window)
    if isinstance(fmt, TokenFormat) and fmt.reader is _leb128_r:
        return _leb128(data)
    return None


def _table(alphabet: str, either_case: bool = False) -> Ints:
    """The index of each ASCII character in an alphabet (-1 where it is not one)."""
    table = np.full(256, -1, dtype=np.int64)
    for k, char in enumerate(alphabet):
        table[ord(char)] = k
        if either_case:
            table[ord(char.lower())] = k
    return table


_B64URL = _table("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_B64URL[ord("-")], _B64URL[ord("_")] = 62, 63  # b64url: '-' and '_' are read as '+' and '/'
# IdFormats whose count is a number in an alphabet over a slice of the text: (alphabet table, length used)
_ID_COUNTS = {"ulid": (_table(CROCKFORD, either_case=True), 10), "firebase_push": (_table(PUSH), 8),
              "bluesky_s32": (_table(BASE32_SORT), 9)}


def _chars(bodies: list[str], width: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The first ``width`` ASCII characters of each text (all at least that long), one row a text."""
    return np.frombuffer("".join(body[:width] for body in bodies).encode("ascii"), dtype=np.uint8).reshape(
        len(bodies), width)


def _ei(bodies: list[str], window: Window) -> Bools:
    """Google ei (``_ei_r``): base64 of the text, its first four bytes a little-endian count of seconds.
    Base64 of n characters needs n % 4 != 1 and four bytes six characters (else an error); the seconds of the
    first six sextets must fall in the window."""
    length = len(bodies[0])
    if length < 6 or length % 4 == 1:
        return np.zeros(len(bodies), dtype=bool)
    sextets = _B64URL[_chars(bodies, 6)]
    bits = np.zeros(len(bodies), dtype=np.int64)
    for k in range(6):
        bits = (bits << 6) | sextets[:, k]
    word = bits >> 4  # the first 32 of the 36 bits, big-endian: bytes b0 b1 b2 b3
    seconds = (((word >> 24) & 0xFF) | (((word >> 16) & 0xFF) << 8) | (((word >> 8) & 0xFF) << 16)
               | ((word & 0xFF) << 24))
    valid = (sextets >= 0).all(axis=1)
    first = -((-window.after_ns) // A.NS)  # ceil(after / 1 s)
    return np.asarray(valid & (seconds >= first) & (seconds <= window.last_second), dtype=bool)


def _google_proto(fmt: TokenFormat, bodies: list[str], window: Window) -> Bools:
    """gclid and ved: protobuf in base64 whose field (1, or 13.1.1 nested) is a varint of microseconds. The
    field's key (a byte at least) and its varint (ceil(bits / 7) bytes at least: each byte holds 7 bits)
    lie inside the decoded bytes, so a text decoding to fewer bytes than a key and the varint of the
    window's first microsecond gives no reading in it. ved reads the text without a leading '0'."""
    lengths = np.array([len(body) - (fmt.reader is _ved_r and body.startswith("0")) for body in bodies],
                       dtype=np.int64)
    decoded = np.where(lengths % 4 == 1, -1, lengths * 3 // 4)  # n % 4 == 1 is not base64: an error
    least = max(0, -((-window.after_ns) // A.US))
    needed = 1 + max(1, -(-least.bit_length() // 7))
    return np.asarray(decoded >= needed, dtype=bool)


def _id_count(fmt: IdFormat, bodies: list[str], window: Window) -> Bools | None:
    """ULID, Firebase push ids, Bluesky s32: the count is the number the first characters spell in the
    format's alphabet (``from_base``), the instant epoch + count x unit rises with it: outside the window's
    counts, outside the window. Characters outside the alphabet fail the format's own regex (kept apart)."""
    if fmt.name not in _ID_COUNTS or fmt.unit.denominator != 1 or len(bodies[0]) < _ID_COUNTS[fmt.name][1]:
        return None
    table, width = _ID_COUNTS[fmt.name]
    digits = table[_chars(bodies, width)]
    base = 64 if fmt.name == "firebase_push" else 32
    count = np.zeros(len(bodies), dtype=np.int64)
    for k in range(width):
        count = count * base + np.maximum(digits[:, k], 0)
    unit = fmt.unit.numerator
    first = -((fmt.epoch_ns - window.after_ns) // unit)  # ceil((after - epoch) / unit)
    last = (window.before_ns - fmt.epoch_ns) // unit
    return np.asarray((count >= first) & (count <= last), dtype=bool)


def token_rule(fmt: Format, bodies: list[str], window: Window) -> Bools | None:
    """Where a text token format (already matched by its regex) may read each text inside the window."""
    if isinstance(fmt, TokenFormat) and fmt.reader is _ei_r:
        return _ei(bodies, window)
    if isinstance(fmt, TokenFormat) and fmt.reader in (_gclid_r, _ved_r):
        return _google_proto(fmt, bodies, window)
    if isinstance(fmt, IdFormat):
        return _id_count(fmt, bodies, window)
    return None


@functools.lru_cache(maxsize=256)
def digit_blind(pattern: re.Pattern[str]) -> bool:
    """Whether every character test in the pattern gives the same answer for all ten ASCII digits (a digit
    literal, a class holding some digits but not all, back-references and look-arounds make it False).

    The regular expression engine's answer for a text depends only on the answers of its character tests
    along the way (anchors and word boundaries: digits are all word characters). So for such a pattern two
    texts that differ only in which digits stand where (the same length, a '-' at the same place) match
    alike, and one member of a group of digit texts answers for all of it."""
    try:
        tree = _sre.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an engine detail changed: match every text
        return False
    try:
        return _blind(list(tree))
    except _Unknown:
        return False


class _Unknown(Exception):
    """A construct the check does not know: the pattern is matched text by text."""


def _blind(items: list[Any]) -> bool:
    for op, av in items:
        if op in (_sre.LITERAL, _sre.NOT_LITERAL):
            if ord("0") <= av <= ord("9"):
                return False
        elif op is _sre.IN:
            hits = sum(_in_class(av, code) for code in range(ord("0"), ord("9") + 1))
            if hits not in (0, 10):
                return False
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            if not _blind(list(av[2])):
                return False
        elif op is _sre.SUBPATTERN:
            if not _blind(list(av[3])):
                return False
        elif op is _sre.BRANCH:
            if not all(_blind(list(branch)) for branch in av[1]):
                return False
        elif op not in (_sre.ANY, _sre.AT):
            raise _Unknown(op)
    return True


_DIGIT_CLASSES = {_sre.CATEGORY_DIGIT: True, _sre.CATEGORY_WORD: True, _sre.CATEGORY_NOT_SPACE: True,
                  _sre.CATEGORY_NOT_DIGIT: False, _sre.CATEGORY_NOT_WORD: False, _sre.CATEGORY_SPACE: False}


def _in_class(items: list[Any], code: int) -> bool:
    """Whether the character ``code`` is in a parsed character class."""
    negate = found = False
    for op, av in items:
        if op is _sre.NEGATE:
            negate = True
        elif op is _sre.LITERAL:
            found |= av == code
        elif op is _sre.RANGE:
            found |= av[0] <= code <= av[1]
        elif op is _sre.CATEGORY and av in _DIGIT_CLASSES:
            found |= _DIGIT_CLASSES[av]
        else:
            raise _Unknown(op)
    return found != negate
