"""Typed records. Every parser produces these; every writer consumes their one JSON form.

A record kind is a frozen dataclass registered under its ``kind`` name. Common fields (state, source,
confidence, app, package, user, raw) live on :class:`Record`; kind-specific fields use plain names, as in
DESIGN.md. ``raw`` keeps the stored values next to the decoded ones (column name -> value as stored).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from trowel.model.provenance import Provenance, State
from trowel.model.values import (
    JSON_SAFE_INT,
    ODD_FOR_FAST_JSON,
    Absence,
    TimeValue,
    jsonable_items,
    odd_float,
    to_jsonable,
)

RECORD_KINDS: dict[str, type[Record]] = {}
R = TypeVar("R", bound="type[Record]")


def record_kind(cls: R) -> R:
    """Register a record class under its ``kind``; refuses duplicates."""
    name = cls.kind
    if name in RECORD_KINDS and RECORD_KINDS[name] is not cls:
        raise ValueError(f"record kind {name!r} is registered twice")
    RECORD_KINDS[name] = cls
    return cls


_SKIP = object()
_TO_JSON: dict[type, Callable[[Any], dict[str, Any]]] = {}


def _field_json(value: Any, kind: type) -> Any:
    """A field value that is not ``str``, ``None`` or ``bool``, as ``to_jsonable`` converts it (_SKIP: absent)."""
    if kind is float:
        if odd_float(value):
            ODD_FOR_FAST_JSON[0] += 1
        return value
    if kind is int and -JSON_SAFE_INT < value < JSON_SAFE_INT:
        return value
    if kind is TimeValue or kind is Provenance:
        return value.to_json()
    if kind is State:  # a str enum: to_jsonable gives it back as it is
        return value
    if kind is list and all(type(item) is str for item in value):
        return list(value)
    if value is Absence.NOT_PRESENT:
        return _SKIP
    return to_jsonable(value)


# The value types the generated code takes without a call, each test with what it stores. The tests exclude each
# other (each names its own exact types), so their order changes only the speed: the type a field is declared
# with is tested first.
_PLAIN = ("t is str or v is None or t is bool", "v")
_NUMBER = ("t is int and -SAFE_INT < v < SAFE_INT or t is float and 1e-4 <= abs(v) < INF", "v")
_OWN = ("t is TimeValue or t is Provenance", "v.to_json()")
_LIST = ("t is list", "items(v)")
_STATE = ("t is State", "v")


def _branches(declared: Any) -> list[tuple[str, str]]:
    text = declared if isinstance(declared, str) else getattr(declared, "__name__", "")
    if text.startswith(("int", "float")):
        return [_NUMBER, _PLAIN, _OWN, _LIST, _STATE]
    if text.startswith(("TimeValue", "Provenance")):
        return [_OWN, _PLAIN, _NUMBER, _LIST, _STATE]
    if text.startswith("list"):
        return [_LIST, _PLAIN, _NUMBER, _OWN, _STATE]
    return [_PLAIN, _NUMBER, _OWN, _LIST, _STATE]


def _compile_to_json(cls: type[Record]) -> Callable[[Any], dict[str, Any]]:
    """``to_json`` for one record class, as straight-line code over its fields (made once per class).

    The same conversion as a loop over ``dataclasses.fields`` calling ``to_jsonable``, without the loop:
    ``str``/``None``/``bool`` values and safe numbers are stored as they are, times and provenance converted,
    lists through :func:`~trowel.model.values.jsonable_items` (the field's declared type tested first), the
    rest goes through :func:`_field_json`.
    Field names are Python identifiers (dataclass fields), so the generated source is only attribute reads.
    """
    lines = ["def to_json(self):", "    out = {'kind': self.kind}"]
    for f in fields(cls):
        name = f.name
        if not name.isidentifier():
            raise ValueError(f"field {name!r} of {cls.__name__} is no identifier")
        if name == "raw":
            lines += ["    v = self.raw", "    if v and v is not NOT_PRESENT:",
                      "        out['raw'] = json_raw_dict(v) if type(v) is dict else to_jsonable(v)"]
            continue
        lines += [f"    v = self.{name}", "    t = type(v)"]
        for n, (test, value) in enumerate(_branches(f.type)):
            lines += [f"    {'if' if n == 0 else 'elif'} {test}:", f"        out[{name!r}] = {value}"]
        lines += ["    else:", "        v = field_json(v, t)", "        if v is not SKIP:", f"            out[{name!r}] = v"]
    lines.append("    return out")
    namespace: dict[str, Any] = {"NOT_PRESENT": Absence.NOT_PRESENT, "json_raw_dict": _json_raw,
                                 "to_jsonable": to_jsonable, "field_json": _field_json, "items": jsonable_items, "SKIP": _SKIP,
                                 "SAFE_INT": JSON_SAFE_INT, "INF": float("inf"),
                                 "TimeValue": TimeValue, "Provenance": Provenance, "State": State}
    exec(compile("\n".join(lines), f"<to_json of {cls.__name__}>", "exec"), namespace)  # noqa: S102
    function: Callable[[Any], dict[str, Any]] = namespace["to_json"]
    _TO_JSON[cls] = function
    return function


_TEXT_KEYS = {str}
_PLAIN_OR_INT = {str, type(None), bool, int}


_SHAPES: dict[tuple[tuple[Any, ...], tuple[type, ...], tuple[type, ...]], tuple[str, ...] | None] = {}
_UNSEEN: Any = object()


def _int_keys(raw: dict[Any, Any]) -> tuple[str, ...] | None:
    """The keys holding integers when every key is a ``str`` and every value text, NULL, a bool or an integer
    (a database row); None otherwise."""
    if set(map(type, raw)) <= _TEXT_KEYS and set(map(type, raw.values())) <= _PLAIN_OR_INT:
        return tuple(k for k, v in raw.items() if type(v) is int)
    return None


def _json_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """``to_jsonable`` of a ``raw`` dict (column -> stored value): a copy, with only the values that need it
    converted (big integers, bytes, floats...); keys that are not ``str`` take the general path.

    Rows of one table share a shape (keys, their types, the types of the values): per shape, the keys that
    hold integers are found once, and only those are looked at (a million messages, 21 columns each).
    """
    shape = (tuple(raw), tuple(map(type, raw)), tuple(map(type, raw.values())))
    ints = _SHAPES.get(shape, _UNSEEN)
    if ints is _UNSEEN:
        if len(_SHAPES) > 4096:
            _SHAPES.clear()
        ints = _SHAPES[shape] = _int_keys(raw)
    if type(ints) is tuple:
        out = dict(raw)
        for key in ints:
            value = out[key]
            if not -JSON_SAFE_INT < value < JSON_SAFE_INT:
                out[key] = str(value)
        return out
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
        convert = _TO_JSON.get(type(self)) or _compile_to_json(type(self))
        return convert(self)

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


@record_kind
@dataclass(frozen=True, kw_only=True)
class FileTransfer(Record):
    """A file an app sent, received or shared (upload/download task, file list, nearby-device exchange)."""

    kind: ClassVar[str] = "file_transfer"
    direction: str = "unknown"  # incoming | outgoing | unknown
    peer: str | None = None
    peer_name: str | None = None
    file_name: str | None = None
    path: str | None = None
    url: str | None = None
    size: int | None = None
    hash: str | None = None
    hash_type: str | None = None  # sha1 | md5 ...
    status: str | None = None
    time: TimeValue | None = None
    note: str | None = None
    store: str | None = None  # which table/store of the app held it


@record_kind
@dataclass(frozen=True, kw_only=True)
class KeyMaterial(Record):
    """Key material an app keeps (end-to-end identity and session keys, device identities): raw values kept,
    marked sensitive so that reports and exports treat them with care."""

    kind: ClassVar[str] = "key_material"
    owner: str | None = None  # the account or contact the key belongs to
    device: str | None = None
    key_name: str | None = None
    sensitive: bool = True
    time: TimeValue | None = None
    note: str | None = None
    store: str | None = None
