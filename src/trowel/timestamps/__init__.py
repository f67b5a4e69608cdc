"""Timestamp toolkit: the one place where raw values become instants.

``stamp(raw, format_name)`` is the entry point every parser uses (no second set of conversions anywhere).
"""

from __future__ import annotations

from trowel.model import TimeValue

_UNITS = {"unix_s": 1_000_000_000, "unix_ms": 1_000_000, "unix_us": 1_000, "unix_ns": 1}


def stamp(raw: int | float | str | bytes | None, format_name: str) -> TimeValue:
    """Decode ``raw`` in the named format into a TimeValue that keeps the raw value."""
    if raw is None:
        return TimeValue(raw=None, format=format_name, unix_ns=None, error="null in the source")
    unit = _UNITS.get(format_name)
    if unit is None:
        return TimeValue(raw=raw, format=format_name, unix_ns=None, error=f"unknown format {format_name!r}")
    try:
        value = int(raw) if not isinstance(raw, bytes) else int.from_bytes(raw, "big", signed=True)
    except (TypeError, ValueError):
        return TimeValue(raw=raw, format=format_name, unix_ns=None, error="not an integer")
    return TimeValue(raw=raw, format=format_name, unix_ns=value * unit)


__all__ = ["stamp"]
