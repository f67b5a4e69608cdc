"""Calls: the ``calls_only`` per-call log, ``call_timestamps`` (one row per contact: the start of the latest call,
kept even when the account is deleted), ``call_out_history`` (phone calls placed through imo) and
``call_intercept_record`` (calls imo blocked). Every time's unit is decided by plausibility (``times``)."""

from __future__ import annotations

from collections.abc import Iterator

from trowel.apps.imo.fields import as_int, as_text, call_type_of, direction, imdata
from trowel.apps.imo.scope import Scope
from trowel.apps.imo.times import first_time, joined
from trowel.apps.rows import Row
from trowel.model import Call, Record

_STATE_DIRECTION = {"missed": "incoming", "incoming": "incoming", "received": "incoming", "outgoing": "outgoing",
                    "dialed": "outgoing", "rejected": "incoming", "declined": "incoming"}


def map_calls_only(scope: Scope, row: Row) -> Iterator[Record]:
    """``calls_only``: newer versions have no ``message_type``; the direction then comes from the state."""
    peer = as_text(row.get("buid"))
    state = as_text(row.get("state"))
    data = imdata(row.get("imdata"))
    way = direction(row.get("message_type")) if row.get("message_type") is not None else "unknown"
    if way == "unknown" and state:
        way = _STATE_DIRECTION.get(state.lower(), "unknown")
    time, note, extra = first_time(scope, row, ("timestamp",), "call")
    duration = as_int(row.get("duration"))
    yield Call(**scope.common(row), peer=peer, peer_name=as_text(row.get("name")) or scope.names.get(peer or ""),
               direction=way, direction_raw=row.get("message_type", state), call_type=call_type_of(
                   as_text(row.get("last_message")), data, row.get("call_type")),
               duration_s=float(duration) if duration is not None else None, call_state=state, time=time,
               note=note)
    yield from extra


def map_call_timestamp(scope: Scope, row: Row) -> Iterator[Record]:
    peer = as_text(row.get("buid"))
    time, note, extra = first_time(scope, row, ("time",), "call")
    yield Call(**scope.common(row), peer=peer, peer_name=scope.names.get(peer or ""), direction="unknown",
               call_type="unknown", time=time,
               note=joined("start of the latest call with this contact (call_timestamps keeps one row per contact: "
                           "not a full call history)", note))
    yield from extra


def map_call_out(scope: Scope, row: Row) -> Iterator[Record]:
    """``call_out_history``: a phone call placed through imo (imo Out) to a number, with the contact's name."""
    phone = as_text(row.get("phone")) or as_text(row.get("normalized"))
    time, note, extra = first_time(scope, row, ("timestamp", "time"), "call")
    yield Call(**scope.common(row), peer=phone, peer_name=as_text(row.get("name")), direction="outgoing",
               call_type="phone", call_state=as_text(row.get("stat")), time=time,
               note=joined("phone call placed through imo (call_out_history)"
                           + (f"; Android contact {as_text(row.get('contact_id'))}" if row.get("contact_id") else ""),
                           note))
    yield from extra


def map_call_intercept(scope: Scope, row: Row) -> Iterator[Record]:
    """``call_intercept_record``: an incoming call imo blocked."""
    peer = as_text(row.get("buid"))
    time, note, extra = first_time(scope, row, ("timestamp",), "call")
    yield Call(**scope.common(row), peer=peer, peer_name=as_text(row.get("alias")) or scope.names.get(peer or ""),
               direction="incoming", call_type="unknown", call_state="intercepted", time=time,
               note=joined("call intercepted (blocked) by imo (call_intercept_record)", note))
    yield from extra
