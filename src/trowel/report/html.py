"""The offline HTML report (``DIR/report/``): static pages rendered with Jinja2 (autoescape on), plus JS
views over data files for the timeline and record details.

Safety: every page carries a strict Content-Security-Policy (scripts only from the report's own files, no
inline script, no remote anything), evidence text reaches pages only through autoescaped templates or through
``textContent`` in the scripts, links are built only from numbers and verified SHA-256 names, and media are
embedded only when their first bytes say they are a raster image, audio or video. Data files are JSON with
``<``, ``>`` and ``&`` escaped (UTF-8 like the pages; ASCII where orjson refuses a value), so no
evidence string can end a script or start markup.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from jinja2 import ChainableUndefined, Environment, FileSystemLoader

from trowel.model.values import iso_utc
from trowel.report.casedata import CaseData, is_time
from trowel.report.csv import export_name
from trowel.report.extras import RecordExtras
from trowel.report.media import MediaIndex
from trowel.report.packed import packed_bytes, packed_js
from trowel.report.pages import CHAT_PAGE, AppView, Conversation, isolate_title
from trowel.report.registry import Writer, register_writer
from trowel.report.summary import Parts, source_parts
from trowel.report.tables import DataTable, FindingIndex
from trowel.report.thread import ChatPage
from trowel.report.timeline import HTML_COLUMNS, html_rows
from trowel.report.values import SEVERITY_RANK

HERE = Path(__file__).parent
NETWORK_KINDS = {"flow": "Flows", "imo_session": "imo sessions", "call_session": "Calls (network, with peer IPs)",
                 "tls_session": "TLS sessions", "quic_session": "QUIC sessions", "tunnel": "Tunnels",
                 "http_object": "HTTP objects", "sticker": "Stickers"}
APP_KINDS = {"account": "accounts", "call": "calls", "contact": "contacts", "story": "stories", "app_event": "events"}
GALLERY_LIMIT = 5000  # stickers shown as images on the network page (all are in its table)
CELL_LIMIT = 300
CHUNK = 2000
TIMELINE_PART = 20_000  # rows per timeline data file (the first part is decoded before the first page shows)
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
OUTPUTS = [("timeline.jsonl", "timeline, Timesketch JSONL"), ("timeline.csv", "timeline, Timesketch CSV"),
           ("bodyfile.txt", "file inventory bodyfile (mactime/plaso)"), ("case.jsonld", "CASE/UCO bundle"),
           ("locations.kml", "locations (KML)"), ("log.jsonl", "action log"), ("exports/", "CSV per record kind")]


def json_text(value: Any) -> str:
    """ASCII JSON in which no character can open or close markup (<, >, & escaped)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def data_js(name: str, value: Any) -> str:
    """A data file: one global assignment of ``json_text``."""
    return f"window.{name} = {json_text(value)};\n"


def data_js_utf8(name: str, value: Any) -> bytes:
    """A data file as UTF-8 (a third of the size of ``data_js`` for non-Latin text, and much faster to make):
    non-ASCII characters are kept, but ``<``, ``>`` and ``&`` are still escaped, so no evidence string can end a
    script or start markup. The pages declare UTF-8, which scripts they load inherit. Values orjson refuses
    (lone surrogates, integers beyond 64 bits) fall back to the ASCII form."""
    try:
        text = orjson.dumps(value, default=str)
    except TypeError:
        return data_js(name, value).encode("ascii")
    text = text.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
    return b"window." + name.encode("ascii") + b" = " + text + b";\n"


