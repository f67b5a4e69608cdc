"""Typed records. Every parser produces these; every writer consumes their one JSON form.

A record kind is a frozen dataclass registered under its ``kind`` name. Common fields (state, source,
confidence, app, package, user, raw) live on :class:`Record`; kind-specific fields use plain names, as in
DESIGN.md. ``raw`` keeps the stored values next to the decoded ones (column name -> value as stored).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from operator import attrgetter
from typing import Any, ClassVar, TypeVar

from trowel.model.provenance import Provenance, State
from trowel.model.values import JSON_SAFE_INT, ODD_FOR_FAST_JSON, Absence, TimeValue, odd_float, to_jsonable

RECORD_KINDS: dict[str, type[Record]] = {}
R = TypeVar("R", bound="type[Record]")


def record_kind(cls: R) -> R:
    """Register a record class under its ``kind``; refuses duplicates."""
    name = cls.kind
    if name in RECORD_KINDS and RECORD_KINDS[name] is not cls:
        raise ValueError(f"record kind {name!r} is registered twice")
    RECORD_KINDS[name] = cls
    return cls


_Getter = Callable[[Any], tuple[Any, ...]]
_LAYOUTS: dict[type, tuple[tuple[str, ...], _Getter, int]] = {}


def _layout(cls: type[Record]) -> tuple[tuple[str, ...], _Getter, int]:
    """Field names of a record class, one getter for all their values, and the position of ``raw``.

    Computed once per class: to_json runs once per record, and a million records make a per-record
    ``dataclasses.fields`` call or a getattr per field a visible share of an extraction.
    """
    layout = _LAYOUTS.get(cls)
    if layout is None:
        names = tuple(f.name for f in fields(cls))
        getter = attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))
        layout = _LAYOUTS[cls] = (names, getter, names.index("raw"))
    return layout


def _json_fields(out: dict[str, Any], names: tuple[str, ...], values: tuple[Any, ...]) -> None:
    """``out[name] = to_jsonable(value)`` for each field, plain values without a call, absent fields left out."""
    for name, value in zip(names, values, strict=True):
        kind = type(value)
        if kind is str or value is None or kind is bool:
            out[name] = value
        elif kind is float:
            if odd_float(value):
                ODD_FOR_FAST_JSON[0] += 1
            out[name] = value
        elif kind is int and -JSON_SAFE_INT < value < JSON_SAFE_INT:
            out[name] = value
        elif kind is TimeValue or kind is Provenance:
            out[name] = value.to_json()
        elif kind is State:  # a str enum: to_jsonable gives it back as it is
            out[name] = value
        elif kind is list and all(type(item) is str for item in value):
            out[name] = list(value)
        elif value is not Absence.NOT_PRESENT:
            out[name] = to_jsonable(value)


def _json_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """``to_jsonable`` of a ``raw`` dict (column -> stored value): a copy, with only the values that need it
    converted (big integers, bytes, floats...); keys that are not ``str`` take the general path."""
    out = dict(raw)
    for key, value in raw.items():
        if type(key) is not str:
            return {str(k): to_jsonable(v) for k, v in raw.items() if v is not Absence.NOT_PRESENT}
        kind = type(value)
        if kind is str or value is None:
            continue
        if kind is int:
            if not -JSON_SAFE_INT < value < JSON_SAFE_INT:
                out[key] = str(value)
        elif kind is bool:
            continue
        elif value is Absence.NOT_PRESENT:
            del out[key]
        else:
            out[key] = to_jsonable(value)
    return out


@dataclass(frozen=True, kw_only=True)
class Record:
    kind: ClassVar[str] = "record"
    source: Provenance
    state: State = State.LIVE
    confidence: float = 1.0
    app: str | None = None
    package: str | None = None
    user: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The record's one JSON form: ``kind``, then every field in declaration order (absent fields and an
        empty ``raw`` left out), converted by :func:`~trowel.model.values.to_jsonable`."""
        names, getter, at = _LAYOUTS.get(type(self)) or _layout(type(self))
        values = getter(self)
        out: dict[str, Any] = {"kind": self.kind}
        _json_fields(out, names[:at], values[:at])
        raw = values[at]
        if raw and raw is not Absence.NOT_PRESENT:
            out["raw"] = _json_raw(raw) if type(raw) is dict else to_jsonable(raw)
        _json_fields(out, names[at + 1:], values[at + 1:])
        return out

    @property
    def primary_time(self) -> TimeValue | None:
        """The time a timeline sorts this record by (None when it has none)."""
        value = getattr(self, "time", None)
        return value if isinstance(value, TimeValue) else None


RecordT = TypeVar("RecordT", bound="Record")
_BUILD: dict[type, tuple[frozenset[str], frozenset[str]]] = {}


