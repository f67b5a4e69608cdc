"""The imo spec: packages, files, and every table and column trowel reads, with meanings and time formats.

Facts from the 2018 study "Using imo.im in Forensic Investigations" and the real imofriends.db schema of a
recent version (63 tables, see docs/imo.md). Every table of that schema is named here with every column, so
that the ``schema_differs`` finding (trowel.apps.unmapped) only reports what really differs. Columns that a
database does not have are skipped: older and newer imo versions differ. No time column fixes a unit: each
value is decoded by plausibility (``PLAUSIBLE``); ``NS`` marks the columns the study documents as nanoseconds,
which only makes the common case fast (a value that is not plausible as nanoseconds is decided like any other).
"""

from __future__ import annotations

from trowel.apps.registry import ColumnSpec as C
from trowel.apps.registry import TableSpec

PACKAGES = ("com.imo.android.imoim", "com.imo.android.imous", "com.imo.android.imoimlite")
FRIENDS_DB = "databases/imofriends.db"
ACCOUNT_DB = "databases/accountdb.db"
# Databases with imofriends.db's schema: older versions (databases/imo) and per-account copies (imofriends*).
FRIENDS_VARIANTS: tuple[str, ...] = ("databases/imofriends*", "databases/imo")
CONTACTS_PROVIDER = "com.android.providers.contacts"
CONTACTS_DB = "databases/contacts2.db"

APP_PATHS = (
    "databases/imofriends*", "databases/imo", "databases/accountdb.db",
    "files/VerificationPrefs.json", "files/bprefs.json", "files/brefs.json",
    "files/**/sticker*/**", "cache/**/sticker*/**", "files/sticker*/**", "cache/sticker*/**",
)
EXTERNAL_PATHS = ("DCIM/imo/**", "IMO/**", "Android/data/{package}/**")
STICKER_PATHS = ("files/**/sticker*/**", "cache/**/sticker*/**", "files/sticker*/**", "cache/sticker*/**")
RELATED_PATHS: dict[str, tuple[str, ...]] = {CONTACTS_PROVIDER: (CONTACTS_DB,)}
SAME_SCHEMA: dict[str, tuple[str, ...]] = {FRIENDS_DB: FRIENDS_VARIANTS}

NS = "unix_ns"
PLAUSIBLE = "unix_plausible"  # Unix s, ms, µs or ns, chosen per value by plausibility
STORED = "as stored"


def _table(name: str, meaning: str, columns: str, identity: tuple[str, ...] = (), database: str = FRIENDS_DB, /,
           *, times: tuple[str, ...] = (), ns: tuple[str, ...] = (), shared: dict[str, str] | None = None,
           **meanings: str) -> TableSpec:
    """A table: every column (space-separated) with a meaning (``STORED`` unless given), time columns marked."""
    spec: dict[str, C] = {}
    meanings = {**(shared or {}), **meanings}
    for column in columns.split():
        text = meanings.get(column, "time (unit by plausibility)" if column in times or column in ns else STORED)
        spec[column] = C(text, NS if column in ns else PLAUSIBLE if column in times else None)
    return TableSpec(name, database, spec, identity=identity, meaning=meaning)


MESSAGE_COLUMNS = (
    "_id alias author author_alias author_icon buid click_num_tries delete_type encrypt_flag expiration_timestamp "
    "group_msg_id icon imdata last_message message_index message_played message_read message_state "
    "message_translation_info message_type msg_check_status msg_id msg_need_filtered num_tries pre_ts "
    "sender_timestamp_nano seq_number timestamp ts_open_time_machine view_type")