def _jsontext(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=ChainableUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.tests["timevalue"] = is_time
    env.tests["bidi"] = lambda v: isinstance(v, str) and bool(_BIDI.search(v))
    env.tests["startingwith"] = lambda v, prefix: isinstance(v, str) and v.startswith(prefix)
    env.filters["jsontext"] = _jsontext
    env.filters["clip"] = lambda v: v if len(v) <= CELL_LIMIT else v[:CELL_LIMIT] + f"… ({len(v)} characters; all in the record view)"
    env.filters["source_parts"] = source_parts
    env.filters["export_name"] = export_name
    env.filters["isolate_title"] = isolate_title
    return env


# what the record page shows about a record's source file (data/files.js)
FILES_JS_COLUMNS = ("entry_kind", "size", "sha256", "deleted", "mtime_ns", "atime_ns", "ctime_ns", "crtime_ns", "inode",
                    "package", "user")

class ReportBuilder:
    def __init__(self, case: CaseData) -> None:
        self.case = case
        self.out = case.root / "report"
        self.env = environment()
        self.info = case.info()
        self.media = MediaIndex(case)
        self.apps: dict[str, AppView] = {}
        self.tables: dict[tuple[str, str], DataTable] = {}
        self.stickers: list[dict[str, Any]] = []
        self.predictions: dict[str, set[str]] = defaultdict(set)  # evidence map: app -> packages
        self.sources: set[tuple[str, str]] = set()
        self.written: list[Path] = []
        self.badges: dict[int, list[list[Any]]] = {}
        self.findings = FindingIndex(list(case.records("finding")))
        self.extras = RecordExtras(case, self.out, CHUNK, self.written, self.media)
        self.severity: dict[str, int] = defaultdict(int)

    # --- collecting --------------------------------------------------------------------------------
    def table(self, group: str, kind: str, title: str, sort: str = "") -> DataTable:
        key = (group, kind)
        found = self.tables.get(key)
        if found is None:
            found = self.tables[key] = DataTable(self.out, f"t{len(self.tables)}", kind, title, self.written,
                                                 sort=sort)
        return found

    def collect(self) -> None:
        chunk: dict[str, Any] = {}
        chunk_no = 0
        for r in self.case.records():
            src = r.get("source") or {}
            self.sources.add((str(src.get("evidence", "")), str(src.get("path", ""))))
            if r["id"] // CHUNK != chunk_no:
                self._write_chunk(chunk_no, chunk)
                chunk, chunk_no = {}, r["id"] // CHUNK
            chunk[str(r["id"])] = r
            self._place(r)
        self._write_chunk(chunk_no, chunk)
        for t in self.tables.values():
            t.finish()

    def _place(self, r: dict[str, Any]) -> None:
        kind = str(r.get("kind"))
        badges = self.findings.badges(r)
        if badges:
            self.badges[int(r["id"])] = badges
        if kind in ("story", "sticker"):
            r = {**r, "resolved": self.media.attachments(r)}  # the stored form (in the data files) stays as is
        self.extras.note(r, badges)
        if kind == "warning":
            self.table("case", kind, "Warnings").add(r, badges)
        elif kind == "finding":
            self.severity[str(r.get("severity") or "info")] += 1
            self.table("case", kind, "Findings", sort="severity").add(r, badges)
            if r.get("app"):
                self._app(str(r["app"])).table_add(self, r, badges)
        elif kind in ("evidence_prediction", "evidence_file"):
            name = str(r.get("package") or r.get("app") or "(unknown app)")
            if r.get("package"):
                self.predictions[name].add(str(r["package"]))
            else:
                self.predictions[name]
            self.table(f"emap:{name}", kind, kind.replace("_", " ")).add(r, badges)
        elif kind in NETWORK_KINDS:
            if kind == "sticker" and len(self.stickers) < GALLERY_LIMIT:
                self.stickers.append(r)
            self.table("net", kind, NETWORK_KINDS[kind]).add(r, badges)
        elif r.get("app"):
            self._app(str(r["app"])).add(self, r, badges)
        else:
            self.table("other", kind, kind).add(r, badges)

    def _app(self, name: str) -> AppView:
        if name not in self.apps:
            self.apps[name] = AppView(name, "")
        return self.apps[name]

    def _write_chunk(self, number: int, chunk: dict[str, Any]) -> None:
        if chunk:
            path = self.out / "data" / f"records-{number}.js"
            path.write_bytes(packed_js("TROWEL_RECORDS_ADD", chunk))
            self.written.append(path)

    # --- writing -----------------------------------------------------------------------------------
    def render(self, template: str, name: str, **context: Any) -> None:
        path = self.out / name
        with open(path, "w", encoding="utf-8", errors="backslashreplace") as stream:
            pieces: list[str] = []
            for piece in self.env.get_template(template).generate(**self.base, page_name=name, **context):
                pieces.append(piece)
                if len(pieces) >= 4096:
                    stream.write("".join(pieces))
                    pieces = []
            stream.write("".join(pieces))
        self.written.append(path)

    def chat_data(self, ids: list[int], name: str) -> str:
        """``data/chat-<page>.js``: the messages of one chat page in order, fetched from the store (attachments
        resolved, findings as badges); returns the file's name."""
        page = ChatPage()
        for r in self.case.records_by_id(ids):
            page.add(r, self.media.attachments(r), source_parts(r), self.badges.get(int(r["id"])))
        file_name = "chat-" + name.removesuffix(".html") + ".js"
        path = self.out / "data" / file_name
        path.write_bytes(data_js_utf8("TROWEL_CHAT", page.data()))
        self.written.append(path)
        return file_name

    def tables_of(self, group: str) -> list[dict[str, Any]]:
        return [t.context() for (g, _), t in self.tables.items() if g == group]

    def build(self) -> list[Path]:
        if self.out.exists():
            shutil.rmtree(self.out)
        (self.out / "data").mkdir(parents=True)
        (self.out / "static").mkdir()
        for asset in sorted((HERE / "static").iterdir()):
            if asset.suffix in (".js", ".css"):
                shutil.copyfile(asset, self.out / "static" / asset.name)
                self.written.append(self.out / "static" / asset.name)
        self.collect()
        self._finish_apps()
        self.extras.copies()
        self.extras.related(self.findings)
        self.extras.conversations(list(self.apps.values()), CHAT_PAGE)
        self.extras.write()
        kinds = self.case.kinds()
        self.base = {
            "info": self.info, "display_tz": self.case.display_tz(),
            "nav_apps": [{"name": a.name, "page": a.page} for a in self.apps.values()],
            "has_evidence_map": bool(self.predictions), "has_network": any(g == "net" for g, _ in self.tables),
            "has_other": any(g == "other" for g, _ in self.tables),
        }
        self._write_files_js()
        self._write_badges_js()
        timeline_total = self._write_timeline_js()
        for app in self.apps.values():
            ctx = app.context(self)
            self.render("app.html", app.page, page_title=["App ", app.name], app=ctx)
            for conv in app.conversations_by_key.values():
                self._write_conversation(app, conv)
        if self.predictions:
            self.render("evidence.html", "evidence-map.html", page_title=["Evidence map"], apps=self._emap())
        if self.base["has_network"]:
            self.render("network.html", "network.html", page_title=["Network"], stickers=self.stickers,
                        stickers_total=self.tables[("net", "sticker")].total if ("net", "sticker") in self.tables
                        else 0, tables=self.tables_of("net"))
        if self.base["has_other"]:
            self.render("other.html", "other.html", page_title=["Other records"], tables=self.tables_of("other"))
        self.render("timeline.html", "timeline.html", page_title=["Timeline"], timeline_total=timeline_total)
        self.render("record.html", "record.html", page_title=["Record"])
        self.case.wait_for_outputs()  # the index lists the other outputs: last, once they are all written
        outputs = [(n, label) for n, label in OUTPUTS if (self.case.root / n).exists()]
        case_tables = {kind: t.context() for (g, kind), t in self.tables.items() if g == "case"}
        severity = sorted(self.severity.items(), key=lambda kv: SEVERITY_RANK.get(kv[0], 3))
        self.render("index.html", "index.html", page_title=["Case"], evidence=self.case.evidence(), kinds=kinds,
                    file_count=self.case.file_count(), apps=[a.context(self) for a in self.apps.values()],
                    findings=case_tables.get("finding"), warnings=case_tables.get("warning"), severity=severity,
                    actions=self.case.actions(), outputs=outputs, generated=iso_utc(datetime.now(UTC)))
        return self.written

    def _write_conversation(self, app: AppView, conv: Conversation) -> None:
        """A conversation's pages: CHAT_PAGE messages each, in time order, with links between them."""
        ids = conv.ordered_ids()
        pages = max(1, -(-len(ids) // CHAT_PAGE))
        names = [conv.page_name(n) for n in range(pages)]
        for number in range(pages):
            part = ids[number * CHAT_PAGE:(number + 1) * CHAT_PAGE]
            title: Parts = Parts().say("Conversation ")
            if conv.name:
                title.value(conv.name).say(" (").value(conv.key).say(")")
            else:
                title.value(conv.key)
            if pages > 1:
                title.say(f" · page {number + 1} of {pages}")
            data_file = self.chat_data(part, names[number])
            self.render("chat.html", names[number], page_title=title, conv=conv, data_file=data_file,
                        app_page=app.page, app_name=app.name, page_number=number, page_names=names,
                        first_index=number * CHAT_PAGE + 1, last_index=number * CHAT_PAGE + len(part))

    def _finish_apps(self) -> None:
        for number, app in enumerate(sorted(self.apps.values(), key=lambda a: a.name), start=1):
            app.page = f"app{number}.html"
            convs = sorted(app.conversations_by_key.values(), key=lambda c: c.key)
            for index, conv in enumerate(convs, start=1):
                conv.page = f"app{number}-chat{index}.html"
                conv.name = app.names.get(conv.key, "")
            app.conversations_by_key = {c.key: c for c in convs}
        self.apps = {a.name: a for a in sorted(self.apps.values(), key=lambda a: a.name)}

    def _emap(self) -> list[dict[str, Any]]:
        """Per app (package): the files its APK analysis predicts (evidence_prediction), the device files the
        AED matched (evidence_file), the evidence types, and the inventory's files of that package."""
        apps = []
        db = self.case.store.db
        for name, package_set in sorted(self.predictions.items()):
            packages = sorted(package_set)
            marks = ",".join("?" * len(packages))
            found_total, found = 0, []
            if packages:
                found_total = db.execute(f"SELECT count(*) FROM files WHERE package IN ({marks})"
                                         " AND entry_kind = 'file'", packages).fetchone()[0]
                cur = db.execute(f"SELECT evidence, path, size, sha256, deleted FROM files WHERE package IN ({marks})"
                                 " AND entry_kind = 'file' ORDER BY path LIMIT 2000", packages)
                found = [dict(zip(("evidence", "path", "size", "sha256", "deleted"), row, strict=True)) for row in cur]
            types = self._emap_types(name)
            apps.append({"name": name, "types": sorted(types), "tables": self.tables_of(f"emap:{name}"),
                         "found": found, "found_total": found_total})
        return apps

    def _emap_types(self, name: str) -> set[str]:
        types: set[str] = set()
        for kind in ("evidence_prediction", "evidence_file"):
            for r in self.case.records(kind):
                if str(r.get("package") or r.get("app") or "(unknown app)") != name:
                    continue
                for key in ("types", "evidence_types"):
                    value = r.get(key)
                    if isinstance(value, list):
                        types.update(str(v) for v in value)
                    elif isinstance(value, dict):
                        for inner in value.values():
                            types.update(str(v) for v in (inner if isinstance(inner, list) else [inner]))
                    elif isinstance(value, str):
                        types.add(value)
        return types

    def _write_badges_js(self) -> None:
        path = self.out / "data" / "badges.js"
        path.write_bytes(data_js_utf8("TROWEL_BADGES", {str(k): v for k, v in self.badges.items()}))
        self.written.append(path)

    def _write_files_js(self) -> None:
        files: dict[str, Any] = {}
        if self.sources:
            for row in self.case.file_values(("evidence", "path", *FILES_JS_COLUMNS)):
                key = (str(row[0]), str(row[1]))
                if key in self.sources:
                    files[f"{key[0]}:{key[1]}"] = dict(zip(FILES_JS_COLUMNS, row[2:], strict=True))
        evidence = {e["id"]: {"label": e["label"], "kind": e["kind"], "sha256_before": e["sha256_before"],
                              "sha256_after": e["sha256_after"]} for e in self.case.evidence()}
        path = self.out / "data" / "files.js"
        path.write_text(data_js("TROWEL_FILES", {"files": files, "evidence": evidence, "chunk": CHUNK,
                                                    "chunks": sorted(self.extras.chunks)}),
                        encoding="ascii")
        self.written.append(path)

    def _write_timeline_js(self) -> int:
        """The timeline's data: ``data/timeline-<n>.js`` parts of TIMELINE_PART rows [utc, desc, kind, app, state,
        message parts, record id, source parts] (each part hands its rows, packed, to ``TROWEL_TIMELINE_ADD``),
        then ``data/timeline.js`` with the lookup tables (desc/kind/app/state names), the number of parts and of
        rows. The page shows its first rows as soon as the first part is loaded, whatever the case's size."""
        lookups: dict[str, dict[str, int]] = {"desc": {}, "kind": {}, "app": {}, "state": {}}
        tables = [lookups[name] for name, _ in HTML_COLUMNS]
        count = parts = 0
        pieces: list[str] = []

        def flush() -> None:
            nonlocal parts, pieces
            path = self.out / "data" / f"timeline-{parts}.js"
            text = "[" + "".join(pieces) + "]"
            path.write_bytes(packed_bytes("TROWEL_TIMELINE_ADD", text.encode("utf-8", "backslashreplace")))
            self.written.append(path)
            parts += 1
            pieces = []

        for dt, *values, rest in html_rows(self.case):
            if count and count % TIMELINE_PART == 0:
                flush()
            idx = []
            for table, value in zip(tables, values, strict=True):
                number = table.get(value)
                if number is None:
                    number = table[value] = len(table)
                idx.append(str(number))
            pieces.append(f"{',' if count % TIMELINE_PART else ''}[{dt},{','.join(idx)},{rest}")
            count += 1
        if pieces:
            flush()
        index = {name: list(table) for name, table in lookups.items()}
        path = self.out / "data" / "timeline.js"
        path.write_text(data_js("TROWEL_TIMELINE", {**index, "parts": parts, "total": count}), encoding="ascii")
        self.written.append(path)
        return count


def write_html(case: CaseData) -> list[Path]:
    return ReportBuilder(case).build()


register_writer(Writer("html", "report/index.html: the offline HTML report", 90, write_html))
