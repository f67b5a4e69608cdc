"""Times of imo rows: the unit of every value decided by plausibility, in the context of its column and row.

imo keeps times in Unix seconds, milliseconds, microseconds or nanoseconds depending on the table and the
version (call_timestamps holds nanoseconds in some versions and milliseconds in others). No table fixes a unit:
each value goes through ``fields.plausible_time`` (the timestamp toolkit's ranking of the Unix units inside
[2009-01-01, one year after the examination]); the windows of the four units do not overlap, so at most one
fits. The study documents nanoseconds for a few columns (``spec.NS``): a value plausible as nanoseconds there is
taken as such without the toolkit (the common case, a million times in a large database) and without a note.

What the record gets: the time (its ``format`` names the unit) and a note with the choice and its reason
(the ``note`` field, or the provenance detail for messages) whenever the unit is not the documented one. A
value no unit makes plausible is kept raw (``unix_ns`` null, ``error`` says why) with a ``time_implausible``
finding; in a documented column it is decoded as documented instead, and the existing checks report it
(``time_in_future``, ``time_before_app``).
"""

from __future__ import annotations

import math
from typing import Any

from trowel.apps.imo.fields import APP_EPOCH_NS, YEAR_NS, as_int, as_text, plausible_time
from trowel.apps.imo.scope import Scope
from trowel.apps.imo.spec import NS, TIME_COLUMNS
from trowel.apps.rows import Row
from trowel.model import Record, TimeValue
from trowel.timestamps import stamp

_FACTORS = {"unix_s": 10**9, "unix_ms": 10**6, "unix_us": 10**3, "unix_ns": 1}


def decide(raw: Any, now_ns: int, documented: str | None) -> tuple[TimeValue | None, str | None, bool]:
    """(time, note, implausible) for one stored value. None and 0 (not set) give no time and no note."""
    if raw is None:
        return None, None, False
    value = as_int(raw)
    if value is None and isinstance(raw, float) and math.isfinite(raw):
        time, reason = plausible_time(raw, now_ns)
        if time is not None:
            return time, f"time unit {reason}", False
    if value is None:
        text = as_text(raw)
        if not text or not text.strip():
            return None, None, False
        return (TimeValue(raw=raw if isinstance(raw, int | float | str | bytes) else text, format="unknown",
                          unix_ns=None, error="not an integer"), "time kept raw: not an integer", True)
    if value == 0:
        return None, None, False
    factor = _FACTORS.get(documented or "")
    if factor is not None and documented is not None and APP_EPOCH_NS <= value * factor <= now_ns + YEAR_NS:
        return stamp(value, documented), None, False
    time, reason = plausible_time(value, now_ns)
    if time is not None:
        return time, f"time unit {reason}", False
    if factor is not None and documented is not None:
        return stamp(value, documented), f"time unit {documented} as documented, although implausible ({reason})", False
    return (TimeValue(raw=value, format="unknown", unix_ns=None, error=reason),
            f"time kept raw: {reason}", True)


def when(scope: Scope, row: Row, column: str, what: str) -> tuple[TimeValue | None, str | None, list[Record]]:
    """The time of one column of a row, the note for the record, and the findings it raises."""
    documented = TIME_COLUMNS.get(row.table, {}).get(column)
    time, note, implausible = decide(row.values.get(column), scope.now_ns, documented if documented == NS else None)
    findings: list[Record] = []
    if implausible:
        findings.append(scope.finding(
            "time_implausible", f"{row.table}.{column} = {row.values.get(column)!r}: {note}; no Unix unit "
            f"(s, ms, µs, ns) gives a plausible date", "notice", row.provenance(scope.evidence, scope.db_path),
            [scope.ref(row)]))
    else:
        finding = scope.check_time(time, row, what)
        if finding is not None:
            findings.append(finding)
    return time, note, findings


def first_time(scope: Scope, row: Row, columns: tuple[str, ...],
               what: str) -> tuple[TimeValue | None, str | None, list[Record]]:
    """The first of several time columns that holds a value (e.g. call_out_history: timestamp, then time)."""
    for column in columns:
        if row.values.get(column) not in (None, 0, "", "0"):
            time, note, findings = when(scope, row, column, what)
            if len(columns) > 1:
                note = f"{column}: {note}" if note else None
            return time, note, findings
    return None, None, []


def joined(*notes: str | None) -> str | None:
    """Notes joined with '; ' (None when there are none)."""
    kept = [n for n in notes if n]
    return "; ".join(kept) if kept else None
