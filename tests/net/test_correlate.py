"""Correlation of device records with network records (findings)."""

from __future__ import annotations

from typing import Any

from tests.fixtures.net.make_captures import T0
from trowel.model import iso_utc, ns_to_datetime
from trowel.net import AnalysisResult
from trowel.net.correlate import correlate_network


def _time(ns: int) -> dict[str, Any]:
    return {"utc": iso_utc(ns_to_datetime(ns)), "raw": ns // 1_000_000, "format": "unix_ms", "clock": "utc"}


def stored(result: AnalysisResult) -> list[dict[str, Any]]:
    out = []
    for number, record in enumerate(result.records, start=100):
        data = record.to_json()
        data["id"] = number
        out.append(data)
    return out


def test_sticker_and_call_links(imo_result: AnalysisResult) -> None:
    net = stored(imo_result)
    device = [
        {"id": 1, "kind": "message", "message_kind": "sticker", "app": "imo", "time": _time(T0 + 259 * 10**9),
         "raw": {"imdata": '{"type": "sticker", "stickerId": "s_1002"}'}, "source": {"evidence": "E1", "path": "db"}},
        {"id": 2, "kind": "message", "message_kind": "sticker", "time": _time(T0 + 410 * 10**9), "raw": {},
         "source": {"evidence": "E1", "path": "db"}},
        {"id": 3, "kind": "message", "message_kind": "text", "text": "s_1001", "time": _time(T0)},
        {"id": 4, "kind": "call", "peer": "friend", "time": _time(T0 + 498 * 10**9), "duration_s": 31,
         "source": {"evidence": "E1", "path": "db"}},
        {"id": 5, "kind": "call", "peer": "far", "time": _time(T0 + 90_000 * 10**9)},
    ]
    findings = [f.to_json() for f in correlate_network(device + net)]
    stickers = [f for f in findings if f["finding"] == "sticker_download"]
    calls = [f for f in findings if f["finding"] == "call_network_session"]
    assert len(stickers) == 2 and len(calls) == 1
    by_id, by_time = stickers
    sticker_ids = {r["id"]: r for r in net if r["kind"] == "sticker"}
    assert by_id["related"][0] == "message:1"
    assert sticker_ids[int(by_id["related"][1].split(":")[1])]["sticker_id"] == "s_1002"
    assert by_id["raw"]["match"] == "sticker_id" and by_id["confidence"] == 1.0
    assert abs(by_id["raw"]["time_difference_s"] - 1.004) < 1e-9
    assert by_time["raw"]["match"] == "time" and by_time["confidence"] == 0.5
    assert sticker_ids[int(by_time["related"][1].split(":")[1])]["sticker_id"] == "s_2001"
    call = calls[0]
    session = next(r for r in net if f"call_session:{r['id']}" == call["related"][1])
    assert session["call_id"] == "call-1"
    assert call["related"][0] == "call:4"
    assert call["raw"]["time_difference_s"] == 2.0
    assert call["raw"]["peer_ip"] == "198.51.100.20" and call["raw"]["peer_port"] == 47000
    assert call["source"]["evidence"] == "E1"
    assert "198.51.100.20:47000" in call["message"]


def test_nothing_to_link() -> None:
    assert correlate_network([{"id": 1, "kind": "call", "time": _time(T0)}]) == []
