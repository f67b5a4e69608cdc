"""imo: every artifact of every imo package of one Android user, live and deleted, as records.

The order of work matters only for joins: preferences and the account first (owner uid for outgoing
messages), then friends (names), stories (which object ids still exist), messages (story replies, missed
calls, attachment references), calls, orphaned story replies, and finally media linked to what references it.
"""

from __future__ import annotations

import fnmatch
import sqlite3
from collections.abc import Callable, Iterator

from trowel.apps.blocks import EncodedBlock
from trowel.apps.dedupe import DeletedRows
from trowel.apps.extraction import AppData, LocatedFile, iter_packages
from trowel.apps.imo import calls, contacts, messages, others, parallel, prefs, stories, transfers
from trowel.apps.imo.fields import as_text, now_ns, phone_key
from trowel.apps.imo.media import media_files
from trowel.apps.imo.scope import APP, Scope
from trowel.apps.imo.spec import (
    ACCOUNT_DB,
    CONTACTS_DB,
    CONTACTS_PROVIDER,
    FRIENDS_DB,
    FRIENDS_VARIANTS,
    TABLES,
)
from trowel.apps.rows import DatabaseCopy, Row
from trowel.apps.unmapped import unmapped_records
from trowel.errors import TrowelError
from trowel.model import Account, Provenance, Record, Warning

Mapper = Callable[[Scope, Row], Iterator[Record]]
IDENTITY = {t.name: t.identity for t in TABLES}
KNOWN = {db: {t.name: set(t.columns) for t in TABLES if t.database == db} for db in (FRIENDS_DB, ACCOUNT_DB)}
CONTACT_TABLES = ("new_contact", "blist", "recommend_phonebook_contact", "local_recommend_phonebook_contact",
                  "file_assistant", "big_group", "channel", "user_channel")
STORY_TABLES = ("album", "story_send_draft", "pixel_backup")
# After friends, the phone book, the other contacts, stories and messages (in this order, for the joins):
SIMPLE_STORES: list[tuple[str, Mapper]] = [
    ("video_messages", messages.map_message),
    ("chat_history_msg", messages.map_history),
    ("big_group_message", messages.map_big_group_message),
    ("secret_message", messages.map_secret_message),
    ("relationship_message", messages.map_relationship_message),
    ("post", messages.map_channel_post),
    ("channel_post_cache", messages.map_channel_post),
    ("user_channel_post", messages.map_channel_post),
    ("chats_new", messages.map_chat_summary),
    ("secret_chat", messages.map_chat_summary),
    ("calls_only", calls.map_calls_only),
    ("call_timestamps", calls.map_call_timestamp),
    ("call_out_history", calls.map_call_out),
    ("call_intercept_record", calls.map_call_intercept),
    ("file_transfer", transfers.map_transfer),
    ("my_files", transfers.map_transfer),
    ("nearby_log", transfers.map_transfer),
    ("cached_uploads", transfers.map_transfer),
    ("account_type", others.map_account_type),
    *[(table, others.map_key) for table in others.KEY_TABLES],
]
SPECIAL = {"friends", "imo_phonebook", "phone_numbers", "phonebook_entries", "stories", "messages", "relationship",
           *CONTACT_TABLES, *STORY_TABLES, *(t for t, _ in SIMPLE_STORES)}
GENERIC_TABLES = [t.name for t in TABLES if t.database == FRIENDS_DB and t.name not in SPECIAL]


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
    for relative in friends_databases(files):
        try:
            db = data.database(scope.package, relative)
        except TrowelError as exc:
            data.warn(relative, f"{scope.package}: database not copied: {exc}")
            continue
        if db is None:
            continue
        data.mark_handled(scope.package, relative)
        scope.db_path = db.path
        try:
            yield from _friends_db(scope, db, book, data.block_sink, data.parallel_min_rows, data.parallel_range_rows)
        except (TrowelError, sqlite3.DatabaseError) as exc:
            data.warn(db.path, f"{relative} not fully read: {exc}")
        finally:
            for message in db.warnings:
                data.warn(db.path, message)
            db.close()


