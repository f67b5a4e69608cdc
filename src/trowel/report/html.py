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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from jinja2 import ChainableUndefined, Environment, FileSystemLoader
from markupsafe import Markup

from trowel.model.values import iso_utc
from trowel.report.casedata import SHA256_RE, CaseData, is_time
from trowel.report.csv import export_name
from trowel.report.registry import Writer, register_writer
from trowel.report.summary import COMMON, source_label
from trowel.report.thread import message_markup
from trowel.report.timeline import HTML_COLUMNS, html_rows

HERE = Path(__file__).parent
NETWORK_KINDS = {"flow": "Flows", "imo_session": "imo sessions", "call_session": "Calls (network, with peer IPs)",
                 "tls_session": "TLS sessions", "http_object": "HTTP objects", "sticker": "Stickers"}
APP_KINDS = {"account": "accounts", "call": "calls", "contact": "contacts", "story": "stories", "app_event": "events",
             "file_transfer": "transfers", "key_material": "keys"}
# Conversation badges from the stores/kinds of its messages (end-to-end, strangers, channels).
STORE_BADGES = {"secret_message": "end-to-end", "secret_chat": "end-to-end", "relationship_message": "stranger",
                "post": "channel", "channel_post_cache": "channel", "user_channel_post": "channel"}
TABLE_LIMIT = 5000
CELL_LIMIT = 300
WARNING_LIMIT = 1000
CHUNK = 2000
TIMELINE_PART = 50_000  # rows per timeline data file
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


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}
    for row in rows[:500]:
        for key in row:
            if key not in COMMON and key not in cols:
                cols[key] = None
    return list(cols)[:40]


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
    env.filters["source_label"] = source_label
    env.filters["columns"] = _columns
    env.filters["export_name"] = export_name
    return env


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
    title: str = ""
    page: str = ""
    is_group: bool = False
    entries: list[tuple[bool, str, int]] = field(default_factory=list)  # (no time, instant, record id)
    deleted: int = 0
    badges: set[str] = field(default_factory=set)
    first: Any = None
    last: Any = None
    _first_ns: str | None = None
    _last_ns: str | None = None

    def add(self, r: dict[str, Any]) -> None:
        ns = _instant(r.get("time"))
        self.entries.append((ns is None, ns or "", int(r["id"])))
        self.is_group = self.is_group or bool(r.get("is_group"))
        badge = STORE_BADGES.get(str(r.get("store")))
        if badge:
            self.badges.add(badge)
        if r.get("state") != "live":
            self.deleted += 1
        if ns is not None:
            if self._first_ns is None or ns < self._first_ns:
                self._first_ns, self.first = ns, r["time"]
            if self._last_ns is None or ns > self._last_ns:
                self._last_ns, self.last = ns, r["time"]

    @property
    def count(self) -> int:
        return len(self.entries)

    def ordered_ids(self) -> list[int]:
        return [rid for _, _, rid in sorted(self.entries)]


@dataclass
class AppView:
    name: str
    page: str
    packages: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_kind: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    conversations_by_key: dict[str, Conversation] = field(default_factory=dict)

    def add(self, r: dict[str, Any]) -> None:
        kind = str(r.get("kind"))
        self.counts[kind] += 1
        if r.get("package"):
            self.packages.add(str(r["package"]))
        if kind == "message":
            key = str(r.get("conversation") or "(no conversation)")
            self.conversations_by_key.setdefault(key, Conversation(key)).add(r)
        elif len(self.by_kind[kind]) < TABLE_LIMIT:
            self.by_kind[kind].append(r)

    def context(self) -> dict[str, Any]:
        other = [(k, rows, self.counts[k]) for k, rows in sorted(self.by_kind.items()) if k not in APP_KINDS]
        return {"name": self.name, "page": self.page, "packages": sorted(self.packages), "counts": dict(self.counts),
                "accounts": self.by_kind.get("account", []), "calls": self.by_kind.get("call", []),
                "contacts": self.by_kind.get("contact", []), "stories": self.by_kind.get("story", []),
                "events": self.by_kind.get("app_event", []), "conversations": list(self.conversations_by_key.values()),
                "transfers": self.by_kind.get("file_transfer", []), "key_records": self.by_kind.get("key_material", []),
                "other": other}


