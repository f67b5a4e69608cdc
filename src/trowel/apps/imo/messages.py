"""Row → record mappers for imo's message stores: messages, big_group_message, secret_message,
relationship_message and chats_new. A message is never dropped because its conversation is not a friend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from trowel.apps.imo.fields import (
    APP_EPOCH_NS,
    YEAR_NS,
    as_flag,
    as_int,
    as_text,
    attachment_paths,
    call_type_of,
    classify,
    direction,
    imdata,
    is_group_id,
    ns_time,
    to_ns,
)
from trowel.apps.imo.scope import Scope
from trowel.apps.imo.spec import NS
from trowel.apps.imo.times import first_time, when
from trowel.apps.rows import Row
from trowel.model import Call, Message, Record, State, TimeValue, build_record
from trowel.timestamps import stamp


def _sender(scope: Scope, conversation: str | None, way: str, author: str | None,
            author_alias: str | None, group: bool) -> tuple[str | None, str | None]:
    if way == "outgoing":
        return scope.owner_uid or "owner", scope.owner_name
    if group:
        sender = author or None
        name = author_alias or (scope.names.get(author) if author else None)
        return sender, name
    if way == "incoming":
        return conversation, scope.names.get(conversation or "")
    return None, None


_WAYS = {1: "incoming", 0: "outgoing", 2: "outgoing"}  # what ``direction`` says for plain integers


def map_message(scope: Scope, row: Row) -> Iterator[Record]:
    """One ``messages`` row: the message, a call record for a missed call, a finding for an impossible time.

    Called once per message (a million in a large database): plain ``str``/``int`` values, by far the most
    common, are used as they are; anything else goes through the general readers in ``fields``.
    """
    values = row.values
    value = values.get("buid")
    conversation = value if type(value) is str else as_text(value)
    value = values.get("last_message")
    text = value if type(value) is str else as_text(value)
    value = values.get("imdata")
    data = imdata(value) if value else {}
    kind, reference = classify(text, data)
    message_type = values.get("message_type")
    way = _WAYS.get(message_type, "unknown") if type(message_type) is int else direction(message_type)
    value = values.get("author")
    author = value if type(value) is str or value is None else as_text(value)
    group = is_group_id(conversation) or bool(author and author != conversation)
    value = values.get("author_alias")
    sender, sender_name = _sender(scope, conversation, way, author,
                                  value if type(value) is str or value is None else as_text(value), group)
    attachments = attachment_paths(data) if data else []
    value = values.get("timestamp")
    extra: list[Record] = []
    if type(value) is int and APP_EPOCH_NS <= value <= scope.now_ns + YEAR_NS:  # nanoseconds, as documented
        time: TimeValue | None = stamp(value, NS)
        message = scope.common(row)
        finding = scope.check_time(time, row, "message")
        if finding is not None:
            extra.append(finding)
    else:
        time, note, extra = when(scope, row, "timestamp", "message")
        message = scope.common(row, note) if note else scope.common(row)
    state, read = values.get("message_state"), values.get("message_read")
    message.update(
        conversation=conversation, direction=way, direction_raw=message_type, sender=sender,
        sender_name=sender_name, text=text, delivered=(state != 0) if type(state) is int else as_flag(state),
        read=(read != 0) if type(read) is int else as_flag(read), message_kind=kind, attachments=attachments,
        time=time, reference=reference, is_group=group, store=row.table,
    )
    yield build_record(Message, message)
    if attachments or kind != "text":
        yield from _references(scope, row, data, attachments, kind, reference, conversation, way, text, time)
    yield from extra


def _references(scope: Scope, row: Row, data: dict[str, Any], attachments: list[str],
                kind: str, reference: str | None, conversation: str | None, way: str, text: str | None,
                time: TimeValue | None) -> Iterator[Record]:
    """What a non-text message refers to (attachments, sticker, story) and the call record of a missed call."""
    ref = scope.ref(row)
    for path in attachments:
        scope.attachment_refs.setdefault(path, []).append(ref)
    if kind == "sticker":
        for key in ("stickerId", "sticker_id"):
            if data.get(key):
                scope.attachment_refs.setdefault(f"sticker:{data[key]}", []).append(ref)
    if kind == "story_reply" and reference:
        scope.replies.setdefault(reference, []).append((row, conversation))
    if kind == "missed_call":
        yield Call(
            **scope.common(row), peer=conversation, peer_name=scope.names.get(conversation or ""),
            direction=way if way != "unknown" else "incoming", direction_raw=row.get("message_type"),
            call_type=call_type_of(text, data), call_state="missed", time=time,
            note=f"missed call stored as a chat message ({ref})",
        )


class OrderCheck:
    """Rows whose rowid order contradicts their time order, per conversation (a sign of inserted rows)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.latest: dict[str, tuple[int, int]] = {}  # conversation -> (timestamp in ns, rowid)
        self.limit = scope.now_ns + YEAR_NS

    def advance(self, rowid: int, buid_value: Any, stamp_value: Any) -> tuple[str, int, tuple[int, int]] | None:
        """Take one live row in rowid order: (conversation, its time, the newer earlier row) when its time is older
        than that of a row stored before it in the same conversation, else None."""
        stamp_ = stamp_value if type(stamp_value) is int else as_int(stamp_value)
        buid = (buid_value if type(buid_value) is str else as_text(buid_value)) or ""
        if stamp_ is None:
            return None
        if not APP_EPOCH_NS <= stamp_ <= self.limit:  # not plausible as nanoseconds: compare in ns all the same
            stamp_ = to_ns(stamp_, self.scope.now_ns)
        previous = self.latest.get(buid)
        if previous is None or stamp_ >= previous[0]:
            self.latest[buid] = (stamp_, rowid)
            return None
        return buid, stamp_, previous

    def check(self, row: Row) -> Record | None:
        if row.state is not State.LIVE or row.rowid is None:
            return None
        values = row.values
        contradiction = self.advance(row.rowid, values.get("buid"), values.get("timestamp"))
        if contradiction is None:
            return None
        buid, stamp_, previous = contradiction
        scope = self.scope
        return scope.finding(
            "rowid_order", f"{row.table} row {row.rowid} of conversation {buid} is older than row {previous[1]} "
            "that was stored before it: rows were inserted out of order (edited, restored or forged?)", "notice",
            row.provenance(scope.evidence, scope.db_path), [scope.ref(row), f"{scope.package}/u{scope.user}/"
                                                                           f"{row.table}#{previous[1]}"],
            ns_time(stamp_))


