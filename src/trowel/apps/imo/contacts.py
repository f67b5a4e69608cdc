"""Contacts: imo friends (people and groups) joined with imo's phone book tables, compared with the Android
address book (``contacts2.db`` of the contacts provider) when the extraction holds it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from trowel.apps.imo.fields import as_text, is_group_id, phone_key
from trowel.apps.imo.scope import Scope
from trowel.apps.imo.times import first_time, joined
from trowel.apps.rows import DatabaseCopy, Row
from trowel.errors import TrowelError
from trowel.model import Contact, Record

PHONE_MIME = "vnd.android.cursor.item/phone_v2"


@dataclass
class AddressBook:
    """Phone numbers of the Android address book of one user (None when the extraction has no contacts2.db)."""

    keys: set[str] | None = None
    path: str | None = None

    def holds(self, phones: list[str]) -> bool | None:
        if self.keys is None:
            return None
        found = [k for k in (phone_key(p) for p in phones) if k]
        if not found:
            return None
        return any(k in self.keys for k in found)


def read_address_book(db: DatabaseCopy | None, warnings: list[str]) -> AddressBook:
    """Phone numbers of live, not-deleted raw contacts in ``contacts2.db``."""
    if db is None:
        return AddressBook()
    try:
        conn = db.connect()
        tables = db.tables()
        if not {"data", "mimetypes"} <= set(tables):
            warnings.append(f"{db.path}: no data/mimetypes tables; address book not compared")
            return AddressBook()
        deleted = "raw_contacts" in tables and "deleted" in tables["raw_contacts"]
        sql = ("SELECT d.data1, d.data4 FROM data d JOIN mimetypes m ON m._id = d.mimetype_id"
               + (" JOIN raw_contacts r ON r._id = d.raw_contact_id AND r.deleted = 0" if deleted else "")
               + " WHERE m.mimetype = ?")
        keys: set[str] = set()
        for number, normalized in conn.execute(sql, (PHONE_MIME,)):
            for value in (number, normalized):
                key = phone_key(value)
                if key:
                    keys.add(key)
    except (sqlite3.DatabaseError, TrowelError) as exc:
        warnings.append(f"{db.path}: address book not readable ({exc})")
        return AddressBook()
    return AddressBook(keys, db.path)


@dataclass
class PhoneBook:
    """imo's own phone book tables, indexed by imo uid, for the join onto friends."""

    by_uid: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # uid -> [(phone, table)]

    def add(self, uid: str | None, phone: str | None, table: str) -> None:
        if uid and phone:
            entries = self.by_uid.setdefault(uid, [])
            if (phone, table) not in entries:
                entries.append((phone, table))


def _book_note(scope: Scope, book: AddressBook, in_book: bool | None, tables: list[str]) -> str | None:
    where = ", ".join(sorted(set(tables)))
    if in_book is False:
        return f"known to imo ({where}), no longer in the Android address book ({book.path})"
    if in_book is None and tables and book.keys is None:
        return f"in imo's copy of the phone book ({where}); no Android contacts database in the extraction to compare"
    return None


def map_friend(scope: Scope, row: Row, phonebook: PhoneBook, book: AddressBook) -> Iterator[Record]:
    buid = as_text(row.get("buid"))
    name = as_text(row.get("note_name")) or as_text(row.get("name")) or as_text(row.get("display"))
    entries = phonebook.by_uid.get(buid or "", [])
    phones = list(dict.fromkeys(p for p, _ in entries))
    in_book = book.holds(phones)
    note = _book_note(scope, book, in_book, [t for _, t in entries])
    time, time_note, extra = first_time(scope, row, ("last_active_times",), "contact")
    yield Contact(**scope.common(row), contact_id=buid, name=name, phones=phones, is_group=is_group_id(buid),
                  in_address_book=in_book, note=joined(note, f"time: last active; {time_note}" if time_note else
                                                       "time: last active" if time else None), time=time)
    yield from extra


def map_phonebook_row(scope: Scope, row: Row, book: AddressBook, uid_column: str | None,
                      phone_column: str) -> Iterator[Record]:
    """A row of imo_phonebook / phonebook_entries / phone_numbers that no friend row took."""
    phone = as_text(row.get(phone_column))
    phones = [phone] if phone else []
    in_book = book.holds(phones)
    contact_id = as_text(row.get(uid_column)) if uid_column else None
    time, time_note, extra = first_time(scope, row, ("last_contacted",), "contact")
    when = f"time: last contacted; {time_note}" if time_note else "time: last contacted" if time else None
    yield Contact(**scope.common(row), contact_id=contact_id, name=as_text(row.get("name")), phones=phones,
                  is_group=False, in_address_book=in_book,
                  note=joined(_book_note(scope, book, in_book, [row.table]), when), time=time)
    yield from extra


def _name(row: Row, *columns: str) -> str | None:
    for column in columns:
        value = as_text(row.get(column))
        if value:
            return value
    return None


def map_listed_contact(scope: Scope, row: Row, book: AddressBook) -> Iterator[Record]:
    """Contacts and groups of the newer tables: new_contact, blist (blocked), the recommendation tables,
    file_assistant, big_group, channel, user_channel and relationship (strangers)."""
    table = row.table
    phones: list[str] = []
    group = False
    if table == "blist":
        contact_id = _name(row, "buid")
        name, note = scope.names.get(contact_id or ""), f"blocked by the owner (blist {_name(row, 'blistid')})"
    elif table in ("recommend_phonebook_contact", "local_recommend_phonebook_contact"):
        contact_id = _name(row, "uid", "anon_id")
        name = _name(row, "name", "phonebook_name")
        phone = _name(row, "phone")
        phones = [phone] if phone else []
        note = f"recommended by imo from the phone book ({table}; phone book name {_name(row, 'phonebook_name')})"
    elif table == "big_group":
        contact_id, name, group = _name(row, "bgid"), _name(row, "name"), True
        note = f"big group; the owner's role {_name(row, 'role')}, anonymous id {_name(row, 'anon_id')}"
    elif table in ("channel", "user_channel"):
        contact_id = _name(row, "channel_id", "user_channel_id")
        name, group = _name(row, "display", "name"), True
        note = f"channel ({table})"
    elif table == "relationship":
        contact_id = _name(row, "anon_id")
        profile = _profile_name(row.get("tiny_profile"))
        name = profile or scope.names.get(contact_id or "")
        note = f"stranger chat {_name(row, 'rel_id')} (relationship; request {_name(row, 'request')})"
    elif table == "file_assistant":
        contact_id, name = _name(row, "buid"), _name(row, "note_name", "name", "display")
        note = "imo's file assistant (files the owner sends to himself)"
    else:  # new_contact
        contact_id, name = _name(row, "buid"), _name(row, "name")
        note = "announced as new on imo (new_contact)"
    time, time_note, extra = first_time(scope, row, ("timestamp", "last_active_times", "follow_timestamp"),
                                       "contact")
    in_book = book.holds(phones) if phones else None
    yield Contact(**scope.common(row), contact_id=contact_id, name=name, phones=phones, is_group=group,
                  in_address_book=in_book, note=joined(note, time_note), time=time)
    yield from extra


def _profile_name(value: object) -> str | None:
    text = as_text(value)
    if not text:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict):
        for key in ("nickname", "name", "display_name"):
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])
    return None
