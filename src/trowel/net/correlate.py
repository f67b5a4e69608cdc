"""Links between network records and device records, as ``finding`` records.

Input: stored records as ``CaseStore.records()`` yields them (JSON dicts with the store's ``id``). Output:
:class:`~trowel.model.Finding` records the case integration stores; each names both records in
``related`` (``"<kind>:<store id>"``) and keeps the numbers in ``raw``:

- ``sticker_download``: a sticker message (``message_kind == "sticker"``) and a ``sticker`` download. A
  message whose stored values contain the download's sticker id links with confidence 1.0
  (``raw.match == "sticker_id"``); otherwise the closest download within ``STICKER_WINDOW_S`` seconds links
  with confidence 0.5 (``raw.match == "time"``). ``raw.time_difference_s`` is download minus message time.
- ``call_network_session``: a ``call`` record and the ``call_session`` whose start is closest in time,
  within ``CALL_WINDOW_S`` seconds; ``raw.time_difference_s`` is session start minus call time, and the
  confidence falls from 1.0 (same second) to 0.5 (at the window's edge).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from trowel.model import Finding, Provenance, TimeValue

STICKER_WINDOW_S = 600.0
CALL_WINDOW_S = 3600.0


def _time_ns(record: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = record.get(name)
        if isinstance(value, dict) and value.get("utc"):
            tv = TimeValue.from_json(value)
            if tv.unix_ns is not None:
                return tv.unix_ns
    return None


def _ref(record: dict[str, Any]) -> str:
    return f"{record.get('kind')}:{record.get('id')}"


def _source(record: dict[str, Any], detail: str) -> Provenance:
    src = record.get("source") or {}
    return Provenance(evidence=str(src.get("evidence", "")), path=str(src.get("path", "")), detail=detail)


def _stored_time(record: dict[str, Any], *names: str) -> TimeValue | None:
    for name in names:
        value = record.get(name)
        if isinstance(value, dict) and value.get("utc"):
            return TimeValue.from_json(value)
    return None


def correlate_network(records: Iterable[dict[str, Any]]) -> list[Finding]:
    """Findings that tie sticker messages to sticker downloads and calls to call sessions."""
    messages, calls, stickers, sessions = [], [], [], []
    for record in records:
        kind = record.get("kind")
        if kind == "message" and record.get("message_kind") == "sticker":
            messages.append(record)
        elif kind == "call":
            calls.append(record)
        elif kind == "sticker":
            stickers.append(record)
        elif kind == "call_session":
            sessions.append(record)
    return _stickers(messages, stickers) + _calls(calls, sessions)


def _stickers(messages: list[dict[str, Any]], stickers: list[dict[str, Any]]) -> list[Finding]:
    out = []
    for message in messages:
        text = json.dumps({k: v for k, v in message.items() if k not in ("id", "source")}, ensure_ascii=False)
        when = _time_ns(message, "time")
        by_id = [s for s in stickers if s.get("sticker_id") and str(s["sticker_id"]) in text]
        match, candidates = ("sticker_id", by_id) if by_id else ("time", stickers)
        best = None
        best_delta: float | None = None
        for sticker in candidates:
            got = _time_ns(sticker, "time")
            delta = (got - when) / 1e9 if got is not None and when is not None else None
            if match == "time" and (delta is None or abs(delta) > STICKER_WINDOW_S):
                continue
            if best is None or (delta is not None and (best_delta is None or abs(delta) < abs(best_delta))):
                best, best_delta = sticker, delta
        if best is None:
            continue
        diff = f"{best_delta:+.3f} s" if best_delta is not None else "unknown time difference"
        out.append(Finding(
            source=_source(message, f"links {_ref(message)} and {_ref(best)}"), finding="sticker_download",
            message=f"sticker message {message.get('id')} matches the download of sticker {best.get('sticker_id')} "
                    f"({best.get('url')}) by {'its sticker id' if match == 'sticker_id' else 'time'}; {diff}",
            related=[_ref(message), _ref(best)], confidence=1.0 if match == "sticker_id" else 0.5,
            time=_stored_time(message, "time"), app=message.get("app"),
            raw={"match": match, "time_difference_s": best_delta, "sticker_id": best.get("sticker_id"),
                 "sha256": best.get("sha256")},
        ))
    return out


def _calls(calls: list[dict[str, Any]], sessions: list[dict[str, Any]]) -> list[Finding]:
    out = []
    for call in calls:
        when = _time_ns(call, "time")
        if when is None:
            continue
        best = None
        best_delta = 0.0
        for session in sessions:
            start = _time_ns(session, "start")
            if start is None:
                continue
            delta = (start - when) / 1e9
            if abs(delta) <= CALL_WINDOW_S and (best is None or abs(delta) < abs(best_delta)):
                best, best_delta = session, delta
        if best is None:
            continue
        confidence = round(1.0 - 0.5 * min(abs(best_delta) / CALL_WINDOW_S, 1.0), 3)
        peer = f"{best.get('peer_ip')}:{best.get('peer_port')}" if best.get("peer_ip") else "no peer address"
        out.append(Finding(
            source=_source(call, f"links {_ref(call)} and {_ref(best)}"), finding="call_network_session",
            message=f"call {call.get('id')} ({call.get('peer')}) is closest to network call session "
                    f"{best.get('call_id')} ({best_delta:+.3f} s; relay {best.get('relay_ip')}, peer {peer})",
            related=[_ref(call), _ref(best)], confidence=confidence, time=_stored_time(call, "time"),
            app=call.get("app"),
            raw={"time_difference_s": best_delta, "call_id": best.get("call_id"), "peer_ip": best.get("peer_ip"),
                 "peer_port": best.get("peer_port"), "duration_s": best.get("duration_s"),
                 "call_duration_s": call.get("duration_s")},
        ))
    return out
