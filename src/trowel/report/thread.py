"""The markup of one chat message (the body of a chat page, once per message of the case).

Written in Python rather than as a Jinja2 loop because it runs a million times on a large case; it follows the
same safety rule as the templates: every value from the evidence goes through ``markupsafe.escape`` and only
into element text or a quoted attribute; links are built from the store's record ids and verified SHA-256
names only; media are embedded only when their sniffed type is an image, audio or video.
"""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup, escape

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_MISSING = object()
BIDI_BADGE = ' <span class="badge bidi" title="contains bidirectional control characters">bidi</span>'


def _e(value: Any) -> str:
    """``value`` as text with ``& < > " '`` escaped (the same entities as markupsafe.escape, without building a
    Markup object per call: this runs several times per message)."""
    if type(value) is int:
        return str(value)
    text = value if type(value) is str else str(escape(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") \
        .replace("'", "&#39;") if type(value) is str else text


def _field(record: dict[str, Any], key: str) -> str:
    """A field as escaped text; an absent field is empty (as an undefined value in the templates)."""
    value = record.get(key, _MISSING)
    return "" if value is _MISSING else _e(value)


def time_markup(when: Any) -> str:
    """A time object: a ``<time>`` element with UTC in the title, or the raw value when it was not decoded."""
    if not isinstance(when, dict) or not when:
        return ""
    utc = when.get("utc")
    if utc:
        u = _e(utc)
        return f'<time class="t" datetime="{u}" title="UTC {u}">{u}</time>'
    if "format" in when and "raw" in when and "utc" in when:
        raw = json.dumps(when.get("raw"), ensure_ascii=False, default=str, sort_keys=True)
        error = f": {_e(when['error'])}" if when.get("error") else ""
        return f'<span class="undecoded" title="could not decode">{_e(raw)} ({_field(when, "format")}{error})</span>'
    return ""


def attachment_markup(a: dict[str, Any]) -> str:
    """One resolved attachment (see MediaIndex.resolve): inline media, or its label and why it is not shown."""
    mime = a.get("mime") or ""
    label = value_markup(a.get("label"))
    sha = _e(a.get("sha256"))
    if mime.startswith("image/"):
        return (f'<figure class="attachment"><img src="../media/{sha}" alt="attachment {sha[:12]}" loading="lazy">'
                f"<figcaption>{label}</figcaption></figure>")
    if mime.startswith("video/"):
        return (f'<figure class="attachment"><video controls preload="none" src="../media/{sha}"></video>'
                f"<figcaption>{label}</figcaption></figure>")
    if mime.startswith("audio/"):
        return (f'<figure class="attachment"><audio controls preload="none" src="../media/{sha}"></audio>'
                f"<figcaption>{label}</figcaption></figure>")
    digest = f' <code class="hash">{sha}</code>' if a.get("sha256") else ""
    return f'<div class="attachment missing">{label}{digest} <span class="note">{_e(a.get("why"))}</span></div>'


def value_markup(value: Any) -> str:
    """One evidence value in its own isolate, with the bidi badge after it when it holds controls."""
    text = _e(value)
    badge = BIDI_BADGE if isinstance(value, str) and _BIDI.search(value) else ""
    return f"<bdi>{text}</bdi>{badge}"


def parts_markup(parts: list[str]) -> str:
    """Parts (trowel's words at even positions, evidence values at odd ones): every value isolated."""
    return "".join(value_markup(p) if n % 2 else _e(p) for n, p in enumerate(parts) if p != "")


def badges_markup(badges: list[list[Any]] | None) -> str:
    """The findings that concern a record, as badges (severity as a class, the finding's name as text)."""
    if not badges:
        return ""
    return "".join(f'<a class="badge finding sev-{_e(sev)}" href="record.html#{int(fid)}" title="finding ({_e(sev)})">'
                   f"{_e(name)}</a>\n" for sev, name, fid in badges)


def message_markup(m: dict[str, Any], attachments: list[dict[str, Any]], source: list[str],
                   badges: list[list[Any]] | None = None) -> Markup:
    """One ``<li class="msg">`` of a chat thread: sender, time, kind, state and finding badges, text,
    attachments, delivered/read ticks, confidence, and the link to the record view (where the bytes came
    from)."""
    direction = m.get("direction")
    state = m.get("state")
    rid = _field(m, "id")
    out = [f'<li class="msg dir-{_field(m, "direction")} state-{_field(m, "state")}" id="m{rid}" '
           f'data-record="{rid}">\n  <div class="meta">\n']
    name, sender = m.get("sender_name"), m.get("sender")
    if direction != "outgoing" and (name or sender):
        sub = f' <span class="sub">{value_markup(sender)}</span>' if name and sender else ""
        out.append(f'<span class="sender">{value_markup(name or sender)}{sub}</span>\n')
    if direction == "outgoing":
        out.append('<span class="sender">sent</span>\n')
    when = time_markup(m.get("time"))
    if when:
        out.append(when + "\n")
    kind = m.get("message_kind")
    if kind and kind != "text":
        out.append(f'<span class="badge"><bdi>{_e(kind)}</bdi></span>\n')
    if state != "live":
        region = (m.get("source") or {}).get("region")
        where = f" · {_e(region)}" if region else ""
        out.append(f'<span class="badge state-{_field(m, "state")}">{_field(m, "state")}{where}</span>\n')
    out.append(badges_markup(badges))
    out.append("  </div>\n")
    text = m.get("text")
    if text is not None:
        badge = BIDI_BADGE if isinstance(text, str) and _BIDI.search(text) else ""
        out.append(f'  <div class="text"><bdi>{_e(text)}</bdi>{badge}</div>\n')
    out.extend(attachment_markup(a) for a in attachments)
    out.append('  <div class="foot">\n')
    delivered, read, confidence = m.get("delivered"), m.get("read"), m.get("confidence")
    if delivered:
        out.append('<span class="tick" title="delivered">✓ delivered</span>\n')
    elif delivered is False:
        out.append('<span class="tick no">not delivered</span>\n')
    if read:
        out.append('<span class="tick" title="read">✓✓ read</span>\n')
    elif read is False:
        out.append('<span class="tick no">unread</span>\n')
    if isinstance(confidence, int | float) and confidence < 1:
        out.append(f'<span class="conf">confidence {_e(confidence)}</span>\n')
    out.append(f'    <a class="src" href="record.html#{rid}" title="show this record and where it came from">'
               f"{parts_markup(source)}</a>\n  </div>\n</li>\n")
    return Markup("".join(out))
