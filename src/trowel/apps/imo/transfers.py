"""File transfers: ``file_transfer`` (upload and download tasks), ``my_files`` (files sent and received in chats),
``nearby_log`` (files exchanged with nearby devices) and ``cached_uploads`` (what the owner uploaded), as
``file_transfer`` records with direction, peer, name, path, url, size and hash. Paths are linked to the media
found on the device like message attachments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from trowel.apps.imo.fields import as_int, as_text, attachment_paths, imdata
from trowel.apps.imo.scope import Scope
from trowel.apps.imo.times import first_time, joined
from trowel.apps.rows import Row
from trowel.model import FileTransfer, Record


def _set(value: Any) -> bool:
    return value is not None and as_text(value) not in ("", "0")


def _direction(row: Row) -> str:
    if row.table == "my_files":
        sent = as_int(row.get("is_sent"))
        return "outgoing" if sent == 1 else "incoming" if sent == 0 else "unknown"
    if row.table == "cached_uploads":
        return "outgoing"
    if row.table == "file_transfer":
        up, down = _set(row.get("upload_type")), _set(row.get("down_type"))
        return "outgoing" if up and not down else "incoming" if down and not up else "unknown"
    return "unknown"


def _first(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) not in (None, ""):
            return data[key]
    return None


def map_transfer(scope: Scope, row: Row) -> Iterator[Record]:
    table = row.table
    data = imdata(row.get("imdata") or row.get("ext_data"))
    paths = attachment_paths(data)
    hash_type = None
    if table == "file_transfer":
        peer, name = as_text(row.get("buids")), None
        file_name, path = as_text(row.get("filename")), as_text(row.get("filepath"))
        size, digest, hash_type = as_int(row.get("filesize")), as_text(row.get("sha1sum")), "sha1"
        status, columns = as_text(row.get("status")), ("timestamp",)
        note = f"transfer task {as_text(row.get('taskid'))}"
    elif table == "my_files":
        peer, name = as_text(row.get("buid")), as_text(row.get("alias"))
        file_name = as_text(_first(data, "file_name", "fileName", "name"))
        path = paths[0] if paths else None
        size, digest = as_int(_first(data, "file_size", "fileSize", "size")), None
        status, columns = as_text(row.get("state")), ("message_ts",)
        note = f"file sent or received in a chat (my_files; message row {as_text(row.get('im_row_id'))})"
    elif table == "nearby_log":
        peer, name = as_text(row.get("buid")), as_text(row.get("name"))
        file_name, path = as_text(row.get("filename")), as_text(row.get("path"))
        size, digest = as_int(row.get("filesize")), None
        status, columns = as_text(row.get("done")), ("time",)
        note = "file exchanged with a nearby device (nearby_log)"
    else:  # cached_uploads
        peer = name = file_name = path = None
        size, digest, hash_type = None, as_text(row.get("md5_hash")), "md5"
        status, columns = None, ("upload_timestamp",)
        note = f"uploaded by the owner (cached_uploads; server id {as_text(row.get('server_id'))})"
    time, time_note, extra = first_time(scope, row, columns, "file transfer")
    ref = scope.ref(row)
    for linked in dict.fromkeys([p for p in [path, *paths] if p]):
        scope.attachment_refs.setdefault(linked, []).append(ref)
    yield FileTransfer(**scope.common(row), direction=_direction(row), peer=peer,
                       peer_name=name or scope.names.get(peer or ""), file_name=file_name, path=path,
                       url=as_text(row.get("url")), size=size, hash=digest, hash_type=hash_type if digest else None,
                       status=status, time=time, note=joined(note, time_note), store=table)
    yield from extra
