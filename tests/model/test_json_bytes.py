"""The fast JSON path writes exactly what the original one wrote: ``json.dumps(to_jsonable-per-field dict,
ensure_ascii=False, separators=(",", ":"))``, for every value the conversion can meet (and the worker
processes' ``record_line`` writes the same as UTF-8 bytes).

The reference below is the original (generic) ``Record.to_json``; the fast one (per-class field getters,
plain values copied, one calendar conversion per time, orjson when the values allow it) must match it byte
for byte, including the values where orjson and the standard encoder differ (floats below 1e-4, NaN,
infinities, integers beyond 64 bits, lone surrogates) and a record class with its own ``to_json``.
"""

from __future__ import annotations

import io
import json
import math
import random
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from hypothesis import given, settings
from hypothesis import strategies as st

from trowel.cli.common import emit_json, record_line
from trowel.model import (
    Absence,
    Call,
    Finding,
    GenericRow,
    Message,
    Provenance,
    Record,
    State,
    TimeValue,
    build_record,
    iso_utc,
    ns_to_datetime,
    to_jsonable,
)
from trowel.model.values import iso_ns, json_raw


def reference_time(value: TimeValue) -> dict[str, Any]:
    out: dict[str, Any] = {"utc": None, "raw": json_raw(value.raw), "format": value.format,
                           "clock": value.clock.value}
    if value.unix_ns is not None:
        try:
            out["utc"] = iso_utc(ns_to_datetime(value.unix_ns))
        except OverflowError:
            out["error"] = "outside the range of calendar dates"
        if value.unix_ns % 1000:
            out["utc_ns"] = iso_ns(value.unix_ns)
    if value.error:
        out["error"] = value.error
    return out


def reference_jsonable(value: Any) -> Any:
    if isinstance(value, TimeValue):
        return reference_time(value)
    if isinstance(value, Provenance):
        return {f.name: json_raw(getattr(value, f.name)) for f in fields(value) if getattr(value, f.name) is not None}
    if isinstance(value, dict):
        return {str(k): reference_jsonable(v) for k, v in value.items() if v is not Absence.NOT_PRESENT}
    if isinstance(value, list | tuple):
        return [reference_jsonable(v) for v in value]
    return to_jsonable(value)


def reference_line(record: Record) -> str:
    out: dict[str, Any] = {"kind": record.kind}
    for f in fields(record):
        value = getattr(record, f.name)
        if value is Absence.NOT_PRESENT or (f.name == "raw" and not value):
            continue
        out[f.name] = reference_jsonable(value)
    return json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n"


def emitted(record: Record) -> str:
    """What emit_json writes; record_line (the worker processes' encoder) must give the same as UTF-8 bytes."""
    out = io.StringIO()
    assert emit_json([record], out) == 1
    text = out.getvalue()
    try:
        expected = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: record_line refuses it the same way
        try:
            record_line(record)
        except UnicodeEncodeError:
            return text
        raise AssertionError("record_line encoded what UTF-8 cannot hold") from None
    assert record_line(record) == expected
    return text


SOURCE = Provenance(evidence="E", path="data/data/x/databases/a.db", table="messages", rowid=3)
def int_keyed(value: Any) -> Any:
    """A dict with a non-text key, as some sources have."""
    return {"a": value, 1: value}


ODD_VALUES: list[Any] = [1e-05, 2.5e-07, -3e-300, 5e-324, math.nan, math.inf, -math.inf, 0.0, -0.0, 1e16, 1e22, 0.1,
              2**64, -(2**63) - 1, 2**63, 2**53, -(2**53), 2**53 - 1, "\ud800", "a\x00b\x1f\x7f\u2028\u2029",
              "RTL \u202e مرحبا 😀 <script>", b"\x00\xff", True, False, None, Absence.NULL, Absence.UNDECODABLE,
              State.DELETED, [1.5e-9, "x"], {"k": math.nan}, {"k": [2**70]}]


