"""Fixed binary structures: SYSTEMTIME, ISO 9660, UDF, EFI_TIME, JET, Oracle, SQL Server, pcap, ...

Each is a pair of small functions (bytes -> instant, instant -> bytes) in a declarative table. Stored UTC
offsets (ISO 9660, UDF, EFI_TIME) are applied; structures without one report the device's local clock
where the table says so.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from fractions import Fraction

from trowel.errors import TimestampError
from trowel.model.values import Clock
from trowel.timestamps import arith as A
from trowel.timestamps.base import Decoded, Format, Kind, OutOfRange, Raw, hex_bytes
from trowel.timestamps.registry import register

Reader = Callable[[bytes], tuple[int, Clock | None, str | None]]
Writer = Callable[[int, A.Civil], bytes]


def civil(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, ns: int = 0) -> int:
    try:
        return A.civil_ns(y, mo, d, h, mi, s, ns)
    except ValueError as exc:
        raise TimestampError(f"not a valid date/time: {exc}") from exc


def byte_field(value: int, what: str, lo: int = 0, hi: int = 255) -> int:
    if not lo <= value <= hi:
        raise OutOfRange(f"{what} {value} does not fit the field")
    return value


class StructFormat(Format):
    family = "struct"
    kind = Kind.BYTES

    def __init__(self, name: str, display: str, width: int, byteorder: str, reader: Reader, writer: Writer,
                 encoding: str, range_text: tuple[str, str], clock: Clock = Clock.UTC,
                 aliases: tuple[str, ...] = (), resolution_ns: int = A.NS, widths: tuple[int, ...] = (),
                 tolerance: int = 0, text_parser: Callable[[str], bytes | None] | None = None) -> None:
        self.name, self.display, self.width, self.byteorder = name, display, width, byteorder
        self.tolerance, self.text_parser = tolerance, text_parser
        self.reader, self.writer, self.encoding, self.range_text = reader, writer, encoding, range_text
        self.clock, self.aliases, self.resolution_ns = clock, aliases, resolution_ns
        self.widths = widths or (width,)

    def decode_raw(self, raw: Raw) -> Decoded:
        if not isinstance(raw, bytes) or len(raw) not in self.widths:
            raise TimestampError(f"{self.name} needs {' or '.join(map(str, self.widths))} bytes")
        unix_ns, clock, note = self.reader(raw)
        return self.decoded(unix_ns, clock, note)

    def encode_raw(self, unix_ns: int) -> Raw:
        return self.writer(unix_ns, self.prepare(unix_ns))

    def tolerance_ns(self, raw: Raw) -> int:
        return self.tolerance

    def parse_text(self, text: str) -> list[Raw]:
        if self.text_parser is not None:
            parsed = self.text_parser(text)
            if parsed is not None:
                return [parsed]
        body = text.strip().lstrip("@")
        data = hex_bytes(body)
        return [data] if data is not None and len(data) in self.widths else []


# --- SYSTEMTIME, ISO 9660, JET, Motorola, Symantec, Nokia S40 -----------------------------------------
def _systemtime_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    y, mo, _wd, d, h, mi, s, ms = struct.unpack("<8H", b)
    if ms > 999:
        raise TimestampError(f"milliseconds {ms} over 999")
    return civil(y, mo, d, h, mi, s, ms * A.MS), None, None


def _systemtime_w(ns: int, c: A.Civil) -> bytes:
    return struct.pack("<8H", c.year, c.month, c.weekday, c.day, c.hour, c.minute, c.second, c.ns // A.MS)


def _iso9660_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    offset = struct.unpack("b", b[6:7])[0]
    if not -48 <= offset <= 52:
        raise TimestampError(f"GMT offset {offset} (15-min units) outside -48..52")
    wall = civil(1900 + b[0], b[1], b[2], b[3], b[4], b[5])
    return wall - offset * 900 * A.NS, Clock.UTC, f"stored GMT offset {offset * 15:+d} min applied"


def _iso9660_w(ns: int, c: A.Civil) -> bytes:
    return bytes([byte_field(c.year - 1900, "year"), c.month, c.day, c.hour, c.minute, c.second, 0])


def _jet_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    return civil(1900 + b[5], b[4], b[3], b[2], b[1], b[0]), None, None


def _jet_w(ns: int, c: A.Civil) -> bytes:
    return bytes([c.second, c.minute, c.hour, c.day, c.month, byte_field(c.year - 1900, "year"), 0, 0])


def _moto_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    return civil(1970 + b[0], b[1], b[2], b[3], b[4], b[5]), None, None


def _moto_w(ns: int, c: A.Civil) -> bytes:
    return bytes([byte_field(c.year - 1970, "year"), c.month, c.day, c.hour, c.minute, c.second])


def _symantec_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    return civil(1970 + b[0], b[1] + 1, b[2], b[3], b[4], b[5]), None, None


def _symantec_w(ns: int, c: A.Civil) -> bytes:
    return bytes([byte_field(c.year - 1970, "year"), c.month - 1, c.day, c.hour, c.minute, c.second])


def _s40(order: str) -> tuple[Reader, Writer]:
    code = ">H" if order == "big" else "<H"

    def read(b: bytes) -> tuple[int, Clock | None, str | None]:
        return civil(struct.unpack(code, b[:2])[0], b[2], b[3], b[4], b[5], b[6]), None, None

    def write(ns: int, c: A.Civil) -> bytes:
        return struct.pack(code, c.year) + bytes([c.month, c.day, c.hour, c.minute, c.second])

    return read, write


# --- Oracle DATE, SQL Server DATETIME, MySQL DATETIME2 -------------------------------------------------
def _oracle_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    if b[0] < 100 or b[1] < 100:
        raise TimestampError("Oracle DATE before year 1 (BC) is outside the range")
    year = (b[0] - 100) * 100 + (b[1] - 100)
    return civil(year, b[2], b[3], b[4] - 1, b[5] - 1, b[6] - 1), None, None


def _oracle_w(ns: int, c: A.Civil) -> bytes:
    return bytes([c.year // 100 + 100, c.year % 100 + 100, c.month, c.day, c.hour + 1, c.minute + 1, c.second + 1])


_TICKS_PER_DAY = 300 * 86_400


def _sql(order: str) -> tuple[Reader, Writer]:
    def read(b: bytes) -> tuple[int, Clock | None, str | None]:
        days, ticks = struct.unpack(">iI", b) if order == "big" else struct.unpack("<iI", b[4:] + b[:4])
        if ticks >= _TICKS_PER_DAY:
            raise TimestampError(f"time ticks {ticks} over one day")
        return A.EPOCH_1900 + days * A.DAY_NS + A.div_round_half_even(ticks * A.NS, 300), None, None

    def write(ns: int, c: A.Civil) -> bytes:
        days, rest = divmod(ns - A.EPOCH_1900, A.DAY_NS)
        ticks = rest * 300 // A.NS
        if A.div_round_half_even((ticks + 1) * A.NS, 300) <= rest:  # the next tick rounds onto the instant
            ticks += 1
        return struct.pack(">iI", days, ticks) if order == "big" else struct.pack("<Ii", ticks, days)

    return read, write


def _mysql_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    head = int.from_bytes(b[:5], "big")
    if not head >> 39:
        raise TimestampError("negative MySQL DATETIME values are not dates")
    ym = (head >> 22) & 0x1FFFF
    fraction = b[5:]
    if len(fraction) == 1:
        us = fraction[0] * 10_000
    elif len(fraction) == 2:
        us = int.from_bytes(fraction, "big") * 100
    elif len(fraction) == 3:
        us = int.from_bytes(fraction, "big")
    else:
        us = 0
    if us > 999_999:
        raise TimestampError("fraction over one second")
    return (civil(ym // 13, ym % 13, (head >> 17) & 31, (head >> 12) & 31, (head >> 6) & 63, head & 63, us * A.US),
            None, None)


def _mysql_w(ns: int, c: A.Civil) -> bytes:
    head = (1 << 39) | ((c.year * 13 + c.month) << 22) | (c.day << 17) | (c.hour << 12) | (c.minute << 6) | c.second
    return head.to_bytes(5, "big") + (c.ns // A.US).to_bytes(3, "big")


# --- UEFI EFI_TIME, UDF -------------------------------------------------------------------------------
def _efi_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    y, mo, d, h, mi, s, _p, nano, tz, _dl, _p2 = struct.unpack("<HBBBBBBIhBB", b)
    if nano > 999_999_999:
        raise TimestampError("Nanosecond over 999999999")
    wall = civil(y, mo, d, h, mi, s, nano)
    if tz == 0x07FF:
        return wall, Clock.LOCAL, "TimeZone unspecified (0x07FF): device local clock"
    if not -1440 <= tz <= 1440:
        raise TimestampError(f"TimeZone {tz} outside -1440..1440")
    return wall + tz * 60 * A.NS, Clock.UTC, f"stored TimeZone {tz} min applied (Local = UTC - TimeZone)"


def _efi_w(ns: int, c: A.Civil) -> bytes:
    return struct.pack("<HBBBBBBIhBB", c.year, c.month, c.day, c.hour, c.minute, c.second, 0, c.ns, 0, 0, 0)


def _udf_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    type_tz, y, mo, d, h, mi, s, cs, hus, us = struct.unpack("<HhBBBBBBBB", b)
    if cs > 99 or hus > 99 or us > 99:
        raise TimestampError("UDF sub-second fields over 99")
    wall = civil(y, mo, d, h, mi, s, cs * 10 * A.MS + hus * 100 * A.US + us * A.US)
    kind, tz = type_tz >> 12, type_tz & 0xFFF
    tz = tz - 4096 if tz & 0x800 else tz
    if kind == 1 and tz != -2047:
        if not -1440 <= tz <= 1440:
            raise TimestampError(f"UDF time zone {tz} outside -1440..1440")
        return wall - tz * 60 * A.NS, Clock.UTC, f"stored offset {tz:+d} min applied"
    if kind == 0:
        return wall, Clock.UTC, "type 0: UTC"
    return wall, Clock.LOCAL, "no time zone recorded: local clock"


def _udf_w(ns: int, c: A.Civil) -> bytes:
    rest_us = c.ns // A.US
    return struct.pack("<HhBBBBBBBB", (1 << 12) | 0, c.year, c.month, c.day, c.hour, c.minute, c.second,
                       rest_us // 10_000, rest_us // 100 % 100, rest_us % 100)


# --- Parquet INT96, pcap, Btrfs, XFS, TAI64N, Julian hex ------------------------------------------------
def _int96_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    nod, jdn = struct.unpack("<QI", b)
    if nod >= A.DAY_NS:
        raise TimestampError("nanoseconds of day over one day")
    return (jdn - 2_440_588) * A.DAY_NS + nod, None, None


def _int96_w(ns: int, c: A.Civil) -> bytes:
    days, nod = divmod(ns, A.DAY_NS)
    return struct.pack("<QI", nod, days + 2_440_588)


def _sec_sub(code: str, sub_unit: int, sub_max: int) -> tuple[Reader, Writer]:
    def read(b: bytes) -> tuple[int, Clock | None, str | None]:
        sec, sub = struct.unpack(code, b)
        if sub >= sub_max:
            raise TimestampError(f"sub-second field {sub} over {sub_max - 1}")
        return sec * A.NS + sub * sub_unit, None, None

    def write(ns: int, c: A.Civil) -> bytes:
        sec, rest = divmod(ns, A.NS)
        try:
            return struct.pack(code, sec, rest // sub_unit)
        except struct.error as exc:
            raise OutOfRange("seconds do not fit the field") from exc

    return read, write


_TAI64_BASE = (1 << 62) + 10


def _tai64n_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    label, nano = struct.unpack(">QI", b)
    if nano > 999_999_999:
        raise TimestampError("nanoseconds over 999999999")
    return (label - _TAI64_BASE) * A.NS + nano, None, "daemontools convention: label = 2^62 + 10 + Unix seconds"


def _tai64n_w(ns: int, c: A.Civil) -> bytes:
    sec, rest = divmod(ns, A.NS)
    return struct.pack(">QI", sec + _TAI64_BASE, rest)


_JD_UNIX = Fraction(24405875, 10)


def _julian_hex_r(b: bytes) -> tuple[int, Clock | None, str | None]:
    jdn, digits = int.from_bytes(b[:3], "big"), int.from_bytes(b[3:], "big")
    fraction = Fraction(digits, 10 ** len(str(digits))) if digits else Fraction(0)
    return A.fraction_to_ns((jdn + fraction - _JD_UNIX) * A.DAY_NS), None, None


def _julian_hex_w(ns: int, c: A.Civil) -> bytes:
    jd = Fraction(ns, A.DAY_NS) + _JD_UNIX
    jdn = jd.numerator // jd.denominator
    frac = jd - jdn
    for n in (10, 9):
        digits = frac.numerator * 10**n // frac.denominator  # truncated: never after the instant
        if digits < 1 << 32:
            break
    text = str(digits).rjust(n, "0").rstrip("0") if digits else ""
    if text.startswith("0"):
        raise OutOfRange("not representable: the 4-byte fraction cannot hold leading zero digits (JD .0x)")
    return jdn.to_bytes(3, "big") + (int(text) if text else 0).to_bytes(4, "big")


def parse_oracle_dump(text: str) -> bytes | None:
    """Oracle ``DUMP()`` output ('Typ=12 Len=7: 120,125,5,4,16,19,51' or just the list) as 7 bytes."""
    body = text.split(":", 1)[1] if ":" in text else text
    parts = [p.strip() for p in body.split(",")]
    if len(parts) != 7 or not all(p.isdigit() for p in parts):
        return None
    values = [int(p) for p in parts]
    return bytes(values) if all(v < 256 for v in values) else None


S40_BE, S40_LE = _s40("big"), _s40("little")
SQL_BE, SQL_LE = _sql("big"), _sql("little")
PCAP_LE, PCAP_BE = _sec_sub("<II", A.US, 1_000_000), _sec_sub(">II", A.US, 1_000_000)
BTRFS, XFS = _sec_sub("<qI", 1, A.NS), _sec_sub(">iI", 1, A.NS)

FORMATS = [register(f) for f in (
    StructFormat("systemtime", "Microsoft 128-bit SYSTEMTIME", 16, "little", _systemtime_r, _systemtime_w,
                 "16 bytes: 8 x uint16 LE (year, month, weekday, day, hour, minute, second, ms)",
                 ("1601-01-01", "9999-12-31"), aliases=("systime",), resolution_ns=A.MS),
    StructFormat("iso9660", "ISO 9660 recording date", 7, "big", _iso9660_r, _iso9660_w,
                 "7 bytes: years since 1900, M, D, h, m, s, signed GMT offset in 15-min units",
                 ("1900-01-01", "2155-12-31"), aliases=("iso_9660",)),
    StructFormat("jet_logtime", "JET LogTime", 8, "little", _jet_r, _jet_w,
                 "ESE JET_LOGTIME 8 bytes: sec, min, hour, day, month, year-1900, 2 filler",
                 ("1900-01-01", "2155-12-31"), aliases=("logtime", "ese_logtime")),
    StructFormat("motorola", "Motorola time", 6, "big", _moto_r, _moto_w,
                 "6 bytes: year-1970, month (1-12), day, hour, minute, second", ("1970-01-01", "2225-12-31"),
                 aliases=("moto",)),
    StructFormat("symantec", "Symantec AV time", 6, "big", _symantec_r, _symantec_w,
                 "6 bytes: year-1970, month-1, day, hour, minute, second", ("1970-01-01", "2225-12-31")),
    StructFormat("nokia_s40", "Nokia S40 time", 7, "big", *S40_BE,
                 "7 bytes: year (uint16 BE), month, day, hour, minute, second", ("0001-01-01", "9999-12-31"),
                 aliases=("ns40",)),
    StructFormat("nokia_s40_le", "Nokia S40 time LE", 7, "little", *S40_LE,
                 "7 bytes: year (uint16 LE), month, day, hour, minute, second", ("0001-01-01", "9999-12-31"),
                 aliases=("ns40le",)),
    StructFormat("oracle_date", "Oracle DATE", 7, "big", _oracle_r, _oracle_w,
                 "7 bytes: century+100, year+100, month, day, hour+1, minute+1, second+1",
                 ("0001-01-01", "9999-12-31"), clock=Clock.LOCAL, aliases=("oracle",),
                 text_parser=parse_oracle_dump),
    StructFormat("sqlserver", "Microsoft SQL Server date", 8, "big", *SQL_BE,
                 "DATETIME 8 bytes BE: int32 days since 1900-01-01 + uint32 1/300-s ticks",
                 ("1753-01-01", "9999-12-31"), clock=Clock.LOCAL, aliases=("mssql", "sql_server_datetime"),
                 resolution_ns=A.NS // 300 + 1),
    StructFormat("sqlserver_le", "Microsoft SQL Server date LE", 8, "little", *SQL_LE,
                 "DATETIME on disk: time ticks uint32 LE, then days int32 LE", ("1753-01-01", "9999-12-31"),
                 clock=Clock.LOCAL, aliases=("mssql_le",), resolution_ns=A.NS // 300 + 1),
    StructFormat("mysql_datetime", "MySQL DATETIME", 8, "big", _mysql_r, _mysql_w,
                 "DATETIME2 5 bytes BE (sign, year*13+month, day, hour, minute, second) + 0-3 fraction bytes",
                 ("1000-01-01", "9999-12-31"), clock=Clock.LOCAL, aliases=("mysql", "datetime2"),
                 resolution_ns=A.US, widths=(5, 6, 7, 8)),
    StructFormat("efi_time", "UEFI EFI_TIME", 16, "little", _efi_r, _efi_w,
                 "16 bytes LE: Y M D h m s pad ns TimeZone(int16 min; 0x07FF unspecified) Daylight pad",
                 ("1900-01-01", "9999-12-31"), aliases=("uefi", "efi"), resolution_ns=1),
    StructFormat("udf", "UDF timestamp", 12, "little", _udf_r, _udf_w,
                 "ECMA-167 12 bytes: type/tz uint16 LE, year int16, M, D, h, m, s, centi, hundreds-of-us, us",
                 ("0001-01-01", "9999-12-31"), aliases=("ecma167",), resolution_ns=A.US),
    StructFormat("parquet_int96", "Parquet INT96 time", 12, "little", _int96_r, _int96_w,
                 "12 bytes LE: uint64 ns of day + uint32 Julian day number", ("0001-01-01", "9999-12-31"),
                 aliases=("int96",), resolution_ns=1),
    StructFormat("pcap_le", "pcap record time", 8, "little", *PCAP_LE,
                 "pcap record header: uint32 seconds + uint32 microseconds, LE", ("1970-01-01", "2106-02-07"),
                 aliases=("pcap",), resolution_ns=A.US),
    StructFormat("pcap_be", "pcap record time BE", 8, "big", *PCAP_BE,
                 "pcap record header: uint32 seconds + uint32 microseconds, BE", ("1970-01-01", "2106-02-07"),
                 resolution_ns=A.US),
    StructFormat("btrfs", "Btrfs inode time", 12, "little", *BTRFS,
                 "12 bytes LE: int64 seconds since 1970 + uint32 ns", ("0001-01-01", "9999-12-31"), resolution_ns=1),
    StructFormat("xfs_inode", "XFS inode time", 8, "big", *XFS,
                 "8 bytes BE: int32 seconds + uint32 ns", ("1901-12-13", "2038-01-19"), aliases=("xfs",),
                 resolution_ns=1),
    StructFormat("tai64n", "TAI64N time", 12, "big", _tai64n_r, _tai64n_w,
                 "8-byte label 2^62 + 10 + Unix seconds, 4-byte ns (daemontools convention)",
                 ("1970-01-01", "9999-12-31"), aliases=("tai64",), resolution_ns=1),
    StructFormat("julian_date_hex", "Julian Date hex", 7, "big", _julian_hex_r, _julian_hex_w,
                 "3 bytes Julian day number + 4 bytes whose integer gives the decimal digits of the day fraction",
                 ("0001-01-01", "9999-12-31"), aliases=("julianhex",), resolution_ns=A.DAY_NS // 10**9,
                 tolerance=A.DAY_NS // 10**9 // 2 + 1),
)]

