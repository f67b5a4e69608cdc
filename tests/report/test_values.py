"""The report's pieces without a browser: descriptions as words and isolated values, page titles with FSI/PDI,
table cells for humans, the findings index, the chat page split, and the hex view's page copies and cell
extents (from real SQLite files made here)."""

from __future__ import annotations

import io
import sqlite3
import struct
from pathlib import Path

from trowel.report.pages import CHAT_PAGE, Conversation, isolate_title, isolated
from trowel.report.rawpages import cell_extent, read_pages
from trowel.report.summary import describe, describe_parts, source_parts
from trowel.report.tables import FindingIndex
from trowel.report.values import cell_value, certificate_summary, columns_for

SRC = {"evidence": "E1", "path": "p.db", "table": "messages", "rowid": 3}


def test_descriptions_keep_every_value_apart_from_the_words() -> None:
    r = {"id": 1, "kind": "message", "app": "imo", "direction": "incoming", "conversation": "c1",
         "sender_name": "Bob\u202e", "text": "hi", "state": "deleted", "source": SRC}
    parts = describe_parts(r)
    assert parts == ["[", "imo", "] incoming text message in ", "c1", " from ", "Bob\u202e", ": ", "hi", " (deleted)"]
    assert describe(r) == "[imo] incoming text message in c1 from Bob\u202e: hi (deleted)"
    assert source_parts(r) == ["", "E1", ":", "p.db", " table ", "messages", " rowid 3"]
    row = {"id": 2, "kind": "generic_row", "container": "sqlite", "table": "t", "values": {"a": 1, "b": "x"},
           "state": "live", "source": SRC}
    assert describe_parts(row) == ["sqlite ", "t", " row: ", "a", "=", "1", ", ", "b", "=", "x"]
    recovered = {**r, "source": {"evidence": "E1", "path": "p.db-wal", "page": 5, "offset": 812,
                                 "region": "wal", "frame": 3}}
    assert source_parts(recovered) == ["", "E1", ":", "p.db-wal", " page 5 offset 812 region wal frame 3"]


def test_titles_isolate_values_and_end_with_pdi() -> None:
    assert isolated("Bob") == "\u2068Bob\u2069"
    assert isolated("a\u2069b") == "\u2068ab\u2069"  # a PDI without its opener would end the isolate early
    assert isolated("x\u2067y") == "\u2068x\u2067y\u2069\u2069"  # the value's own isolate is closed too
    title = isolate_title(["Conversation ", "Bob\u202e", " (", "100000002", ")"], "C-1")
    assert title == "Conversation \u2068Bob\u202e\u2069 (\u2068100000002\u2069) · trowel \u2068C-1\u2069"
    assert title.endswith("\u2069")


def test_cells_for_humans() -> None:
    assert cell_value("verified", True) == "yes" and cell_value("decrypted", False) == "no"
    assert cell_value("server_version", 0x0304) == "TLS 1.3"
    assert cell_value("client_version", 771) == "TLS 1.2"
    assert cell_value("client_supported_versions", [0x0A0A, 0x0304]) == ["tags", ["GREASE 0x0a0a", "TLS 1.3"]]
    assert cell_value("server_cipher_suite", 0x1301) == "TLS_AES_128_GCM_SHA256"
    assert cell_value("cipher_suites", [0xC02F, 0x9999]) == ["tags", ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                                                      "0x9999"]]
    cert = {"sha256": "ab", "size": 900, "subject": "CN=imo.im", "common_name": "imo.im",
            "issuer": "CN=R3,O=Let's Encrypt", "issuer_organisation": "Let's Encrypt",
            "not_before": "2024-01-01T00:00:00Z", "not_after": "2024-03-31T00:00:00Z"}
    summary = "imo.im · issued by Let's Encrypt · valid 2024-01-01 to 2024-03-31"
    assert certificate_summary(cert) == summary
    assert cell_value("certificates", [cert]) == ["tags", [summary]]
    assert cell_value("types", ["text_input", "time"]) == ["tags", ["text_input", "time"]]
    assert cell_value("failed_direct_attempts", {"a": 1, "b": [2]}) == ["kv", [["a", 1], ["b", ["tags", ["2"]]]]]
    assert cell_value("rowid", 2**60) == str(2**60)  # beyond what JavaScript numbers hold exactly
    assert cell_value("time", {"utc": "2024-01-01T00:00:00Z", "raw": 1, "format": "unix_s", "clock": "utc"}) == [
        "t", "2024-01-01T00:00:00Z", ""]
    assert cell_value("time", {"utc": None, "raw": 99, "format": "test", "error": "bad"}) == ["t", None, "99", "(test: bad)"]
    assert [c for c, _ in columns_for("call", [{"time": 1, "peer": "x"}])] == ["time", "peer"]
    assert [c for c, _ in columns_for("made_up", [{"id": 1, "kind": "made_up", "zeta": 1, "alpha": 2}])] == [
        "zeta", "alpha"]


