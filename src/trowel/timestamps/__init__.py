"""Timestamp toolkit: the one place where raw values become instants (issue 5).

Public API (see docs/timestamps.md):

- ``stamp(raw, format_name) -> TimeValue``: what every parser uses; never raises.
- ``decode(value, format=None, after=None, before=None) -> list[Reading]``: ranked readings.
- ``encode(when, format=None) -> list[Encoding]``: the timediff32 table.
- ``hunt(path_or_bytes, after, before, formats=None) -> Iterator[Hit]``: scan raw bytes.
- ``infer_fields(records=None, columns=None) -> list[FieldGuess]``: which fields are timestamps.
- ``get_format(name)`` / ``all_formats()``: the registry.
"""

from __future__ import annotations

from trowel.model import TimeValue
from trowel.timestamps.base import Decoded, Format, Kind, Raw
from trowel.timestamps.catalog import all_formats, get_format, registry
from trowel.timestamps.decoding import Reading, decode, to_time_value
from trowel.timestamps.encoding import Encoding, encode
from trowel.timestamps.hunt import Hit, hunt
from trowel.timestamps.infer import FieldGuess, find_anchor_fields, infer_fields
from trowel.timestamps.registry import UnknownFormat


def stamp(raw: int | float | str | bytes | None, format_name: str) -> TimeValue:
    """Decode ``raw`` in the named format (any registry name or alias) into a TimeValue keeping the raw.

    Never raises: a null, an unknown format name or an undecodable value gives a TimeValue with ``error``.
    """
    return to_time_value(raw, format_name)


__all__ = [
    "Decoded", "Encoding", "FieldGuess", "Format", "Hit", "Kind", "Raw", "Reading", "UnknownFormat",
    "all_formats", "decode", "encode", "find_anchor_fields", "get_format", "hunt", "infer_fields", "registry",
    "stamp",
]
