"""Android shared_prefs XML read exactly as Android writes it (issue 15).

Android's serializer writes control characters as character references (``&#1;``, ``&#2;``, ``&#0;``) and
characters outside the BMP sometimes as two surrogate references (``&#55357;&#56832;``); XML 1.0 parsers
reject both ("reference to invalid character number"). Before parsing, every such reference (and any raw
control character) is swapped for a marker that occurs nowhere in the file; after parsing the markers in
names, values and texts become the exact characters again (surrogate pairs joined into one character).

A file that still does not parse keeps every preference read before the error, with a warning saying where
reading stopped; invalid UTF-8 is replaced (U+FFFD) with a warning. Nothing raises.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INT = re.compile(r"-?\d+")


@dataclass
class PrefsFile:
    """The preferences of one file: (name, type, value as stored) and what went wrong, if anything."""

    items: list[tuple[str, str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _xml_allowed(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _marker_base(text: str) -> str:
    n = 0
    while f"trowel{n}ref" in text:
        n += 1
    return f"trowel{n}ref"


def _protect(text: str) -> tuple[str, re.Pattern[str] | None]:
    """Swap references to characters XML 1.0 forbids (and raw control characters) for markers."""
    base = _marker_base(text)
    changed = False

    def ref(match: re.Match[str]) -> str:
        nonlocal changed
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if _xml_allowed(code) or code > 0x10FFFF:
            return match.group(0)
        changed = True
        return f"{base}{code}x"

    def raw(match: re.Match[str]) -> str:
        nonlocal changed
        changed = True
        return f"{base}{ord(match.group(0))}x"

    text = _REF.sub(ref, text)
    text = _RAW_CONTROL.sub(raw, text)
    return text, (re.compile(re.escape(base) + r"(\d+)x") if changed else None)


def _restore(value: str | None, marker: re.Pattern[str] | None) -> str:
    if value is None:
        return ""
    if marker is None:
        return value
    text = marker.sub(lambda m: chr(int(m.group(1))), value)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        # two surrogate references make one character; a lone one stays as its reference text
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "backslashreplace")
    return text


def _item(child: ET.Element, marker: re.Pattern[str] | None) -> tuple[str, str, Any]:
    name = _restore(child.get("name"), marker)
    if child.tag == "set":
        return name, "set", [_restore(s.text, marker) for s in child]
    if child.tag == "string":
        return name, "string", _restore(child.text, marker)
    raw = child.get("value")
    value: Any = _restore(raw, marker) if raw is not None else None
    if child.tag in ("int", "long") and raw is not None and _INT.fullmatch(raw):
        value = int(raw)
    elif child.tag == "boolean":
        value = raw == "true"
    return name, child.tag, value


def read_prefs(data: bytes) -> PrefsFile:
    """Keys of an Android shared-preferences file: (name, type, value as stored), never raising."""
    out = PrefsFile()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8-sig", errors="replace")
        out.warnings.append(f"invalid UTF-8 at byte {exc.start} (replaced by U+FFFD)")
    text, marker = _protect(text)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)  # the declaration's encoding no longer applies
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    errors: list[str] = []
    for step in (lambda: parser.feed(text), parser.close):
        try:
            step()
        except ET.ParseError as exc:
            errors.append(str(exc))
    depth = 0
    try:
        for event, element in parser.read_events():  # type: ignore[misc]
            assert isinstance(element, ET.Element)
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth == 1:
                out.items.append(_item(element, marker))
    except ET.ParseError as exc:  # events after the error are not delivered; what came before is kept
        errors.insert(0, str(exc))
    if errors:
        out.warnings.append(f"shared_prefs XML does not parse ({errors[0]}); kept the {len(out.items)} "
                            "preferences read before the error")
    return out
