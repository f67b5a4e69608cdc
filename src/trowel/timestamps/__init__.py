"""Timestamp toolkit: the one place where raw values become instants (issue 5).

Public API (see docs/timestamps.md):

- ``stamp(raw, format_name) -> TimeValue``: what every parser uses; never raises.
- ``decode(value, format=None, after=None, before=None) -> list[Reading]``: ranked readings.
- ``encode(when, format=None) -> list[Encoding]``: the timediff32 table.
- ``hunt(path_or_bytes, after, before, formats=None) -> Iterator[Hit]``: scan raw bytes.
- ``infer_fields(records=None, columns=None) -> list[FieldGuess]``: which fields are timestamps.
- ``type_column(name, values, ...) -> ColumnType`` / ``type_table(columns, rows, ...)``: is a database column
  a time, in which format, and why (identifiers, versions, hashes, durations recognised first).
- ``get_format(name)`` / ``all_formats()``: the registry.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from trowel.model import TimeValue
from trowel.timestamps.base import Decoded, Format, Kind, Raw
from trowel.timestamps.catalog import all_formats, get_format, registry
from trowel.timestamps.decoding import Reading, decode, to_time_value
from trowel.timestamps.registry import UnknownFormat

if TYPE_CHECKING:
    from trowel.timestamps.columns import ColumnType, type_column, type_table
    from trowel.timestamps.encoding import Encoding, encode
    from trowel.timestamps.hunt import Hit, hunt
    from trowel.timestamps.infer import FieldGuess, find_anchor_fields, infer_fields

# The heavier parts (column typing, encoding, hunting, field inference: numpy among them) are imported on first
# use, so a parser that only stamps its values does not load them.
_LAZY = {
    "ColumnType": "columns", "type_column": "columns", "type_table": "columns",
    "Encoding": "encoding", "encode": "encoding", "Hit": "hunt", "hunt": "hunt",
    "FieldGuess": "infer", "find_anchor_fields": "infer", "infer_fields": "infer",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

_NUMERIC: dict[str, Format | None] = {}  # format name -> the registry's numeric format (None: no fast path)


def _numeric_format(format_name: str) -> Format | None:
    """The registry's format for a name, asked once per name, when it reads integers as they are."""
    try:
        fmt: Format | None = get_format(format_name)
    except Exception:  # noqa: BLE001 - an unknown name takes the full path, which reports it (not cached)
        return None
    if fmt is not None and fmt.kind not in (Kind.INT, Kind.FLOAT):
        fmt = None
    _NUMERIC[format_name] = fmt
    return fmt


def stamp(raw: int | float | str | bytes | None, format_name: str) -> TimeValue:
    """Decode ``raw`` in the named format (any registry name or alias) into a TimeValue keeping the raw.

    Never raises: a null, an unknown format name or an undecodable value gives a TimeValue with ``error``.
    An integer in a numeric format (the common case: Unix units in database columns) goes straight to the
    registry format's own decoder, cached per name; anything else, and every failure, takes the full path.
    """
    if type(raw) is int:
        fmt = _NUMERIC[format_name] if format_name in _NUMERIC else _numeric_format(format_name)
        if fmt is not None:
            try:
                decoded = fmt.decode_raw(raw)
            except Exception:  # noqa: BLE001 - the full path below turns the failure into the same error
                return to_time_value(raw, format_name)
            return TimeValue.of(raw, fmt.name, decoded.unix_ns, decoded.clock)
    return to_time_value(raw, format_name)


__all__ = [
    "ColumnType", "Decoded", "Encoding", "FieldGuess", "Format", "Hit", "Kind", "Raw", "Reading", "UnknownFormat",
    "all_formats", "decode", "encode", "find_anchor_fields", "get_format", "hunt", "infer_fields", "registry",
    "stamp", "type_column", "type_table",
]
