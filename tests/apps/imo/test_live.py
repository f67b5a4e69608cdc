"""Live imo records of the generated extraction: exact counts and values per kind."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.apps.imo.conftest import counts, one, pick
from tests.fixtures.imo.generate import HD, IMO, JPEG, GroundTruth

Records = list[dict[str, Any]]


def test_live_counts_per_package_user_kind(imo_truth: GroundTruth, imo_records: Records) -> None:
    got = {k: v for k, v in counts(imo_records).items() if k[3] != "deleted"}
    want = {k: v for k, v in imo_truth.counts.items() if k[3] != "deleted"}
    assert got == want


def test_every_record_says_app_package_user(imo_records: Records) -> None:
    for record in imo_records:
        assert record["user"] in (0, 10)
        assert record["app"] == "imo"
        if record["kind"] != "media":
            assert record["package"] in (IMO, HD)
        assert record["source"]["evidence"] == "extraction"


def test_same_data_by_several_paths_is_reported_once(imo_records: Records) -> None:
    paths = {r["source"]["path"] for r in imo_records if r.get("package") == IMO and r["user"] == 0}
    assert not any(p.startswith(("data/user/0/com.imo.android.imoim", "data_mirror")) for p in paths)
    photo = one(imo_records, kind="media", sha256=hashlib.sha256(JPEG).hexdigest())
    assert photo["source"]["path"] == "sdcard/DCIM/imo/IMG_20231114_001.jpg"
    assert photo["source"]["detail"] == "also at storage/emulated/0/DCIM/imo/IMG_20231114_001.jpg"


def test_messages_direction_sender_text_and_time(imo_records: Records) -> None:
    msgs = pick(imo_records, kind="message", package=IMO, user=0, state="live", store="messages")
    assert len(msgs) == 16
    hi = one(msgs, text="Hi Eva 👋")
    assert (hi["direction"], hi["direction_raw"], hi["sender"], hi["sender_name"]) == (
        "incoming", 1, "100000001", "Alice Ångström")
    assert hi["delivered"] is True and hi["read"] is True and hi["message_kind"] == "text"
    assert hi["time"]["utc_ns"] == "2023-11-14T22:06:40.123456790Z"
    assert hi["time"]["raw"] == "1699999600123456790" and hi["time"]["format"] == "unix_ns"
    assert hi["raw"]["timestamp"] == "1699999600123456790"
    script = one(msgs, text="<script>alert('x')</script> & <b>bold</b>")
    assert (script["direction"], script["direction_raw"], script["sender"], script["sender_name"]) == (
        "outgoing", 0, "700000001", "Eva Owner")
    assert one(msgs, text="before\x00after")["conversation"] == "100000002"
    assert one(msgs, text="مرحبا \u202egnp.exe")["sender_name"] == "Bob \u202eboB"
    weird = one(msgs, text="weird type")
    assert (weird["direction"], weird["direction_raw"], weird["sender"]) == ("unknown", 7, None)
    stranger = one(msgs, conversation="100000099")
    assert stranger["text"] == "Who is this?" and stranger["sender"] == "100000099" and stranger["sender_name"] is None


def test_group_messages_name_the_real_author(imo_records: Records) -> None:
    group = pick(imo_records, kind="message", conversation="g.family.5f3a")
    assert [(m["sender"], m["sender_name"], m["direction"], m["direction_raw"]) for m in group] == [
        ("100000001", "Alice", "incoming", 1), ("100000009", "Uncle Joe", "incoming", 1),
        ("700000001", "Eva Owner", "outgoing", 2)]
    assert all(m["is_group"] for m in group)


def test_message_kinds(imo_records: Records) -> None:
    msgs = pick(imo_records, kind="message", package=IMO, user=0, store="messages", state="live")
    kinds: dict[str, int] = {}
    for m in msgs:
        kinds[m["message_kind"]] = kinds.get(m["message_kind"], 0) + 1
    assert kinds == {"text": 11, "sticker": 1, "media": 1, "missed_call": 1, "story_reply": 2}
    photo = one(msgs, message_kind="media")
    assert photo["attachments"] == ["/storage/emulated/0/DCIM/imo/IMG_20231114_001.jpg",
                                    "/data/user/0/com.imo.android.imoim/cache/IMG_001.jpg"]
    assert {m["reference"] for m in pick(msgs, message_kind="story_reply")} == {"story_bob_1", "story_alice_9"}


def test_newer_message_stores(imo_records: Records) -> None:
    big = one(imo_records, kind="message", store="big_group_message")
    assert (big["conversation"], big["sender"], big["sender_name"], big["text"]) == (
        "bg.1234", "100000077", "Big Group Member", "hello big group")
    secret = one(imo_records, kind="message", store="secret_message")
    assert (secret["message_kind"], secret["text"], secret["direction"]) == ("encrypted", None, "outgoing")
    assert secret["raw"]["ciphertext"] is not None  # a column the spec does not know: kept raw
    rel = one(imo_records, kind="message", store="relationship_message")
    assert (rel["conversation"], rel["sender"], rel["text"]) == ("rel.42", "100000088", "Hi stranger")
    chats = pick(imo_records, kind="message", store="chats_new")
    assert sorted(c["text"] for c in chats) == ["backdated", "from the future"]


def test_contacts_and_address_book(imo_records: Records) -> None:
    live = pick(imo_records, kind="contact", package=IMO, user=0, state="live")
    friends = {c["contact_id"]: c for c in live if c["source"]["table"] == "friends"}
    assert sorted(friends) == ["100000001", "100000002", "100000003", "g.family.5f3a"]
    assert friends["g.family.5f3a"]["is_group"] is True and friends["100000001"]["is_group"] is False
    assert friends["100000001"]["phones"] == ["+31611111111", "+31 6 11111111"]
    assert friends["100000001"]["in_address_book"] is True
    carol = friends["100000003"]
    assert carol["in_address_book"] is False
    assert carol["note"] == ("known to imo (imo_phonebook, phone_numbers), no longer in the Android address book "
                             "(data/data/com.android.providers.contacts/databases/contacts2.db); time: last active")
    assert carol["time"]["utc_ns"] == "2023-11-14T21:56:40.123456789Z"  # last_active_times, nanoseconds
    book_rows = [c for c in live if c["source"]["table"] in ("imo_phonebook", "phonebook_entries")]
    assert sorted((c["source"]["table"], c["name"], c["in_address_book"]) for c in book_rows) == [
        ("imo_phonebook", "Frank Phonebook", True), ("phonebook_entries", "Alice A.", True),
        ("phonebook_entries", "Carol C", False), ("phonebook_entries", "Frank Phonebook", True)]
    zoe = one(imo_records, kind="contact", contact_id="200000001", state="live")
    assert (zoe["name"], zoe["in_address_book"], zoe["user"]) == ("Zoe", None, 10)


def test_calls(imo_records: Records) -> None:
    calls = pick(imo_records, kind="call", package=IMO, user=0)
    logged = sorted((c["peer"], c["call_type"], c["direction"], c["duration_s"], c["call_state"])
                    for c in calls if c["source"]["table"] == "calls_only")
    assert logged == [("100000001", "audio", "outgoing", 125.0, "outgoing"),
                      ("100000002", "video", "incoming", 0.0, "missed")]
    audio = one(calls, peer="100000001", call_state="outgoing")
    assert audio["time"]["format"] == "unix_ms" and audio["time"]["utc"] == "2023-11-14T22:15:00.000000Z"
    assert audio["note"].startswith("time unit unix_ms: 13 digits")
    latest = [c for c in calls if c["source"]["table"] == "call_timestamps"]
    assert len(latest) == 2 and all("not a full call history" in c["note"] for c in latest)
    missed = [c for c in calls if c["source"]["table"] == "messages"]
    assert len(missed) == 1 and missed[0]["call_type"] == "audio" and missed[0]["direction"] == "incoming"
    hd = pick(imo_records, kind="call", package=HD)
    assert sorted(c["peer"] for c in hd) == ["300000001", "300000002"]


def test_stories_and_orphaned_replies(imo_records: Records) -> None:
    story = one(imo_records, kind="story", object_id="story_bob_1")
    assert (story["author"], story["text"], story["attachments"]) == (
        "100000002", "Beach", ["/storage/emulated/0/IMO/story_bob_1.jpg"])
    orphan = one(imo_records, kind="story", state="orphaned")
    assert orphan["object_id"] == "story_alice_9" and orphan["author"] == "100000001"
    assert orphan["note"].startswith("reply to a deleted story: 1 message(s) refer to story story_alice_9")
    assert orphan["raw"]["replies"] == ["com.imo.android.imoim/u0/messages#15"]


def test_media_hashed_and_linked(imo_records: Records) -> None:
    media = {m["source"]["path"]: m for m in pick(imo_records, kind="media")}
    assert sorted(media) == ["data/data/com.imo.android.imoim/files/stickers/pack_1/sticker_7.zip",
                             "sdcard/DCIM/imo/IMG_20231114_001.jpg", "sdcard/IMO/story_bob_1.jpg",
                             "sdcard/IMO/voice_unreferenced.aac", "storage/emulated/10/DCIM/imo/IMG_u10.jpg"]
    photo = media["sdcard/DCIM/imo/IMG_20231114_001.jpg"]
    assert photo["referenced_by"] == ["com.imo.android.imoim/u0/messages#6"]
    assert (photo["mime"], photo["size"], photo["package"]) == ("image/jpeg", len(JPEG), IMO)
    assert media["sdcard/IMO/story_bob_1.jpg"]["referenced_by"] == ["com.imo.android.imoim/u0/stories#1"]
    sticker = media["data/data/com.imo.android.imoim/files/stickers/pack_1/sticker_7.zip"]
    assert sticker["referenced_by"] == ["com.imo.android.imoim/u0/messages#5"] and sticker["mime"] == "application/zip"
    voice = media["sdcard/IMO/voice_unreferenced.aac"]
    assert (voice["referenced_by"], voice["package"], voice["mime"]) == ([], None, "audio/aac")
    u10 = media["storage/emulated/10/DCIM/imo/IMG_u10.jpg"]
    assert u10["user"] == 10 and u10["referenced_by"] == ["com.imo.android.imoim/u10/messages#3"]


def test_account_and_app_events(imo_records: Records) -> None:
    accounts = pick(imo_records, kind="account", package=IMO, user=0)
    assert sorted((a["phone"], a["account_id"], a["name"], a["verified"]) for a in accounts if a["phone"]) == [
        ("+31 6 12345678", "700000001", "Eva Owner", True), ("+31612345678", None, None, None)]
    assert one(accounts, account_id="700000001", phone=None)["source"]["table"] == "account"
    events = {(e["package"], e["user"], e["event"]): e for e in pick(imo_records, kind="app_event")}
    assert {k: (v["time"]["format"], v["time"]["utc"]) for k, v in events.items()} == {
        (IMO, 0, "SIGNUP_DATE"): ("unix_ms", "2018-10-31T15:33:20.000000Z"),
        (IMO, 0, "SIGNUP_TIME"): ("unix_s", "2023-11-14T21:56:40.000000Z"),
        (IMO, 0, "LAST_APP_OPEN_TS"): ("unix_ms", "2023-11-14T22:15:23.456000Z"),
        (HD, 0, "LAST_APP_OPEN_TS"): ("unix_us", "2023-11-14T22:30:00.000000Z"),
        (IMO, 10, "SIGNUP_DATE"): ("unix_s", "2020-09-13T12:26:40.000000Z"),
    }
    assert events[(IMO, 0, "SIGNUP_DATE")]["meaning"] == "first login with this phone number"
    assert events[(IMO, 10, "SIGNUP_DATE")]["raw"] == {"SIGNUP_DATE": "1600000000"}
    assert "the only Unix unit giving a date between 2009-01-01" in events[(HD, 0, "LAST_APP_OPEN_TS")]["note"]


def test_findings(imo_truth: GroundTruth, imo_records: Records) -> None:
    found: dict[tuple[str, int, str], int] = {}
    for f in pick(imo_records, kind="finding"):
        key = (f["package"], f["user"], f["finding"])
        found[key] = found.get(key, 0) + 1
    assert found == imo_truth.findings
    order = one(imo_records, kind="finding", finding="rowid_order")
    assert order["related"] == ["com.imo.android.imoim/u0/messages#17", "com.imo.android.imoim/u0/messages#16"]
    phone = one(imo_records, kind="finding", finding="login_phone_differs")
    assert "+4915112345678" in phone["message"] and "+4915112345679" in phone["message"]
    early = one(imo_records, kind="finding", finding="time_before_app")
    assert early["time"]["utc"] == "2005-01-01T00:00:00.000000Z" and early["user"] == 10
    survive = one(imo_records, kind="finding", finding="call_timestamps_survive_account_deletion")
    assert survive["related"] == ["com.imo.android.imous/u0/call_timestamps#1",
                                  "com.imo.android.imous/u0/call_timestamps#2"]