MESSAGE_MEANINGS: dict[str, str] = {
    "_id": "row id", "buid": "conversation: a contact's uid, or a group id (non-numeric)",
    "message_type": "direction: 1 incoming; 0 (imo 9.8) or 2 (imo HD) outgoing; other values unknown",
    "message_state": "1 when delivered to the recipient's device", "message_read": "1 when read",
    "last_message": "the text", "timestamp": "when the message was sent or received",
    "imdata": "JSON object: attachment paths (original_path, local_path), sticker, story reply, call data",
    "author": "in groups, the uid of the real sender", "author_alias": "in groups, the display name of the sender",
    "alias": "display name of the conversation", "delete_type": "how the message was deleted for everyone",
    "encrypt_flag": "end-to-end encrypted flag", "expiration_timestamp": "disappearing-message expiry",
    "sender_timestamp_nano": "sender's clock when sending",
}
FRIEND_COLUMNS = ("_id _alias_sl bubble_status buid display gid icon icon_style invite_status is_invisible_friend "
                  "is_muted is_private last_active_times name note_name score starred times_contacted type")
FRIEND_MEANINGS: dict[str, str] = {"buid": "uid (numeric for people, non-numeric for groups)", "name": "name",
                   "display": "display name", "note_name": "name given by the owner", "gid": "group id"}
CHANNEL_POST_COLUMNS = ("_id certification_id channel_id channel_type display fake icon is_ack is_played log_info "
                        "message_type new_state post_id post_info post_type send_state state timestamp "
                        "timestamp_nano")
DEVICE_KEY_COLUMNS = ("device_info eid encrypt_version one_time_pre_id one_time_pre_key public_identify_key "
                      "public_signed_pre_id public_signed_pre_key udid uid")

