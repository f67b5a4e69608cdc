"""The data of one chat page (``data/chat-<page>.js``), which static/chat.js renders into the page's thread.

A million messages as server-made markup was 787 MB; as compact rows (the source's evidence, path and table
written once per page) it is a fraction of that, and the browser builds each message with textContent only:
evidence text never becomes markup. Media are named only by verified SHA-256 names and embedded only when
their sniffed type is an image, audio or video.

A message row is ``[id, direction, state, region, sender name, sender, time cell, message kind, text,
attachments, delivered, read, confidence, source prefix index, source tail parts, badges]``; an attachment is
``[mime or "", sha256 or "", label, why]``.
"""

from __future__ import annotations

from typing import Any

from trowel.report.values import cell_value


class ChatPage:
    """The rows of one chat page, with the source prefixes (evidence, path, table) they share."""

    def __init__(self) -> None:
        self.prefixes: list[list[str]] = []
        self._prefix_index: dict[tuple[str, ...], int] = {}
        self.rows: list[list[Any]] = []

    def add(self, m: dict[str, Any], attachments: list[dict[str, Any]], source: list[str],
            badges: list[list[Any]] | None) -> None:
        head, tail = source[:6], source[6:]  # "", evidence, ":", path, " table ", table | the rest
        key = tuple(head)
        index = self._prefix_index.get(key)
        if index is None:
            index = self._prefix_index[key] = len(self.prefixes)
            self.prefixes.append(list(head))
        confidence = m.get("confidence")
        when = m.get("time")
        self.rows.append([
            m["id"], m.get("direction"), m.get("state"), (m.get("source") or {}).get("region"),
            m.get("sender_name"), m.get("sender"), cell_value("time", when) if isinstance(when, dict) and when else None,
            m.get("message_kind"), m.get("text") if isinstance(m.get("text"), str) or m.get("text") is None
            else cell_value("text", m.get("text")),
            [[a.get("mime") or "", a.get("sha256") or "", str(a.get("label")), a.get("why") or ""] for a in attachments],
            m.get("delivered"), m.get("read"),
            confidence if isinstance(confidence, int | float) and confidence < 1 else None,
            index, tail, badges or 0,
        ])

    def data(self) -> dict[str, Any]:
        return {"prefixes": self.prefixes, "rows": self.rows}
