"""Typed records. Every parser produces these; every writer consumes their one JSON form.

A record kind is a frozen dataclass registered under its ``kind`` name. Common fields (state, source,
confidence, app, package, user, raw) live on :class:`Record`; kind-specific fields use plain names, as in
DESIGN.md. ``raw`` keeps the stored values next to the decoded ones (column name -> value as stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from trowel.model.provenance import Provenance, State
from trowel.model.values import Absence, TimeValue, to_jsonable

RECORD_KINDS: dict[str, type[Record]] = {}
R = TypeVar("R", bound="type[Record]")


def record_kind(cls: R) -> R:
    """Register a record class under its ``kind``; refuses duplicates."""
    name = cls.kind
    if name in RECORD_KINDS and RECORD_KINDS[name] is not cls:
        raise ValueError(f"record kind {name!r} is registered twice")
    RECORD_KINDS[name] = cls
    return cls


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type[Record]) -> tuple[str, ...]:
    """Field names of a record class, computed once per class (to_json runs once per record)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


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
        out: dict[str, Any] = {"kind": self.kind}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if value is Absence.NOT_PRESENT:
                continue
            if name == "raw" and not value:
                continue
            out[name] = to_jsonable(value)
        return out

    @property
    def primary_time(self) -> TimeValue | None:
        """The time a timeline sorts this record by (None when it has none)."""
        value = getattr(self, "time", None)
        return value if isinstance(value, TimeValue) else None


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
