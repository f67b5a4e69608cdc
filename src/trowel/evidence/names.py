"""Names and numbers of any shape, made safe to store and show.

Inside trowel an entry's name is a ``str``; bytes that are not UTF-8 are kept in it as surrogate escapes
(``os.fsdecode`` style, U+DC80..U+DCFF), so that the reader can find the member again. Outside (the case store,
JSON, HTML, CSV) such a name is shown with each undecodable byte written as ``\\xNN``, and the raw bytes are
kept as hex next to it. Integers beyond 64 bits (a pax size of 10**20) are kept as decimal text.
"""

from __future__ import annotations

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def is_clean(text: str) -> bool:
    """True when ``text`` holds no lone surrogate (UTF-8 can encode it as is)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(text: str) -> str:
    """``text`` with every undecodable byte written as ``\\xNN`` (other lone surrogates as ``\\uNNNN``)."""
    return text if is_clean(text) else _escaped(text, "\\")


def json_safe(text: str) -> str:
    """JSON text that may hold lone surrogates (from names that are not UTF-8), made encodable: each becomes
    the escaped text ``\\xNN`` inside its string, so the value reads back as :func:`shown_name` shows it."""
    return text if is_clean(text) else _json_escape(text)


def _json_escape(text: str) -> str:
    return _escaped(text, "\\\\")  # the backslash escaped once more: it stands inside JSON string text


def _escaped(text: str, backslash: str) -> str:
    """Lone surrogates written out: an undecodable byte as ``xNN``, any other as ``uNNNN``, after
    ``backslash``."""
    out = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"{backslash}x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"{backslash}u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def raw_bytes(text: str) -> bytes:
    """The bytes a surrogate-escaped name stands for."""
    return text.encode("utf-8", "surrogateescape") if _escapable(text) else text.encode("utf-8", "surrogatepass")


def _escapable(text: str) -> bool:
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


def raw_hex(text: str) -> str | None:
    """Hex of the raw bytes of a name that is not UTF-8; None for a clean name."""
    return None if is_clean(text) else raw_bytes(text).hex()


def name_note(text: str) -> str | None:
    """The note stored with a name that is not UTF-8 (its raw bytes as hex)."""
    hexed = raw_hex(text)
    return None if hexed is None else f"name is not valid UTF-8; raw bytes (hex): {hexed}"


def int64_or_none(value: int | None) -> int | None:
    """``value`` when a 64-bit signed column can hold it, else None (the caller keeps it as text)."""
    if value is None or INT64_MIN <= value <= INT64_MAX:
        return value
    return None


def json_int(value: int | None) -> int | str | None:
    """An integer for JSON: beyond 2**53 (where JavaScript rounds) it is written as decimal text."""
    if value is None or -(2**53) < value < 2**53:
        return value
    return str(value)
