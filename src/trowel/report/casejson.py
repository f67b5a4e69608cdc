"""``case.jsonld``: the case as a CASE/UCO bundle (CASE 1.x / UCO 1.x vocabulary, checked by case_validate).

What goes in:
- an ``investigation:InvestigativeAction`` ("examine") with the tool (``tool:Tool`` name + version) as
  instrument, the examiner as performer, the input files (with their SHA-256) as objects and one
  ``investigation:ProvenanceRecord`` per source file as results;
- observables: ``observable:Message``, ``observable:Call``, ``observable:Contact``,
  ``observable:ApplicationAccount`` (the device's accounts and every peer/sender), ``observable:File`` for
  every inventory file (with a ``ContentDataFacet`` hash: hashMethod "SHA256"), ``observable:NetworkConnection``
  for records with source and destination addresses, ``observable:Application`` per app;
- each observable's ``core:description`` says where its bytes were (path, table/rowid or page/offset/region)
  and its state; each provenance record groups the observables read from one source file with that file.

Identifiers are deterministic (UUIDv5 from the case's inputs and the store's record ids), so regenerating the
report gives the same graph. The graph is written node by node, so memory stays flat on large cases.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from trowel.model.values import iso_utc, ns_to_datetime
from trowel.report.casedata import SHA256_RE, CaseData, encode, is_time
from trowel.report.registry import Writer, register_writer
from trowel.report.summary import source_label

CONTEXT = {
    "kb": "urn:trowel:",
    "action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "investigation": "https://ontology.caseontology.org/case/investigation/",
    "observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
NETWORK_SRC = ("src_ip", "src", "source_ip", "local_ip", "client_ip", "a_ip")
NETWORK_DST = ("dst_ip", "dst", "destination_ip", "remote_ip", "peer_ip", "server_ip", "relay_ip", "b_ip")
NETWORK_SPORT = ("src_port", "sport", "source_port", "local_port", "client_port", "a_port")
NETWORK_DPORT = ("dst_port", "dport", "destination_port", "remote_port", "peer_port", "server_port", "relay_port",
                 "b_port")
NETWORK_START = ("start", "first", "time", "start_time", "first_seen")
NETWORK_END = ("end", "last", "end_time", "last_seen")


def _dt(value: str) -> dict[str, str]:
    return {"@type": "xsd:dateTime", "@value": value}


def _utc(value: Any) -> str | None:
    return value.get("utc") if is_time(value) else None


class Graph:
    """Writes ``@graph`` nodes one at a time; remembers which shared nodes were already written."""

    def __init__(self, stream: IO[str], seed: str) -> None:
        self.stream = stream
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:trowel:case:{seed}")
        self._ns_bytes = self.namespace.bytes
        self.written: set[str] = set()  # shared nodes (accounts, applications, addresses) already written
        self._shared: dict[tuple[str, str], str] = {}
        self.count = 0

    def uuid5(self, name: str) -> str:
        """RFC 4122 version-5 UUID of ``name`` in the case's namespace (the same value as uuid.uuid5, made
        without building UUID objects: this runs several times per record)."""
        digest = bytearray(hashlib.sha1(self._ns_bytes + name.encode("utf-8", "surrogatepass")).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        h = digest.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def iri(self, kind: str, key: str) -> str:
        return f"kb:{kind}-{self.uuid5(f'{kind}:{key}')}"

    def node(self, data: dict[str, Any]) -> str:
        if self.count:
            self.stream.write(",\n")
        self.stream.write(encode(data))
        self.count += 1
        return str(data["@id"])

    def sub(self, owner: str, name: str) -> str:
        """The IRI of a node that belongs to another (a facet, a hash): ends with a UUID, as UCO asks."""
        return f"kb:{name}-{self.uuid5(f'{owner}#{name}')}"

    def facet(self, owner: str, facet_type: str, props: dict[str, Any]) -> dict[str, Any]:
        body = {k: v for k, v in props.items() if v not in (None, [], "")}
        return {"@id": self.sub(owner, facet_type.split(":")[1]), "@type": facet_type, **body}

    def shared(self, kind: str, key: str, build: Any) -> str:
        """A node shared by many records (an account, an application): written once."""
        known = self._shared.get((kind, key))
        if known is not None:
            return known
        iri = self.iri(kind, key)
        self._shared[(kind, key)] = iri
        if iri not in self.written:
            self.written.add(iri)
            self.node(build(iri))
        return iri

    def application(self, name: str | None) -> str | None:
        if not name:
            return None
        return self.shared("application", name, lambda iri: {
            "@id": iri, "@type": "observable:Application", "core:name": name})

    def account(self, app: str | None, identifier: str | None, name: str | None = None) -> str | None:
        if not identifier:
            return None
        application = self.application(app)

        def build(iri: str) -> dict[str, Any]:
            facets = [self.facet(iri, "observable:AccountFacet", {"observable:accountIdentifier": identifier}),
                      self.facet(iri, "observable:ApplicationAccountFacet",
                                 {"observable:application": {"@id": application} if application else None})]
            if name:
                facets.append(self.facet(iri, "observable:DigitalAccountFacet", {"observable:displayName": name}))
            return {"@id": iri, "@type": "observable:ApplicationAccount", "core:hasFacet": facets}

        return self.shared("account", f"{app}\0{identifier}", build)

    def phone(self, number: str) -> str:
        return self.shared("phone", number, lambda iri: {
            "@id": iri, "@type": "observable:PhoneAccount",
            "core:hasFacet": [self.facet(iri, "observable:PhoneAccountFacet", {"observable:phoneNumber": number})]})

    def address(self, value: str) -> str | None:
        try:
            parsed = ipaddress.ip_address(value)
        except ValueError:
            return None
        cls = "IPv4Address" if parsed.version == 4 else "IPv6Address"
        return self.shared("address", str(parsed), lambda iri: {
            "@id": iri, "@type": f"observable:{cls}",
            "core:hasFacet": [self.facet(iri, f"observable:{cls}Facet", {"observable:addressValue": str(parsed)})]})


def _describe_source(record: dict[str, Any]) -> str:
    return f"trowel {record.get('kind')} record {record.get('id')}; state {record.get('state')}; " \
           f"confidence {record.get('confidence')}; source {source_label(record)}"


def _owner_account(case: CaseData) -> dict[str | None, str]:
    owners: dict[str | None, str] = {}
    for account in case.records("account"):
        ident = account.get("account_id") or account.get("phone")
        if ident and account.get("app") not in owners:
            owners[account.get("app")] = str(ident)
    return owners


def _message(g: Graph, r: dict[str, Any], owners: dict[str | None, str]) -> str:
    iri = g.iri("message", str(r["id"]))
    app = r.get("app")
    me = g.account(app, owners.get(app))
    other = g.account(app, r.get("sender") or r.get("conversation"), r.get("sender_name"))
    sender, receiver = (me, other) if r.get("direction") == "outgoing" else (other, me)
    if r.get("direction") not in ("incoming", "outgoing"):
        sender, receiver = (g.account(app, r.get("sender"), r.get("sender_name")), None)
    facet = g.facet(iri, "observable:MessageFacet", {
        "observable:messageText": r.get("text") if isinstance(r.get("text"), str) else None,
        "observable:sentTime": _dt(t) if (t := _utc(r.get("time"))) else None,
        "observable:messageType": r.get("message_kind"),
        "observable:sessionID": r.get("conversation"),
        "observable:from": {"@id": sender} if sender else None,
        "observable:to": [{"@id": receiver}] if receiver else None,
        "observable:application": {"@id": a} if (a := g.application(app)) else None,
    })
    return g.node({"@id": iri, "@type": "observable:Message", "core:description": _describe_source(r),
                   "core:hasFacet": [facet]})


def _call(g: Graph, r: dict[str, Any], owners: dict[str | None, str]) -> str:
    iri = g.iri("call", str(r["id"]))
    app = r.get("app")
    me = g.account(app, owners.get(app))
    peer = g.account(app, r.get("peer"), r.get("peer_name"))
    caller, callee = (me, peer) if r.get("direction") == "outgoing" else (peer, me)
    duration = r.get("duration_s")
    facet = g.facet(iri, "observable:CallFacet", {
        "observable:callType": r.get("call_type"),
        "observable:startTime": _dt(t) if (t := _utc(r.get("time"))) else None,
        "observable:duration": int(round(duration)) if isinstance(duration, int | float) else None,
        "observable:from": {"@id": caller} if caller and r.get("direction") in ("incoming", "outgoing") else None,
        "observable:to": [{"@id": callee}] if callee and r.get("direction") in ("incoming", "outgoing") else None,
        "observable:participant": [{"@id": p} for p in (me, peer) if p],
        "observable:application": {"@id": a} if (a := g.application(app)) else None,
    })
    desc = _describe_source(r) + (f"; duration {duration} s; state {r.get('call_state')}")
    return g.node({"@id": iri, "@type": "observable:Call", "core:description": desc, "core:hasFacet": [facet]})


def _contact(g: Graph, r: dict[str, Any]) -> str:
    iri = g.iri("contact", str(r["id"]))
    phones = []
    for n, number in enumerate(p for p in r.get("phones") or [] if isinstance(p, str) and p):
        phones.append({"@id": g.sub(iri, f"ContactPhone{n}"), "@type": "observable:ContactPhone",
                       "observable:contactPhoneNumber": {"@id": g.phone(number)}})
    facet = g.facet(iri, "observable:ContactFacet", {
        "observable:displayName": r.get("name"), "observable:contactID": r.get("contact_id"),
        "observable:contactPhone": phones,
        "observable:sourceApplication": {"@id": a} if (a := g.application(r.get("app"))) else None,
    })
    return g.node({"@id": iri, "@type": "observable:Contact", "core:description": _describe_source(r),
                   "core:hasFacet": [facet]})


def _account(g: Graph, r: dict[str, Any]) -> str:
    iri = g.account(r.get("app"), str(r.get("account_id") or r.get("phone") or f"record {r['id']}"), r.get("name"))
    assert iri is not None
    return iri


def _first(r: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((r[n] for n in names if r.get(n) not in (None, "")), None)


def _network(g: Graph, r: dict[str, Any]) -> str | None:
    src, dst = _first(r, NETWORK_SRC), _first(r, NETWORK_DST)
    if not isinstance(src, str) or not isinstance(dst, str):
        return None
    src_iri, dst_iri = g.address(src), g.address(dst)
    if src_iri is None or dst_iri is None:
        return None
    iri = g.iri("connection", str(r["id"]))
    sport, dport = _first(r, NETWORK_SPORT), _first(r, NETWORK_DPORT)
    start, end = _utc(_first(r, NETWORK_START)), _utc(_first(r, NETWORK_END))
    facet = g.facet(iri, "observable:NetworkConnectionFacet", {
        "observable:src": [{"@id": src_iri}], "observable:dst": [{"@id": dst_iri}],
        "observable:sourcePort": sport if isinstance(sport, int) and not isinstance(sport, bool) else None,
        "observable:destinationPort": dport if isinstance(dport, int) and not isinstance(dport, bool) else None,
        "observable:startTime": _dt(start) if start else None, "observable:endTime": _dt(end) if end else None,
    })
    return g.node({"@id": iri, "@type": "observable:NetworkConnection", "core:description": _describe_source(r),
                   "core:hasFacet": [facet]})


FILE_NODE_COLUMNS = ("id", "evidence", "path", "entry_kind", "size", "deleted", "sha256", "mtime_ns", "atime_ns",
                     "ctime_ns", "crtime_ns")
_FILE_TIME_PROPS = ("observable:modifiedTime", "observable:accessedTime", "observable:metadataChangeTime",
                    "observable:observableCreatedTime")


class _FileTimes:
    """``xsd:dateTime`` values of file times, memoised (an inventory repeats its times; this runs per file)."""

    LIMIT = 100_000

    def __init__(self) -> None:
        self.known: dict[Any, dict[str, str] | None] = {}

    def __call__(self, ns: Any) -> dict[str, str] | None:
        if ns in self.known:
            return self.known[ns]
        try:
            value: dict[str, str] | None = _dt(iso_utc(ns_to_datetime(int(ns))))
        except (OverflowError, ValueError):
            value = None
        if len(self.known) >= self.LIMIT:
            self.known.clear()
        self.known[ns] = value
        return value


def _file_node(g: Graph, row: tuple[Any, ...], file_times: _FileTimes) -> str:
    """The File node of one inventory row (the values of FILE_NODE_COLUMNS)."""
    file_id, evidence, path, entry_kind, size, deleted, sha256 = row[:7]
    iri = g.iri("file", f"{evidence}\0{path}\0{file_id}")
    times = {}
    for prop, ns in zip(_FILE_TIME_PROPS, row[7:], strict=True):
        if ns is not None:
            value = file_times(ns)
            if value is not None:
                times[prop] = value
    facets = [g.facet(iri, "observable:FileFacet", {
        "observable:fileName": path.rsplit("/", 1)[-1], "observable:filePath": f"{evidence}:/{path}",
        "observable:sizeInBytes": size, "observable:isDirectory": entry_kind == "dir",
        "observable:allocationStatus": "deleted" if deleted else "allocated", **times})]
    if sha256 and SHA256_RE.match(sha256):
        facets.append(_content(g, iri, sha256, size))
    return g.node({"@id": iri, "@type": "observable:File", "core:hasFacet": facets})


def _content(g: Graph, owner: str, sha256: str, size: Any) -> dict[str, Any]:
    hash_iri = g.sub(owner, "Hash")
    g.node({"@id": hash_iri, "@type": "types:Hash", "types:hashMethod": "SHA256",
            "types:hashValue": {"@type": "xsd:hexBinary", "@value": sha256.upper()}})
    return g.facet(owner, "observable:ContentDataFacet", {
        "observable:sizeInBytes": size if isinstance(size, int) else None, "observable:hash": [{"@id": hash_iri}]})


def _records(g: Graph, case: CaseData) -> Iterator[tuple[dict[str, Any], str]]:
    owners = _owner_account(case)
    for r in case.records("account"):
        yield r, _account(g, r)
    for r in case.records():
        kind = r.get("kind")
        iri: str | None = None
        if kind == "account":
            continue
        if kind == "message":
            iri = _message(g, r, owners)
        elif kind == "call":
            iri = _call(g, r, owners)
        elif kind == "contact":
            iri = _contact(g, r)
        else:
            iri = _network(g, r)
        if iri is not None:
            yield r, iri


def _provenance_records(g: Graph, case: CaseData, file_iris: dict[tuple[str, str], str]) -> list[str]:
    """Every record's node, then one ProvenanceRecord per source file listing its file and every observable
    read from it. The (source, IRI) pairs go through a scratch SQLite table and each ProvenanceRecord's object
    list is written piece by piece, so memory stays flat however many records the case holds."""
    db = sqlite3.connect(case.scratch() / "casejson-members.sqlite")
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE m (src INTEGER, iri TEXT)")
        sources: dict[tuple[str, str], int] = {}
        batch: list[tuple[int, str]] = []
        for record, iri in _records(g, case):
            src = record.get("source") or {}
            key = (str(src.get("evidence", "")), str(src.get("path", "")))
            number = sources.setdefault(key, len(sources))
            batch.append((number, iri))
            if len(batch) >= 20_000:
                db.executemany("INSERT INTO m VALUES (?, ?)", batch)
                batch = []
        db.executemany("INSERT INTO m VALUES (?, ?)", batch)
        db.execute("CREATE INDEX m_src ON m(src, iri)")
        results = []
        for (ev, src_path), number in sorted(sources.items()):
            head = encode({"@id": g.iri("provenance", f"{ev}\0{src_path}"), "@type": "investigation:ProvenanceRecord",
                           "investigation:exhibitNumber": ev or "unknown",
                           "core:description": f"records read from {ev}:{src_path}", "core:object": []})
            if g.count:
                g.stream.write(",\n")
            g.stream.write(head[:-2])  # without the closing "]}"
            first = True
            if (ev, src_path) in file_iris:
                g.stream.write(encode({"@id": file_iris[(ev, src_path)]}))
                first = False
            pieces: list[str] = []
            for (iri,) in db.execute("SELECT DISTINCT iri FROM m WHERE src = ? ORDER BY iri", (number,)):
                pieces.append(('{"@id":' if first and not pieces else ',{"@id":') + encode(iri) + "}")
                if len(pieces) >= 4096:
                    g.stream.write("".join(pieces))
                    pieces, first = [], False
            g.stream.write("".join(pieces) + "]}")
            g.count += 1
            results.append(g.iri("provenance", f"{ev}\0{src_path}"))
        return results
    finally:
        db.close()


def write_casejson(case: CaseData) -> list[Path]:
    info = case.info()
    evidence = case.evidence()
    actions = case.actions()
    seed = "|".join([str(info.get("case_number") or "")] + [str(e.get("sha256_before")) for e in evidence])
    path = case.root / "case.jsonld"
    with open(path, "w", encoding="utf-8", errors="backslashreplace") as stream:
        stream.write('{"@context": ' + json.dumps(CONTEXT) + ',\n"@graph": [\n')
        g = Graph(stream, seed)
        tool = g.node({"@id": g.iri("tool", "trowel"), "@type": "tool:Tool", "core:name": "trowel",
                       "tool:toolType": "forensic extraction and analysis",
                       "tool:version": str(info.get("tool_version") or "")})
        inputs = []
        for item in evidence:
            iri = g.iri("input", str(item["id"]))
            facets = [g.facet(iri, "observable:FileFacet", {
                "observable:fileName": item.get("label"), "observable:filePath": item.get("host_path"),
                "observable:sizeInBytes": item.get("size") if item.get("size") else None})]
            if item.get("sha256_before") and SHA256_RE.match(item["sha256_before"]):
                facets.append(_content(g, iri, item["sha256_before"], item.get("size") or None))
            after = item.get("sha256_after")
            desc = f"evidence {item['id']} ({item.get('kind')}); SHA-256 before {item.get('sha256_before')}, " \
                   f"after {after}; " + ("unchanged" if after == item.get("sha256_before") else "not verified equal")
            inputs.append(g.node({"@id": iri, "@type": "observable:File", "core:description": desc,
                                  "core:hasFacet": facets}))
        file_iris: dict[tuple[str, str], str] = {}
        file_times = _FileTimes()
        for row in case.file_values(FILE_NODE_COLUMNS):
            iri = _file_node(g, row, file_times)
            file_iris.setdefault((row[1], row[2]), iri)
        results = _provenance_records(g, case, file_iris)
        action: dict[str, Any] = {
            "@id": g.iri("action", "examine"), "@type": "investigation:InvestigativeAction", "core:name": "examine",
            "core:description": f"trowel examine, case {info.get('case_number') or '(none)'}",
            "action:instrument": [{"@id": tool}], "action:object": [{"@id": i} for i in inputs],
            "action:result": [{"@id": r} for r in results]}
        if actions:
            action["action:startTime"] = _dt(actions[0]["time"])
            action["action:endTime"] = _dt(actions[-1]["time"])
        if info.get("examiner"):
            action["action:performer"] = {"@id": g.node({"@id": g.iri("identity", str(info["examiner"])),
                                                         "@type": "identity:Identity", "core:name": info["examiner"]})}
        g.node(action)
        stream.write("\n]}\n")
    return [path]


register_writer(Writer("casejson", "case.jsonld: the case as a CASE/UCO bundle", 60, write_casejson))