def test_findings_reach_the_records_they_concern() -> None:
    findings = [
        {"id": 10, "kind": "finding", "finding": "time_in_future", "severity": "warning",
         "related": ["com.x/u0/messages#3"], "source": {"evidence": "E1", "path": "p.db"}},
        {"id": 11, "kind": "finding", "finding": "rowid_order", "severity": "notice", "related": [],
         "source": SRC},
        {"id": 12, "kind": "finding", "finding": "sticker_download", "severity": "info", "related": ["message:7"],
         "source": {"evidence": "E2", "path": "c.pcap"}},
    ]
    index = FindingIndex(findings)
    live = {"id": 5, "kind": "message", "state": "live", "package": "com.x", "user": 0, "source": SRC}
    assert index.badges(live) == [["warning", "time_in_future", 10], ["notice", "rowid_order", 11]]
    assert index.badges({"id": 7, "kind": "message", "state": "live", "source": {}}) == [
        ["info", "sticker_download", 12]]
    assert index.badges({"id": 8, "kind": "message", "state": "live", "source": {}}) is None
    assert index.badges({**findings[1], "id": 11}) is None  # a finding is not badged by itself
    assert dict(index.related) == {10: [5], 11: [5], 12: [7]}


def test_conversation_pages() -> None:
    conv = Conversation("c1", page="app1-chat1.html")
    for n in range(CHAT_PAGE * 2 + 5):
        conv.add({"id": n + 1, "state": "live", "time": None}, flagged=n == 3)
    assert conv.pages == 3 and conv.flagged == 1
    assert [conv.page_name(k) for k in range(3)] == ["app1-chat1.html", "app1-chat1-p2.html", "app1-chat1-p3.html"]
    assert conv.page_of()[CHAT_PAGE + 1] == 1


def _database(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA page_size = 1024")
    db.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, body TEXT)")
    db.executemany("INSERT INTO m VALUES (?, ?)", [(n, f"message number {n}") for n in range(1, 40)])
    db.commit()
    db.close()


def test_pages_and_cell_extents_from_a_real_database(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    _database(path)
    data = path.read_bytes()
    size, pages = read_pages(io.BytesIO(data), [(1, None), (2, None), (2, 7), (99, None)])
    assert size == 1024 and sorted(pages) == ["1", "2"]  # a WAL frame of a db file and a page past the end: none
    assert pages["2"] == data[1024:2048] and pages["1"] == data[:1024]
    page = pages["2"]
    # the cell pointer array of a table leaf: every live cell's extent is exactly its bytes
    count = struct.unpack(">H", page[3:5])[0]
    assert count == 39
    pointers = sorted(struct.unpack(">H", page[8 + 2 * k:10 + 2 * k])[0] for k in range(count))
    ends = pointers[1:] + [1024]
    for start, end in zip(pointers, ends, strict=True):
        got = cell_extent(page, start)
        assert got[:2] == (start, end - start) and got[2].startswith("table b-tree leaf cell")
    # a free block: its size is in its header
    freeblock = bytearray(page)
    freeblock[pointers[0]:pointers[0] + 4] = b"\x00\x00\x00\x14"
    assert cell_extent(bytes(freeblock), pointers[0])[:2] == (pointers[0], 20)
    assert cell_extent(bytes(freeblock), pointers[0], pointers[0] + 12)[:2] == (pointers[0], 12)  # a later record
    # a record whose cell prefix is gone: its header gives its length
    body = pointers[0] + 2  # payload length and rowid are one byte each here
    assert cell_extent(page, body)[1:] == (ends[0] - body, "record header and body (the cell's length and rowid are"
                                                            " not in front of it)")


def test_pages_from_a_wal(tmp_path: Path) -> None:
    size = 1024
    header = struct.pack(">IIII", 0x377F0682, 3007000, size, 0) + bytes(16)
    frames = b"".join(struct.pack(">II", page, 0) + bytes(16) + bytes([page]) * size for page in (2, 5, 2))
    got_size, pages = read_pages(io.BytesIO(header + frames), [(2, 1), (5, 2), (2, 3), (2, None)])
    assert got_size == size and sorted(pages) == ["2@1", "2@3", "5@2"]
    assert pages["5@2"] == bytes([5]) * size and pages["2@3"] == bytes([2]) * size
    assert read_pages(io.BytesIO(b"not a database"), [(1, None)]) == (0, {})
