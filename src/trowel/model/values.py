"""Value types shared by every record: typed absence, times that keep their raw value, JSON conversion."""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from trowel.model.provenance import JSON_SAFE_INT, Provenance

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INF = float("inf")

# How many values the JSON conversion has met that a fast encoder (orjson) would not write byte for byte like
# the standard library: floats below 1e-4 (other exponent form), NaN and infinities, and the output of a
# foreign ``to_json`` (not inspected). ``trowel.model.jsonl`` compares it before and after a record's
# ``to_json`` and uses the standard encoder when it moved: one output format, whichever encoder writes it.
ODD_FOR_FAST_JSON = [0]


def odd_float(value: float) -> bool:
    """A float whose JSON text differs between encoders (exponent below 1e-4, NaN, infinity)."""
    return not 1e-4 <= abs(value) < _INF and value != 0.0


class Absence(enum.Enum):
    """Why a value is not there. Distinct from each other and from zero or the empty string."""

    NOT_PRESENT = "not_present"  # the source has no such field (e.g. an older schema)
    NULL = "null"  # the source has the field and it is NULL
    UNDECODABLE = "undecodable"  # a value is there but could not be decoded


class Clock(enum.StrEnum):
    UTC = "utc"
    LOCAL = "local"


def ns_to_datetime(unix_ns: int) -> datetime:
    """Exact conversion of Unix nanoseconds to an aware UTC datetime (sub-microsecond rounded half to even)."""
    micros, rest = divmod(unix_ns, 1000)
    if rest > 500 or (rest == 500 and micros % 2 == 1):
        micros += 1
    return EPOCH + timedelta(microseconds=micros)


def datetime_to_ns(value: datetime) -> int:
    """Exact conversion of a datetime (naive means UTC) to Unix nanoseconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``."""
    value = value.astimezone(UTC) if value.tzinfo else value
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
        f"{value.second:02d}.{value.microsecond:06d}Z"
    )


def iso_ns(unix_ns: int) -> str:
    """ISO 8601 UTC with all nine fraction digits (no rounding)."""
    seconds, frac = divmod(unix_ns, 1_000_000_000)
    base = EPOCH + timedelta(seconds=seconds)
    return (
        f"{base.year:04d}-{base.month:02d}-{base.day:02d}T{base.hour:02d}:{base.minute:02d}:"
        f"{base.second:02d}.{frac:09d}Z"
    )


_CLOCK_TEXTS = {clock: clock.value for clock in Clock}  # Enum.value is a property: slow once per time
_DAYS: dict[int, str] = {}  # days since 1970 -> "YYYY-MM-DD" (times of one extraction share few days)
_FIRST_DAY, _LAST_DAY = -719_162, 2_932_896  # 0001-01-01 and 9999-12-31


def _iso_texts(unix_ns: int) -> tuple[str, str | None] | None:
    """``iso_utc(ns_to_datetime(unix_ns))`` and, when there are sub-microsecond digits, ``iso_ns(unix_ns)``,
    without building a datetime per time. None when the microsecond rounding carries into the next second or
    the instant is outside the calendar: the caller then takes the general path (same texts, same errors)."""
    seconds, frac = divmod(unix_ns, 1_000_000_000)
    micros, rest = divmod(frac, 1000)
    if rest > 500 or (rest == 500 and micros & 1):
        micros += 1
        if micros == 1_000_000:
            return None
    days, clock = divmod(seconds, 86_400)
    date = _DAYS.get(days)
    if date is None:
        if not _FIRST_DAY <= days <= _LAST_DAY:
            return None
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        date = _DAYS[days] = (EPOCH + timedelta(days=days)).date().isoformat()
    hms = _HMS[clock]
    if hms is None:
        hours, rest_of_hour = divmod(clock, 3600)
        hms = _HMS[clock] = f"T{hours:02d}:{rest_of_hour // 60:02d}:{rest_of_hour % 60:02d}."
    base = date + hms
    return f"{base}{micros:06d}Z", (f"{base}{frac:09d}Z" if rest else None)


_HMS: list[str | None] = [None] * 86_400  # second of the day -> "THH:MM:SS." (made when first needed)


