"""One-line descriptions of records and the list of their times: shared by the timeline, CSV and HTML.

Known kinds get a sentence an examiner can read; any other kind (from parsers that exist now or later) gets
its kind name and its first few plain fields, so no record is ever dropped from an output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from trowel.report.casedata import is_time

COMMON = ("id", "kind", "state", "confidence", "app", "package", "user", "source", "raw")
MAX_TEXT = 500


def _clip(text: Any, limit: int = MAX_TEXT) -> str:
    value = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False, default=str)
    return value if len(value) <= limit else value[:limit] + "…"


def _opt(label: str, value: Any) -> str:
    return f" {label} {value}" if value not in (None, "", []) else ""


def _message(r: dict[str, Any]) -> str:
    who = r.get("sender_name") or r.get("sender")
    direction = r.get("direction") or "unknown"
    head = f"{direction} {r.get('message_kind') or 'text'} message"
    head += _opt("in", r.get("conversation"))
    head += _opt("from", who if direction != "outgoing" else None)
    body = r.get("text")
    text = f"{head}: {_clip(body)}" if body not in (None, "") else head
    if r.get("attachments"):
        text += f" [{len(r['attachments'])} attachment(s)]"
    return text


def _call(r: dict[str, Any]) -> str:
    peer = r.get("peer_name") or r.get("peer")
    text = f"{r.get('direction') or 'unknown'} {r.get('call_type') or ''} call".replace("  ", " ")
    text += _opt("with", peer)
    if r.get("duration_s") is not None:
        text += f", {r['duration_s']} s"
    return text + (f", {r['call_state']}" if r.get("call_state") else "")


def _generic(r: dict[str, Any]) -> str:
    parts = []
    for key, value in r.items():
        if key in COMMON or is_time(value) or value in (None, "", [], {}):
            continue
        parts.append(f"{key}={_clip(value, 80)}")
        if len(parts) == 6:
            break
    return f"{r.get('kind', 'record')}: " + ", ".join(parts)


def _generic_row(r: dict[str, Any]) -> str:
    values = r.get("values") or {}
    pairs = ", ".join(f"{k}={_clip(v, 60)}" for k, v in list(values.items())[:6])
    return f"{r.get('container', 'sqlite')} {r.get('table') or ''} row: {pairs}"


_DESCRIBE = {
    "message": _message,
    "call": _call,
    "contact": lambda r: "contact" + _opt("", r.get("name")) + _opt("phones", ", ".join(r.get("phones") or [])),
    "story": lambda r: "story" + _opt("by", r.get("author")) + (f": {_clip(r['text'])}" if r.get("text") else ""),
    "account": lambda r: "account" + _opt("", r.get("account_id")) + _opt("name", r.get("name"))
    + _opt("phone", r.get("phone")),
    "app_event": lambda r: f"app event {r.get('event')}" + (f": {r['meaning']}" if r.get("meaning") else ""),
    "media": lambda r: "media " + str((r.get("source") or {}).get("path", "")) + _opt("type", r.get("mime"))
    + _opt("size", r.get("size")),
    "warning": lambda r: f"warning: {_clip(r.get('message'))}",
    "finding": lambda r: f"finding {r.get('finding')}: {_clip(r.get('message'))}",
    "generic_row": _generic_row,
}


def describe(record: dict[str, Any]) -> str:
    """A one-line description of any record, prefixed with its app and marked when not live."""
    fn = _DESCRIBE.get(str(record.get("kind")), _generic)
    text = fn(record)
    if record.get("app"):
        text = f"[{record['app']}] {text}"
    state = record.get("state")
    if state and state != "live":
        text += f" ({state})"
    return text


def record_times(record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every decoded time of a record as (field name, time object); nested time maps give 'field.key'."""
    for key, value in record.items():
        if type(value) is not dict or key in COMMON:  # time objects are JSON objects (dicts) only
            continue
        if "format" in value and "raw" in value and "utc" in value:
            if value.get("utc"):
                yield key, value
        else:
            for sub, inner in value.items():
                if is_time(inner) and inner.get("utc"):
                    yield f"{key}.{sub}", inner


def source_label(record: dict[str, Any]) -> str:
    """Where the record's bytes are: path, then table/rowid or page/offset/region, WAL frame."""
    src = record.get("source") or {}
    text = f"{src.get('evidence', '')}:{src.get('path', '')}"
    if src.get("table") is not None:
        text += f" table {src['table']}"
    if src.get("rowid") is not None:
        text += f" rowid {src['rowid']}"
    if src.get("page") is not None:
        text += f" page {src['page']}"
    if src.get("offset") is not None:
        text += f" offset {src['offset']}"
    if src.get("region"):
        text += f" region {src['region']}"
    if src.get("frame") is not None:
        text += f" frame {src['frame']}"
    return text
