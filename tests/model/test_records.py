from __future__ import annotations

import json
from datetime import UTC, datetime

from trowel.model import RECORD_KINDS, Message, Provenance, State, TimeValue, datetime_to_ns, ns_to_datetime


def test_time_keeps_raw_and_nanoseconds() -> None:
    raw = 1_541_672_093_123_456_789
    value = TimeValue(raw=raw, format="unix_ns", unix_ns=raw)
    data = value.to_json()
    assert data == {"utc": "2018-11-08T10:14:53.123457Z", "raw": "1541672093123456789", "format": "unix_ns",
                    "clock": "utc", "utc_ns": "2018-11-08T10:14:53.123456789Z"}
    assert TimeValue.from_json(data).unix_ns == raw


def test_half_even_rounding_and_exact_ns() -> None:
    assert ns_to_datetime(500).microsecond == 0
    assert ns_to_datetime(1500).microsecond == 2
    assert datetime_to_ns(datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)) == -1000


def test_message_json_has_provenance_and_raw() -> None:
    msg = Message(source=Provenance(evidence="E1", path="data/x.db", table="messages", rowid=7),
                  state=State.DELETED, confidence=0.9, conversation="123", direction="incoming", direction_raw=1,
                  text="<script>alert(1)</script>\u202e", raw={"message_type": 1}, attachments=["a.jpg"])
    data = json.loads(json.dumps(msg.to_json()))
    assert data["kind"] == "message" and data["state"] == "deleted"
    assert data["source"] == {"evidence": "E1", "path": "data/x.db", "table": "messages", "rowid": 7}
    assert data["text"] == "<script>alert(1)</script>\u202e"
    assert data["raw"] == {"message_type": 1}


def test_every_kind_registered_once() -> None:
    assert {"message", "call", "contact", "story", "account", "app_event", "media", "file", "warning",
            "finding", "generic_row"} <= set(RECORD_KINDS)