def test_every_odd_value_in_every_position() -> None:
    for value in ODD_VALUES:
        records = [
            Message(source=SOURCE, raw={"v": value, "n": 1}, direction_raw=value, text="t", confidence=0.5),
            Call(source=SOURCE, duration_s=value if isinstance(value, float) else None, direction_raw=value,
                 time=TimeValue(raw=value if not isinstance(value, list | dict) else None, format="unix_s",
                                unix_ns=1_500_000_000_123_456_789)),
            GenericRow(source=SOURCE, values=int_keyed(value), raw=int_keyed(value)),
            # inside list fields and nested containers (the list and dict fast paths of the conversion)
            Message(source=SOURCE, attachments=[value, [value, "x"], ("t", value), {"k": value, 2: [value]}]),
            GenericRow(source=SOURCE, evidence_types={"a": [value, value]}, values={"l": [[value], {"d": value}]}),
        ]
        for record in records:
            try:
                expected = reference_line(record)
            except (ValueError, TypeError) as exc:  # what json.dumps refuses, emit_json refuses the same way
                try:
                    emitted(record)
                except type(exc):
                    continue
                raise AssertionError(f"{value!r}: emit_json wrote what json.dumps refused") from exc
            assert emitted(record) == expected, value


def test_times_at_rounding_edges_and_calendar_limits() -> None:
    for ns in (0, 1, 499, 500, 501, 1500, 2500, 999_999_500, 999_999_499, 1_999_999_500, -1, -500, -1500,
               -999_999_500, 253_402_300_799_999_999_499, 253_402_300_799_999_999_500, -62_135_596_800 * 10**9,
               -62_135_596_801 * 10**9, 10**30):
        record = Message(source=SOURCE, time=TimeValue(raw=ns, format="unix_ns", unix_ns=ns))
        try:
            expected = reference_line(record)
        except OverflowError:
            continue
        assert emitted(record) == expected, ns
    rng = random.Random(5)
    for _ in range(5000):
        ns = rng.randrange(-62_135_596_800 * 10**9, 253_402_300_800 * 10**9)
        ns -= ns % rng.choice((1, 10, 500, 1000, 10**9))
        value = TimeValue(raw=ns, format="unix_ns", unix_ns=ns)
        assert value.to_json() == reference_time(value), ns
    bad = Message(source=SOURCE, time=TimeValue(raw="x", format="unix_ns", unix_ns=None, error="not a number"))
    assert emitted(bad) == reference_line(bad)


@dataclass(frozen=True, kw_only=True)
class Custom(Record):
    """A record kind (not registered) with its own to_json: written by the standard encoder."""

    kind: ClassVar[str] = "custom_test"
    value: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}


def test_record_with_its_own_to_json() -> None:
    assert emitted(Custom(source=SOURCE, value=1e-7)) == '{"kind":"custom_test","value":1e-07}\n'


def test_build_record_is_the_dataclass_init() -> None:
    values: dict[str, Any] = {"source": SOURCE, "state": State.LIVE, "raw": {"a": 1}, "conversation": "c",
                              "attachments": ["x"]}
    assert build_record(Message, values) == Message(**values)
    assert build_record(Message, values).direction == "unknown"
    missing: dict[str, Any] = {"source": SOURCE}
    try:
        build_record(Finding, missing)
    except TypeError as exc:
        assert "finding" in str(exc)
    else:
        raise AssertionError("a missing required field must fail like the dataclass init")


def test_chunked_writes_keep_every_line() -> None:
    out = io.StringIO()
    records = [Message(source=SOURCE, text=f"m{i}") for i in range(600)]
    assert emit_json(records + [{"plain": 1e-5}], out) == 601
    lines = out.getvalue().split("\n")
    assert len(lines) == 602 and lines[-1] == "" and lines[-2] == '{"plain":1e-05}'
    assert [json.loads(line)["text"] for line in lines[:600]] == [f"m{i}" for i in range(600)]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(raw=st.dictionaries(st.text(max_size=6), json_values, max_size=6), text=st.text(), conf=st.floats(),
       ns=st.integers(min_value=-(2**64), max_value=2**64))
