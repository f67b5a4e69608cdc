"""Builds a synthetic case folder for the report tests: every known record kind made with the model classes,
hand-made JSON rows for kinds other parts of trowel produce (flow, sticker, call_session, evidence_prediction),
a file inventory, evidence items with hashes before/after, an action log and media copies.

``payload`` (when given) is planted in every text field a writer displays: the security test uses it.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from trowel.case.store import CaseStore
from trowel.evidence.base import Entry, EntryKind
from trowel.model import (
    Account,
    AppEvent,
    Call,
    Contact,
    Finding,
    GenericRow,
    MediaFile,
    Message,
    Provenance,
    State,
    Story,
    Warning,
)
from trowel.timestamps import stamp

IMO = "com.imo.android.imoim"
DB = f"data/data/{IMO}/databases/imofriends.db"
BASE_MS = 1_700_000_000_000  # 2023-11-14T22:13:20Z


def png_bytes(seed: int) -> bytes:
    """A valid 1x1 PNG whose pixel depends on ``seed`` (so every copy has its own hash)."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"\x00" + bytes([seed % 256, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def t(offset_s: int) -> Any:
    return stamp(BASE_MS + offset_s * 1000, "unix_ms")


def add_raw(store: CaseStore, data: dict[str, Any]) -> None:
    """Insert a record of a kind this part of trowel does not model (as its JSON form)."""
    src = data.get("source", {})
    store.flush()
    with store.db:
        store.db.execute(
            "INSERT INTO records(kind, state, app, package, user, evidence, path, tbl, rowid_, page, offset_, region,"
            " confidence, time_ns, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (data["kind"], data.get("state", "live"), data.get("app"), data.get("package"), None, src.get("evidence"),
             src.get("path"), src.get("table"), src.get("rowid"), None, None, None, 1.0, None,
             json.dumps(data, ensure_ascii=False)))


