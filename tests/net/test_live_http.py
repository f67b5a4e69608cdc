"""HTTP as real servers send it (Python's http.server answering curl, captured with tcpdump on loopback:
tests/fixtures/net/make_live.py): chunked in every shape, gzip/deflate/br/zstd content codings with the raw
bytes kept, a ZIP inside a ZIP, and an HTTP CONNECT tunnel carrying TLS 1.3."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import brotli
import pytest
import zstandard

from tests.net.conftest import by_kind
from tests.net.test_tshark import exported
from trowel.net import AnalysisResult, KeyLog, analyze_capture
from trowel.net.http import decode_content

LIVE = Path(__file__).parent.parent / "fixtures" / "net" / "live"


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live-http") / "media"


@pytest.fixture(scope="module")
def http(media: Path) -> AnalysisResult:
    return analyze_capture(LIVE / "http_live.pcap", media_dir=media)


def objects(result: AnalysisResult) -> dict[str, dict[str, Any]]:
    return {o["path"]: o for o in by_kind(result, "http_object")}


def test_every_body_decoded_to_what_the_server_meant(http: AnalysisResult, live_manifest: dict[str, Any]) -> None:
    got = objects(http)
    assert {p: o["sha256"] for p, o in got.items()} == live_manifest["http"]["objects"]
    assert all(o["complete"] and o["incomplete_reason"] is None for o in got.values())
    assert {f["application"] for f in by_kind(http, "flow")} == {"http"}
    assert len(by_kind(http, "flow")) == 6  # the last two objects shared one keep-alive connection


def test_chunk_shapes(http: AnalysisResult) -> None:
    chunked = objects(http)["/chunked"]
    # 3 chunks of 1000, 2000 and 2000 bytes; size lines "3e8;name=\"first\"", "7D0; ext", "7d0"; the
    # last chunk and the trailer "X-Checksum: <32 hex>"
    wire = (len('3e8;name="first"\r\n') + 1002 + len("7D0; ext\r\n") + 2002 + len("7d0\r\n") + 2002 + 3
            + len("X-Checksum: ") + 32 + 2 + 2)
    assert chunked["transfer_encoding"] == "chunked" and chunked["size"] == 5000 and chunked["wire_size"] == wire
    assert chunked["raw_sha256"] is None  # no content coding: nothing else to keep


def test_raw_bytes_kept_next_to_decoded(http: AnalysisResult, media: Path) -> None:
    got = objects(http)
    for path, coding in (("/brotli", "br"), ("/zstd", "zstd"), ("/gzip-chunked", "gzip"), ("/deflate", "deflate")):
        obj = got[path]
        assert obj["content_encoding"] == coding
        raw = (media.parent / obj["raw_media_path"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == obj["raw_sha256"] and len(raw) == obj["raw_size"]
        decoded = (media.parent / obj["media_path"]).read_bytes()
        assert decode_content(raw, coding) == (decoded, None)
        assert obj["raw_size"] < obj["size"]
    assert brotli.decompress((media.parent / got["/brotli"]["raw_media_path"]).read_bytes()) == (
        media.parent / got["/brotli"]["media_path"]).read_bytes()


def test_nested_zip_members(http: AnalysisResult) -> None:
    obj = objects(http)["/nested.zip"]
    paths = [m["path"] for m in obj["zip_members"]]
    assert paths == ["foo.zip", "foo.zip/foo/foo.txt", "foo.zip/foo/bar.txt", "stickers/s_42.zip",
                     "stickers/s_42.zip/1.png", "stickers/s_42.zip/2.png", "stickers/s_42.zip/3.png", "top.txt"]
    foo = next(m for m in obj["zip_members"] if m["path"] == "foo.zip/foo/foo.txt")
    assert foo["sha256"] == hashlib.sha256(b"foo\n").hexdigest() and foo["depth"] == 1
    (sticker,) = by_kind(http, "sticker")
    assert sticker["frames"] == 3 and sticker["sticker_id"] == "nested"
    assert [m["name"] for m in sticker["members"]] == ["1.png", "2.png", "3.png"]


def test_same_objects_as_tshark(http: AnalysisResult, tmp_path: Path) -> None:
    ours = {o["sha256"] for o in by_kind(http, "http_object")}
    theirs = exported(LIVE / "http_live.pcap", tmp_path / "tshark")
    # tshark 4.0 does not decode zstd and then exports nothing for it; the six others are byte-identical
    zstd = objects(http)["/zstd"]
    assert len(theirs) == 6 and set(theirs) == ours - {zstd["sha256"]}


def test_codings_in_sequence_and_damaged() -> None:
    data = b"payload " * 100
    both = brotli.compress(zstandard.ZstdCompressor().compress(data))
    assert decode_content(both, "zstd, br") == (data, None)
    cut = brotli.compress(data)[:-3]
    out, error = decode_content(cut, "br")
    assert error == "br stream ends early (body incomplete)" and data.startswith(out)
    assert decode_content(b"not zstd", "zstd")[1].startswith("zstd data damaged")
    assert decode_content(b"x", "compress") == (b"x", "content encoding 'compress' not decoded")


def test_connect_tunnel(live_manifest: dict[str, Any]) -> None:
    facts = live_manifest["tls13"]
    result = analyze_capture(LIVE / "tls13.pcap", keylog=KeyLog.load(LIVE / "tls13.keylog"))
    (tunnel,) = by_kind(result, "tunnel")
    assert (tunnel["host"], tunnel["port"], tunnel["status"]) == (facts["server_name"], facts["port"], 200)
    assert tunnel["proxy_port"] == facts["proxy_port"] and tunnel["inner_application"] == "tls"
    assert tunnel["inner_sni"] == facts["server_name"]
    # the tunnelled bytes are exactly those of the proxy's own TLS connection to the server
    direct = [t for t in by_kind(result, "tls_session") if t["tunnel"] is None and t["client_port"] != 0]
    inner = next(t for t in by_kind(result, "tls_session") if t["tunnel"] is not None)
    assert inner["tunnel"] == f"{facts['server_name']}:{facts['port']}" and inner["flow_id"] == tunnel["flow_id"]
    assert (tunnel["bytes_client_to_server"], tunnel["bytes_server_to_client"]) == (
        inner["bytes_client_to_server"], inner["bytes_server_to_client"])
    assert any((d["bytes_client_to_server"], d["bytes_server_to_client"]) == (
        inner["bytes_client_to_server"], inner["bytes_server_to_client"]) for d in direct)
    flows = {f["flow_id"]: f for f in by_kind(result, "flow")}
    assert flows[tunnel["flow_id"]]["application"] == "http-connect"
    # never an HTTP object made of tunnel bytes
    assert not [o for o in by_kind(result, "http_object") if o["method"] == "CONNECT"]


@pytest.fixture(scope="module")
def tls13(live_manifest: dict[str, Any]) -> AnalysisResult:
    return analyze_capture(LIVE / "tls13.pcap", keylog=KeyLog.load(LIVE / "tls13.keylog"))


def test_tls13_sessions_decrypted(tls13: AnalysisResult, live_manifest: dict[str, Any]) -> None:
    facts = live_manifest["tls13"]
    sessions = by_kind(tls13, "tls_session")
    assert len(sessions) == 5  # four curl connections, one of them also seen as the proxy's own connection
    assert all(s["decrypted"] and s["decryption_note"] is None and s["server_version"] == 0x0304 for s in sessions)
    assert sorted(s["server_cipher_suite_name"] for s in sessions) == sorted(
        list(facts["suites"].values()) + ["TLS_AES_128_GCM_SHA256"])
    # the server certificate, read from the decrypted handshake
    assert {s["certificates"][0]["sha256"] for s in sessions} == {facts["cert_sha256"]}
    assert {s["certificates"][0]["common_name"] for s in sessions} == {facts["server_name"]}
    objs = by_kind(tls13, "http_object")
    got = sorted((o["url"].rsplit("/", 1)[1], o["sha256"]) for o in objs)
    want = sorted(list(facts["objects"].items()) + [("t.txt", facts["objects"]["t.txt"])])
    assert got == want
    assert all(o["decrypted"] and o["complete"] and o["url"].startswith("https://") for o in objs)


def test_tls13_without_key_log(live_manifest: dict[str, Any]) -> None:
    result = analyze_capture(LIVE / "tls13.pcap")
    sessions = by_kind(result, "tls_session")
    assert all(not s["decrypted"] and s["certificates"] == [] for s in sessions)
    assert not by_kind(result, "http_object")
    assert {s["sni"] for s in sessions} == {live_manifest["tls13"]["server_name"]}


def test_tls13_wrong_secret_is_reported(tmp_path: Path) -> None:
    lines = (LIVE / "tls13.keylog").read_text().splitlines()
    damaged = []
    for line in lines:
        label, random, secret = line.split()
        if label == "SERVER_TRAFFIC_SECRET_0":
            secret = ("0" if secret[0] != "0" else "1") + secret[1:]
        damaged.append(f"{label} {random} {secret}")
    path = tmp_path / "bad.keylog"
    path.write_text("\n".join(damaged) + "\n")
    result = analyze_capture(LIVE / "tls13.pcap", keylog=KeyLog.load(path))
    sessions = by_kind(result, "tls_session")
    assert all(not s["decrypted"] for s in sessions)
    assert all("decryption stopped: authentication tag does not verify" in s["decryption_note"] for s in sessions)
    assert all(s["certificates"] for s in sessions)  # the handshake keys were right
    assert not by_kind(result, "http_object")


def test_tls12_rsa_key_log_line(live_manifest: dict[str, Any]) -> None:
    log = KeyLog.load(LIVE / "tls12_rsa.keylog")
    assert not log.master_secrets and len(log.rsa_premasters) == 1  # only the RSA line
    result = analyze_capture(LIVE / "tls12_rsa.pcap", keylog=log)
    (session,) = by_kind(result, "tls_session")
    assert session["server_cipher_suite_name"] == "TLS_RSA_WITH_AES_128_GCM_SHA256"
    assert session["extended_master_secret"] is True and session["decrypted"] is True
    (obj,) = by_kind(result, "http_object")
    assert obj["sha256"] == live_manifest["tls12_rsa"]["object"] and obj["complete"]


def _talk_capture(path: Path, pieces: list[tuple[int, bytes]], syn: bool = True) -> Path:
    from tests.fixtures.net.pcapwriter import PcapFile, TcpTalk, link

    talk = TcpTalk("10.9.0.1", 40200, "10.9.0.2", 8080)
    t = talk.handshake(1_700_000_000_000_000_000) if syn else 1_700_000_000_000_000_000
    for direction, data in pieces:
        seq = talk.seq[direction]
        talk.seq[direction] += len(data)
        talk.emit(t, direction, seq, 0x18, data)
        t += 1_000_000
    talk.close(t)
    cap = PcapFile(1)
    for ts, packet in talk.packets:
        cap.add(ts, link(1, packet))
    cap.write(path)
    return path


def test_request_line_split_into_tiny_segments(tmp_path: Path) -> None:
    body = b"chunk body bytes" * 10
    chunked = b"a0\r\n" + body + b"\r\n0\r\n\r\n"
    path = _talk_capture(tmp_path / "split.pcap", [
        (0, b"GE"), (0, b"T /split HTTP/1.1\r\nHost: s\r\n\r\n"),
        (1, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), (1, b"a"), (1, b"0\r"),
        (1, b"\n" + chunked[4:])])
    result = analyze_capture(path)
    (obj,) = by_kind(result, "http_object")
    assert obj["url"] == "http://s/split" and obj["sha256"] == hashlib.sha256(body).hexdigest() and obj["complete"]
    assert by_kind(result, "flow")[0]["application"] == "http"


def test_capture_started_mid_transfer(tmp_path: Path) -> None:
    body = b"second object" * 20
    path = _talk_capture(tmp_path / "mid.pcap", [
        (1, b"...tail of an earlier body the capture missed the start of..."),
        (0, b"GET /next HTTP/1.1\r\nHost: m\r\n\r\n"),
        (1, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)], syn=False)
    result = analyze_capture(path)
    (obj,) = by_kind(result, "http_object")
    assert obj["url"] == "http://m/next" and obj["sha256"] == hashlib.sha256(body).hexdigest()
    assert by_kind(result, "flow")[0]["application"] == "http"


def test_other_methods_are_http(tmp_path: Path) -> None:
    body = b"<multistatus/>" * 10
    path = _talk_capture(tmp_path / "dav.pcap", [
        (0, b"PROPFIND /dav/ HTTP/1.1\r\nHost: d\r\nDepth: 1\r\n\r\n"),
        (1, b"HTTP/1.1 207 Multi-Status\r\nContent-Length: %d\r\n\r\n" % len(body) + body),
        (0, b"MKCOL /dav/new/ HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n"),
        (1, b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")])
    result = analyze_capture(path)
    assert [(o["method"], o["status"], o["size"]) for o in by_kind(result, "http_object")] == [
        ("PROPFIND", 207, len(body)), ("MKCOL", 201, 2)]


def test_tls13_key_updates_in_a_real_session(live_manifest: dict[str, Any]) -> None:
    facts = live_manifest["keyupdate"]
    result = analyze_capture(LIVE / "tls13_keyupdate.pcap", keylog=KeyLog.load(LIVE / "tls13_keyupdate.keylog"))
    (session,) = by_kind(result, "tls_session")
    assert session["decrypted"] and session["decryption_note"] is None
    assert session["key_updates"] == facts["key_updates"] == 2
    (obj,) = by_kind(result, "http_object")  # the POST body typed across the first key update
    assert (obj["method"], obj["sha256"], obj["complete"]) == ("POST", facts["body"], True)


def test_clear_http2_inside_a_tunnel(tmp_path: Path) -> None:
    import hpack

    from tests.net.test_http2 import frame
    from trowel.net.http2 import PREFACE

    req = hpack.Encoder().encode([(":method", "GET"), (":path", "/in"), (":scheme", "http"), (":authority", "in")])
    resp = hpack.Encoder().encode([(":status", "200")])
    path = _talk_capture(tmp_path / "tunnel_h2.pcap", [
        (0, b"CONNECT inner.example:80 HTTP/1.1\r\nHost: inner.example:80\r\n\r\n"),
        (1, b"HTTP/1.1 200 Connection established\r\n\r\n"),
        (0, PREFACE + frame(4, 0, 0, b"") + frame(1, 0x5, 1, req)),
        (1, frame(4, 0, 0, b"") + frame(1, 0x4, 1, resp) + frame(0, 0x1, 1, b"tunnelled h2 body"))])
    result = analyze_capture(path)
    (tunnel,) = by_kind(result, "tunnel")
    assert (tunnel["host"], tunnel["port"], tunnel["inner_application"]) == ("inner.example", 80, "http2")
    (obj,) = by_kind(result, "http_object")
    assert obj["url"] == "http://in/in" and obj["sha256"] == hashlib.sha256(b"tunnelled h2 body").hexdigest()


def test_tls13_zero_rtt_early_data(live_manifest: dict[str, Any], tmp_path: Path) -> None:
    facts = live_manifest["early_data"]
    result = analyze_capture(LIVE / "tls13_0rtt.pcap", keylog=KeyLog.load(LIVE / "tls13_0rtt.keylog"))
    (session,) = by_kind(result, "tls_session")
    assert session["early_data_offered"] and session["early_data_records"] == 2  # the POST, EndOfEarlyData
    assert session["decrypted"] and session["decryption_note"] is None
    (obj,) = by_kind(result, "http_object")  # the POST sent before the handshake ended
    assert (obj["method"], obj["sha256"]) == ("POST", facts["body"])
    # without the early secret: the early records are skipped (and said so), the rest still decrypts
    lines = [line for line in (LIVE / "tls13_0rtt.keylog").read_text().splitlines() if "EARLY" not in line]
    (tmp_path / "k.log").write_text("\n".join(lines) + "\n")
    result = analyze_capture(LIVE / "tls13_0rtt.pcap", keylog=KeyLog.load(tmp_path / "k.log"))
    (session,) = by_kind(result, "tls_session")
    assert session["decrypted"] and session["early_data_records"] == 0
    assert session["decryption_note"] == ("2 0-RTT early-data record(s) not decrypted (no "
                                          "CLIENT_EARLY_TRAFFIC_SECRET for them)")
    assert not by_kind(result, "http_object")


def test_unknown_coding_kept_as_sent(tmp_path: Path) -> None:
    body = b"\x1f\x9d" + bytes(range(200))  # looks like Unix compress: nobody decodes it
    path = _talk_capture(tmp_path / "compress.pcap", [
        (0, b"GET /old.Z HTTP/1.1\r\nHost: z\r\n\r\n"),
        (1, b"HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\nContent-Length: %d\r\n\r\n" % len(body) + body)])
    (obj,) = by_kind(analyze_capture(path), "http_object")
    assert obj["complete"] and obj["incomplete_reason"] is None
    assert obj["sha256"] == hashlib.sha256(body).hexdigest()  # as tshark exports it
    assert obj["content_note"] == "content encoding 'compress' not decoded"
