"""Column typing: is a database column a time, in which format, and why (issue 15).

Field inference over values alone (``infer.infer_column``) asks "which formats put these values in a
window?"; for real application databases that is the wrong question: ids, version codes, hashes, resource
ids and durations land in *some* format's window (a version code 231818044 is 2008 in Cocoa seconds). So a
column is typed in this order, and the reason is kept with the answer:

1. **Identifiers and non-times first**, by the schema and the name: INTEGER PRIMARY KEY (a rowid alias) and
   other primary keys, ``id``/``*_id``/``pk``/``seq``, versions and version codes, hashes and keys,
   durations and intervals (``ttl``, ``period``, ``interval``, ``*_duration``, ``flex``, ``timeout``),
   counts, sizes, flags, positions; then by the values: Android resource ids (``0x7f......``), signed values
   spread over the whole range (hashes).
2. **Not-set values** (0, -1, INT32_MAX, INT64_MAX/MIN) are set aside: they neither decide the unit nor
   make a unit implausible.
3. **Plain units that fit win**: Unix s/ms/us/ns, then Chrome/WebKit and FILETIME decimal (their magnitudes
   do not collide with Unix units); other epochs (Cocoa, GPS, HFS+ ...) only for columns whose name says
   "time" and which no plain unit fits. Name hints decide between units (``*_ms``, ``millis`` -> ms,
   ``*_us``/``micros`` -> us, ``*_ns``/``nanos`` -> ns).
4. **Snowflake-style ids** (Twitter, Discord, Instagram, KSUID, Telegram, TikTok ...) only for id columns of
   that service (the service's name in the column, the table or the context, e.g. the app's package).
5. A column typed from its values alone (no name hint) must behave like times: several distinct values,
   and near the table's named time columns when there are any (``type_table``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trowel.model import TimeValue
from trowel.timestamps import arith as A
from trowel.timestamps.catalog import get_format
from trowel.timestamps.decoding import to_time_value
from trowel.timestamps.linear import LinearFormat
from trowel.timestamps.when import WhenLike, window

DEFAULT_AFTER = A.epoch(2000)
DEFAULT_BEFORE = A.epoch(2040)
SAMPLE = 5_000
INT32_MAX = (1 << 31) - 1
INT64_MAX = (1 << 63) - 1
NOT_SET = {0: "0", -1: "-1", INT32_MAX: "INT32_MAX", INT64_MAX: "INT64_MAX", -(1 << 63): "INT64_MIN",
           (1 << 32) - 1: "UINT32_MAX"}
YEAR_NS = 365 * A.DAY_NS

PLAIN = ("unix_s", "unix_ms", "unix_us", "unix_ns")
WIDE = ("chrome", "ldap")  # 17 and 18 digits in this era: no collision with a Unix unit
NAMED_ONLY = ("cocoa", "nsdate_ns", "gps_utc", "gps", "hfs_plus", "unix_days")
UNIT_HINTS = {
    "unix_ms": ("ms", "millis", "milli", "msec", "msecs", "milliseconds", "millisecond"),
    "unix_us": ("us", "usec", "usecs", "micros", "micro", "microseconds"),
    "unix_ns": ("ns", "nanos", "nano", "nsec", "nanoseconds", "nanotime"),
    "unix_s": ("sec", "secs", "seconds", "epoch", "unix", "unixtime"),
}
SNOWFLAKES = {
    "twitter": ("twitter", "tweet"), "discord": ("discord",), "instagram": ("instagram",),
    "telegram": ("telegram", "mtproto"), "ksuid_decimal": ("ksuid",), "tiktok": ("tiktok", "musically", "aweme"),
    "mastodon": ("mastodon", "toot"), "linkedin": ("linkedin",), "sonyflake": ("sonyflake",),
    "gmail_id": ("gmail",),
}
ID_TOKENS = {"id", "ids", "uid", "uuid", "guid", "gid", "pid", "tid", "pk", "rowid", "oid", "seq", "sequence",
             "serial", "parent", "fk", "ref", "key", "keys", "idx", "index", "position", "pos", "ordinal",
             "rank", "sort", "order", "cursor", "token", "nonce", "salt", "seed", "handle", "slot"}
VERSION_TOKENS = {"version", "versions", "ver", "vers", "revision", "rev", "generation", "code", "build",
                  "schema", "major", "minor", "patch", "sdk", "api"}
HASH_TOKENS = {"hash", "hashes", "hashcode", "checksum", "crc", "crc32", "digest", "fingerprint", "signature",
               "sig", "md5", "sha1", "sha", "sha256", "murmur", "fnv"}
DURATION_TOKENS = {"ttl", "period", "periodic", "interval", "duration", "durations", "dur", "flex", "timeout",
                   "delay", "backoff", "elapsed", "uptime", "lifetime", "latency", "age", "grace", "cooldown",
                   "throttle", "frequency", "freq", "spent", "realtime", "offset", "tz", "timezone", "zone",
                   "span", "wait", "retention", "lifespan", "remaining", "live"}
COUNT_TOKENS = {"count", "counts", "cnt", "num", "number", "size", "sizes", "len", "bytes", "total", "times",
                "attempt", "attempts", "retries", "retry", "tries", "failures", "failure", "errors", "quota",
                "limit", "max", "min", "width", "height", "score", "weight", "level", "flags", "flag", "mask",
                "type", "types", "status", "state", "mode", "priority", "percent", "ratio", "volume", "battery",
                "lat", "latitude", "lng", "lon", "longitude", "altitude", "accuracy", "bearing", "speed", "port",
                "mcc", "mnc", "lac", "cid", "rssi", "color", "colour", "icon", "resource", "res", "layout",
                "drawable", "dpi", "density", "bitmap", "capacity", "amount", "balance", "price", "value"}
TIME_TOKENS = {"date", "time", "timestamp", "ts", "created", "modified", "updated", "last", "expire", "expires",
               "expiry", "expiration", "at", "when", "seen", "accessed", "sent", "received", "started", "ended",
               "start", "end", "deadline", "scheduled", "birthday", "dob", "datetime", "tstamp", "stamp",
               "mtime", "ctime", "atime", "added", "deleted", "published", "installed", "synced", "refreshed",
               "edited", "opened", "closed", "visited", "viewed", "played", "used", "logged", "runtime",
               "creation", "utc", "day", "expired", "lastmod", "dtstart", "dtend"}
TIME_PARTS = ("time", "date", "stamp", "created", "modified", "updated", "expir", "lastseen", "lastused", "lastmod")
_TOKENS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@dataclass(frozen=True)
class ColumnType:
    """What a column holds: ``format`` (None: not a time) and why; ``confidence`` in [0, 1]."""

    column: str
    format: str | None
    reason: str
    confidence: float = 0.0
    hinted: bool = False  # the name says "time"
    median_ns: int | None = None  # the column's typical instant (for the table-level consistency check)

    @property
    def is_time(self) -> bool:
        return self.format is not None

    def stamp(self, value: Any) -> TimeValue | None:
        """The column's value as a time (None when the column is not a time or the value is null); a
        not-set value (0, -1, INT64_MAX ...) keeps its raw with the error 'not set'."""
        if self.format is None or value is None or value == "":
            return None
        sentinel = not_set(value)
        if sentinel is not None:
            return TimeValue(raw=value, format=self.format, unix_ns=None, error=f"not set ({sentinel})")
        return to_time_value(value, self.format)

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "format": self.format, "reason": self.reason,
                "confidence": round(self.confidence, 3)}


def tokens(name: str) -> list[str]:
    """Words of a column name: snake_case, camelCase and digits split, lower-cased."""
    return [t.lower() for t in _TOKENS.findall(name)]


def not_set(value: Any) -> str | None:
    """The label of a 'not set' / 'never' value (0, -1, INT32_MAX, INT64_MAX ...), else None."""
    number = _number(value)
    if number is None or (isinstance(number, float) and not number.is_integer()):
        return None
    return NOT_SET.get(int(number))


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,20}", value.strip()):
        return int(value.strip())
    return None


def _service(texts: Sequence[str]) -> str | None:
    joined = " ".join(t.lower() for t in texts if t)
    for fmt, words in SNOWFLAKES.items():
        if any(w in joined for w in words):
            return fmt
    return None


def name_class(name: str) -> tuple[str | None, str | None]:
    """(what the name says the column is not: a reason, or None; the unit it names, or None)."""
    words = tokens(name)
    compact = name.lower().replace("_", "")
    unit = next((fmt for fmt, hints in UNIT_HINTS.items() if any(w in hints for w in words)), None)
    checks = (
        (ID_TOKENS, "an identifier"), (VERSION_TOKENS, "a version or code"), (HASH_TOKENS, "a hash"),
        (DURATION_TOKENS, "a duration or interval"), (COUNT_TOKENS, "a count, size or setting"),
    )
    if len(words) > 1 and words[-1] == "in":  # expires_in, valid_in: a number of seconds from now
        return f"named as a duration or interval ({name!r})", unit
    for vocabulary, label in checks:
        hit = next((w for w in words if w in vocabulary), None)
        if hit is not None and not (label == "a count, size or setting" and words[-1] in TIME_TOKENS
                                    and hit not in ("times",)):
            return f"named as {label} ({hit!r} in {name!r})", unit
    for part, label in (("version", "a version"), ("hash", "a hash"), ("checksum", "a hash"),
                        ("timeout", "a duration or interval"), ("duration", "a duration or interval"),
                        ("interval", "a duration or interval")):
        if part in compact:
            return f"named as {label} ({part!r} in {name!r})", unit
    return None, unit


def time_named(name: str) -> bool:
    words = tokens(name)
    compact = name.lower().replace("_", "")
    return any(w in TIME_TOKENS for w in words) or any(p in compact for p in TIME_PARTS)


def _fits(fmt_name: str, values: list[int | float], after_ns: int, before_ns: int) -> float:
    """Share of values whose instant in the format lies in the window (raw-bound comparisons only)."""
    fmt = get_format(fmt_name)
    assert isinstance(fmt, LinearFormat)
    bounds = fmt.raw_bounds(after_ns, before_ns)
    if bounds is None or not values:
        return 0.0
    lo, hi = bounds
    return sum(1 for v in values if lo <= v <= hi) / len(values)


def _median_ns(fmt_name: str, values: list[int | float]) -> int | None:
    ordered = sorted(values)
    got = to_time_value(ordered[len(ordered) // 2], fmt_name)
    return got.unix_ns


def _value_class(values: list[int | float]) -> str | None:
    """Non-times recognised by their values: Android resource ids and hashes."""
    ints = [int(v) for v in values if isinstance(v, int) or v.is_integer()]
    if len(ints) < len(values) or not ints:
        return None
    resources = sum(1 for v in ints if 0x7F000000 <= v <= 0x7FFFFFFF or 0x01000000 <= v <= 0x01FFFFFF)
    if resources >= 0.8 * len(ints) and any(v >= 0x7F000000 for v in ints):
        return "Android resource ids (0x7f......)"
    if len(ints) >= 4:
        negative = sum(1 for v in ints if v < 0)
        if 0.15 * len(ints) <= negative <= 0.85 * len(ints) and sorted(abs(v) for v in ints)[len(ints) // 2] > 1 << 20:
            return "signed values spread over the whole range (a hash)"
        ordered = sorted(ints)
        q1, q3, hi = ordered[len(ordered) // 4], ordered[3 * len(ordered) // 4], ordered[-1]
        if len(ints) >= 8 and ordered[0] >= 0 and hi > 1 << 20 and q3 - q1 > (1 << hi.bit_length()) * 0.3:
            return "values spread over the whole range (a hash or random id)"
    return None


def type_column(name: str, values: Sequence[Any], *, table: str | None = None, declared_type: str | None = None,
                primary_key: bool = False, context: str | None = None, after: WhenLike | None = None,
                before: WhenLike | None = None) -> ColumnType:
    """Whether a column of a database (or any list of values with a name) holds times, in which format, and why.

    ``primary_key``: the column is the table's INTEGER PRIMARY KEY (rowid alias) or part of its key.
    ``context``: where the column comes from (an app's package, a file name): names a snowflake service.
    ``after``/``before``: the plausible window (default 2000-01-01 .. 2040-01-01).
    """
    after_ns, before_ns = window(after, before, DEFAULT_AFTER, DEFAULT_BEFORE)
    raw_present = [v for v in values if v is not None and v != ""][:SAMPLE]
    numbers = [n for n in (_number(v) for v in raw_present) if n is not None]
    if raw_present and len(numbers) < 0.9 * len(raw_present):
        return ColumnType(name, None, "not numbers (text or blobs)")
    hinted = time_named(name)
    why_not, unit = name_class(name)
    if declared_type is not None and declared_type.strip().upper() in ("TEXT", "BLOB", "BOOLEAN", "BOOL"):
        return ColumnType(name, None, f"declared {declared_type.strip().upper()}")
    set_values = [v for v in numbers if not_set(v) is None]
    service = _service([name, table or "", context or ""])
    if primary_key and hinted and why_not is None:
        primary_key = False  # a key column named as a time (PRIMARY KEY (package, timestamp)) is typed by its values
    if primary_key or why_not is not None:
        is_id = primary_key or (why_not is not None and "identifier" in why_not)
        if is_id and service is not None and set_values:
            share = _fits(service, set_values, after_ns, before_ns)
            if share >= 0.9:
                return ColumnType(name, service, f"ids of {service} (service named in the column, table or "
                                  f"context): {service} snowflake time", 0.8, hinted,
                                  _median_ns(service, set_values))
        if primary_key:
            return ColumnType(name, None, "primary key (INTEGER PRIMARY KEY is the rowid): an identifier")
        assert why_not is not None
        return ColumnType(name, None, why_not)
    if not set_values:
        if hinted and unit is not None:
            return ColumnType(name, unit, f"named as a time in {unit} ({name!r}); only not-set values", 0.5, True)
        return ColumnType(name, None, "only not-set values (0, -1, max)" if numbers else "no values")
    value_reason = _value_class(set_values)
    if value_reason is not None:
        return ColumnType(name, None, value_reason)
    distinct = len(set(set_values))
    shares = {f: _fits(f, set_values, after_ns, before_ns) for f in (*PLAIN, *WIDE)}
    if hinted:
        shares.update({f: _fits(f, set_values, after_ns, before_ns) for f in NAMED_ONLY})
    need = 0.6 if hinted else 0.9
    fitting = [f for f in (*PLAIN, *WIDE, *NAMED_ONLY) if shares.get(f, 0.0) >= need]
    if not fitting:
        what = ("named as a time but no plain unit puts its values in the window" if hinted
                else "no plain time unit puts the values in the window")
        return ColumnType(name, None, what)
    if unit in fitting:
        best = unit
    else:
        best = max(fitting, key=lambda f: (shares[f], -(*PLAIN, *WIDE, *NAMED_ONLY).index(f)))
    share = shares[best]
    median = _median_ns(best, set_values)
    sentinels = len(numbers) - len(set_values)
    aside = f"; {sentinels} not-set values set aside" if sentinels else ""
    if hinted:
        how = f"named as a time{' in ' + unit if unit else ''} ({name!r})"
        if unit is not None and best != unit:
            how += f" but the values are {best}"
        confidence = 0.95 if best in PLAIN or best in WIDE else 0.6
        return ColumnType(name, best, f"{how}; {share:.0%} of values in the window as {best}{aside}",
                          confidence * share, True, median)
    if distinct < 2:
        return ColumnType(name, None, f"one value in {len(set_values)} rows and no time name: a setting or "
                          f"constant, not typed (would be {best})")
    if best in (*PLAIN, *WIDE):
        reason = f"{share:.0%} of {len(set_values)} values in the window as {best}, {distinct} distinct{aside}"
        if unit == best:
            reason += f" (the name says {best})"
        return ColumnType(name, best, reason, 0.8 * share, False, median)
    return ColumnType(name, None, f"fits only {best}, an unusual epoch, and the name does not say time")


def type_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, table: str | None = None,
               declared_types: Sequence[str | None] | None = None, primary_key: Sequence[str] = (),
               context: str | None = None, after: WhenLike | None = None,
               before: WhenLike | None = None) -> dict[str, ColumnType]:
    """Type every column of a table (rows: value lists in column order). A column typed from its values alone
    must sit within a few years of the table's named time columns when there are any."""
    out: dict[str, ColumnType] = {}
    keys = set(primary_key)
    for index, column in enumerate(columns):
        values = [row[index] if index < len(row) else None for row in rows[:SAMPLE]]
        declared = declared_types[index] if declared_types is not None and index < len(declared_types) else None
        out[column] = type_column(column, values, table=table, declared_type=declared,
                                  primary_key=column in keys, context=context, after=after, before=before)
    anchors = [c.median_ns for c in out.values() if c.hinted and c.median_ns is not None]
    if anchors:
        lo, hi = min(anchors) - 5 * YEAR_NS, max(anchors) + 5 * YEAR_NS
        for column, typed in list(out.items()):
            if typed.is_time and not typed.hinted and typed.median_ns is not None and not lo <= typed.median_ns <= hi:
                out[column] = ColumnType(column, None, f"values read as {typed.format} sit more than 5 years from "
                                         "the table's named time columns")
    return out
