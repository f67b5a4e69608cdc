"""Deleted imo rows come back through trowel's SQLite recovery engine as the same record kinds."""

from __future__ import annotations

from typing import Any

from tests.apps.imo.conftest import counts, pick
from tests.fixtures.imo.generate import GroundTruth

Records = list[dict[str, Any]]


def test_deleted_counts_per_package_user_kind(imo_truth: GroundTruth, imo_records: Records) -> None:
    got = {k: v for k, v in counts(imo_records).items() if k[3] == "deleted"}
    want = {k: v for k, v in imo_truth.counts.items() if k[3] == "deleted"}
    assert got == want


def test_deleted_messages_texts_and_regions(imo_truth: GroundTruth, imo_records: Records) -> None:
    for (package, user), texts in imo_truth.deleted_messages.items():
        found = pick(imo_records, kind="message", package=package, user=user, state="deleted")
        assert sorted(m["text"] for m in found) == sorted(texts), (package, user)
        for m in found:
            assert m["source"]["region"] in imo_truth.regions[m["text"]], (m["text"], m["source"])
            assert 0 < m["confidence"] <= 1
            assert m["source"]["page"] is not None and m["source"]["offset"] is not None


def test_stale_wal_row_keeps_its_values(imo_records: Records) -> None:
    stale = [m for m in imo_records if m["kind"] == "message" and m["text"] == "stale WAL only: the truth"]
    assert len(stale) == 1
    m = stale[0]
    assert m["source"]["path"] == "data/user/10/com.imo.android.imoim/databases/imofriends.db-wal"
    assert m["source"]["frame"] is not None
    assert (m["conversation"], m["direction"], m["sender_name"]) == ("200000001", "incoming", "Zoe")
    assert m["time"]["utc_ns"] == "2023-11-15T01:19:40.123456793Z"


def test_deleted_friends_and_stories(imo_truth: GroundTruth, imo_records: Records) -> None:
    for (package, user), buids in imo_truth.deleted_friends.items():
        found = pick(imo_records, kind="contact", package=package, user=user, state="deleted")
        assert sorted(c["contact_id"] for c in found) == sorted(buids)
    for (package, user), ids in imo_truth.deleted_stories.items():
        found = pick(imo_records, kind="story", package=package, user=user, state="deleted")
        assert sorted(s["object_id"] for s in found) == sorted(ids)
    lake = [s for s in imo_records if s["kind"] == "story" and s["object_id"] == "story_alice_9"]
    assert sorted(s["state"] for s in lake) == ["deleted", "orphaned"]
    assert next(s for s in lake if s["state"] == "deleted")["text"] == "Sunset at the lake (deleted story)"
    assert next(s for s in lake if s["state"] == "orphaned")["note"].endswith(
        "(a deleted copy of the story was recovered)")


def test_deleted_rows_are_not_copies_of_live_rows(imo_records: Records) -> None:
    live = {(r["package"], r["user"], r.get("conversation"), r["raw"].get("timestamp"))
            for r in imo_records if r["kind"] == "message" and r["state"] == "live"}
    deleted = [(r["package"], r["user"], r.get("conversation"), r["raw"].get("timestamp"))
               for r in imo_records if r["kind"] == "message" and r["state"] == "deleted"]
    assert len(deleted) == len(set(deleted))
    assert not live & set(deleted)


def test_regions_of_friends_stories_and_account(imo_records: Records) -> None:
    def region(kind: str, **want: Any) -> set[str]:
        return {r["source"]["region"] for r in imo_records if r["kind"] == kind and r["state"] == "deleted"
                and all(r.get(k) == v for k, v in want.items())}

    assert region("contact", contact_id="100000004") == {"freeblock"}  # between live friends
    assert region("contact", contact_id="200000003") == {"wal-stale"}
    assert region("story", object_id="story_zoe_2") == {"wal-stale"}
    # the freed cell bordered the page's unallocated gap, so SQLite merged it into the gap
    assert region("story", object_id="story_alice_9") == {"unallocated"}
    # every cell of the page freed: the page is re-initialised and its whole content area is unallocated
    assert region("contact", package="com.imo.android.imous") == {"unallocated"}
    assert region("account", package="com.imo.android.imous") == {"unallocated"}
    account = [r for r in imo_records if r["kind"] == "account" and r["state"] == "deleted"]
    assert [(a["account_id"], a["name"]) for a in account] == [("700000002", "Eva HD")]