class MediaIndex:
    """Finds the media copy an attachment string names (a SHA-256, a path, a media record's path)."""

    def __init__(self, case: CaseData) -> None:
        self.case = case
        self.by_key: dict[str, str] = {}
        self.by_ref: dict[str, list[str]] = defaultdict(list)
        for m in case.records("media"):
            sha = m.get("sha256")
            if not isinstance(sha, str) or not SHA256_RE.match(sha):
                continue
            for ref in m.get("referenced_by") or []:
                self.by_ref[str(ref)].append(sha)
            for key in (m.get("media_path"), (m.get("source") or {}).get("path")):
                if isinstance(key, str) and key:
                    self.by_key.setdefault(key.lstrip("/"), sha)
                    self.by_key.setdefault(key.rsplit("/", 1)[-1], sha)

    def resolve(self, label: Any) -> dict[str, Any]:
        text = label if isinstance(label, str) else _jsontext(label)
        sha = text.lower() if SHA256_RE.match(text.lower()) else None
        if sha is None:
            sha = self.by_key.get(text.lstrip("/")) or self.by_key.get(text.rsplit("/", 1)[-1])
        mime = self.case.media_type(sha)
        why = "" if mime else ("no copy in the case's media folder" if sha is None or not
                               (self.case.root / "media" / sha).is_file() else "not an image, audio or video file")
        return {"label": text, "sha256": sha, "mime": mime, "why": why}

    def attachments(self, r: dict[str, Any]) -> list[dict[str, Any]]:
        """What a message, story or sticker shows: its attachments, the media records that name it
        (``<package>/u<user>/<table>#<rowid>``) and a sticker's own file and members, each copy once."""
        labels: list[Any] = list(r.get("attachments") or [])
        src = r.get("source") or {}
        if src.get("table") is not None and src.get("rowid") is not None:
            labels += self.by_ref.get(f"{r.get('package')}/u{r.get('user')}/{src['table']}#{src['rowid']}", [])
        if r.get("kind") == "sticker":
            labels += [r.get("sha256")] + [m.get("sha256") for m in r.get("members") or [] if isinstance(m, dict)]
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for label in labels:
            if label is None:
                continue
            item = self.resolve(label)
            if item["sha256"] and item["sha256"] in seen:
                continue
            if item["sha256"]:
                seen.add(item["sha256"])
            frames = self.case.archive_frames(item["sha256"]) if item["mime"] is None else []
            if frames:  # a sticker pack: show its images
                for frame in frames:
                    if frame not in seen:
                        seen.add(frame)
                        out.append({**self.resolve(frame), "label": f"{item['label']} (frame)"})
                continue
            out.append(item)
        return out