@dataclass(frozen=True, slots=True)
class TimeValue:
    """A point in time as found in the evidence: the raw value, how it was read, and the exact instant.

    ``unix_ns`` is None when the raw value could not be decoded (``error`` says why). For formats that store
    the device's local clock, ``clock`` is LOCAL and ``unix_ns`` is the wall-clock reading as if it were UTC.
    """

    raw: int | float | str | bytes | None
    format: str
    unix_ns: int | None
    clock: Clock = Clock.UTC
    error: str | None = None

    @classmethod
    def of(cls, raw: int | float | str | bytes | None, format: str, unix_ns: int | None,
           clock: Clock = Clock.UTC) -> TimeValue:
        """``TimeValue(raw, format, unix_ns, clock)`` without an error, made by the slot setters directly
        (the frozen ``__init__`` costs about twice as much; parsers make one per stored time)."""
        obj = object.__new__(cls)
        set_raw, set_format, set_unix_ns, set_clock, set_error = _TIME_SETTERS
        set_raw(obj, raw)
        set_format(obj, format)
        set_unix_ns(obj, unix_ns)
        set_clock(obj, clock)
        set_error(obj, None)
        return obj

    @property
    def utc(self) -> datetime | None:
        return None if self.unix_ns is None else ns_to_datetime(self.unix_ns)

    def to_json(self) -> dict[str, Any]:
        unix_ns = self.unix_ns
        raw = self.raw
        if type(raw) is int:  # the common case (a bool is no int here): big ones as text
            raw = raw if -JSON_SAFE_INT < raw < JSON_SAFE_INT else str(raw)
        else:
            raw = _json_raw_checked(raw)
        out: dict[str, Any] = {
            "utc": None,
            "raw": raw,
            "format": self.format,
            "clock": _CLOCK_TEXTS.get(self.clock) or self.clock.value,
        }
        if type(unix_ns) is int:
            texts = _iso_texts(unix_ns)
            if texts is not None:
                out["utc"] = texts[0]
                if texts[1] is not None:
                    out["utc_ns"] = texts[1]
                if self.error:
                    out["error"] = self.error
                return out
        if unix_ns is not None:
            try:
                out["utc"] = iso_utc(ns_to_datetime(unix_ns))
            except OverflowError:
                out["error"] = "outside the range of calendar dates"
            if unix_ns % 1000:
                out["utc_ns"] = iso_ns(unix_ns)
        if self.error:
            out["error"] = self.error
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TimeValue:
        raw = data.get("raw")
        unix_ns: int | None = None
        if data.get("utc_ns"):
            unix_ns = _parse_iso_ns(data["utc_ns"])
        elif data.get("utc"):
            unix_ns = _parse_iso_ns(data["utc"])
        return cls(raw=raw, format=data.get("format", ""), unix_ns=unix_ns,
                   clock=Clock(data.get("clock", "utc")), error=data.get("error"))


_TIME_SETTERS = tuple(TimeValue.__dict__[name].__set__ for name in ("raw", "format", "unix_ns", "clock", "error"))
if tuple(TimeValue.__dataclass_fields__) != ("raw", "format", "unix_ns", "clock", "error"):
    raise RuntimeError("TimeValue.of sets the fields raw, format, unix_ns, clock, error: update it")


def _parse_iso_ns(text: str) -> int:
    body = text.rstrip("Z")
    main, _, frac = body.partition(".")
    base = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    frac_ns = int((frac + "000000000")[:9]) if frac else 0
    return datetime_to_ns(base) + frac_ns


def json_raw(raw: Any) -> Any:
    """A raw value made JSON-safe without losing anything: big integers as strings, bytes as base64."""
    if isinstance(raw, bool) or raw is None:
        return raw
    if isinstance(raw, int):
        return str(raw) if abs(raw) >= JSON_SAFE_INT else raw
    if isinstance(raw, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(raw)).decode("ascii")}
    return raw


def _json_raw_checked(raw: Any) -> Any:
    """``json_raw``, counting what a fast encoder would write differently (see ODD_FOR_FAST_JSON)."""
    out = json_raw(raw)
    kind = type(out)
    if kind is float:
        if odd_float(out):
            ODD_FOR_FAST_JSON[0] += 1
    elif not (kind is str or out is None or kind is int or kind is bool or kind is dict):
        ODD_FOR_FAST_JSON[0] += 1
    return out


def to_jsonable(value: Any) -> Any:
    """Convert any record field value to plain JSON types."""
    kind = type(value)
    if kind is str or value is None or kind is bool:  # the common cases, checked cheaply first
        return value
    if kind is int:
        return value if -JSON_SAFE_INT < value < JSON_SAFE_INT else str(value)
    # exact containers and the model's own value types first: the same results as the general branches below
    # reach for them, without walking the isinstance chain (header lists, certificate dicts, cipher lists)
    if kind is list or kind is tuple:
        return jsonable_items(value)
    if kind is dict:
        return _jsonable_mapping(value)
    if kind is TimeValue or kind is Provenance:
        return value.to_json()
    if isinstance(value, float):
        if odd_float(value):
            ODD_FOR_FAST_JSON[0] += 1
        return value
    if isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return json_raw(value)
    if isinstance(value, Absence):
        return None if value is not Absence.UNDECODABLE else {"absent": value.value}
    if isinstance(value, enum.Enum):
        if type(value.value) is not str:
            ODD_FOR_FAST_JSON[0] += 1
        return value.value
    if isinstance(value, bytes | bytearray | memoryview):
        return json_raw(value)
    if hasattr(value, "to_json"):
        if kind is not TimeValue and kind is not Provenance:
            ODD_FOR_FAST_JSON[0] += 1
        return value.to_json()
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items() if v is not Absence.NOT_PRESENT}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [to_jsonable(v) for v in items]
    return str(value)


def jsonable_items(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    """``[to_jsonable(v) for v in values]``, the plain items (text, None, booleans, safe integers) kept as they
    are without a call."""
    out: list[Any] = []
    append = out.append
    for v in values:
        kind = type(v)
        if kind is str or v is None or kind is bool or kind is int and -JSON_SAFE_INT < v < JSON_SAFE_INT:
            append(v)
        else:
            append(to_jsonable(v))
    return out


def _jsonable_mapping(values: dict[Any, Any]) -> dict[str, Any]:
    """``to_jsonable`` of a dict: keys as text, absent values left out, plain values kept without a call."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if v is Absence.NOT_PRESENT:
            continue
        kind = type(v)
        if kind is str or v is None or kind is bool or kind is int and -JSON_SAFE_INT < v < JSON_SAFE_INT:
            out[k if type(k) is str else str(k)] = v
        else:
            out[k if type(k) is str else str(k)] = to_jsonable(v)
    return out
