"""Calls: the ``calls_only`` per-call log (newer imo) and ``call_timestamps`` (one row per contact: the start
of the latest call, kept even when the account is deleted)."""

from __future__ import annotations

from collections.abc import Iterator

from trowel.apps.imo.fields import as_int, as_text, call_type_of, direction, imdata, ns_time, plausible_time
from trowel.apps.imo.scope import Scope
from trowel.apps.rows import Row
from trowel.model import Call, Record

_STATE_DIRECTION = {"missed": "incoming", "incoming": "incoming", "received": "incoming", "outgoing": "outgoing",
                    "dialed": "outgoing", "rejected": "incoming", "declined": "incoming"}


def map_calls_only(scope: Scope, row: Row) -> Iterator[Record]:
    peer = as_text(row.get("buid"))
    state = as_text(row.get("state"))
    data = imdata(row.get("imdata"))
    way = direction(row.get("message_type")) if row.get("message_type") is not None else "unknown"
    if way == "unknown" and state:
        way = _STATE_DIRECTION.get(state.lower(), "unknown")
    time, reason = plausible_time(row.get("timestamp"), scope.now_ns)
    duration = as_int(row.get("duration"))
    yield Call(**scope.common(row), peer=peer, peer_name=as_text(row.get("name")) or scope.names.get(peer or ""),
               direction=way, direction_raw=row.get("message_type", state), call_type=call_type_of(
                   as_text(row.get("last_message")), data, row.get("call_type")),
               duration_s=float(duration) if duration is not None else None, call_state=state, time=time,
               note=f"time unit {reason}")
    finding = scope.check_time(time, row, "call")
    if finding is not None:
        yield finding


def map_call_timestamp(scope: Scope, row: Row) -> Iterator[Record]:
    peer = as_text(row.get("buid"))
    time = ns_time(row.get("time"))
    yield Call(**scope.common(row), peer=peer, peer_name=scope.names.get(peer or ""), direction="unknown",
               call_type="unknown", time=time,
               note="start of the latest call with this contact (call_timestamps keeps one row per contact: "
                    "not a full call history)")