def test_any_values_give_the_reference_bytes(raw: dict[str, Any], text: str, conf: float, ns: int) -> None:
    record = Message(source=SOURCE, raw=raw, text=text, confidence=conf,
                     time=TimeValue(raw=ns, format="unix_ns", unix_ns=ns))
    try:
        expected = reference_line(record)
    except (ValueError, TypeError, OverflowError) as exc:
        try:
            emitted(record)
        except type(exc):
            return
        raise AssertionError("emit_json wrote what json.dumps refused") from exc
    assert emitted(record) == expected


def test_provenance_of_row_is_the_dataclass_init() -> None:
    made = Provenance.of_row("E", "data/a.db", "messages", 2**70, "note")
    assert made == Provenance(evidence="E", path="data/a.db", table="messages", rowid=2**70, detail="note")
    assert made.to_json() == {"evidence": "E", "path": "data/a.db", "table": "messages", "rowid": str(2**70),
                              "detail": "note"}
    assert Provenance.of_row("E", "p", None, None) == Provenance(evidence="E", path="p")
    assert hash(made) == hash(Provenance(evidence="E", path="data/a.db", table="messages", rowid=2**70,
                                         detail="note"))


def test_provenance_json_is_every_field_that_is_not_none_in_order() -> None:
    import itertools

    for rowid in (0, 2**53 - 1, 2**53, -(2**53), 2**63 - 1):
        values: dict[str, Any] = {"evidence": "E", "path": "p", "table": "t", "rowid": rowid, "page": 2,
                                  "offset": 0, "region": "freeblock", "frame": 1, "detail": "d"}
        for present in itertools.product((False, True), repeat=len(values)):
            chosen = {k: (v if keep else None) for (k, v), keep in zip(values.items(), present, strict=True)}
            made = Provenance(**chosen)
            expected = [(k, str(v) if k == "rowid" and abs(v) >= 2**53 else v) for k, v in chosen.items()
                        if v is not None]
            assert list(made.to_json().items()) == expected, chosen
            if made.evidence is not None and made.path is not None:  # from_json makes them "" when absent
                assert Provenance.from_json(made.to_json()) == made


def test_time_value_of_is_the_dataclass_init() -> None:
    made = TimeValue.of(1_600_000_000_123, "unix_ms", 1_600_000_000_123_000_000)
    assert made == TimeValue(raw=1_600_000_000_123, format="unix_ms", unix_ns=1_600_000_000_123_000_000)
    assert made.error is None and made.to_json()["utc"] == "2020-09-13T12:26:40.123000Z"
    assert hash(made) == hash(TimeValue(1_600_000_000_123, "unix_ms", 1_600_000_000_123_000_000))


def test_every_registered_kind_with_every_value_type_in_every_field() -> None:
    """The per-class conversion tests a field's declared type first; any value in any field still gives the
    reference bytes (every kind the model, the apps and the network analysis register)."""
    import trowel.apps  # noqa: F401 - registers the apps' kinds
    import trowel.net.records  # noqa: F401 - registers the network kinds
    from trowel.model.records import RECORD_KINDS

    values: list[Any] = [None, "t", True, 7, 2**60, -(2**53), 1.5, 1e-7, math.nan,
                         TimeValue.of(5, "unix_s", 5_000_000_000), TimeValue(raw=2**70, format="x", unix_ns=None),
                         SOURCE, State.DELETED, [], ["a", 2**70, [1e-9]], ("t", 3), {"k": [1.5e-9], 2: None},
                         Absence.NOT_PRESENT, Absence.NULL, Absence.UNDECODABLE, b"\x00\xff", "\ud800"]
    kinds = 0
    for cls in RECORD_KINDS.values():
        if "__slots__" in cls.__dict__ or cls.to_json is not Record.to_json:
            continue
        kinds += 1
        names = [f.name for f in fields(cls)]
        for i in range(len(values)):
            record = object.__new__(cls)
            for j, name in enumerate(names):
                record.__dict__[name] = values[(i + j) % len(values)]
            try:
                expected = reference_line(record)
            except (ValueError, TypeError) as exc:
                try:
                    emitted(record)
                except type(exc):
                    continue
                raise AssertionError(f"{cls.__name__}: emit_json wrote what json.dumps refused") from exc
            assert emitted(record) == expected, (cls.__name__, i)
    assert kinds >= 20
