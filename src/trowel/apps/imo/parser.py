"""imo: every artifact of every imo package of one Android user, live and deleted, as records.

The order of work matters only for joins: preferences and the account first (owner uid for outgoing
messages), then friends (names), stories (which object ids still exist), messages (story replies, missed
calls, attachment references), calls, orphaned story replies, and finally media linked to what references it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

from trowel.apps.blocks import EncodedBlock
from trowel.apps.dedupe import DeletedRows
from trowel.apps.extraction import AppData, LocatedFile, iter_packages
from trowel.apps.imo import calls, contacts, messages, parallel, prefs, stories
from trowel.apps.imo.fields import as_text, now_ns, phone_key
from trowel.apps.imo.media import media_files
from trowel.apps.imo.scope import APP, Scope
from trowel.apps.imo.spec import (
    ACCOUNT_DB,
    CONTACTS_DB,
    CONTACTS_PROVIDER,
    FRIENDS_DB,
    RECOVER_TABLES,
    TABLES,
)
from trowel.apps.rows import DatabaseCopy, Row
from trowel.errors import TrowelError
from trowel.model import Account, Provenance, Record, Warning

Mapper = Callable[[Scope, Row], Iterator[Record]]
IDENTITY = {t.name: t.identity for t in TABLES}
COLUMNS = {t.name: list(t.columns) for t in TABLES}
SIMPLE_STORES: list[tuple[str, Mapper]] = [
    ("big_group_message", messages.map_big_group_message),
    ("secret_message", messages.map_secret_message),
    ("relationship_message", messages.map_relationship_message),
    ("chats_new", messages.map_chat_summary),
    ("calls_only", calls.map_calls_only),
    ("call_timestamps", calls.map_call_timestamp),
]


def extract(data: AppData) -> Iterator[Record]:
    """Records of every imo package of one user, then the media they reference."""
    now = now_ns()
    refs: dict[str, list[tuple[str, str]]] = {}
    book: contacts.AddressBook | None = None
    for package, files in iter_packages(data):
        scope = Scope(evidence=data.evidence, package=package, user=data.user, now_ns=now)
        if book is None:
            book = _address_book(data)
        yield from _package(data, scope, files, book)
        for path, items in scope.attachment_refs.items():
            refs.setdefault(path, []).extend((package, r) for r in items)
    yield from media_files(data, refs)
    for path, message in data.warnings:
        yield Warning(source=Provenance(evidence=data.evidence, path=path), app=APP, user=data.user,
                      message=message, stage="apps")


def _address_book(data: AppData) -> contacts.AddressBook:
    warnings: list[str] = []
    try:
        db = data.related_database(CONTACTS_PROVIDER, CONTACTS_DB)
    except TrowelError as exc:
        data.warn(CONTACTS_DB, f"address book not copied: {exc}")
        return contacts.AddressBook()
    book = contacts.read_address_book(db, warnings)
    for message in warnings:
        data.warn(db.path if db else CONTACTS_DB, message)
    if db is not None:
        db.close()
    return book


def _read_json(data: AppData, located: LocatedFile) -> dict[str, object] | None:
    if located.entry.size > prefs.MAX_PREFS_BYTES:
        data.warn(located.path, f"preferences file too large ({located.entry.size} bytes); not read")
        return None
    with data.source.open(located.entry) as stream:
        content = stream.read(prefs.MAX_PREFS_BYTES)
    parsed = prefs.load_json(content)
    if parsed is None:
        data.warn(located.path, "not a JSON object; not read")
    return parsed


def _package(data: AppData, scope: Scope, files: dict[str, LocatedFile], book: contacts.AddressBook) -> Iterator[Record]:
    state = prefs.Prefs()
    handlers = [("files/VerificationPrefs.json", prefs.verification_prefs), ("files/bprefs.json", prefs.bprefs),
                ("files/brefs.json", prefs.bprefs)]
    for rel, handler in handlers:
        located = files.get(rel)
        if located is None:
            continue
        try:
            parsed = _read_json(data, located)
        except (TrowelError, OSError) as exc:
            data.warn(located.path, f"not readable: {exc}")
            continue
        if parsed is not None:
            yield from handler(scope, located, parsed, state)
    yield from _account_db(data, scope)
    if state.login_phone and state.profile_phone and phone_key(state.login_phone) != phone_key(state.profile_phone):
        assert state.login_source is not None
        yield scope.finding(
            "login_phone_differs", f"the phone number typed at login ({state.login_phone}) differs from the verified "
            f"profile phone ({state.profile_phone}): the typed number may never have been verified", "warning",
            state.login_source, [state.login_source.path, state.profile_source.path if state.profile_source else ""])
    try:
        db = data.database(scope.package, FRIENDS_DB)
    except TrowelError as exc:
        data.warn(FRIENDS_DB, f"{scope.package}: database not copied: {exc}")
        return
    if db is None:
        return
    scope.db_path = db.path
    try:
        yield from _friends_db(scope, db, book, data.block_sink, data.parallel_min_rows, data.parallel_range_rows)
    except (TrowelError, sqlite3.DatabaseError) as exc:
        data.warn(db.path, f"imofriends.db not fully read: {exc}")
    finally:
        for message in db.warnings:
            data.warn(db.path, message)
        db.close()


def _account_db(data: AppData, scope: Scope) -> Iterator[Record]:
    try:
        db = data.database(scope.package, ACCOUNT_DB)
    except TrowelError as exc:
        data.warn(ACCOUNT_DB, f"{scope.package}: database not copied: {exc}")
        return
    if db is None:
        return
    try:
        deleted = _deleted(db, ["account"])
        rows = list(db.live_rows("account", COLUMNS["account"]))
        found = deleted.get("account")
        for row in rows:
            if found:
                found.seen_live(row)
        all_rows = rows + (found.remaining() if found else [])
        for row in all_rows:
            uid, name = as_text(row.get("uid")), as_text(row.get("name"))
            if row.state.value == "live" and uid and not scope.owner_uid:
                scope.owner_uid, scope.owner_name = uid, name
            common = scope.common(row)
            common["source"] = row.provenance(data.evidence, db.path)
            yield Account(**common, account_id=uid, name=name, note="the owner's imo uid and name (accountdb.db)")
    except (TrowelError, sqlite3.DatabaseError) as exc:
        data.warn(db.path, f"accountdb.db not read: {exc}")
    finally:
        for message in db.warnings:
            data.warn(db.path, message)
        db.close()


def _deleted(db: DatabaseCopy, tables: list[str]) -> dict[str, DeletedRows]:
    found: dict[str, DeletedRows] = {}
    for row in db.deleted_rows(tables):
        found.setdefault(row.table, DeletedRows(IDENTITY.get(row.table, ()))).add(row)
    return found


def _rows(db: DatabaseCopy, table: str, deleted: dict[str, DeletedRows], scope: Scope) -> Iterator[Row]:
    """Live rows (checked off against the recovered ones), then the recovered rows that are really gone."""
    found = deleted.get(table)
    count = 0
    for row in db.live_rows(table, COLUMNS.get(table)):
        count += 1
        if found:
            found.seen_live(row)
        yield row
    scope.live_counts[table] = count
    if found:
        yield from found.remaining()


def _friends_db(scope: Scope, db: DatabaseCopy, book: contacts.AddressBook,
                sink: Callable[[EncodedBlock], None] | None = None, min_rows: int = 0,
                range_rows: int = 1) -> Iterator[Record]:
    """Every table of imofriends.db; with a block sink, a large ``messages`` table goes through every CPU."""
    db.connect()
    pool = None
    if sink is not None and db.count("messages") >= min_rows:
        try:
            pool = parallel.MessagePool(db, COLUMNS["messages"], range_rows, _live_names(scope, db))
        except OSError as exc:  # no processes to be had: the single-process path gives the same records
            db.warnings.append(f"messages read in one process: worker processes not started ({exc})")
    try:
        yield from _friends_tables(scope, db, book, sink, pool)
    finally:
        if pool is not None:
            pool.close()


def _live_names(scope: Scope, db: DatabaseCopy) -> Scope:
    """The scope as it will be when messages are mapped if no recovered friend adds a name (see _friends_tables)."""
    early = Scope(evidence=scope.evidence, package=scope.package, user=scope.user, db_path=scope.db_path,
                  now_ns=scope.now_ns, owner_uid=scope.owner_uid, owner_name=scope.owner_name, names=dict(scope.names))
    mark = len(db.warnings)  # what is wrong with the table is reported when friends are read for real
    for row in db.live_rows("friends", COLUMNS["friends"]):
        buid = as_text(row.get("buid"))
        name = as_text(row.get("note_name")) or as_text(row.get("name")) or as_text(row.get("display"))
        if buid and name:
            early.names[buid] = name
    del db.warnings[mark:]
    return early


def _friends_tables(scope: Scope, db: DatabaseCopy, book: contacts.AddressBook,
                    sink: Callable[[EncodedBlock], None] | None, pool: parallel.MessagePool | None) -> Iterator[Record]:
    deleted = _deleted(db, [t for t in RECOVER_TABLES if db.has_table(t)] or RECOVER_TABLES)
    phonebook = contacts.PhoneBook()
    for table, uid_col in (("phone_numbers", "uid"), ("imo_phonebook", "uid")):
        for row in db.live_rows(table, COLUMNS[table]):
            phonebook.add(as_text(row.get(uid_col)), as_text(row.get("phone")), table)
    friend_ids: set[str] = set()
    for row in _rows(db, "friends", deleted, scope):
        buid = as_text(row.get("buid"))
        name = as_text(row.get("note_name")) or as_text(row.get("name")) or as_text(row.get("display"))
        if buid and name and (row.state.value == "live" or buid not in scope.names):
            scope.names[buid] = name
        if buid and row.state.value == "live":
            friend_ids.add(buid)
        yield from contacts.map_friend(scope, row, phonebook, book)
    for table, uid_col, phone_col in (("imo_phonebook", "uid", "phone"), ("phone_numbers", "uid", "phone"),
                                      ("phonebook_entries", "contact_id", "phone")):
        for row in _rows(db, table, deleted, scope):
            if table != "phonebook_entries" and row.state.value == "live" and as_text(row.get(uid_col)) in friend_ids:
                continue
            yield from contacts.map_phonebook_row(scope, row, book, uid_col, phone_col)
    for row in _rows(db, "stories", deleted, scope):
        yield from stories.map_story(scope, row)
    order = messages.OrderCheck(scope)
    if pool is not None and sink is not None:
        yield from pool.map_messages(scope, db, deleted.get("messages"), order, COLUMNS["messages"], sink)
    else:
        for row in _rows(db, "messages", deleted, scope):
            yield from messages.map_message(scope, row)
            finding = order.check(row)
            if finding is not None:
                yield finding
    for table, mapper in SIMPLE_STORES:
        for row in _rows(db, table, deleted, scope):
            yield from mapper(scope, row)
    yield from stories.orphaned_replies(scope)
    yield from _account_deletion(scope, db)


def _account_deletion(scope: Scope, db: DatabaseCopy) -> Iterator[Record]:
    """call_timestamps rows with no friends and no messages left: the account was deleted, these survived."""
    counts = scope.live_counts
    kept = counts.get("call_timestamps", 0)
    if kept and not counts.get("friends") and not counts.get("messages"):
        peers = [as_text(r.get("buid")) or "" for r in db.live_rows("call_timestamps", ["buid"])]
        yield scope.finding(
            "call_timestamps_survive_account_deletion",
            f"friends and messages are empty but call_timestamps still holds {kept} row(s) "
            f"({', '.join(peers)}): the account was probably deleted, and these calls survived it", "warning",
            Provenance(evidence=scope.evidence, path=db.path, table="call_timestamps"),
            [f"{scope.package}/u{scope.user}/call_timestamps#{r.rowid}" for r in db.live_rows("call_timestamps", [])])
