"""The imo spec: packages, files, and every table and column trowel reads, with meanings and time formats.

Facts from the 2018 study "Using imo.im in Forensic Investigations" and the real imofriends.db schema
(see docs/imo.md). Columns that a database does not have are skipped: older and newer imo versions differ.
"""

from __future__ import annotations

from trowel.apps.registry import ColumnSpec as C
from trowel.apps.registry import TableSpec

PACKAGES = ("com.imo.android.imoim", "com.imo.android.imous", "com.imo.android.imoimlite")
FRIENDS_DB = "databases/imofriends.db"
ACCOUNT_DB = "databases/accountdb.db"
CONTACTS_PROVIDER = "com.android.providers.contacts"
CONTACTS_DB = "databases/contacts2.db"

APP_PATHS = (
    "databases/imofriends.db", "databases/accountdb.db",
    "files/VerificationPrefs.json", "files/bprefs.json", "files/brefs.json",
    "files/**/sticker*/**", "cache/**/sticker*/**", "files/sticker*/**", "cache/sticker*/**",
)
EXTERNAL_PATHS = ("DCIM/imo/**", "IMO/**", "Android/data/{package}/**")
STICKER_PATHS = ("files/**/sticker*/**", "cache/**/sticker*/**", "files/sticker*/**", "cache/sticker*/**")
RELATED_PATHS: dict[str, tuple[str, ...]] = {CONTACTS_PROVIDER: (CONTACTS_DB,)}

NS = "unix_ns"

MESSAGE_COLUMNS = {
    "_id": C("row id"),
    "buid": C("conversation: a contact's uid, or a group id (non-numeric)"),
    "message_type": C("direction: 1 incoming; 0 (imo 9.8) or 2 (imo HD) outgoing; other values unknown"),
    "message_state": C("1 when delivered to the recipient's device"),
    "message_read": C("1 when read"),
    "last_message": C("the text"),
    "timestamp": C("when the message was sent or received", NS),
    "imdata": C("JSON object: attachment paths (original_path, local_path), sticker, story reply, call data"),
    "author": C("in groups, the uid of the real sender"),
    "author_alias": C("in groups, the display name of the real sender"),
    "alias": C("display name of the conversation"),
    "delete_type": C("how the message was deleted for everyone (newer versions)"),
    "encrypt_flag": C("end-to-end encrypted flag"),
    "expiration_timestamp": C("disappearing-message expiry", NS),
    "group_msg_id": C("group message id"),
    "msg_id": C("message id"),
    "message_index": C("index within the conversation"),
    "seq_number": C("sequence number"),
    "sender_timestamp_nano": C("sender's clock when sending", NS),
    "view_type": C("how the message is shown"),
}

TABLES = (
    TableSpec("messages", FRIENDS_DB, MESSAGE_COLUMNS, identity=("buid", "timestamp"),
              meaning="chat messages of people and groups (also stickers, media, story replies, missed calls)"),
    TableSpec("friends", FRIENDS_DB, {
        "buid": C("uid (numeric for people, non-numeric for groups)"), "name": C("name"),
        "display": C("display name"), "type": C("contact type"), "gid": C("group id"),
        "is_muted": C("muted"), "starred": C("starred"), "times_contacted": C("times contacted"),
        "last_active_times": C("last activity", NS), "note_name": C("name given by the owner"),
    }, identity=("buid",), meaning="imo contacts and groups"),
    TableSpec("call_timestamps", FRIENDS_DB, {
        "_id": C("row id"), "buid": C("contact"), "time": C("start of the latest call with this contact", NS),
    }, identity=("buid", "time"), meaning="one row per contact: the latest call start (not a full history)"),
    TableSpec("calls_only", FRIENDS_DB, {
        "buid": C("peer"), "call_type": C("audio or video"), "chat_type": C("chat type"),
        "duration": C("duration in seconds"), "state": C("call state (missed, answered...)"),
        "timestamp": C("call time (unit chosen by plausibility)"), "imdata": C("JSON details"),
        "last_message": C("text shown in the call log"), "name": C("peer name"),
        "message_type": C("direction, as in messages"),
    }, identity=("buid", "timestamp"), meaning="per-call log (newer versions)"),
    TableSpec("stories", FRIENDS_DB, {
        "buid": C("author"), "object_id": C("story object id (replies refer to it)"),
        "original_id": C("original story id"), "timestamp": C("posted", NS), "imdata": C("JSON: media, text"),
        "is_public": C("public story"), "message_read": C("viewed"), "message_liked": C("liked"),
        "view_type": C("view type"),
    }, identity=("object_id",), meaning="stories"),
    TableSpec("imo_phonebook", FRIENDS_DB, {
        "uid": C("imo uid"), "name": C("name"), "phone": C("phone number"), "normalized": C("normalised number"),
        "times_contacted": C("times contacted"), "last_contacted": C("last contacted (unit by plausibility)"),
    }, identity=("name", "phone"), meaning="copy of the Android address book"),
    TableSpec("phone_numbers", FRIENDS_DB, {
        "uid": C("imo uid"), "name": C("name"), "phone": C("phone number"), "type": C("number type"),
    }, identity=("uid", "phone"), meaning="phone numbers of contacts that are on imo"),
    TableSpec("phonebook_entries", FRIENDS_DB, {
        "contact_id": C("Android contact id"), "name": C("name"), "phone": C("phone number"),
        "normalized_phone": C("normalised number"),
    }, identity=("contact_id", "phone"), meaning="address book entries imo has read"),
    TableSpec("chats_new", FRIENDS_DB, {
        "buid": C("conversation"), "name": C("name"), "last_message": C("last text"),
        "timestamp": C("last activity", NS), "unread_count": C("unread messages"),
    }, identity=("buid",), meaning="chat list (newer versions)", recover=False),
    TableSpec("big_group_message", FRIENDS_DB, {
        "bgid": C("big group id"), "author": C("sender uid"), "author_alias": C("sender name"),
        "message_type": C("direction"), "last_message": C("text"), "timestamp": C("time", NS),
        "imdata": C("JSON"), "msg_seq": C("sequence"),
    }, identity=("bgid", "timestamp"), meaning="messages of big groups (newer versions)"),
    TableSpec("secret_message", FRIENDS_DB, {
        "buid": C("conversation"), "message_type": C("direction"), "timestamp": C("time", NS),
        "msg_id": C("message id"), "message_state": C("delivered"), "message_read": C("read"),
    }, identity=("buid", "timestamp"), meaning="end-to-end encrypted chats: metadata only"),
    TableSpec("relationship_message", FRIENDS_DB, {
        "rel_id": C("stranger chat id"), "buid": C("peer"), "message_type": C("direction"),
        "last_message": C("text"), "timestamp": C("time", NS), "imdata": C("JSON"),
    }, identity=("rel_id", "timestamp"), meaning="chats with strangers (newer versions)"),
    TableSpec("account", ACCOUNT_DB, {"uid": C("owner's imo uid"), "name": C("owner's display name")},
              identity=("uid",), meaning="the owner's account"),
)

RECOVER_TABLES = [t.name for t in TABLES if t.database == FRIENDS_DB and t.recover]
