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


def clip(text: Any, limit: int = MAX_TEXT) -> str:
    """A value as Parts.value keeps it: text as is, anything else as JSON, cut at ``limit`` characters."""
    return _clip(text, limit)


class Parts(list[str]):
    """A description as alternating pieces: even positions are trowel's own words, odd positions are values
    from the evidence. Joined they are the plain text; the HTML report puts every value in its own isolate,
    so no value can reorder the words, ids or times around it."""

    def say(self, text: str) -> Parts:
        if len(self) % 2:  # the last piece is a word: extend it
            self[-1] += text
        else:
            self.append(text)
        return self

    def value(self, value: Any, limit: int = MAX_TEXT) -> Parts:
        if len(self) % 2 == 0:
            self.append("")
        self.append(_clip(value, limit))
        return self

    def opt(self, label: str, value: Any) -> Parts:
        if value not in (None, "", []):
            self.say(f" {label} " if label else " ").value(value)
        return self

    def text(self) -> str:
        return "".join(self)


def _message(r: dict[str, Any]) -> Parts:
    who = r.get("sender_name") or r.get("sender")
    direction = r.get("direction") or "unknown"
    p = Parts().say(f"{direction} {r.get('message_kind') or 'text'} message")
    p.opt("in", r.get("conversation"))
    p.opt("from", who if direction != "outgoing" else None)
    body = r.get("text")
    if body not in (None, ""):
        p.say(": ").value(body)
    if r.get("attachments"):
        p.say(f" [{len(r['attachments'])} attachment(s)]")
    return p


def _call(r: dict[str, Any]) -> Parts:
    peer = r.get("peer_name") or r.get("peer")
    p = Parts().say(f"{r.get('direction') or 'unknown'} {r.get('call_type') or ''} call".replace("  ", " "))
    p.opt("with", peer)
    if r.get("duration_s") is not None:
        p.say(", ").value(r["duration_s"]).say(" s")
    if r.get("call_state"):
        p.say(", ").value(r["call_state"])
    return p


def _generic(r: dict[str, Any]) -> Parts:
    p = Parts().say(f"{r.get('kind', 'record')}: ")
    count = 0
    for key, value in r.items():
        if key in COMMON or is_time(value) or value in (None, "", [], {}):
            continue
        p.say(", " if count else "").value(key, 80).say("=").value(value, 80)
        count += 1
        if count == 6:
            break
    return p


def _generic_row(r: dict[str, Any]) -> Parts:
    values = r.get("values") or {}
    p = Parts().say(f"{r.get('container', 'sqlite')} ").value(r.get("table") or "").say(" row: ")
    for n, (k, v) in enumerate(list(values.items())[:6]):
        p.say(", " if n else "").value(k, 60).say("=").value(v, 60)
    return p


def _contact(r: dict[str, Any]) -> Parts:
    return Parts().say("contact").opt("", r.get("name")).opt("phones", ", ".join(map(str, r.get("phones") or [])))


def _story(r: dict[str, Any]) -> Parts:
    p = Parts().say("story").opt("by", r.get("author"))
    return p.say(": ").value(r["text"]) if r.get("text") else p


def _account(r: dict[str, Any]) -> Parts:
    return Parts().say("account").opt("", r.get("account_id")).opt("name", r.get("name")).opt("phone", r.get("phone"))


def _app_event(r: dict[str, Any]) -> Parts:
    p = Parts().say("app event ").value(r.get("event"))
    return p.say(": ").value(r["meaning"]) if r.get("meaning") else p


def _media(r: dict[str, Any]) -> Parts:
    p = Parts().say("media ").value(str((r.get("source") or {}).get("path", "")))
    return p.opt("type", r.get("mime")).opt("size", r.get("size"))


_DESCRIBE = {
    "message": _message,
    "call": _call,
    "contact": _contact,
    "story": _story,
    "account": _account,
    "app_event": _app_event,
    "media": _media,
    "warning": lambda r: Parts().say("warning: ").value(r.get("message")),
    "finding": lambda r: Parts().say("finding ").value(r.get("finding")).say(": ").value(r.get("message")),
    "generic_row": _generic_row,
}


def describe_parts(record: dict[str, Any]) -> Parts:
    """A one-line description of any record as Parts (words and values), prefixed with its app and marked
    when not live."""
    fn = _DESCRIBE.get(str(record.get("kind")), _generic)
    body = fn(record)
    parts = Parts()
    if record.get("app"):
        parts.say("[").value(record["app"]).say("] ")
    for n, piece in enumerate(body):
        if n % 2:
            parts.value(piece)
        else:
            parts.say(piece)
    state = record.get("state")
    if state and state != "live":
        parts.say(f" ({state})")
    return parts


def describe(record: dict[str, Any]) -> str:
    """A one-line description of any record, prefixed with its app and marked when not live."""
    return describe_parts(record).text()


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


def source_parts(record: dict[str, Any]) -> Parts:
    """Where the record's bytes are, as Parts: evidence and path (values), then table (a value), rowid,
    page, offset, region, WAL frame."""
    src = record.get("source") or {}
    p = Parts().value(str(src.get("evidence", ""))).say(":").value(str(src.get("path", "")))
    if src.get("table") is not None:
        p.say(" table ").value(src["table"])
    for key, label in (("rowid", "rowid"), ("page", "page"), ("offset", "offset")):
        if src.get(key) is not None:
            p.say(f" {label} {src[key]}")
    if src.get("region"):
        p.say(f" region {src['region']}")
    if src.get("frame") is not None:
        p.say(f" frame {src['frame']}")
    return p


def source_label(record: dict[str, Any]) -> str:
    """Where the record's bytes are: path, then table/rowid or page/offset/region, WAL frame."""
    return source_parts(record).text()