TABLES = (
    # messages
    _table("messages", "chat messages of people and groups (also stickers, media, story replies, missed calls)",
           MESSAGE_COLUMNS, ("buid", "timestamp"), ns=("timestamp", "expiration_timestamp", "sender_timestamp_nano"),
           times=("pre_ts", "ts_open_time_machine"), shared=MESSAGE_MEANINGS),
    _table("video_messages", "video chat messages (same shape as messages)",
           "_id alias author author_alias author_icon buid icon imdata last_message message_index message_read "
           "message_state message_type timestamp view_type", ("buid", "timestamp"), ns=("timestamp",),
           shared=MESSAGE_MEANINGS),
    _table("chat_history_msg", "older chat history", "alias conv_id icon imdata msg msg_seq timestamp_nano",
           ("conv_id", "msg_seq", "timestamp_nano"), ns=("timestamp_nano",), conv_id="conversation",
           msg="the text", alias="sender's display name"),
    _table("big_group_message", "messages of big groups (sender in anon_id/user_nickname, role in user_role)",
           "_id active_time anon_id at_me author author_alias bgid bubble_id imdata imdata_type last_message "
           "message_state message_translation_info message_type msg_id msg_seq timestamp user_icon user_nickname "
           "user_role", ("bgid", "timestamp", "msg_seq"), ns=("timestamp",), times=("active_time",),
           bgid="big group id", anon_id="sender's anonymous id in the group", user_nickname="sender's nickname",
           user_role="sender's role in the group", author="sender uid (older versions)",
           author_alias="sender name (older versions)", last_message="the text"),
    _table("relationship_message", "chats with strangers (rel_id refers to relationship)",
           "_id author buid imdata imdata_type is_silent last_message message_read message_state "
           "message_translation_info message_type msg_seq rel_id timestamp", ("rel_id", "msg_seq", "timestamp"),
           ns=("timestamp",), rel_id="stranger chat id (relationship.rel_id)", author="sender",
           buid="peer (older versions)", last_message="the text"),
    _table("secret_message", "end-to-end encrypted chats: cipher text and attachment paths kept raw",
           "_id attachment_download_path attachment_encrypted_path budid buid cipher_text icon imdata imdata_type "
           "last_message message_played message_read message_state message_type msg_id msg_seq name "
           "sender_timestamp_nano timestamp", ("buid", "budid", "msg_id"), ns=("timestamp", "sender_timestamp_nano"),
           cipher_text="encrypted message (kept raw)", attachment_encrypted_path="encrypted attachment",
           attachment_download_path="decrypted attachment", budid="peer device", last_message="text, when kept"),
    _table("post", "channel posts", CHANNEL_POST_COLUMNS, ("channel_id", "post_id", "timestamp"),
           times=("timestamp", "timestamp_nano"), channel_id="channel", post_info="JSON: the post's content",
           display="channel name"),
    _table("channel_post_cache", "cached channel posts", CHANNEL_POST_COLUMNS + " post_insert_timestamp",
           ("channel_id", "post_id", "timestamp"), times=("timestamp", "timestamp_nano", "post_insert_timestamp"),
           channel_id="channel", post_info="JSON: the post's content", display="channel name"),
    _table("user_channel_post", "posts of user channels",
           "_id channel_message_type is_ack is_mock is_read_trans_text_to_audio log_info message_type msg msg_seq "
           "page_type post_extend post_id post_info post_status post_sub_type post_type send_command_id timestamp "
           "trans_audio_to_text trans_info trans_text_to_audio user_channel_id", ("post_id",), times=("timestamp",),
           user_channel_id="channel", msg="the text", post_info="JSON: the post's content"),
    _table("chats_new", "chat list: the last message per conversation",
           "_id active_timestamp anon_id buid channel_type chat_type has_unread_at_message icon is_folded "
           "is_invisible_friend is_private last_message last_message_type name relation_chat_source_type row_type "
           "sticky_top_timestamp timestamp unread_count", ("buid",), ns=("timestamp",),
           times=("active_timestamp", "sticky_top_timestamp"), buid="conversation", last_message="last text"),
    _table("secret_chat", "list of end-to-end encrypted chats", "_id buid device_info icon last_message name "
           "timestamp", ("buid",), times=("timestamp",), buid="peer", name="peer name"),
    # calls
    _table("calls_only", "per-call log", "_id buid call_type chat_type duration icon imdata last_message "
           "message_type name state timestamp", ("buid", "call_type", "timestamp"), times=("timestamp",),
           buid="peer", call_type="audio or video", duration="duration in seconds",
           state="call state (missed, answered...)", message_type="direction, as in messages (older versions)"),
    _table("call_timestamps", "one row per contact: the latest call start (not a full history)",
           "_id buid time", ("buid", "time"), times=("time",), buid="contact",
           time="start of the latest call with this contact"),
    _table("call_out_history", "phone calls placed through imo (imo Out)", "_id contact_id name normalized phone "
           "stat time timestamp uid", ("phone", "timestamp"), times=("time", "timestamp"), phone="number called",
           stat="call status", contact_id="Android contact id", name="contact name"),
    _table("call_intercept_record", "calls imo intercepted (blocked)", "_id alias buid chat_type icon timestamp",
           ("buid", "timestamp"), times=("timestamp",), buid="caller", alias="caller name"),
    # contacts and groups
    _table("friends", "imo contacts and groups", FRIEND_COLUMNS, ("buid",), ns=("last_active_times",),
           shared=FRIEND_MEANINGS),
    _table("file_assistant", "imo's file assistant chat (files sent to oneself)", FRIEND_COLUMNS, ("buid",),
           ns=("last_active_times",), shared=FRIEND_MEANINGS),
    _table("new_contact", "contacts newly on imo, as announced to the owner", "buid icon name read timestamp type",
           ("buid", "timestamp"), times=("timestamp",)),
    _table("blist", "blocked contacts", "_id blistid buid", ("blistid", "buid"), buid="blocked uid"),
    _table("imo_phonebook", "copy of the Android address book",
           "_id card incoming_calls incoming_sms invite_status last_contacted name new_score normalized "
           "num_days_calls num_days_sms outgoing_calls outgoing_sms phone score starred time_incoming time_outgoing "
           "times_contacted uid", ("name", "phone"), times=("last_contacted", "time_incoming", "time_outgoing"),
           uid="imo uid", phone="phone number"),
    _table("phone_numbers", "phone numbers of contacts that are on imo", "_id name phone type uid", ("uid", "phone")),
    _table("phonebook_entries", "address book entries imo has read",
           "_id card contact_id data_version name normalized_phone phone", ("contact_id", "phone")),
    _table("recommend_phonebook_contact", "people imo recommends from the phone book",
           "anon_id icon name phone phonebook_name timestamp", ("anon_id", "timestamp"), times=("timestamp",)),
    _table("local_recommend_phonebook_contact", "people imo recommends from the phone book (local)",
           "_id anon_id icon name phone phonebook_name rel_id timestamp uid", ("anon_id", "timestamp"),
           times=("timestamp",)),
    _table("big_group", "big groups the owner is in",
           "_id anon_id bgid closed_announcement_id ex_info group_type icon is_folded is_invisible_friend is_muted "
           "is_private is_public last_msg_seq last_read_msg_seq mills_to_join mills_to_promoted "
           "moved_to_community_member name num_unread role short_id super_short_id", ("bgid",),
           times=("mills_to_join", "mills_to_promoted"), role="the owner's role", anon_id="the owner's anonymous id"),
    _table("channel", "channels the owner follows", "_id certification_id channel_id channel_type display icon "
           "is_blocked is_folded is_muted is_subscribe share_enabled share_id unsubscribe_enabled", ("channel_id",)),
    _table("user_channel", "user channels",
           "_id background bio certification_id channel_status channel_type channel_user_extend description "
           "follow_timestamp icon input_hint is_auto_collapsible is_collapsible is_default_background is_following "
           "is_muted is_owner is_shield last_read_timestamp name post_last_time post_max_seq share_id "
           "unread_broadcast_num unread_chat_num unread_num user_channel_id welcome", ("user_channel_id",),
           times=("follow_timestamp", "last_read_timestamp", "post_last_time")),
    _table("relationship", "stranger chats (requests and their sources)",
           "_id anon_id has_reply has_tip_limit is_ignore rel_id request request_status source source_type timestamp "
           "tiny_profile", ("rel_id",), times=("timestamp",), anon_id="the stranger's anonymous id",
           tiny_profile="JSON: the stranger's profile"),
    # file transfers
    _table("file_transfer", "file upload and download tasks",
           "_id buids down_type errorcode ext ext_data filename filepath filesize progress sha1sum status "
           "task_priority taskid timestamp type upload_type url", ("taskid",), times=("timestamp",),
           buids="peers", sha1sum="SHA-1 of the file"),
    _table("my_files", "files sent and received in chats (the owner's file list)",
           "_id alias buid file_id im_row_id imdata is_local is_sent message_ts score state task_id uid unique_id url",
           ("unique_id",), times=("message_ts",), is_sent="1 sent by the owner", buid="peer"),
    _table("nearby_log", "files exchanged with nearby devices",
           "_id buid done filename filesize name path payloadid thumb time type", ("payloadid", "time"),
           times=("time",), buid="peer", name="peer name"),
    _table("cached_uploads", "files uploaded by the owner (hash and server id)",
           "_id md5_hash server_id upload_timestamp", ("md5_hash", "server_id"), times=("upload_timestamp",)),
    # stories
    _table("stories", "stories", "_id buid group_num imdata is_public message_liked message_read num_tries "
           "object_id original_id recommend_info story_album_list story_friends_liked story_intimacy_score "
           "story_push_notify timestamp view_type", ("object_id",), ns=("timestamp",), buid="author",
           object_id="story object id (replies refer to it)"),
    _table("album", "stories saved to albums", "_id album albums_numbers buid imdata object_id original_id timestamp",
           ("buid", "album", "object_id"), times=("timestamp",)),
    _table("story_send_draft", "stories prepared but not sent",
           "_id buid draft_id group_gid imdata is_for_feed is_front level message_read overlay_path path send_story "
           "source state story_config timestamp url view_type", ("draft_id",), times=("timestamp",)),
    _table("pixel_backup", "stories backed up", "_id buid message_state object_id timestamp view_type",
           ("buid", "object_id"), times=("timestamp",)),
    # stickers and settings
    _table("sticker", "stickers used", "_id count imdata pack_id pack_type sticker_id timestamp", ("sticker_id",),
           times=("timestamp",)),
    _table("stickers_pack", "sticker packs", "_id author description download_time in_use is_default is_promote "
           "name num_stickers pack_id pack_type price product_id purchased scene tab_img title_img", ("pack_id",),
           times=("download_time",)),
    _table("favorite_expression", "favourite stickers and expressions",
           "_id favorite_id favorite_time object type", ("favorite_id", "type"), times=("favorite_time",)),
    _table("friend_settings", "per-contact settings", "_id buid call_muted chat_background chat_color chat_color2 "
           "display story_muted", ("buid",)),
    _table("bg_preference", "per-big-group settings", "_id audio_message_only bgid disable_audio_message "
           "disable_channel_message disable_group_card_message", ("bgid",)),
    # account and keys
    _table("account_type", "account type per uid", "_id account_type buid", ("buid",)),
    _table("encrypt_device_identify", "end-to-end encryption device identities (key material)", DEVICE_KEY_COLUMNS,
           ("uid", "udid")),
    _table("privacy_encrypt_device", "end-to-end encryption devices (key material)",
           DEVICE_KEY_COLUMNS + " offline_ts", ("uid", "udid"), times=("offline_ts",)),
    _table("secret_keys", "end-to-end session keys (key material)", "_id device_id value x3dh_key",
           ("device_id", "x3dh_key")),
    _table("encrypt_secret_key", "end-to-end secret keys (key material)", "value x3dh_key", ("x3dh_key",)),
    _table("encrypt_chat", "end-to-end chat state", "_id buid last_seq last_timestamp", ("buid",),
           times=("last_timestamp",)),
    _table("secret_seq", "end-to-end sequence numbers per device", "_id buid device_id last_seq",
           ("buid", "device_id")),
    # known tables of little evidentiary value: extracted as generic rows of the imo app
    _table("android_metadata", "Android locale", "locale"),
    _table("big_group_message_translation", "translations of big group messages",
           "_id bgid message_translation_info msg_id msg_seq timestamp", ("bgid", "timestamp", "msg_seq"),
           ns=("timestamp",)),
    _table("bubble_info", "chat bubble styles", "_id background_color bgid bubble_id bubble_type description "
           "label_image preview_image receive_image send_image text_color tip top_floor_mask_transparency "
           "top_floor_text_color type", ("bubble_id", "type")),
    _table("channel_cert_info", "channel certification", "_id certification_id json_result", ("certification_id",)),
    _table("channel_post_detail", "channel post counters", "_id channel_id favorite_num has_favorite post_id "
           "source_channel_id source_post_id update_time view_num", ("channel_id", "post_id"), times=("update_time",)),
    _table("channel_profile_page", "channel profiles", "_id channel_id json_result", ("channel_id",)),
    _table("channel_salat", "prayer-time channel records", "_id channel_id channel_type icon post_type record_city "
           "record_count record_date seq_id state", ("channel_id", "seq_id", "record_date")),
    _table("deeplink_push", "push notifications with links", "clicked content_id msg_type seq_id timestamp",
           ("seq_id", "msg_type", "content_id"), times=("timestamp",)),
    _table("emoji_keywords", "emoji keywords", "_id emoji keyword lang_code", ("lang_code", "keyword", "emoji")),
    _table("emoji_keywords_info", "emoji keyword lists", "_id lang_code server_ts update_ts", ("lang_code",),
           times=("server_ts", "update_ts")),
    _table("friend_ringback", "ringback tones of contacts", "buid data tone_id uptime", ("buid",), times=("uptime",)),
    _table("hd_video", "HD video capability per contact", "_id buid is_hd_video is_hd_video_capable timestamp",
           ("buid",), times=("timestamp",)),
    _table("hd_video2", "HD video capability per contact", "_id buid is_hd_video is_hd_video_capable timestamp",
           ("buid",), times=("timestamp",)),
    _table("imo_live", "imo live rooms", "_id lastUpdateTime roomId type", ("roomId",), times=("lastUpdateTime",)),
    _table("tracked_invites", "invitations sent to phone numbers", "_id phone success time", ("phone",),
           times=("time",)),
    # accountdb.db
    _table("account", "the owner's account", "uid name", ("uid",), ACCOUNT_DB, uid="owner's imo uid",
           name="owner's display name"),
)

RECOVER_TABLES = [t.name for t in TABLES if t.database == FRIENDS_DB and t.recover]
TIME_COLUMNS = {t.name: {c: s.time_format for c, s in t.columns.items() if s.time_format} for t in TABLES}
