"""The whole analysis of the generated imo capture and the other captures: exact counts and values."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.fixtures.net.make_captures import T0
from tests.net.conftest import by_kind
from trowel.net import AnalysisResult, analyze_capture

FLOWS = [  # flow id, a, a port, b, b port, packets a->b, b->a, application
    ("tcp-1", "192.168.1.10", 41000, "161.202.10.20", 443, 9, 6, "imo-tls"),
    ("udp-2", "192.168.1.10", 53000, "192.168.1.1", 53, 1, 1, None),
    ("tcp-3", "192.168.1.10", 43000, "93.184.216.34", 80, 1, 0, None),
    ("udp-4", "192.168.1.10", 123, "129.6.15.28", 123, 1, 0, None),
    ("udp-5", "192.168.1.10", 44000, "192.0.2.99", 9999, 1, 0, None),
    ("tcp-6", "192.168.1.10", 41001, "161.202.10.20", 5223, 6, 3, "imo-binary"),
    ("tcp-7", "192.168.1.10", 41002, "161.202.10.20", 5228, 6, 3, "imo-binary"),
    ("tcp-8", "192.168.1.10", 41003, "8.8.4.4", 5223, 5, 2, None),
    ("tcp-9", "192.168.1.10", 42000, "104.20.30.40", 80, 7, 12, "http"),
    ("tcp-10", "192.168.1.10", 42001, "104.20.30.40", 80, 5, 5, "http"),
    ("tcp-11", "192.168.1.10", 42002, "104.20.30.40", 80, 5, 7, "http"),
    ("tcp-12", "192.168.1.10", 42003, "104.20.30.40", 80, 3, 6, "http"),
    ("udp-13", "192.168.1.10", 40001, "203.0.113.5", 30010, 131, 131, "imo-call"),
    ("udp-14", "192.168.1.10", 40001, "10.20.30.40", 47000, 4, 0, "imo-call"),
    ("udp-15", "192.168.1.10", 40001, "198.51.100.20", 47000, 455, 455, "imo-call"),
    ("udp-16", "192.168.1.10", 40555, "203.0.113.6", 443, 30, 30, "imo-call"),
    ("udp-17", "192.168.1.10", 40555, "198.51.100.33", 51000, 6, 0, "imo-call"),
]


def test_record_counts(imo_result: AnalysisResult) -> None:
    counts: dict[str, int] = {}
    for record in imo_result.records:
        counts[record.kind] = counts.get(record.kind, 0) + 1
    assert counts == {"flow": 17, "tls_session": 1, "http_object": 6, "sticker": 4, "imo_session": 3,
                      "call_session": 2, "warning": 2}
    assert imo_result.packets == 1338 and imo_result.ip_packets == 1337  # one ARP frame


def test_flows(imo_result: AnalysisResult) -> None:
    flows = by_kind(imo_result, "flow")
    assert [(f["flow_id"], f["a_ip"], f["a_port"], f["b_ip"], f["b_port"], f["packets_a_to_b"], f["packets_b_to_a"],
             f.get("application")) for f in flows] == FLOWS
    http = flows[8]
    assert http["retransmitted_bytes"] == 1400 and http["gaps"] == 0
    assert (http["bytes_a_to_b"], http["bytes_b_to_a"]) == (693, 11117)
    assert http["start"]["utc"] == "2018-06-12T10:03:20.000000Z"
    assert http["source"] == {"evidence": "E9", "path": http["source"]["path"], "detail": "tcp-9 frames 47-65"}
    assert flows[3]["payload_a_to_b"] == 48  # NTP with IP total length 0 still read
    assert flows[4]["payload_a_to_b"] == 1200  # snap-cut: the wire size counts


def test_http_objects(imo_result: AnalysisResult, manifest: dict[str, Any], imo_media: Path) -> None:
    objects = by_kind(imo_result, "http_object")
    assert [(o["url"], o["status"], o["content_type"], o["complete"]) for o in objects] == [
        ("http://stickers.imo.im/stickers/pack7/s_1001.zip", 200, "application/zip", True),
        ("http://stickers.imo.im/previews/s_1001.png", 200, "image/png", True),
        ("http://stickers.imo.im/api/list.json", 200, "application/json", True),
        ("http://stickers.imo.im/stickers/pack7/s_1002.zip", 200, "application/zip", True),
        ("http://stickers.imo.im/stickers/pack7/s_1001.zip", 200, "application/zip", True),
        ("http://stickers.imo.im/stickers/pack8/s_2001.zip", 200, "application/zip", False),
    ]
    assert [o["sha256"] for o in objects] == [manifest["z1001"], manifest["preview"], manifest["listing"],
                                             manifest["z1002"], manifest["z1001"], manifest["z2001_prefix"]]
    listing = objects[2]
    assert listing["content_encoding"] == "gzip" and listing["wire_size"] < listing["size"]
    assert objects[3]["transfer_encoding"] == "chunked"
    cut = objects[5]
    assert cut["size"] == manifest["z2001_kept"]
    assert cut["content_length"] == manifest["z2001_size"]
    assert cut["incomplete_reason"] == f"stream ends {manifest['z2001_size'] - manifest['z2001_kept']} bytes before " \
                                       "the end of the body"
    assert cut["confidence"] == 0.7
    first = objects[0]
    assert first["request_time"]["utc"] == "2018-06-12T10:03:20.003000Z"
    assert first["host"] == "stickers.imo.im" and first["method"] == "GET"
    assert (first["client_ip"], first["client_port"], first["server_ip"], first["server_port"]) == (
        "192.168.1.10", 42000, "104.20.30.40", 80)
    assert [m["sha256"] for m in first["zip_members"]] == manifest["z1001_members"]
    assert [m["name"] for m in first["zip_members"]] == ["1.png", "2.png", "3.png"]
    for obj in objects:  # every object saved by its SHA-256, identical ones once
        saved = imo_media / obj["sha256"]
        assert obj["media_path"] == f"media/{obj['sha256']}"
        assert hashlib.sha256(saved.read_bytes()).hexdigest() == obj["sha256"]
    assert len(list(imo_media.iterdir())) == 6  # 5 bodies and the gzip body as sent


def test_stickers(imo_result: AnalysisResult, manifest: dict[str, Any]) -> None:
    stickers = by_kind(imo_result, "sticker")
    assert [(s["sticker_id"], s["frames"], s["complete"], s["fetch_count"], s["fetched_more_than_once"])
            for s in stickers] == [("s_1001", 3, True, 2, True), ("s_1002", 2, True, 1, False),
                                   ("s_1001", 3, True, 2, True), ("s_2001", 3, False, 1, False)]
    assert stickers[0]["sha256"] == manifest["z1001"]
    cut_members = stickers[3]["members"]
    assert [m["complete"] for m in cut_members] == [True, True, False]
    assert cut_members[2]["error"].startswith("cut off:")


def test_imo_sessions(imo_result: AnalysisResult) -> None:
    sessions = by_kind(imo_result, "imo_session")
    assert [(s["transport"], s["server_port"], s["confidence"], s["switched_from"]) for s in sessions] == [
        ("tls", 443, 1.0, None), ("binary", 5223, 0.9, "tls:443"), ("binary", 5228, 0.9, "binary:5223")]
    tls = sessions[0]
    assert tls["certificate_organisation"] == "PageBites Inc."
    assert tls["reason"] == "server name imo.im"
    assert tls["duration_s"] == 30.002
    assert sessions[1]["sizes_multiple_of_16"] is True
    assert (sessions[1]["bytes_client_to_server"], sessions[1]["bytes_server_to_client"]) == (80, 64)


def test_call_sessions(imo_result: AnalysisResult, manifest: dict[str, Any]) -> None:
    calls = by_kind(imo_result, "call_session")
    counts = manifest["calls"]
    one, two = calls
    assert (one["relay_ip"], one["relay_port"], one["peer_ip"], one["peer_port"], one["direct_connected"]) == (
        "203.0.113.5", 30010, "198.51.100.20", 47000, True)
    assert (one["client_ip"], one["client_port"]) == ("192.168.1.10", 40001)
    assert one["start"]["utc"] == "2018-06-12T10:08:20.000000Z"
    assert one["end"]["utc"] == "2018-06-12T10:08:50.041000Z"
    assert one["duration_s"] == 30.041
    assert one["direct_start"]["utc"] == "2018-06-12T10:08:23.011000Z"
    assert (one["packets_out"], one["packets_in"]) == (counts["c1_out"], counts["c1_in"])
    assert (one["relay_packets_out"], one["relay_packets_in"]) == (counts["c1_relay_out"], counts["c1_relay_in"])
    assert (one["direct_packets_out"], one["direct_packets_in"]) == (counts["c1_direct_out"], counts["c1_direct_in"])
    assert [(a["ip"], a["port"], a["packets"]) for a in one["failed_direct_attempts"]] == [("10.20.30.40", 47000, 4)]
    assert (one["pings"], one["pongs_echoed"]) == (31 + 4 + 55, 31 + 55)
    assert one["counter_rate_per_s"] == 1000.0
    assert one["clock_offset_ms"] == 7_000_000 - (T0 // 1_000_000)
    assert one["evidence"] == ["all flows use client port 40001",
                               "pings of 3 flows share one counter clock (offsets within 0.0 ms)",
                               "86 pong(s) echo the client's ping counters"]
    assert one["confidence"] == 1.0
    assert (two["relay_ip"], two["relay_port"], two["direct_connected"], two["peer_ip"], two["peer_port"]) == (
        "203.0.113.6", 443, False, "198.51.100.33", 51000)
    assert (two["packets_out"], two["packets_in"]) == (counts["c2_out"], counts["c2_in"])
    assert two["direct_flow_id"] is None and two["duration_s"] == 9.025


def test_warnings(imo_result: AnalysisResult) -> None:
    warnings = by_kind(imo_result, "warning")
    assert [w["message"] for w in warnings] == [
        "1 frame(s): IPv4 total length 0 (segmentation offload); length taken from the captured bytes (first frames 17)",
        "1 frame(s): cut at the snap length; payload incomplete (first frames 18)"]
    assert all(w["stage"] == "network" and w["source"]["evidence"] == "E9" for w in warnings)


def test_input_not_changed(captures: Path, tmp_path: Path) -> None:
    path = captures / "imo.pcap"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    analyze_capture(path, media_dir=tmp_path / "media")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_ipv6_sll2(captures: Path, manifest: dict[str, Any]) -> None:
    result = analyze_capture(captures / "ipv6_sll2.pcap")
    flows = by_kind(result, "flow")
    assert [(f["a_ip"], f["b_ip"], f["b_port"]) for f in flows] == [
        ("2001:db8::10", "2001:db8::80", 80), ("2001:db8::10", "2001:db8::443", 443), ("10.0.0.2", "10.0.0.1", 53)]
    assert flows[0]["start"]["raw"] == str(T0 + 7) and flows[0]["start"]["utc_ns"] == "2018-06-12T10:00:00.000000007Z"
    objects = by_kind(result, "http_object")
    assert [o["sha256"] for o in objects] == [manifest["v6_png"]]
    assert objects[0]["url"] == "http://img.example/img/a.png"
    tls = by_kind(result, "tls_session")[0]
    assert tls["sni"] == "ip6.imo.im" and tls["certificates"][0]["sha256"] == manifest["v6_cert_sha256"]
    assert tls["ja4"].startswith("t12d050800_")  # no ALPN: 00
    assert [s["server_ip"] for s in by_kind(result, "imo_session")] == ["2001:db8::443"]


def test_pcapng_interfaces(captures: Path, manifest: dict[str, Any]) -> None:
    result = analyze_capture(captures / "two_ifaces.pcapng")
    objects = by_kind(result, "http_object")
    assert [o["sha256"] for o in objects] == manifest["ng_objects"]
    assert [o["url"] for o in objects] == [f"http://lan.example/iface{i}.png" for i in range(3)]
    assert objects[1]["request_time"]["raw"] == str(T0 + 2 * 10**9 + 123_456_789 + 3_000_000)


def test_tcp_edge_cases(captures: Path, manifest: dict[str, Any]) -> None:
    result = analyze_capture(captures / "tcp_edge.pcap")
    objects = by_kind(result, "http_object")
    assert [o["sha256"] for o in objects] == [manifest["edge_first_wins"], manifest["edge_gap_prefix"],
                                             manifest["edge_second"]]
    assert [o["complete"] for o in objects] == [True, False, True]
    assert objects[1]["incomplete_reason"] == f"TCP gap of {manifest['edge_gap_len']} bytes inside the body"
    flows = by_kind(result, "flow")
    assert [(f["gaps"], f["gap_bytes"]) for f in flows] == [(0, 0), (1, manifest["edge_gap_len"])]
    assert flows[0]["retransmitted_bytes"] == 800 + 200 + 100


def test_truncated_capture(captures: Path) -> None:
    result = analyze_capture(captures / "truncated.pcap")
    assert result.packets == 1337
    messages = [w["message"] for w in by_kind(result, "warning")]
    assert messages[0].startswith("file ends inside frame 1338") and len(messages) == 3
    assert len(by_kind(result, "call_session")) == 2


def test_mutated_captures_never_crash(captures: Path, tmp_path: Path) -> None:
    """Hostile input: random byte flips anywhere in real captures give records and warnings, never a traceback."""
    import random

    from trowel.errors import CaptureError

    rng = random.Random(7)
    sources = [(captures / n).read_bytes() for n in ("tcp_edge.pcap", "two_ifaces.pcapng", "ipv6_sll2.pcap",
                                                     "tls_decrypt.pcap")]
    analysed = refused = 0
    for round_ in range(60):
        data = bytearray(sources[round_ % len(sources)])
        for _ in range(rng.randrange(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"m{round_}.pcap"
        path.write_bytes(bytes(data))
        try:
            result = analyze_capture(path, media_dir=tmp_path / "media")
        except CaptureError as exc:  # only a damaged file magic may refuse the whole file
            assert "not a packet capture" in str(exc)
            refused += 1
        else:
            analysed += 1
            assert result.records
    assert analysed + refused == 60 and analysed > 40
