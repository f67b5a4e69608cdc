"""Reading imo values that may come from a live row or from recovered bytes (wrong types, partial rows).

Also: imdata (a JSON object in a text column), message classification, and the plausibility choice of a unit
for timestamps whose unit imo does not document.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from trowel.model import TimeValue, datetime_to_ns, ns_to_datetime
from trowel.timestamps import decode, stamp

APP_EPOCH_NS = datetime_to_ns(datetime(2009, 1, 1, tzinfo=UTC))  # imo for Android did not exist earlier
UNIX_UNITS = ("unix_s", "unix_ms", "unix_us", "unix_ns")
YEAR_NS = 365 * 86_400 * 10**9
_MISSED = re.compile(r"\bmissed\b.*\bcall\b", re.IGNORECASE)


def now_ns() -> int:
    return datetime_to_ns(datetime.now(UTC))


def as_int(value: Any) -> int | None:
    """An integer from an int, a numeric string or a float with no fraction; None otherwise."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d{1,30}", text):
            return int(text)
    return None


def as_text(value: Any) -> str | None:
    """Text as shown to an examiner: invalid UTF-8 replaced (the raw bytes stay in ``raw``)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def as_flag(value: Any) -> bool | None:
    number = as_int(value)
    return None if number is None else number != 0


def is_group_id(buid: str | None) -> bool:
    """imo people have numeric uids; groups (and broadcast lists) do not."""
    return bool(buid) and not str(buid).isdigit()


def direction(message_type: Any) -> str:
    """1 → incoming; 0 (imo 9.8) or 2 (imo HD) → outgoing; anything else is unknown (never guessed)."""
    value = as_int(message_type)
    if value == 1:
        return "incoming"
    if value in (0, 2):
        return "outgoing"
    return "unknown"


def imdata(value: Any) -> dict[str, Any]:
    """The imdata JSON object ({} when absent or not an object)."""
    text = as_text(value)
    if not text:
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def attachment_paths(data: dict[str, Any]) -> list[str]:
    """Attachment paths of an imdata object: ``original_path`` first (preferred), then ``local_path``."""
    out = []
    for key in ("original_path", "local_path", "path", "file_path"):
        value = data.get(key)
        if isinstance(value, str) and value and value not in out:
            out.append(value)
    return out


def story_reference(data: dict[str, Any]) -> str | None:
    for key in ("object_id", "story_object_id", "story_id"):
        value = data.get(key)
        if isinstance(value, str | int) and str(value):
            return str(value)
    return None


def classify(text: str | None, data: dict[str, Any]) -> tuple[str, str | None]:
    """(message kind, referenced story id): text, sticker, media, missed_call, story_reply or other."""
    if not data:  # no imdata (most messages): only the text can make it a missed call
        return ("missed_call", None) if text and _MISSED.search(text) else ("text", None)
    kind = str(data.get("type") or "").lower()
    if "story" in kind or (story_reference(data) and "reply" in kind):
        return "story_reply", story_reference(data)
    if "sticker" in kind or "sticker_id" in data or "stickerId" in data:
        return "sticker", None
    if ("call" in kind and "missed" in kind) or (text and _MISSED.search(text) and (not kind or "call" in kind)):
        return "missed_call", None
    if attachment_paths(data) or kind in ("photo", "image", "video", "audio", "file", "voice"):
        return "media", None
    if not kind:
        return "text", None
    if kind in ("text", "chat"):
        return "text", None
    return "other", None


def call_type_of(text: str | None, data: dict[str, Any], raw: Any = None) -> str:
    for candidate in (raw, data.get("call_type"), data.get("type"), text):
        value = as_text(candidate)
        if not value:
            continue
        low = value.lower()
        if "video" in low:
            return "video"
        if "audio" in low or "voice" in low:
            return "audio"
    return "unknown"


def ns_time(raw: Any) -> TimeValue:
    """A documented Unix-nanosecond column."""
    value = as_int(raw)
    if value is None:
        return stamp(None if raw is None else str(raw), "unix_ns")
    return stamp(value, "unix_ns")


def plausible_time(raw: Any, now: int) -> tuple[TimeValue | None, str]:
    """Choose the Unix unit (s, ms, µs, ns) of an undocumented timestamp by plausibility.

    ``trowel.timestamps.decode`` ranks every reading inside [2009-01-01 (before imo for Android), one year
    after the examination]; imo is a Java app, so only the Unix units are candidates. The unit is kept when
    exactly one fits, and the reason (digit count, window, score) is returned for the record's note.
    None when no unit (or more than one) fits.
    """
    value: int | float | None = as_int(raw)
    if value is None and isinstance(raw, float) and math.isfinite(raw):
        value = raw  # a fraction of a unit (seconds with milliseconds after the point...)
    if value is None:
        return None, "not an integer"
    digits = len(str(abs(int(value))))
    window = "a date between 2009-01-01 and one year after the examination"
    readings = decode(value, after=ns_to_datetime(APP_EPOCH_NS), before=ns_to_datetime(now + YEAR_NS))
    fits: list[tuple[str, float]] = []
    for reading in readings:
        names = [n for n in (reading.format, *reading.also) if n in UNIX_UNITS]
        if names and names[0] not in {name for name, _ in fits}:
            fits.append((names[0], reading.score))
    if not fits:
        return None, f"{digits} digits: no Unix unit gives {window}"
    if len(fits) > 1:
        return None, f"ambiguous: {', '.join(name for name, _ in fits)} all give {window}"
    name, score = fits[0]
    return stamp(value, name), (f"{name}: {digits} digits; the only Unix unit giving {window} "
                                f"(trowel.timestamps.decode score {score:.2f})")


def to_ns(value: int, now: int) -> int:
    """A time in whichever Unix unit is plausible, as nanoseconds (the value itself when no unit is): for
    comparing times of one column whose rows use different units."""
    limit = now + YEAR_NS
    for factor in (1, 10**3, 10**6, 10**9):
        if APP_EPOCH_NS <= value * factor <= limit:
            return value * factor
    return value


def phone_key(phone: Any) -> str | None:
    """Digits of a phone number, last nine (matches local and international spellings of one number)."""
    text = as_text(phone)
    if not text:
        return None
    digits = re.sub(r"\D", "", text)
    return digits[-9:] if len(digits) >= 6 else None