class ReportBuilder:
    def __init__(self, case: CaseData) -> None:
        self.case = case
        self.out = case.root / "report"
        self.env = environment()
        self.info = case.info()
        self.media = MediaIndex(case)
        self.apps: dict[str, AppView] = {}
        self.network: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.network_total: dict[str, int] = defaultdict(int)
        self.predictions: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.other: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.other_total: dict[str, int] = defaultdict(int)
        self.warnings: list[dict[str, Any]] = []
        self.findings: list[dict[str, Any]] = []
        self.sources: set[tuple[str, str]] = set()
        self.written: list[Path] = []

    # --- collecting --------------------------------------------------------------------------------
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

    def _place(self, r: dict[str, Any]) -> None:
        kind = str(r.get("kind"))
        if kind in ("story", "sticker"):
            r = {**r, "resolved": self.media.attachments(r)}  # the stored form (in the data files) stays as is
        if kind == "warning":
            if len(self.warnings) < WARNING_LIMIT:
                self.warnings.append(r)
        elif kind in ("evidence_prediction", "evidence_file"):
            self.predictions[str(r.get("package") or r.get("app") or "(unknown app)")].append(r)
        elif kind in NETWORK_KINDS:
            self.network_total[kind] += 1
            if len(self.network[kind]) < TABLE_LIMIT:
                self.network[kind].append(r)
        elif r.get("app"):
            app = str(r["app"])
            if app not in self.apps:
                self.apps[app] = AppView(app, "")
            self.apps[app].add(r)
        elif kind == "finding":
            if len(self.findings) < TABLE_LIMIT:
                self.findings.append(r)
        else:
            self.other_total[kind] += 1
            if len(self.other[kind]) < TABLE_LIMIT:
                self.other[kind].append(r)

    def _write_chunk(self, number: int, chunk: dict[str, Any]) -> None:
        if chunk:
            path = self.out / "data" / f"records-{number}.js"
            path.write_bytes(data_js_utf8("TROWEL_RECORDS", chunk))
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

    def thread(self, conv: Conversation) -> Iterator[Markup]:
        """A conversation's messages in order, fetched from the store, as markup (attachments resolved)."""
        for r in self.case.records_by_id(conv.ordered_ids()):
            yield message_markup(r, self.media.attachments(r), source_label(r))

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
        kinds = self.case.kinds()
        self.base = {
            "info": self.info, "display_tz": self.case.display_tz(),
            "nav_apps": [{"name": a.name, "page": a.page} for a in self.apps.values()],
            "has_evidence_map": bool(self.predictions), "has_network": bool(self.network_total),
            "has_other": bool(self.other_total),
        }
        self._write_files_js()
        timeline_total = self._write_timeline_js()
        outputs = [(n, label) for n, label in OUTPUTS if (self.case.root / n).exists()]
        self.render("index.html", "index.html", page_title="Case", evidence=self.case.evidence(), kinds=kinds,
                    file_count=self.case.file_count(), apps=[a.context() for a in self.apps.values()],
                    warnings=self.warnings, warnings_total=kinds.get("warning", 0), findings=self.findings,
                    findings_total=len(self.findings), actions=self.case.actions(), outputs=outputs,
                    generated=iso_utc(datetime.now(UTC)))
        for app in self.apps.values():
            ctx = app.context()
            self.render("app.html", app.page, page_title=f"App {app.name}", app=ctx)
            for conv in ctx["conversations"]:
                self.render("chat.html", conv.page, page_title=f"Conversation {conv.title}", conv=conv,
                            messages=self.thread(conv), app_page=app.page, app_name=app.name)
        if self.predictions:
            self.render("evidence.html", "evidence-map.html", page_title="Evidence map", apps=self._emap())
        if self.network_total:
            stickers = self.network.get("sticker", [])
            sections = [(k, NETWORK_KINDS[k], self.network[k], self.network_total[k]) for k in NETWORK_KINDS
                        if k in self.network and k != "sticker"]
            self.render("network.html", "network.html", page_title="Network", stickers=stickers,
                        stickers_total=self.network_total.get("sticker", 0), sections=sections)
        if self.other_total:
            self.render("other.html", "other.html", page_title="Other records",
                        sections=[(k, rows, self.other_total[k]) for k, rows in sorted(self.other.items())])
        self.render("timeline.html", "timeline.html", page_title="Timeline", timeline_total=timeline_total)
        self.render("record.html", "record.html", page_title="Record")
        return self.written

    def _finish_apps(self) -> None:
        for number, app in enumerate(sorted(self.apps.values(), key=lambda a: a.name), start=1):
            app.page = f"app{number}.html"
            names: dict[str, str] = {}
            for contact in app.by_kind.get("contact", []):
                if contact.get("contact_id") and contact.get("name"):
                    names.setdefault(str(contact["contact_id"]), str(contact["name"]))
            convs = sorted(app.conversations_by_key.values(), key=lambda c: c.key)
            for index, conv in enumerate(convs, start=1):
                conv.page = f"app{number}-chat{index}.html"
                conv.title = f"{names[conv.key]} ({conv.key})" if conv.key in names else conv.key
            app.conversations_by_key = {c.key: c for c in convs}
        self.apps = {a.name: a for a in sorted(self.apps.values(), key=lambda a: a.name)}

    def _emap(self) -> list[dict[str, Any]]:
        """Per app (package): the files its APK analysis predicts (evidence_prediction), the device files the
        AED matched (evidence_file), the evidence types, and the inventory's files of that package."""
        apps = []
        db = self.case.store.db
        for name, rows in sorted(self.predictions.items()):
            predicted = [r for r in rows if r.get("kind") == "evidence_prediction"]
            matched = [r for r in rows if r.get("kind") == "evidence_file"]
            types: set[str] = set()
            for r in rows:
                for key in ("types", "evidence_types"):
                    value = r.get(key)
                    if isinstance(value, list):
                        types.update(str(v) for v in value)
                    elif isinstance(value, dict):
                        for inner in value.values():
                            types.update(str(v) for v in (inner if isinstance(inner, list) else [inner]))
                    elif isinstance(value, str):
                        types.add(value)
            packages = sorted({str(r["package"]) for r in rows if r.get("package")})
            marks = ",".join("?" * len(packages))
            found_total, found = 0, []
            if packages:
                found_total = db.execute(f"SELECT count(*) FROM files WHERE package IN ({marks})"
                                         " AND entry_kind = 'file'", packages).fetchone()[0]
                cur = db.execute(f"SELECT evidence, path, size, sha256, deleted FROM files WHERE package IN ({marks})"
                                 " AND entry_kind = 'file' ORDER BY path LIMIT 2000", packages)
                found = [dict(zip(("evidence", "path", "size", "sha256", "deleted"), row, strict=True)) for row in cur]
            apps.append({"name": name, "types": sorted(types), "predictions": predicted[:TABLE_LIMIT],
                         "total": len(predicted), "matched": matched[:TABLE_LIMIT], "matched_total": len(matched),
                         "found": found, "found_total": found_total})
        return apps

    def _write_files_js(self) -> None:
        files: dict[str, Any] = {}
        for row in self.case.files():
            key = (str(row["evidence"]), str(row["path"]))
            if key in self.sources:
                files[f"{key[0]}:{key[1]}"] = {k: row.get(k) for k in (
                    "entry_kind", "size", "sha256", "deleted", "mtime_ns", "atime_ns", "ctime_ns", "crtime_ns",
                    "inode", "package", "user")}
        evidence = {e["id"]: {"label": e["label"], "kind": e["kind"], "sha256_before": e["sha256_before"],
                              "sha256_after": e["sha256_after"]} for e in self.case.evidence()}
        path = self.out / "data" / "files.js"
        path.write_text(data_js("TROWEL_FILES", {"files": files, "evidence": evidence, "chunk": CHUNK}),
                        encoding="ascii")
        self.written.append(path)

    def _write_timeline_js(self) -> int:
        """The timeline's data: ``data/timeline-<n>.js`` parts of TIMELINE_PART rows [utc, desc, kind, app, state,
        message, record id, source] (each part hands its rows to ``TROWEL_TIMELINE_ADD``), streamed to the files,
        then ``data/timeline.js`` with the lookup tables (desc/kind/app/state names), the number of parts and of
        rows. The page shows its first rows as soon as the first part is loaded, whatever the case's size."""
        lookups: dict[str, dict[str, int]] = {"desc": {}, "kind": {}, "app": {}, "state": {}}
        tables = [lookups[name] for name, _ in HTML_COLUMNS]
        count = parts = 0
        stream: Any = None
        pieces: list[str] = []
        try:
            for dt, *values, rest in html_rows(self.case):
                if count % TIMELINE_PART == 0:
                    if stream is not None:
                        stream.write("".join(pieces) + "]);\n")
                        stream.close()
                        pieces = []
                    path = self.out / "data" / f"timeline-{parts}.js"
                    stream = open(path, "w", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
                    self.written.append(path)
                    stream.write("window.TROWEL_TIMELINE_ADD([")
                    parts += 1
                idx = []
                for table, value in zip(tables, values, strict=True):
                    number = table.get(value)
                    if number is None:
                        number = table[value] = len(table)
                    idx.append(str(number))
                pieces.append(f"{',' if count % TIMELINE_PART else ''}[{dt},{','.join(idx)},{rest}")
                count += 1
                if len(pieces) >= 4096:
                    stream.write("".join(pieces))
                    pieces = []
            if stream is not None:
                stream.write("".join(pieces) + "]);\n")
        finally:
            if stream is not None:
                stream.close()
        index = {name: list(table) for name, table in lookups.items()}
        path = self.out / "data" / "timeline.js"
        path.write_text(data_js("TROWEL_TIMELINE", {**index, "parts": parts, "total": count}), encoding="ascii")
        self.written.append(path)
        return count


def write_html(case: CaseData) -> list[Path]:
    return ReportBuilder(case).build()


register_writer(Writer("html", "report/index.html: the offline HTML report", 90, write_html))
