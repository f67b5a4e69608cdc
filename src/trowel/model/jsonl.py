"""JSON Lines: the one text form of a record, written the same way by every command and worker process."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

import orjson

from trowel.model.records import Record
from trowel.model.values import ODD_FOR_FAST_JSON

# what json.dumps(data, ensure_ascii=False, separators=(",", ":")) builds on every call, built once
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_CHUNK_LINES = 256  # lines joined into one write: fewer calls into the text layer for million-record outputs


def record_text(record: Record) -> str:
    """A record's JSON text, exactly as the standard encoder writes it (compact, non-ASCII kept).

    orjson writes the same bytes for everything a record's own ``to_json`` produces except a few values
    (floats below 1e-4, NaN, infinities; counted by the model while converting) and what it refuses (integers
    beyond 64 bits, lone surrogates): those records go through the standard encoder.
    """
    mark = ODD_FOR_FAST_JSON[0]
    data = record.to_json()
    if ODD_FOR_FAST_JSON[0] == mark and type(record).to_json is Record.to_json:
        try:
            return orjson.dumps(data).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError
            pass
    return _ENCODE(data)


def record_line(record: Record) -> bytes:
    """``record_text(record) + "\\n"`` as UTF-8 bytes, made without the str in between (worker processes hand
    JSON Lines over as bytes). Raises UnicodeEncodeError for text UTF-8 cannot hold (lone surrogates)."""
    mark = ODD_FOR_FAST_JSON[0]
    data = record.to_json()
    if ODD_FOR_FAST_JSON[0] == mark and type(record).to_json is Record.to_json:
        try:
            return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE)
        except TypeError:  # orjson.JSONEncodeError
            pass
    return (_ENCODE(data) + "\n").encode("utf-8")


def item_text(item: Record | dict[str, Any]) -> str:
    """One line's text for a record or a plain mapping."""
    return record_text(item) if isinstance(item, Record) else _ENCODE(item)


def write_lines(items: Iterable[Record | dict[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per line (compact, non-ASCII kept as is); returns how many were written.

    Lines are written in chunks; whatever was encoded is written even when ``items`` raises.
    """
    if type(items) is list and len(items) == 1:  # one record per call (commands that stream records)
        out.write(item_text(items[0]) + "\n")
        return 1
    n = 0
    lines: list[str] = []
    try:
        for item in items:
            lines.append(item_text(item))
            n += 1
            if len(lines) >= _CHUNK_LINES:
                lines.append("")
                out.write("\n".join(lines))
                lines.clear()
    finally:
        if lines:
            lines.append("")
            out.write("\n".join(lines))
            lines.clear()
    return n