def _message(scope: Scope, row: Row, time_columns: tuple[str, ...], **fields: Any) -> Iterator[Record]:
    """A message of one of the other stores, its time decided by plausibility, and what it refers to."""
    time, note, extra = first_time(scope, row, time_columns, "message")
    attachments = fields.get("attachments") or []
    ref = scope.ref(row)
    for path in attachments:
        scope.attachment_refs.setdefault(path, []).append(ref)
    if fields.get("message_kind") == "story_reply" and fields.get("reference"):
        scope.replies.setdefault(fields["reference"], []).append((row, fields.get("conversation")))
    yield Message(**scope.common(row, note), time=time, store=row.table, **fields)
    yield from extra


def _text_of(row: Row, column: str) -> str | None:
    return as_text(row.get(column))


def map_big_group_message(scope: Scope, row: Row) -> Iterator[Record]:
    """Big groups: the sender is ``anon_id``/``user_nickname`` (``author``/``author_alias`` in older versions);
    the role (``user_role``) stays in the raw values."""
    group = _text_of(row, "bgid")
    author = _text_of(row, "anon_id") or _text_of(row, "author")
    alias = _text_of(row, "user_nickname") or _text_of(row, "author_alias")
    way = direction(row.get("message_type"))
    text = _text_of(row, "last_message")
    data = imdata(row.get("imdata"))
    kind, reference = classify(text, data)
    sender, name = _sender(scope, group, way, author, alias, True)
    if way == "outgoing" and author:  # the owner's anonymous id in this group
        sender = author
    yield from _message(scope, row, ("timestamp",), conversation=group, direction=way,
                        direction_raw=row.get("message_type"), sender=sender, sender_name=name, text=text,
                        delivered=as_flag(row.get("message_state")), message_kind=kind,
                        attachments=attachment_paths(data), reference=reference, is_group=True)


