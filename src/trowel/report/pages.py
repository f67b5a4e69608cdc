"""What the report's app and chat pages are made of: apps (their tables and conversations), conversations (an
index of their messages, written in pages of CHAT_PAGE messages), and page titles with isolated values."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trowel.report.casedata import is_time

if TYPE_CHECKING:
    from trowel.report.html import ReportBuilder

CHAT_PAGE = 2000  # messages per chat page
APP_TABLES = {"account": "Accounts", "contact": "Contacts", "call": "Calls", "story": "Stories",
              "file_transfer": "File transfers", "key_material": "Key material", "app_event": "App events",
              "finding": "Findings"}
# Conversation badges from the stores/kinds of its messages (end-to-end, strangers, channels).
STORE_BADGES = {"secret_message": "end-to-end", "secret_chat": "end-to-end", "relationship_message": "stranger",
                "post": "channel", "channel_post_cache": "channel", "user_channel_post": "channel"}
_ISOLATES = re.compile("[\u2066-\u2069]")


def isolated(value: str) -> str:
    """``value`` between FSI and PDI for plain text (a page title, a title attribute): a PDI without its
    opener inside the value is dropped (it would end the isolate early) and every isolate the value opens is
    closed, so the text always ends with the PDI (U+2069) that closes this isolate."""
    if not _ISOLATES.search(value):
        return "\u2068" + value + "\u2069"
    depth = 0
    text = []
    for ch in value:
        if ch in "\u2066\u2067\u2068":
            depth += 1
        elif ch == "\u2069":
            if depth == 0:
                continue
            depth -= 1
        text.append(ch)
    return "\u2068" + "".join(text) + "\u2069" * (depth + 1)


def isolate_title(parts: list[str], case_number: Any = None) -> str:
    """A page title from Parts (trowel's words and evidence values), each value isolated, then the case."""
    pieces = [isolated(p) if n % 2 else p for n, p in enumerate(parts)]
    if case_number is not None:
        pieces.append(" · trowel " + isolated(str(case_number)))
    return "".join(pieces)


def _instant(value: Any) -> str | None:
    """A time object's instant as a string that sorts in time order (nanosecond ISO 8601 UTC), or None."""
    if not is_time(value) or not value.get("utc"):
        return None
    if value.get("utc_ns"):
        return str(value["utc_ns"])
    utc = str(value["utc"])
    return utc[:-1] + "000Z" if len(utc) == 27 else utc


@dataclass
class Conversation:
    """One chat thread: only an index of its messages (sort key, store id) is kept; the pages fetch the
    messages from the store when they are written, so memory does not grow with the number of messages."""

    key: str
    name: str = ""
    page: str = ""
    is_group: bool = False
    entries: list[tuple[bool, str, int]] = field(default_factory=list)  # (no time, instant, record id)
    deleted: int = 0
    flagged: int = 0
    badges: set[str] = field(default_factory=set)
    first: Any = None
    last: Any = None
    _first_ns: str | None = None
    _last_ns: str | None = None

    def add(self, r: dict[str, Any], flagged: bool) -> None:
        ns = _instant(r.get("time"))
        self.entries.append((ns is None, ns or "", int(r["id"])))
        self.is_group = self.is_group or bool(r.get("is_group"))
        badge = STORE_BADGES.get(str(r.get("store")))
        if badge:
            self.badges.add(badge)
        if r.get("state") != "live":
            self.deleted += 1
        if flagged:
            self.flagged += 1
        if ns is not None:
            if self._first_ns is None or ns < self._first_ns:
                self._first_ns, self.first = ns, r["time"]
            if self._last_ns is None or ns > self._last_ns:
                self._last_ns, self.last = ns, r["time"]

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.entries) // CHAT_PAGE))

    def page_name(self, number: int) -> str:
        """The file of page ``number`` (0 is the conversation's own page)."""
        return self.page if number == 0 else self.page.replace(".html", f"-p{number + 1}.html")

    def page_of(self) -> dict[int, int]:
        """Record id -> page number of every message (for links to a message)."""
        return {rid: n // CHAT_PAGE for n, rid in enumerate(self.ordered_ids())}

    def ordered_ids(self) -> list[int]:
        return [rid for _, _, rid in sorted(self.entries)]


@dataclass
class AppView:
    name: str
    page: str
    packages: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    names: dict[str, str] = field(default_factory=dict)  # contact id -> name (conversation titles)
    conversations_by_key: dict[str, Conversation] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)

    def add(self, builder: ReportBuilder, r: dict[str, Any], badges: list[list[Any]] | None) -> None:
        kind = str(r.get("kind"))
        self.counts[kind] += 1
        if r.get("package"):
            self.packages.add(str(r["package"]))
        if kind == "message":
            key = str(r.get("conversation") or "(no conversation)")
            self.conversations_by_key.setdefault(key, Conversation(key)).add(r, bool(badges))
            return
        if kind == "contact" and r.get("contact_id") and r.get("name"):
            self.names.setdefault(str(r["contact_id"]), str(r["name"]))
        self.table_add(builder, r, badges)

    def table_add(self, builder: ReportBuilder, r: dict[str, Any], badges: list[list[Any]] | None) -> None:
        kind = str(r.get("kind"))
        if kind not in self.kinds:
            self.kinds.append(kind)
        title = APP_TABLES.get(kind, kind.replace("_", " "))
        builder.table(f"app:{self.name}", kind, title, sort="severity" if kind == "finding" else "").add(r, badges)

    def context(self, builder: ReportBuilder) -> dict[str, Any]:
        order = list(APP_TABLES)
        kinds = sorted(self.kinds, key=lambda k: (order.index(k) if k in order else len(order), k))
        tables = [builder.tables[(f"app:{self.name}", k)].context() for k in kinds]
        return {"name": self.name, "page": self.page, "packages": sorted(self.packages), "counts": dict(self.counts),
                "conversations": list(self.conversations_by_key.values()), "tables": tables}
