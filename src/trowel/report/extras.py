"""What the record page shows beside a record's own fields: the hex view of the page its bytes came from, its
conversation page, the other copies of the same row, the findings that concern it and, for a finding, the
records it concerns. Written as ``data/extra-<chunk>.js`` (the record chunks' numbering), ``data/page-<n>.js``
(one page image each, deflated and base64-encoded) and ``data/chat-pages.js`` (the chat page names the extras point into).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trowel.report.casedata import CaseData
from trowel.report.media import MediaIndex
from trowel.report.packed import packed_bytes
from trowel.report.rawpages import KeptPages, cell_extent
from trowel.report.tables import FindingIndex, media_cell

if TYPE_CHECKING:
    from trowel.report.pages import AppView

COPY_LIMIT = 50  # other copies listed per record


def _js(name: str, value: Any) -> bytes:
    from trowel.report.html import data_js_utf8

    return data_js_utf8(name, value)


class RecordExtras:
    def __init__(self, case: CaseData, out: Path, chunk: int, written: list[Path], media: MediaIndex) -> None:
        self.case, self.out, self.chunk, self.written, self.media = case, out, chunk, written, media
        self.kept = KeptPages.open(case.root)
        self.page_numbers: dict[tuple[int, int], int] = {}
        self.items: dict[int, dict[str, Any]] = defaultdict(dict)
        self.chat: dict[int, array[int]] = {}
        self.chat_pages: list[str] = []
        self.chunks: set[int] = set()  # every record chunk gets its extra file (the record page loads both)
        self.starts: dict[tuple[str, str, Any, Any], list[int]] = defaultdict(list)  # where records begin, per page
        if self.kept.slots:
            cur = case.store.db.execute("SELECT evidence, path, page, json_extract(json, '$.source.frame'), offset_"
                                        " FROM records WHERE page IS NOT NULL AND offset_ IS NOT NULL")
            for evidence, path, page, frame, offset in cur:
                if type(offset) is int:
                    self.starts[(str(evidence), str(path), page, frame)].append(offset)
            for offsets in self.starts.values():
                offsets.sort()

    def note(self, r: dict[str, Any], badges: list[list[Any]] | None) -> None:
        """During the pass over every record: its findings and its page image (written once per page)."""
        rid = int(r["id"])
        self.chunks.add(rid // self.chunk)
        if badges:
            self.items[rid]["findings"] = badges
        if r.get("attachments") or r.get("kind") in ("story", "sticker"):
            found = r["resolved"] if "resolved" in r else self.media.attachments(r)
            if found:
                self.items[rid]["media"] = media_cell(found)[1]
        if not self.kept.slots:
            return
        place = self.kept.find(r)
        if place is None:
            return
        image = self.kept.read(place)
        number = self.page_numbers.get(place)
        if number is None:
            number = self.page_numbers[place] = len(self.page_numbers)
            path = self.out / "data" / f"page-{number}.js"
            path.write_bytes(packed_bytes("TROWEL_PAGE_ADD", image, key=str(number)))
            self.written.append(path)
        src = r.get("source") or {}
        offset = int(src["offset"])
        later = [o for o in self.starts.get((str(src.get("evidence")), str(src.get("path")), src.get("page"),
                                             src.get("frame")), []) if o > offset]
        start, length, how = cell_extent(image, offset, later[0] if later else None)
        self.items[rid]["hex"] = {"page": number, "page_no": src.get("page"), "frame": src.get("frame"),
                                  "size": len(image), "start": start, "length": length, "how": how}

    def copies(self) -> None:
        """Records read from the same row (same evidence, file, table and rowid): of the same kind they are
        copies of the row (a live row and its WAL or freelist copies); of another kind they are other records
        an app made from that row (a call from a message row). Findings and warnings that name a row are
        neither."""
        db = self.case.store.db
        cur = db.execute("SELECT group_concat(id), group_concat(kind, char(31)) FROM records WHERE rowid_ IS NOT NULL"
                         " AND tbl IS NOT NULL AND kind NOT IN ('finding', 'warning')"
                         " GROUP BY evidence, path, tbl, rowid_ HAVING count(*) > 1")
        for ids_text, kinds_text in cur:
            pairs = list(zip((int(x) for x in str(ids_text).split(",")), str(kinds_text).split("\x1f"), strict=True))
            for rid, kind in pairs:
                same = sorted(x for x, k in pairs if k == kind and x != rid)
                other = sorted(x for x, k in pairs if k != kind)
                if same:
                    self.items[rid]["copies"] = same[:COPY_LIMIT]
                    if len(same) > COPY_LIMIT:
                        self.items[rid]["copies_total"] = len(same)
                if other:
                    self.items[rid]["same_row"] = other[:COPY_LIMIT]

    def related(self, findings: FindingIndex) -> None:
        for fid, ids in findings.related.items():
            self.items[fid]["related"] = ids[:COPY_LIMIT]

    def conversations(self, apps: list[AppView], chat_page: int) -> None:
        """Where each message is shown: its conversation page (an index into chat-pages.js)."""
        for app in apps:
            for conv in app.conversations_by_key.values():
                for n, rid in enumerate(conv.ordered_ids()):
                    name = conv.page_name(n // chat_page)
                    if not self.chat_pages or self.chat_pages[-1] != name:
                        self.chat_pages.append(name)
                    block = self.chat.get(rid // self.chunk)
                    if block is None:
                        block = self.chat[rid // self.chunk] = array("i", [-1]) * self.chunk
                    block[rid % self.chunk] = len(self.chat_pages) - 1

    def write(self) -> None:
        path = self.out / "data" / "chat-pages.js"
        path.write_bytes(_js("TROWEL_CHAT_PAGES", self.chat_pages))
        self.written.append(path)
        by_chunk: dict[int, dict[str, Any]] = defaultdict(dict)
        for rid, item in self.items.items():
            by_chunk[rid // self.chunk][str(rid)] = item
        for number in sorted(set(by_chunk) | set(self.chat) | self.chunks):
            block = self.chat.get(number)
            data = {"items": by_chunk.get(number, {}), "chat": list(block) if block is not None else []}
            path = self.out / "data" / f"extra-{number}.js"
            path.write_bytes(_js("TROWEL_EXTRA", data))
            self.written.append(path)