def map_secret_message(scope: Scope, row: Row) -> Iterator[Record]:
    """End-to-end encrypted chats: flagged ``encrypted``; ``cipher_text`` and the attachment paths stay in the raw
    values, the text is ``last_message`` when imo kept one."""
    conversation = _text_of(row, "buid")
    way = direction(row.get("message_type"))
    sender, name = _sender(scope, conversation, way, None, None, False)
    if way == "incoming" and not name:
        name = _text_of(row, "name")
    data = imdata(row.get("imdata"))
    paths = [p for p in (_text_of(row, "attachment_download_path"), _text_of(row, "attachment_encrypted_path")) if p]
    attachments = list(dict.fromkeys(paths + attachment_paths(data)))
    yield from _message(scope, row, ("timestamp",), conversation=conversation, direction=way,
                        direction_raw=row.get("message_type"), sender=sender, sender_name=name,
                        text=_text_of(row, "last_message"), delivered=as_flag(row.get("message_state")),
                        read=as_flag(row.get("message_read")), message_kind="encrypted", attachments=attachments,
                        is_group=False)


def map_relationship_message(scope: Scope, row: Row) -> Iterator[Record]:
    """Chats with strangers (imo's "relationship" feature): the conversation is ``rel_id``, the peer the
    stranger of that relationship row (``anon_id``), the sender ``author`` (``buid`` in older versions)."""
    rel = _text_of(row, "rel_id")
    peer = scope.relations.get(rel or "") or _text_of(row, "buid")
    way = direction(row.get("message_type"))
    author = _text_of(row, "author") or _text_of(row, "buid")
    text = _text_of(row, "last_message")
    data = imdata(row.get("imdata"))
    kind, reference = classify(text, data)
    sender: str | None = scope.owner_uid or "owner"
    name = scope.owner_name
    if way != "outgoing":
        sender, name = author or peer, scope.names.get(author or peer or "")
    yield from _message(scope, row, ("timestamp",), conversation=rel or peer, direction=way,
                        direction_raw=row.get("message_type"), sender=sender, sender_name=name, text=text,
                        delivered=as_flag(row.get("message_state")), read=as_flag(row.get("message_read")),
                        message_kind=kind, attachments=attachment_paths(data), reference=reference, is_group=False)


def map_history(scope: Scope, row: Row) -> Iterator[Record]:
    """``chat_history_msg``: older chat history (conversation, text, sender's alias, time in nanoseconds)."""
    text = _text_of(row, "msg")
    data = imdata(row.get("imdata"))
    kind, reference = classify(text, data)
    conversation = _text_of(row, "conv_id")
    yield from _message(scope, row, ("timestamp_nano",), conversation=conversation, direction="unknown",
                        sender_name=_text_of(row, "alias"), text=text, message_kind=kind,
                        attachments=attachment_paths(data), reference=reference,
                        is_group=is_group_id(conversation))


def _post_text(row: Row, *columns: str) -> str | None:
    for column in columns:
        value = row.get(column)
        data = imdata(value)
        if data:
            for key in ("text", "msg", "title", "content", "description"):
                if isinstance(data.get(key), str) and data[key]:
                    return str(data[key])
        elif value is not None and not isinstance(value, int | float):
            return as_text(value)
    return None


def map_channel_post(scope: Scope, row: Row) -> Iterator[Record]:
    """Channel posts (``post``, ``channel_post_cache``, ``user_channel_post``): messages of kind channel_post."""
    channel = _text_of(row, "channel_id") or _text_of(row, "user_channel_id")
    data = imdata(row.get("post_info"))
    way = direction(row.get("message_type")) if row.get("message_type") is not None else "unknown"
    yield from _message(scope, row, ("timestamp_nano", "timestamp"), conversation=channel, direction=way,
                        direction_raw=row.get("message_type"), sender=channel, sender_name=_text_of(row, "display"),
                        text=_post_text(row, "msg", "post_info"), message_kind="channel_post",
                        attachments=attachment_paths(data), reference=_text_of(row, "post_id"), is_group=True)


def map_chat_summary(scope: Scope, row: Row) -> Iterator[Record]:
    """A chat list row (``chats_new``, ``secret_chat``): the last message per conversation (may outlive the
    message row)."""
    conversation = _text_of(row, "buid")
    yield from _message(scope, row, ("timestamp",), conversation=conversation, direction="unknown",
                        sender_name=_text_of(row, "name"), text=_text_of(row, "last_message"),
                        message_kind="chat_summary", is_group=is_group_id(conversation))
