"""Linear integer formats: instant = epoch + (raw >> shift) x unit, on the UTC, GPS or TAI scale.

Most timestamps in use are this shape (Unix s/ms/us/ns, FILETIME, Chrome, Cocoa, GPS, snowflake ids ...),
so they are one class driven by a declarative table. The unit is an exact rational number of nanoseconds;
decoding rounds half to even to the nanosecond, encoding truncates to the format's resolution.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from fractions import Fraction

from trowel.errors import TimestampError
from trowel.model.values import Clock
from trowel.timestamps import arith as A
from trowel.timestamps.base import Decoded, Format, Kind, OutOfRange, Raw, hex_bytes, parse_int_text
from trowel.timestamps.leapseconds import GPS_MINUS_NS, scale_to_utc, utc_to_scale
from trowel.timestamps.registry import register

SCALES = {"gps": GPS_MINUS_NS, "tai": 0}


@dataclass(frozen=True)
class Spec:
    name: str
    display: str
    epoch_ns: int
    unit_ns: Fraction | int
    encoding: str
    range_text: tuple[str, str] = ("0001-01-01", "9999-12-31")
    aliases: tuple[str, ...] = ()
    shift: int = 0
    width: int | None = None
    byteorder: str | None = None
    signed: bool = True
    base: int = 10  # text form: 10 decimal, 16 hex, 8 octal
    digits: int = 0  # zero-padded text width for base 16/8
    clock: Clock = Clock.UTC
    clock_note: str | None = None
    scale: str | None = None


class LinearFormat(Format):
    family = "linear"

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.name = spec.name
        self.display = spec.display
        self.aliases = spec.aliases
        self.kind = Kind.INT
        self.width = spec.width
        self.byteorder = spec.byteorder
        self.signed = spec.signed
        self.clock = spec.clock
        self.clock_note = spec.clock_note
        self.encoding = spec.encoding
        self.range_text = spec.range_text
        self.unit = Fraction(spec.unit_ns)
        self._num, self._den = self.unit.numerator, self.unit.denominator
        self.resolution_ns = max(1, int(self.unit)) if spec.shift == 0 else max(1, int(self.unit))

    # raw limits imposed by the stored width
    def raw_limits(self) -> tuple[int, int] | None:
        if self.width is None:
            return None
        bits = self.width * 8
        return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if self.signed else (0, (1 << bits) - 1)

    def to_scale(self, unix_ns: int) -> int:
        return utc_to_scale(unix_ns, SCALES[self.spec.scale]) if self.spec.scale else unix_ns

    def from_scale(self, scale_ns: int) -> int:
        return scale_to_utc(scale_ns, SCALES[self.spec.scale]) if self.spec.scale else scale_ns

    def decode_raw(self, raw: Raw) -> Decoded:
        if isinstance(raw, float) and not self.spec.shift and self.width is None and raw == raw:
            if raw in (float("inf"), float("-inf")):
                raise TimestampError("not a finite number")
            if not raw.is_integer():  # a REAL column holding a fractional count: exact, no rounding to int
                scale_ns = self.spec.epoch_ns + A.fraction_to_ns(Fraction(raw) * self.unit)
                return self.decoded(self.from_scale(scale_ns))
            raw = int(raw)
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise TimestampError(f"{self.name} needs an integer")
        limits = self.raw_limits()
        if limits and not limits[0] <= raw <= limits[1]:
            raise OutOfRange(f"{raw} does not fit the {self.width}-byte {self.name} field")
        if self.spec.shift and raw < 0:
            raise OutOfRange(f"{self.name} ids are not negative")
        count = raw >> self.spec.shift
        num, den = self._num, self._den
        scale_ns = self.spec.epoch_ns + (count * num if den == 1 else A.div_round_half_even(count * num, den))
        return self.decoded(self.from_scale(scale_ns))

    def encode_raw(self, unix_ns: int) -> Raw:
        self.check_range(unix_ns)
        offset = self.to_scale(unix_ns) - self.spec.epoch_ns
        count = (offset * self.unit.denominator) // self.unit.numerator
        raw = count << self.spec.shift
        if raw < 0 and (self.spec.shift or not self.signed):
            raise OutOfRange(f"{self.name} values are not negative")
        limits = self.raw_limits()
        if limits and not limits[0] <= raw <= limits[1]:
            raise OutOfRange(f"outside the range of the {self.width}-byte {self.name} field")
        return raw

    def raw_bounds(self, after_ns: int, before_ns: int) -> tuple[int, int] | None:
        """The raw integers whose instants fall in [after, before] (None when none can)."""
        lo_ns = max(after_ns, self.min_ns)
        hi_ns = min(before_ns, self.max_ns)
        if lo_ns > hi_ns:
            return None
        num, den = self.unit.numerator, self.unit.denominator
        lo_off = self.to_scale(lo_ns) - self.spec.epoch_ns
        hi_off = self.to_scale(hi_ns) - self.spec.epoch_ns
        lo = -((-lo_off * den) // num)
        hi = (hi_off * den) // num
        shift = self.spec.shift
        lo_raw, hi_raw = lo << shift, (hi << shift) | ((1 << shift) - 1)
        if shift:
            lo_raw = max(lo_raw, 0)
        limits = self.raw_limits()
        if limits:
            lo_raw, hi_raw = max(lo_raw, limits[0]), min(hi_raw, limits[1])
        return (lo_raw, hi_raw) if lo_raw <= hi_raw else None

    def to_text(self, raw: Raw) -> str:
        assert isinstance(raw, int)
        if self.width and self.byteorder:
            return raw.to_bytes(self.width, self.byteorder, signed=self.signed).hex()  # type: ignore[arg-type]
        if self.spec.base == 16:
            return format(raw, f"0{self.spec.digits}x")
        if self.spec.base == 8:
            return format(raw, f"0{self.spec.digits}o")
        return str(raw)

    def parse_text(self, text: str) -> list[Raw]:
        body = text.strip()
        out: list[Raw] = []
        if self.width and self.byteorder:
            data = hex_bytes(body, self.width)
            if data is not None and not body.lower().startswith("0x"):
                out.append(int.from_bytes(data, self.byteorder, signed=self.signed))  # type: ignore[arg-type]
            out.extend(v for v in parse_int_text(body) if v not in out)
            return out
        if self.spec.base == 16:
            clean = body[2:] if body[:2].lower() == "0x" else body
            with contextlib.suppress(ValueError):
                out.append(int(clean, 16))
            if body.isdigit() and self.name == "gmail_id":
                out.append(int(body))
            return out
        if self.spec.base == 8:
            clean = body.strip("\x00 ")
            if clean and set(clean) <= set("01234567"):
                out.append(int(clean, 8))
            return out
        return list(parse_int_text(body))


S = A.NS
MSF = A.MS
F = Fraction
_LOCAL_OR_UTC = "the writer decides whether this is UTC or the device's local clock"

SPECS: tuple[Spec, ...] = (
    Spec("unix_s", "Unix Seconds", 0, S, "decimal Unix seconds (negative before 1970)",
         aliases=("unix", "unix_seconds", "epoch", "posix")),
    Spec("unix_ms", "Unix Milliseconds", 0, MSF, "decimal Unix milliseconds (Java/JavaScript/Android)",
         aliases=("java", "java_ms", "android_ms", "javascript", "unix_milliseconds", "unix_milli")),
    Spec("unix_us", "Unix Microseconds", 0, A.US, "decimal Unix microseconds",
         aliases=("unix_microseconds",)),
    Spec("unix_ns", "Unix Nanoseconds", 0, 1, "decimal Unix nanoseconds (imo call times, Go/Java Instant)",
         aliases=("unix_nanoseconds", "imo_ns")),
    Spec("unix_days", "Unix Days", 0, A.DAY_NS, "days since 1970-01-01"),
    Spec("unix_hex_be", "Unix Hex 32-bit BE", 0, S, "uint32 Unix seconds, big-endian",
         ("1970-01-01", "2106-02-07"), ("unixhex32be",), width=4, byteorder="big", signed=False),
    Spec("unix_hex_le", "Unix Hex 32-bit LE", 0, S, "uint32 Unix seconds, little-endian (as stored on x86/ARM)",
         ("1970-01-01", "2106-02-07"), ("unixhex32le",), width=4, byteorder="little", signed=False),
    Spec("unix_ms_hex", "Unix Milliseconds hex", 0, MSF, "Unix milliseconds as 6-byte big-endian",
         ("1970-01-01", "9999-12-31"), ("unixmillihex",), width=6, byteorder="big", signed=False),
    Spec("prtime", "Mozilla PRTime", 0, A.US, "microseconds since 1970 (Firefox places etc.)",
         ("1970-01-01", "9999-12-31"), ("mozilla", "firefox")),
    Spec("chrome", "Google Chrome", A.EPOCH_1601, A.US, "decimal microseconds since 1601-01-01 UTC",
         ("1601-01-01", "9999-12-31"), ("webkit", "chrome_time", "webkit_time")),
    Spec("ldap", "Active Directory/LDAP", A.EPOCH_1601, 100, "decimal 100 ns ticks since 1601-01-01 UTC",
         ("1601-01-01", "9999-12-31"), ("active_directory", "ad", "filetime", "filetime_decimal"), signed=False),
    Spec("filetime_le", "Windows FILETIME LE", A.EPOCH_1601, 100, "8-byte FILETIME as stored on disk (LE)",
         ("1601-01-01", "9999-12-31"), ("filetime_hex_le", "windows_64_hex_le"), width=8, byteorder="little",
         signed=False),
    Spec("filetime_be", "Windows FILETIME BE", A.EPOCH_1601, 100, "8-byte FILETIME written big-endian",
         ("1601-01-01", "9999-12-31"), ("filetime_hex_be", "windows_64_hex_be"), width=8, byteorder="big",
         signed=False),
    Spec("dotnet_ticks", "Microsoft .NET Ticks", A.EPOCH_0001, 100, "decimal .NET DateTime.Ticks: 100 ns since 0001-01-01",
         aliases=("net_ticks", "dotnet", "microsoft_net_datetime_ticks"), signed=False),
    Spec("apfs", "APFS time", 0, 1, "8 bytes LE uint64, ns since 1970 UTC", ("1970-01-01", "2554-07-21"),
         width=8, byteorder="little", signed=False),
    Spec("cocoa", "Apple NSDate - bplist / Cocoa", A.EPOCH_2001, S,
         "decimal seconds since 2001-01-01 UTC (NSDate/CFAbsoluteTime, integer form)",
         aliases=("bplist", "nsdate", "cfabsolutetime", "mac_absolute_seconds", "core_data")),
    Spec("nsdate_ns", "Apple NSDate - iOS 11+", A.EPOCH_2001, 1, "decimal ns since 2001-01-01 UTC",
         ("2001-01-02", "2032-09-09"), ("ios_time", "ios11", "iostime")),
    Spec("gps", "GPS time", A.EPOCH_GPS, S, "GPS seconds since 1980-01-06 (UTC = GPS - leap seconds by date)",
         ("1980-01-06", "9999-12-31"), ("gps_time", "gps_seconds"), scale="gps"),
    Spec("gps_utc", "GPS epoch, UTC seconds", A.EPOCH_GPS, S,
         "plain UTC seconds since 1980-01-06 (no leap seconds: what most phones store; the timediff32 SMS)",
         ("1980-01-06", "9999-12-31"), ("gps_plain", "gps_epoch_utc", "gps_unix")),
    Spec("gps_ms", "GPS milliseconds", A.EPOCH_GPS, MSF, "GPS milliseconds since 1980-01-06 (leap seconds by date)",
         ("1980-01-06", "9999-12-31"), scale="gps"),
    Spec("tai_s", "TAI Seconds", 0, S, "TAI seconds since 1970 (UTC = TAI - (TAI-UTC))",
         ("1970-01-01", "9999-12-31"), ("tai",), scale="tai"),
    Spec("tai_ms", "TAI Milliseconds", 0, MSF, "TAI milliseconds since 1970", ("1970-01-01", "9999-12-31"),
         ("taimilli",), scale="tai"),
    Spec("hfs_plus", "HFS+ Decimal Time", A.EPOCH_1904, S, "decimal seconds since 1904-01-01 (HFS+)",
         ("1904-01-01", "9999-12-31"), ("hfs_dec", "hfsplus", "mac_hfs_plus")),
    Spec("hfs_plus_be", "HFS / HFS+ 32-bit Hex BE", A.EPOCH_1904, S, "uint32 BE seconds since 1904-01-01 (HFS+: UTC)",
         ("1904-01-01", "2040-02-06"), ("hfsbe",), width=4, byteorder="big", signed=False),
    Spec("hfs_plus_le", "HFS / HFS+ 32-bit Hex LE", A.EPOCH_1904, S, "uint32 LE seconds since 1904-01-01 (HFS+: UTC)",
         ("1904-01-01", "2040-02-06"), ("hfsle",), width=4, byteorder="little", signed=False),
    Spec("hfs_be", "HFS 32-bit Hex BE (local)", A.EPOCH_1904, S, "uint32 BE seconds since 1904-01-01 (HFS: local time)",
         ("1904-01-01", "2040-02-06"), width=4, byteorder="big", signed=False, clock=Clock.LOCAL),
    Spec("hfs_le", "HFS 32-bit Hex LE (local)", A.EPOCH_1904, S, "uint32 LE seconds since 1904-01-01 (HFS: local time)",
         ("1904-01-01", "2040-02-06"), width=4, byteorder="little", signed=False, clock=Clock.LOCAL),
    Spec("quicktime", "QuickTime/MP4 time", A.EPOCH_1904, S, "mvhd/tkhd v0: uint32 BE seconds since 1904-01-01",
         ("1904-01-01", "2040-02-06"), ("mp4", "mp4_v0"), width=4, byteorder="big", signed=False,
         clock_note=_LOCAL_OR_UTC),
    Spec("quicktime64", "QuickTime/MP4 time (64-bit)", A.EPOCH_1904, S, "mvhd/tkhd v1: uint64 BE seconds since 1904-01-01",
         ("1904-01-01", "9999-12-31"), ("mp4_v1",), width=8, byteorder="big", signed=False,
         clock_note=_LOCAL_OR_UTC),
    Spec("garmin_fit", "Garmin FIT time", A.EPOCH_1989_12_31, S, "uint32 seconds since 1989-12-31 00:00 UTC",
         ("1989-12-31", "2126-02-06"), ("fit",), signed=False),
    Spec("ksuid_decimal", "KSUID Decimal", 1_400_000_000 * S, S, "KSUID timestamp: seconds since 2014-05-13 16:53:20 UTC",
         ("2014-05-13", "2150-06-19"), ("ksdec",), signed=False),
    Spec("nokia", "Nokia time", A.EPOCH_2050 - (1 << 32) * S, S,
         "4-byte BE seconds before 2050-01-01 (two's complement: value - 2^32)", ("1913-11-25", "2050-01-01"),
         ("nokia_be",), width=4, byteorder="big", signed=False),
    Spec("nokia_le", "Nokia time LE", A.EPOCH_2050 - (1 << 32) * S, S,
         "4-byte LE seconds before 2050-01-01 (two's complement: value - 2^32)", ("1913-11-25", "2050-01-01"),
         width=4, byteorder="little", signed=False),
    Spec("nokia_plus1", "Nokia time (+1 s convention)", A.EPOCH_2050 - ((1 << 32) - 1) * S, S,
         "4-byte BE seconds before 2050-01-01 (one's complement: value - 2^32 + 1, 1 s later)",
         ("1913-11-25", "2050-01-01"), ("nokia_be_plus1",), width=4, byteorder="big", signed=False),
    Spec("nokia_plus1_le", "Nokia time LE (+1 s convention)", A.EPOCH_2050 - ((1 << 32) - 1) * S, S,
         "4-byte LE seconds before 2050-01-01 (one's complement, 1 s later)", ("1913-11-25", "2050-01-01"),
         width=4, byteorder="little", signed=False),
    Spec("ntp64", "NTP 64-bit hex", A.EPOCH_1900, F(S, 1 << 32),
         "uint32 seconds since 1900 + uint32 binary fraction (2^-32 s), big-endian", ("1900-01-01", "2036-02-07"),
         ("ntp_hex",), width=8, byteorder="big", signed=False),
    Spec("postgres", "PostgreSQL timestamp", A.EPOCH_2000, A.US, "int64 microseconds since 2000-01-01",
         aliases=("postgresql",), clock_note=_LOCAL_OR_UTC),
    Spec("postgres_be", "PostgreSQL timestamp hex BE", A.EPOCH_2000, A.US, "int64 microseconds since 2000-01-01, BE",
         width=8, byteorder="big", clock_note=_LOCAL_OR_UTC),
    Spec("postgres_le", "PostgreSQL timestamp hex LE", A.EPOCH_2000, A.US, "int64 microseconds since 2000-01-01, LE",
         width=8, byteorder="little", clock_note=_LOCAL_OR_UTC),
    Spec("sas_date", "SAS date", A.EPOCH_1960, A.DAY_NS, "days since 1960-01-01", ("1960-01-01", "9999-12-31"),
         clock_note=_LOCAL_OR_UTC),
    Spec("stata_tc", "Stata %tc time", A.EPOCH_1960, MSF, "milliseconds since 1960-01-01",
         ("1960-01-01", "9999-12-31"), ("stata",), clock_note=_LOCAL_OR_UTC),
    Spec("symbian", "Symbian time", A.EPOCH_0000, A.US, "microseconds since 0000-01-01 (62167219200 s before 1970)",
         ("0001-01-01", "9999-12-31")),
    Spec("matroska", "Matroska/WebM time", A.EPOCH_2001, 1, "DateUTC: signed int64 ns since 2001-01-01 UTC, BE",
         ("1708-09-22", "2293-04-11"), ("webm", "mkv"), width=8, byteorder="big"),
    Spec("xfs_bigtime", "XFS bigtime", -(1 << 31) * S, 1, "uint64 BE ns since 1901-12-13 20:45:52 UTC",
         ("1901-12-13", "2486-07-02"), width=8, byteorder="big", signed=False),
    Spec("apache_cookie", "Apache Cookie Hex time", 0, A.US, "hex (13 chars) microseconds since 1970 (mod_usertrack)",
         ("1970-01-01", "9999-12-31"), ("apache",), signed=False, base=16, digits=13),
    Spec("tar_mtime", "tar header time", 0, S, "tar header mtime: octal seconds since 1970 (11 digits)",
         ("1970-01-01", "2242-03-16"), ("tar",), signed=False, base=8, digits=11),
    Spec("telegram", "Telegram MTProto ID time", 0, F(S, 1 << 32),
         "msg_id: Unix seconds x 2^32 (+ fraction of a second in the low 32 bits)", ("1970-01-01", "2106-02-07"),
         ("mtproto", "telegram_msg_id"), signed=False),
    Spec("tiktok", "TikTok time", 0, S, "TikTok id: (id >> 32) = Unix seconds", ("1970-01-01", "2106-02-07"),
         shift=32, signed=False),
    Spec("twitter", "Twitter time", 1_288_834_974_657 * MSF, MSF,
         "Twitter/X snowflake: (id >> 22) ms + 1288834974657", ("2010-11-04", "2150-03-18"), ("x", "snowflake"),
         shift=22, signed=False),
    Spec("discord", "Discord time", 1_420_070_400_000 * MSF, MSF, "snowflake: (id >> 22) ms + 1420070400000 (2015)",
         ("2015-01-01", "2154-05-15"), shift=22, signed=False),
    Spec("instagram", "Instagram time", 1_314_220_021_721 * MSF, MSF,
         "Instagram id: (id >> 23) ms + 1314220021721", ("2011-08-24", "2081-04-30"), shift=23, signed=False),
    Spec("linkedin", "LinkedIn Activity time", 0, MSF, "LinkedIn activity/post id: (id >> 22) = Unix ms",
         ("1970-01-01", "2109-05-15"), shift=22, signed=False),
    Spec("mastodon", "Mastodon time", 0, MSF, "Mastodon id: (id >> 16) = Unix ms", ("1970-01-01", "9999-12-31"),
         shift=16, signed=False),
    Spec("gmail_id", "GMail Message ID time", 0, MSF, "Gmail message/thread id (16 hex or 19 decimal): id >> 20 = ms",
         ("1970-01-01", "9999-12-31"), ("gmsgid",), shift=20, signed=False, base=16, digits=16),
    Spec("sonyflake", "Sonyflake time", A.epoch(2014, 9, 1), 10 * MSF,
         "Sonyflake (hex): (value >> 24) x 10 ms since 2014-09-01 UTC", ("2014-09-01", "2188-11-16"), ("sony",),
         shift=24, signed=False, base=16, digits=15),
)

FORMATS = [register(LinearFormat(spec)) for spec in SPECS]