def friends_databases(files: dict[str, LocatedFile]) -> list[str]:
    """The databases with imofriends.db's schema: imofriends.db first, then per-account variants and the older
    ``databases/imo``, by name (companion files left out)."""
    found = [rel for rel in files if not rel.endswith(("-wal", "-journal", "-shm"))
             and any(fnmatch.fnmatchcase(rel, glob) for glob in FRIENDS_VARIANTS)]
    return sorted(found, key=lambda rel: (rel != FRIENDS_DB, rel))


def _account_db(data: AppData, scope: Scope) -> Iterator[Record]:
    try:
        db = data.database(scope.package, ACCOUNT_DB)
    except TrowelError as exc:
        data.warn(ACCOUNT_DB, f"{scope.package}: database not copied: {exc}")
        return
    if db is None:
        return
    data.mark_handled(scope.package, ACCOUNT_DB)
    try:
        deleted = _deleted(db, [t for t in db.tables() if not t.startswith("sqlite_")])
        rows = list(db.live_rows("account"))
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
        yield from _unmapped(scope, db, ACCOUNT_DB, deleted)
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
    for row in db.live_rows(table):
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
            pool = parallel.MessagePool(db, db.present("messages") or [], range_rows, _live_names(scope, db))
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
    for row in db.live_rows("friends", ["buid", "note_name", "name", "display"]):
        buid = as_text(row.get("buid"))
        name = as_text(row.get("note_name")) or as_text(row.get("name")) or as_text(row.get("display"))
        if buid and name:
            early.names[buid] = name
    del db.warnings[mark:]
    return early


def _friends_tables(scope: Scope, db: DatabaseCopy, book: contacts.AddressBook,
                    sink: Callable[[EncodedBlock], None] | None, pool: parallel.MessagePool | None) -> Iterator[Record]:
    # What replies refer to, and the counts of the account-deletion check, are per database (imofriends.db and
    # its per-account copies hold different accounts); names and the owner are shared.
    scope.replies, scope.story_ids, scope.deleted_story_ids, scope.live_counts = {}, set(), set(), {}
    deleted = _deleted(db, [t for t in db.tables() if not t.startswith("sqlite_")])
    phonebook = contacts.PhoneBook()
    for table, uid_col in (("phone_numbers", "uid"), ("imo_phonebook", "uid")):
        for row in db.live_rows(table, [uid_col, "phone"]):
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
    for row in _rows(db, "relationship", deleted, scope):
        rel, anon = as_text(row.get("rel_id")), as_text(row.get("anon_id"))
        if rel and anon and (row.state.value == "live" or rel not in scope.relations):
            scope.relations[rel] = anon
        yield from contacts.map_listed_contact(scope, row, book)
    for table in CONTACT_TABLES:
        for row in _rows(db, table, deleted, scope):
            yield from contacts.map_listed_contact(scope, row, book)
    for row in _rows(db, "stories", deleted, scope):
        yield from stories.map_story(scope, row)
    for table in STORY_TABLES:
        for row in _rows(db, table, deleted, scope):
            yield from stories.map_other_story(scope, row)
    order = messages.OrderCheck(scope)
    if pool is not None and sink is not None:
        yield from pool.map_messages(scope, db, deleted.get("messages"), order, db.present("messages") or [], sink)
    else:
        for row in _rows(db, "messages", deleted, scope):
            yield from messages.map_message(scope, row)
            finding = order.check(row)
            if finding is not None:
                yield finding
    for table, mapper in SIMPLE_STORES:
        for row in _rows(db, table, deleted, scope):
            yield from mapper(scope, row)
    for table in GENERIC_TABLES:
        for row in _rows(db, table, deleted, scope):
            yield from others.map_generic(scope, row)
    yield from stories.orphaned_replies(scope)
    yield from _account_deletion(scope, db)
    yield from _unmapped(scope, db, FRIENDS_DB, deleted)


def _unmapped(scope: Scope, db: DatabaseCopy, schema: str, deleted: dict[str, DeletedRows]) -> Iterator[Record]:
    """Tables the spec does not know (generic rows, live and deleted) and the schema_differs finding."""
    known = KNOWN[schema]
    rows = [row for table, found in deleted.items() if table not in known for row in found.remaining()]
    yield from unmapped_records(APP, scope.package, scope.user, db, known, rows)


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