def build_record(cls: type[RecordT], values: dict[str, Any]) -> RecordT:
    """The same record as ``cls(**values)``, made without the frozen dataclass ``__init__``.

    That ``__init__`` calls ``object.__setattr__`` once per field, a visible cost for a million records.
    When ``values`` names only fields of ``cls`` and every field that has no plain default (the defaults are
    class attributes), the values go straight into the instance dict; anything else (a missing or unknown
    field, a class with ``__post_init__`` or slots) goes through ``cls(**values)`` and its checks.
    """
    spec = _BUILD.get(cls)
    if spec is None:
        known = frozenset(f.name for f in fields(cls))
        needed = frozenset(f.name for f in fields(cls) if f.default is MISSING)
        if hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
            needed = frozenset({"\0"})  # never satisfied: always the real __init__
        spec = _BUILD[cls] = (known, needed)
    keys = values.keys()
    if keys <= spec[0] and spec[1] <= keys:
        obj = object.__new__(cls)
        obj.__dict__.update(values)
        return obj
    return cls(**values)


@record_kind
@dataclass(frozen=True, kw_only=True)
class Message(Record):
    kind: ClassVar[str] = "message"
    conversation: str | None = None
    direction: str = "unknown"  # incoming | outgoing | unknown
    direction_raw: Any = None
    sender: str | None = None
    sender_name: str | None = None
    text: str | None = None
    delivered: bool | None = None
    read: bool | None = None
    message_kind: str = "text"
    attachments: list[str] = field(default_factory=list)
    time: TimeValue | None = None
    reference: str | None = None  # e.g. the story object id a reply refers to
    is_group: bool | None = None
    store: str | None = None  # which table/store of the app held it


@record_kind
@dataclass(frozen=True, kw_only=True)
class Call(Record):
    kind: ClassVar[str] = "call"
    peer: str | None = None
    peer_name: str | None = None
    direction: str = "unknown"
    direction_raw: Any = None
    call_type: str | None = None  # audio | video | unknown
    duration_s: float | None = None
    call_state: str | None = None
    time: TimeValue | None = None
    note: str | None = None


@record_kind
@dataclass(frozen=True, kw_only=True)
class Contact(Record):
    kind: ClassVar[str] = "contact"
    contact_id: str | None = None
    name: str | None = None
    phones: list[str] = field(default_factory=list)
    is_group: bool = False
    in_address_book: bool | None = None
    note: str | None = None
    time: TimeValue | None = None


@record_kind
@dataclass(frozen=True, kw_only=True)
class Story(Record):
    kind: ClassVar[str] = "story"
    author: str | None = None
    object_id: str | None = None
    text: str | None = None
    attachments: list[str] = field(default_factory=list)
    time: TimeValue | None = None
    note: str | None = None


@record_kind
@dataclass(frozen=True, kw_only=True)
class Account(Record):
    kind: ClassVar[str] = "account"
    account_id: str | None = None
    name: str | None = None
    phone: str | None = None
    verified: bool | None = None
    note: str | None = None


@record_kind
@dataclass(frozen=True, kw_only=True)
class AppEvent(Record):
    kind: ClassVar[str] = "app_event"
    event: str
    meaning: str | None = None
    time: TimeValue | None = None
    note: str | None = None  # e.g. which timestamp format was chosen for an undocumented value, and why


@record_kind
@dataclass(frozen=True, kw_only=True)
class MediaFile(Record):
    kind: ClassVar[str] = "media"
    sha256: str | None = None
    size: int | None = None
    mime: str | None = None
    referenced_by: list[str] = field(default_factory=list)
    time: TimeValue | None = None
    media_path: str | None = None  # the copy under the case's media folder


@record_kind
@dataclass(frozen=True, kw_only=True)
class FileEntry(Record):
    """One entry of an evidence source's inventory."""

    kind: ClassVar[str] = "file"
    entry_kind: str = "file"
    size: int | None = None
    sha256: str | None = None
    deleted: bool = False
    mtime: TimeValue | None = None
    atime: TimeValue | None = None
    ctime: TimeValue | None = None
    crtime: TimeValue | None = None
    link_target: str | None = None
    inode: int | None = None
    canonical: str | None = None  # the same data reached by several paths shares this key

    @property
    def primary_time(self) -> TimeValue | None:
        return self.mtime


@record_kind
@dataclass(frozen=True, kw_only=True)
class Warning(Record):  # noqa: A001 - the record kind is called warning in every output
    kind: ClassVar[str] = "warning"
    message: str
    stage: str | None = None


@record_kind
@dataclass(frozen=True, kw_only=True)
class Finding(Record):
    """Something an examiner must know that is not itself a record of the app (a consistency problem...)."""

    kind: ClassVar[str] = "finding"
    finding: str
    message: str
    severity: str = "info"  # info | notice | warning
    related: list[str] = field(default_factory=list)
    time: TimeValue | None = None


@record_kind
@dataclass(frozen=True, kw_only=True)
class GenericRow(Record):
    """A row of a database or a key of a preferences file that no app spec claims."""

    kind: ClassVar[str] = "generic_row"
    container: str = "sqlite"  # sqlite | xml | json
    table: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    time_fields: dict[str, TimeValue] = field(default_factory=dict)
    evidence_types: dict[str, list[str]] = field(default_factory=dict)
    time: TimeValue | None = None  # the first decoded time field, for the timeline
