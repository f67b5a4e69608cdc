"""Decimal-fraction formats: a (possibly fractional) count of units since an epoch, read exactly.

Julian dates, OLE Automation dates, Excel 1904, MATLAB datenum, Mac Absolute seconds with fraction, NTP
decimal, SAS/SPSS, Mars Sol Date, stardates. The raw value is decimal text (or an int/float from a
database column); it is converted with ``fractions.Fraction`` so no digit is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from trowel.errors import TimestampError
from trowel.model.values import Clock
from trowel.timestamps import arith as A
from trowel.timestamps.base import Decoded, Format, Kind, Raw
from trowel.timestamps.leapseconds import TT_MINUS_NS, scale_to_utc, utc_to_scale
from trowel.timestamps.registry import register


@dataclass(frozen=True)
class DecimalSpec:
    name: str
    display: str
    epoch_ns: Fraction | int
    unit_ns: Fraction | int
    digits: int  # fraction digits written when encoding
    encoding: str
    range_text: tuple[str, str] = ("0001-01-01", "9999-12-31")
    aliases: tuple[str, ...] = ()
    clock: Clock = Clock.UTC
    clock_note: str | None = None
    tt: bool = False  # counts on Terrestrial Time (Mars Sol Date)


class DecimalFormat(Format):
    family = "decimal"
    kind = Kind.TEXT

    def __init__(self, spec: DecimalSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.display = spec.display
        self.aliases = spec.aliases
        self.clock = spec.clock
        self.clock_note = spec.clock_note
        self.encoding = spec.encoding
        self.range_text = spec.range_text
        self.unit = Fraction(spec.unit_ns)
        self.epoch = Fraction(spec.epoch_ns)
        self.resolution_ns = max(1, int(self.unit / 10**spec.digits))

    @staticmethod
    def value_of(raw: Raw) -> Fraction:
        if isinstance(raw, (bool, bytes)):
            raise TimestampError("not a decimal number")
        if isinstance(raw, int):
            return Fraction(raw)
        if isinstance(raw, float):
            if raw != raw or raw in (float("inf"), float("-inf")):
                raise TimestampError("not a finite number")
            return Fraction(raw)
        try:
            return A.parse_decimal(raw)
        except (ValueError, ZeroDivisionError) as exc:
            raise TimestampError(f"{raw!r} is not a decimal number") from exc

    def decode_raw(self, raw: Raw) -> Decoded:
        return self.decoded(self.decode_unchecked(raw))

    def encode_raw(self, unix_ns: int) -> Raw:
        self.check_range(unix_ns)
        scale_ns = utc_to_scale(unix_ns, TT_MINUS_NS) if self.spec.tt else unix_ns
        value = (scale_ns - self.epoch) / self.unit
        text = A.decimal_text(value, self.spec.digits)
        step = Fraction(1, 10**self.spec.digits)
        for _ in range(2):  # keep the rounded text inside the range at its edges
            decoded = self.decode_unchecked(text)
            if decoded < self.min_ns:
                text = A.decimal_text(A.parse_decimal(text) + step, self.spec.digits)
            elif decoded > self.max_ns:
                text = A.decimal_text(A.parse_decimal(text) - step, self.spec.digits)
        return text

    def decode_unchecked(self, raw: Raw) -> int:
        scale_ns = A.fraction_to_ns(self.epoch + self.value_of(raw) * self.unit)
        return scale_to_utc(scale_ns, TT_MINUS_NS) if self.spec.tt else scale_ns

    def parse_text(self, text: str) -> list[Raw]:
        body = text.strip()
        try:
            A.parse_decimal(body)
        except (ValueError, ZeroDivisionError):
            return []
        return [body]

    def tolerance_ns(self, raw: Raw) -> int:
        return int(self.unit / 10**self.spec.digits) + 1

    def binary_forms(self, raw: Raw) -> tuple[str | None, str | None, str | None]:
        return str(raw), None, None


DAY = A.DAY_NS
S = A.NS
_LOCAL_OR_UTC = "the writer decides whether this is UTC or the device's local clock"
_JD_UNIX = Fraction(24405875, 10)  # Julian Date of 1970-01-01 00:00 UTC
_YEAR_1000TH = Fraction(3652425, 10_000) * DAY / 1000  # 1/1000 of a Gregorian year

SPECS = (
    DecimalSpec("unix_s_fraction", "Unix Seconds with fraction", 0, S, 9,
                "decimal Unix seconds with up to 9 fraction digits (Slack ts etc.)", aliases=("slack", "unix_float")),
    DecimalSpec("mac_absolute", "Apple NSDate - Mac Absolute", A.EPOCH_2001, S, 6,
                "decimal seconds (up to 6 fraction digits) since 2001-01-01 UTC",
                aliases=("mac", "mac_absolute_time", "cocoa_fraction", "nsdate_all")),
    DecimalSpec("ntp", "NTP time", A.EPOCH_1900, S, 9, "decimal NTP seconds since 1900-01-01 (era 0)",
                ("1900-01-01", "9999-12-31"), ("ntp_decimal", "network_time_protocol_time")),
    DecimalSpec("julian_date", "Julian Date decimal", -_JD_UNIX * DAY, DAY, 15,
                "Julian Date: days since -4712-01-01 12:00 UT", aliases=("jd", "juliandec")),
    DecimalSpec("mjd", "Modified Julian Date", A.EPOCH_1858_11_17, DAY, 15, "days since 1858-11-17 00:00",
                ("1858-11-17", "9999-12-31"), ("modified_julian",)),
    DecimalSpec("ole_auto", "Windows OLE Automation Date", A.EPOCH_1899_12_30, DAY, 15,
                "decimal days since 1899-12-30 (fraction = time of day)", ("1899-12-30", "9999-12-31"),
                ("oadate", "ole_automation", "excel_1900")),
    DecimalSpec("excel_1904", "Microsoft Excel 1904 date", A.EPOCH_1904, DAY, 15,
                "Excel 1904 system: days (fractional) since 1904-01-01", ("1904-01-01", "9999-12-31"), ("ms1904",)),
    DecimalSpec("matlab_datenum", "MATLAB datenum", -719_529 * DAY, DAY, 15,
                "days since 0000-01-00 (719529 = 1970-01-01)", aliases=("datenum", "matlab"),
                clock_note=_LOCAL_OR_UTC),
    DecimalSpec("sas_datetime", "SAS datetime", A.EPOCH_1960, S, 6, "seconds since 1960-01-01",
                ("1960-01-01", "9999-12-31"), clock_note=_LOCAL_OR_UTC),
    DecimalSpec("spss", "SPSS date", A.EPOCH_1582_10_14, S, 6, "SPSS date-time: seconds since 1582-10-14",
                ("1582-10-14", "9999-12-31"), clock_note=_LOCAL_OR_UTC),
    DecimalSpec("mars_sol", "Mars Sol Date time", (Fraction(24055220028779, 10**7) - _JD_UNIX) * DAY,
                Fraction(10274912517, 10**10) * DAY, 9,
                "Mars Sol Date: (JD_TT - 2405522.0028779) / 1.0274912517 (Terrestrial Time)",
                ("1873-12-29", "9999-12-31"), ("mars", "msd"), tt=True,
                clock_note="counted on Terrestrial Time (TT = UTC + TAI-UTC + 32.184 s)"),
    DecimalSpec("stardate_tng", "Star Trek TNG Stardate", A.epoch(2318, 7, 5), _YEAR_1000TH, 6,
                "novelty: 1000 units per Gregorian year from 2318-07-05 (trowel's convention)",
                ("2318-07-05", "9999-12-31"), ("tng",)),
    DecimalSpec("stardate_tos", "Star Trek TOS Stardate", A.epoch(2265, 4, 25), _YEAR_1000TH, 6,
                "novelty: 1000 units per Gregorian year from 2265-04-25 (trowel's convention)",
                ("2265-04-25", "9999-12-31"), ("tos",)),
)

FORMATS = [register(DecimalFormat(spec)) for spec in SPECS]
