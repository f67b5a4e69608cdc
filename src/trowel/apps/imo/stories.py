"""Stories (``stories``, ``album``, ``story_send_draft``: prepared but never sent, ``pixel_backup``), and story
replies whose story row is gone (reported as replies to a deleted story)."""

from __future__ import annotations

from collections.abc import Iterator

from trowel.apps.imo.fields import as_text, attachment_paths, imdata
from trowel.apps.imo.scope import Scope
from trowel.apps.imo.times import first_time, joined
from trowel.apps.rows import Row
from trowel.model import Record, State, Story


def map_story(scope: Scope, row: Row) -> Iterator[Record]:
    data = imdata(row.get("imdata"))
    object_id = as_text(row.get("object_id"))
    attachments = attachment_paths(data)
    text = next((as_text(data[k]) for k in ("text", "caption", "msg") if isinstance(data.get(k), str)), None)
    time, time_note, extra = first_time(scope, row, ("timestamp",), "story")
    ref = scope.ref(row)
    for path in attachments:
        scope.attachment_refs.setdefault(path, []).append(ref)
    if object_id:
        (scope.story_ids if row.state is State.LIVE else scope.deleted_story_ids).add(object_id)
    yield Story(**scope.common(row), author=as_text(row.get("buid")), object_id=object_id, text=text,
                attachments=attachments, time=time, note=time_note)
    yield from extra


def map_other_story(scope: Scope, row: Row) -> Iterator[Record]:
    """``album`` (stories saved to an album), ``story_send_draft`` (prepared, never sent: the closest thing to
    unsent content) and ``pixel_backup`` (stories backed up)."""
    data = imdata(row.get("imdata"))
    table = row.table
    paths = [as_text(row.get(c)) for c in ("path", "overlay_path")] if table == "story_send_draft" else []
    attachments = list(dict.fromkeys([p for p in paths if p] + attachment_paths(data)))
    text = next((as_text(data[k]) for k in ("text", "caption", "msg") if isinstance(data.get(k), str)), None)
    if table == "story_send_draft":
        object_id = as_text(row.get("draft_id"))
        author = as_text(row.get("buid")) or scope.owner_uid
        note = (f"story prepared but never sent (story_send_draft; state {as_text(row.get('state'))}"
                + (f"; url {as_text(row.get('url'))}" if row.get("url") else "") + ")")
    elif table == "album":
        object_id, author = as_text(row.get("object_id")), as_text(row.get("buid"))
        note = f"story saved to album {as_text(row.get('album'))}"
    else:
        object_id, author = as_text(row.get("object_id")), as_text(row.get("buid"))
        note = "story backed up (pixel_backup)"
    time, time_note, extra = first_time(scope, row, ("timestamp",), "story")
    ref = scope.ref(row)
    for path in attachments:
        scope.attachment_refs.setdefault(path, []).append(ref)
    yield Story(**scope.common(row), author=author, object_id=object_id, text=text, attachments=attachments,
                time=time, note=joined(note, time_note))
    yield from extra


def orphaned_replies(scope: Scope) -> Iterator[Record]:
    """One orphaned story per object id that replies refer to but no live story row has."""
    for object_id in sorted(scope.replies):
        if object_id in scope.story_ids:
            continue
        replies = scope.replies[object_id]
        first_row, buid = replies[0]
        refs = [scope.ref(r) for r, _ in replies]
        recovered = " (a deleted copy of the story was recovered)" if object_id in scope.deleted_story_ids else ""
        yield Story(
            source=first_row.provenance(scope.evidence, scope.db_path), state=State.ORPHANED,
            confidence=first_row.confidence, app="imo", package=scope.package, user=scope.user, author=buid,
            object_id=object_id, note=f"reply to a deleted story: {len(refs)} message(s) refer to story {object_id} "
                                      f"but its row is gone from the stories table{recovered}",
            raw={"replies": refs},
        )