def build_case(root: Path, payload: str = "", messages: int = 6) -> dict[str, Any]:
    """Write DIR/case.sqlite (+ media/) under ``root``; returns facts the tests check against."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "media").mkdir(exist_ok=True)
    p = payload
    store = CaseStore(root / "case.sqlite")
    store.set_info(case_number=f"CASE-7{p}", examiner=f"Examiner Ex{p}", tool="trowel", tool_version="9.9.9",
                   display_tz="Europe/Berlin")
    store.add_evidence("E1", f"extraction{p}.tar", f"/cases/extraction{p}.tar", "tar", 4096, "a" * 64, {"role": "evidence"})
    store.set_evidence_after("E1", "a" * 64)
    store.add_evidence("E2", "capture.pcap", "/cases/capture.pcap", "capture", 100, "b" * 64, {"role": "capture"})
    store.set_evidence_after("E2", "b" * 64)
    store.log_action("start", {"out": str(root)})
    sticker_png = png_bytes(7)
    photo_png = png_bytes(3)
    sticker_sha = hashlib.sha256(sticker_png).hexdigest()
    photo_sha = hashlib.sha256(photo_png).hexdigest()
    (root / "media" / sticker_sha).write_bytes(sticker_png)
    (root / "media" / photo_sha).write_bytes(photo_png)
    photo_path = f"data/media/0/imo/photo{p}.png"
    pack = io.BytesIO()
    with zipfile.ZipFile(pack, "w") as zf:
        zf.writestr("1.png", png_bytes(11))
        zf.writestr("2.png", png_bytes(12))
        zf.writestr("meta.json", b"{}")
    pack_sha = hashlib.sha256(pack.getvalue()).hexdigest()
    (root / "media" / pack_sha).write_bytes(pack.getvalue())
    entries = [
        (Entry(DB, EntryKind.FILE, 8192, mtime=(BASE_MS + 500_000) * 1_000_000, atime=None,
               ctime=(BASE_MS + 500_001) * 1_000_000, inode=12), "c" * 64),
        (Entry(photo_path, EntryKind.FILE, len(photo_png), mtime=BASE_MS * 1_000_000 + 123), photo_sha),
        (Entry(f"data/data/{IMO}/files/gone{p}.txt", EntryKind.FILE, 10, mtime=BASE_MS * 1_000_000,
               deleted=True), None),
        (Entry(f"data/data/{IMO}", EntryKind.DIR, 0, mtime=BASE_MS * 1_000_000), None),
    ]
    store.add_files("E1", entries)
    common: dict[str, Any] = {"app": "imo", "package": IMO, "user": 0}
    records: list[Any] = [
        Account(source=Provenance(evidence="E1", path=f"data/data/{IMO}/shared_prefs/imo.xml"), account_id="uid-me",
                name=f"Me Myself{p}", phone="+15550001", **common),
        Contact(source=Provenance(evidence="E1", path=DB, table="friends", rowid=1), contact_id="uid-alice",
                name=f"Alice{p}", phones=["+15550002"], **common),
        Contact(source=Provenance(evidence="E1", path=DB, table="friends", rowid=2), contact_id=f"grp-1{p}",
                name=f"Group chat{p}", is_group=True, **common),
    ]
    for n in range(messages):
        outgoing = n % 2 == 1
        records.append(Message(
            source=Provenance(evidence="E1", path=DB, table="messages", rowid=n + 1), conversation="uid-alice",
            direction="outgoing" if outgoing else "incoming", direction_raw=int(outgoing), sender=None if outgoing
            else "uid-alice", sender_name=None if outgoing else f"Alice{p}", text=f"hello {n}{p}", delivered=True,
            read=n < 4, time=t(n * 60), **common))
    records += [
        Message(source=Provenance(evidence="E1", path=DB, page=5, offset=812, region="freeblock"),
                state=State.DELETED, confidence=0.9, conversation="uid-alice", direction="incoming",
                sender="uid-alice", text=f"deleted secret{p}", time=t(1000), **common),
        Message(source=Provenance(evidence="E1", path=DB + "-wal", page=2, offset=100, region="wal", frame=3),
                conversation="uid-alice", direction="outgoing", text=f"photo{p}", message_kind="photo",
                attachments=[photo_path], time=t(1100), **common),
        Message(source=Provenance(evidence="E1", path=DB, table="messages", rowid=50), conversation=f"grp-1{p}",
                is_group=True, direction="incoming", sender=f"uid-bob{p}", sender_name=f"Bob{p}", text=f"group hi{p}",
                time=t(1200), **common),
        MediaFile(source=Provenance(evidence="E1", path=photo_path), sha256=photo_sha, size=len(photo_png),
                  mime="image/png", referenced_by=["messages"], **common),
        MediaFile(source=Provenance(evidence="E1", path=f"data/data/{IMO}/files/stickers/pack{p}.zip"),
                  sha256=pack_sha, size=len(pack.getvalue()), mime="application/zip",
                  referenced_by=[f"{IMO}/u0/messages#3"], **common),
        Call(source=Provenance(evidence="E1", path=DB, table="calls", rowid=1), peer="uid-alice",
             peer_name=f"Alice{p}", direction="outgoing", call_type="video", duration_s=61.0,
             call_state="answered", time=t(2000), **common),
        Call(source=Provenance(evidence="E1", path=DB, table="calls", rowid=2), peer="uid-alice", direction="incoming",
             call_type="audio", duration_s=0.0, call_state="missed", time=t(2100), **common),
        Story(source=Provenance(evidence="E1", path=DB, table="stories", rowid=1), state=State.ORPHANED, author="uid-alice",
              object_id="obj1", text=f"story text{p}", time=t(3000), **common),
        AppEvent(source=Provenance(evidence="E1", path=f"data/data/{IMO}/shared_prefs/imo.xml"), event="install",
                 meaning=f"first install{p}", time=t(-5000), **common),
        Warning(source=Provenance(evidence="E1", path=f"data/data/{IMO}/databases/bad{p}.db"),
                message=f"cannot parse{p}", stage="imo"),
        Finding(source=Provenance(evidence="E1", path=DB), finding="gap", message=f"rowid gap{p}", time=t(1500)),
        GenericRow(source=Provenance(evidence="E1", path="data/data/com.other/databases/x.db", table="places",
                                     rowid=1), app=f"com.other{p}", package="com.other", table="places",
                   values={"name": f"spot{p}", "latitude": 52.52, "longitude": 13.405, "seen": 1700000000},
                   time_fields={"seen": stamp(1700000000, "unix_s")}),
    ]
    sticker_src = {"evidence": "E2", "path": "capture.pcap", "detail": "tcp stream 3"}
    store.add_many(records)
    add_raw(store, {"kind": "flow", "state": "live", "app": "imo", "source": {"evidence": "E2", "path": "capture.pcap"},
                    "confidence": 1.0, "src_ip": "10.0.0.2", "dst_ip": "203.0.113.9", "src_port": 40000,
                    "dst_port": 443, "protocol": "tcp", "start": t(2000).to_json(), "end": t(2061).to_json(),
                    "server_name": f"imo.example{p}", f"field{p}": "v"})
    add_raw(store, {"kind": "sticker", "state": "live", "app": "imo", "source": sticker_src, "confidence": 1.0,
                    "sha256": sticker_sha, "size": len(sticker_png), "url": f"javascript:alert(1)//{p}",
                    "time": t(2500).to_json()})
    add_raw(store, {"kind": "call_session", "state": "live", "app": "imo", "source": {"evidence": "E2", "path": "capture.pcap"},
                    "confidence": 0.8, "peer_ips": ["198.51.100.7"], "relay_ips": ["203.0.113.9"],
                    "start": t(2000).to_json(), "end": t(2061).to_json(), "note": f"p2p{p}"})
    add_raw(store, {"kind": "evidence_prediction", "state": "live", "app": "imo", "package": IMO,
                    "source": {"evidence": "E1", "path": "base.apk"}, "confidence": 1.0,
                    "path_pattern": f"/data/data/{IMO}/databases/imofriends.db", "evidence_types": ["text_input", "time"],
                    "matched_files": [DB]})
    add_raw(store, {"kind": "evidence_file", "state": "live", "package": IMO, "user": 0,
                    "source": {"evidence": "E1", "path": DB}, "confidence": 1.0, "path": DB,
                    "pattern": "/data/data/<pkg>/databases/imofriends.db", "types": ["text_input", "time"]})
    store.log_action("end", None, {"ok": True})
    kinds = store.kinds()
    store.close()
    return {"kinds": kinds, "messages": messages + 3, "photo_sha": photo_sha, "sticker_sha": sticker_sha,
            "files": len(entries),
            "frames": [hashlib.sha256(png_bytes(n)).hexdigest() for n in (11, 12)]}
