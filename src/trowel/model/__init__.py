"""Typed records with provenance; the one JSON form every output uses."""

from trowel.model.provenance import Provenance, Region, State
from trowel.model.records import (
    RECORD_KINDS,
    Account,
    AppEvent,
    Call,
    Contact,
    FileEntry,
    FileTransfer,
    Finding,
    GenericRow,
    KeyMaterial,
    MediaFile,
    Message,
    Record,
    Story,
    Warning,
    build_record,
    record_kind,
)
from trowel.model.values import (
    Absence,
    Clock,
    TimeValue,
    datetime_to_ns,
    iso_utc,
    ns_to_datetime,
    to_jsonable,
)

__all__ = [
    "RECORD_KINDS", "Absence", "Account", "AppEvent", "Call", "Clock", "Contact", "FileEntry", "FileTransfer", "Finding",
    "GenericRow", "KeyMaterial", "MediaFile", "Message", "Provenance", "Record", "Region", "State", "Story", "TimeValue",
    "Warning", "build_record", "datetime_to_ns", "iso_utc", "ns_to_datetime", "record_kind", "to_jsonable",
]
