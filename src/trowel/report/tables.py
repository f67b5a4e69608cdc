"""The report's record tables: every row of a table streamed to ``data/table-<id>-<n>.js`` parts (never capped;
packed, see trowel.report.packed),
which static/table.js sorts, searches, filters and pages client-side, offline.

A row is ``[id, state, kind, app, time, badges, cells, source parts]``: ``time`` the UTC text of the record's
first time (for the time filter), ``badges`` the findings that concern the record (``[[severity, finding]]``),
``cells`` one value per column made for humans by :func:`trowel.report.values.cell_value`, and the source as
:class:`trowel.report.summary.Parts` (values isolated from the words and numbers beside them).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from trowel.report.packed import packed_js
from trowel.report.summary import source_parts
from trowel.report.values import SEVERITY_RANK, cell_value, columns_for, sort_time

TABLE_PART = 5000  # rows per data file
SENSITIVE_KINDS = {"key_material"}  # tables shown under a "sensitive" badge, every row marked
COLUMN_SAMPLE = 500  # rows seen before a kind without a fixed column set gets its columns


def media_cell(resolved: list[dict[str, Any]]) -> list[Any]:
    """Resolved attachments (see MediaIndex.attachments) as a cell: shown inline when their type allows."""
    return ["media", [[a.get("mime") or "", a.get("sha256") or "", str(a.get("label")), a.get("why") or ""]
                      for a in resolved]]


class DataTable:
    """One table of the report (one kind of one app, a network kind, the findings...), streamed to its parts."""

    def __init__(self, out: Path, tid: str, kind: str, title: str, written: list[Path],
                 columns: list[tuple[str, str]] | None = None, sort: str = "") -> None:
        self.out, self.tid, self.kind, self.title, self.written = out, tid, kind, title, written
        self.columns = columns
        self.sort = sort
        self.sample: list[dict[str, Any]] = []
        self.pending: list[Any] = []
        self.total = self.parts = 0
        self.states: set[str] = set()
        self.kinds: set[str] = set()
        self.apps: set[str] = set()
        self.has_time = False

    def add(self, record: dict[str, Any], badges: list[list[Any]] | None) -> None:
        self.total += 1
        if self.columns is None:
            self.sample.append({**record, "_badges": badges})
            if len(self.sample) >= COLUMN_SAMPLE:
                self._decide()
            return
        self._row(record, badges)

    def _decide(self) -> None:
        self.columns = columns_for(self.kind, self.sample)
        sample, self.sample = self.sample, []
        for record in sample:
            self._row(record, record.pop("_badges"))

    def _row(self, r: dict[str, Any], badges: list[list[Any]] | None) -> None:
        assert self.columns is not None
        state, kind, app = str(r.get("state") or ""), str(r.get("kind") or ""), str(r.get("app") or "")
        self.states.add(state)
        self.kinds.add(kind)
        self.apps.add(app)
        when = sort_time(r, self.columns)
        self.has_time = self.has_time or bool(when)
        cells = [media_cell(r["resolved"]) if name == "attachments" and r.get("resolved") else cell_value(name, r.get(name))
                 for name, _ in self.columns]
        self.pending.append([r["id"], state, kind, app, when, badges or 0, cells, source_parts(r)])
        if len(self.pending) >= TABLE_PART:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        path = self.out / "data" / f"table-{self.tid}-{self.parts}.js"
        path.write_bytes(packed_js("TROWEL_TABLE_ADD", self.pending, key=self.tid))
        self.written.append(path)
        self.parts += 1
        self.pending = []

    def finish(self) -> DataTable:
        if self.columns is None:
            self._decide()
        self._flush()
        return self

    def context(self) -> dict[str, Any]:
        return {"tid": self.tid, "kind": self.kind, "title": self.title, "columns": self.columns or [],
                "total": self.total, "parts": self.parts, "states": sorted(self.states), "kinds": sorted(self.kinds),
                "apps": sorted(a for a in self.apps if a), "has_time": self.has_time, "sort": self.sort,
                "sensitive": self.kind in SENSITIVE_KINDS}


def row_refs(r: dict[str, Any]) -> list[str]:
    """The references by which apps name a row in ``related``/``referenced_by`` lists:
    ``<package>/u<user>/<table>#<rowid>`` for a live row, ``...<table>@<region>:p<page>+<offset>[:f<frame>]``
    for a recovered one."""
    src = r.get("source") or {}
    table = src.get("table")
    if table is None:
        return []
    prefix = f"{r.get('package')}/u{r.get('user')}/{table}"
    refs = []
    if src.get("rowid") is not None and r.get("state") == "live":
        refs.append(f"{prefix}#{src['rowid']}")
    if src.get("page") is not None:
        where = f"{src.get('region')}:p{src['page']}+{src.get('offset')}"
        if src.get("frame") is not None:
            where += f":f{src['frame']}"
        refs.append(f"{prefix}@{where}")
    return refs


class FindingIndex:
    """Which records each finding concerns: the record at the finding's own source (table and rowid), and the
    records its ``related`` list names (``kind:id`` or an app's row reference, see row_refs). A badge is
    ``[severity, finding name, finding record id]``; ``related`` maps each finding to the records found."""

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        self.related: dict[int, list[int]] = defaultdict(list)
        self.by_id: dict[int, list[list[Any]]] = defaultdict(list)
        self.by_place: dict[tuple[str, str, str, str], list[list[Any]]] = defaultdict(list)
        self.by_ref: dict[str, list[list[Any]]] = defaultdict(list)
        ordered = sorted(findings, key=lambda f: (SEVERITY_RANK.get(str(f.get("severity")), 3), f["id"]))
        for f in ordered:
            badge: list[Any] = [str(f.get("severity") or "info"), str(f.get("finding") or "finding"), f["id"]]
            src = f.get("source") or {}
            if src.get("table") is not None and src.get("rowid") is not None:
                self.by_place[(str(src.get("evidence")), str(src.get("path")), str(src["table"]),
                               str(src["rowid"]))].append(badge)
            for ref in f.get("related") or []:
                text = str(ref)
                kind, _, number = text.partition(":")
                if number.isdigit() and "/" not in text:
                    self.by_id[int(number)].append(badge)
                    self.related[f["id"]].append(int(number))
                else:
                    self.by_ref[text].append(badge)

    def badges(self, r: dict[str, Any]) -> list[list[Any]] | None:
        if r.get("kind") == "finding":
            return None
        out: list[list[Any]] = []
        if r["id"] in self.by_id:
            out += self.by_id[r["id"]]
        src = r.get("source") or {}
        if src.get("table") is not None and src.get("rowid") is not None:
            place = (str(src.get("evidence")), str(src.get("path")), str(src["table"]), str(src["rowid"]))
            for badge in self.by_place.get(place, ()):
                out.append(badge)
                if r["id"] not in self.related[badge[2]]:
                    self.related[badge[2]].append(r["id"])
        if self.by_ref:
            for ref in row_refs(r):
                for badge in self.by_ref.get(ref, ()):
                    out.append(badge)
                    if r["id"] not in self.related[badge[2]]:
                        self.related[badge[2]].append(r["id"])
        unique: list[list[Any]] = []
        for badge in out:
            if badge not in unique:
                unique.append(badge)
        unique.sort(key=lambda b: (SEVERITY_RANK.get(b[0], 3), b[2]))  # most severe first
        return unique or None
