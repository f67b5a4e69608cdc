"""imo on the full real schema of a current imofriends.db (63 tables), rows in every mapped table, deletions,
times in ns, ms and s, a table and a column the spec does not know (tests/fixtures/imo/realschema.py)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.apps.imo.conftest import run_imo
from tests.fixtures.imo.realschema import HD, IMO, LITE, UNKNOWN_TABLE, Plant, RealTruth, build_real
from trowel.apps.rows import DatabaseCopy

Records = list[dict[str, Any]]
FRIENDS = f"data/data/{IMO}/databases/imofriends.db"


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> RealTruth:
    return build_real(tmp_path_factory.mktemp("imoreal") / "real")


@pytest.fixture(scope="module")
def records(real: RealTruth) -> Records:
    return run_imo(real.root)


def _from_friends_db(records: Records) -> Records:
    return [r for r in records if r["source"].get("path") == FRIENDS and r["kind"] not in ("finding", "warning")]


def test_every_planted_row_is_one_record_of_the_right_kind_and_state(real: RealTruth, records: Records) -> None:
    got = Counter((r["source"].get("table"), r["kind"], r["state"]) for r in _from_friends_db(records))
    expected = Counter(real.counts)
    expected[("messages", "story", "orphaned")] = 1  # a reply to the deleted story "story-gone"
    assert got == expected
    assert len({p.table for p in real.plants}) == 49  # 48 of the real schema's tables and one unknown
    deleted = {p.table for p in real.plants if p.deleted}
    assert deleted == {"friends", "messages", "video_messages", "stories", "story_send_draft", "big_group_message",
                       "relationship_message", "secret_message", "calls_only", "call_timestamps", "call_out_history",
                       "file_transfer", "nearby_log", UNKNOWN_TABLE}
    assert sum(n for (_, _, state), n in got.items() if state == "deleted") == 14
    regions = {r["source"].get("region") for r in _from_friends_db(records) if r["state"] == "deleted"}
    assert regions <= {"freeblock", "unallocated"} and regions


def test_every_table_goes_to_the_recovery_engine(real: RealTruth, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []
    original = DatabaseCopy.deleted_rows

    def spy(self: DatabaseCopy, tables: list[str]) -> Any:
        asked.append(list(tables))
        return original(self, tables)

    monkeypatch.setattr(DatabaseCopy, "deleted_rows", spy)
    run_imo(real.root)
    assert asked[0] == ["account"]  # accountdb.db first, then the 63 + 1 unknown tables of imofriends.db
    assert set(asked[1]) >= {"messages", "friends", "calls_only", "stories", "secret_message", UNKNOWN_TABLE,
                             "android_metadata"} and len(asked[1]) == 64


def _match(plant: Plant, record: dict[str, Any]) -> bool:
    values = record.get("values") if record["kind"] == "generic_row" else record.get("raw")
    if not isinstance(values, dict):
        return False
    for column, value in plant.values.items():
        if isinstance(value, bytes):
            continue
        if str(values.get(column)) != str(value):
            return False
    return True


def test_every_planted_time_decodes_to_the_second(real: RealTruth, records: Records) -> None:
    mine = _from_friends_db(records)
    checked = 0
    for plant in real.plants:
        state = "deleted" if plant.deleted else "live"
        found = [r for r in mine if r["source"].get("table") == plant.table and r["state"] == state
                 and r["kind"] == plant.kind and _match(plant, r)]
        assert len(found) == 1, (plant.table, plant.values)
        if plant.when is not None:
            assert found[0]["time"]["utc"][:19] == plant.when, (plant.table, plant.values, found[0]["time"])
            checked += 1
    assert checked == sum(1 for p in real.plants if p.when) == 53


def one(records: Records, **want: Any) -> dict[str, Any]:
    found = [r for r in records if all(r.get(k) == v for k, v in want.items())]
    assert len(found) == 1, want
    return found[0]


def test_units_by_plausibility_with_the_reason_on_the_record(records: Records) -> None:
    ms_call = next(r for r in records if r["kind"] == "call" and r["source"].get("table") == "call_timestamps"
                   and r["peer"] == "100001")
    assert ms_call["time"]["format"] == "unix_ms" and ms_call["time"]["utc"].startswith("2024-03-01T10:42:00.25")
    assert "time unit unix_ms: 13 digits" in ms_call["note"]
    ns_call = next(r for r in records if r["kind"] == "call" and r["source"].get("table") == "call_timestamps"
                   and r["peer"] == "100002")
    assert ns_call["time"]["format"] == "unix_ns" and "unix_ns: 19 digits" in ns_call["note"]
    in_ms = one(records, kind="message", text="stored in milliseconds")
    assert in_ms["time"]["format"] == "unix_ms"
    assert in_ms["source"]["detail"].startswith("time unit unix_ms: 13 digits; the only Unix unit giving a date")
    plain = one(records, kind="message", text="hi from Alice")
    assert plain["time"]["format"] == "unix_ns" and "detail" not in plain["source"]
    raw = next(r for r in records if r["kind"] == "file_transfer" and r["hash"] == "d" * 32)
    assert raw["time"]["utc"] is None and raw["time"]["raw"] == 12345 and raw["time"]["format"] == "unknown"
    assert "time kept raw: 5 digits: no Unix unit gives a date between 2009-01-01" in raw["note"]
    finding = one(records, kind="finding", finding="time_implausible")
    assert finding["message"].startswith("cached_uploads.upload_timestamp = 12345: time kept raw")


def test_schema_drift_finding(records: Records) -> None:
    finding = one(records, kind="finding", finding="schema_differs")
    assert finding["source"]["path"] == FRIENDS and finding["package"] == IMO and finding["user"] == 0
    assert finding["raw"]["unknown_columns"] == {"messages": {"translated_text": 1}}
    census = finding["raw"]["unknown_tables"]
    assert list(census) == [UNKNOWN_TABLE]
    assert (census[UNKNOWN_TABLE]["live"], census[UNKNOWN_TABLE]["deleted"]) == (2, 1)
    assert census[UNKNOWN_TABLE]["time_columns"] == {"sent_ts": "unix_ms"}
    gifts = sorted((r["state"], r["values"]["gift"]) for r in records if r["kind"] == "generic_row"
                   and r.get("table") == UNKNOWN_TABLE)
    assert gifts == [("deleted", "diamond ring"), ("live", "rose"), ("live", "teddy bear")]
    hello = one(records, kind="message", text="hello Alice", store="messages")
    assert hello["raw"]["translated_text"] == "hallo Alice"
    assert [r["finding"] for r in records if r["kind"] == "finding" and r["finding"] != "sqlite_recovery"] == \
        ["time_implausible", "schema_differs"]
    # a recovery finding (zeroed free space) is said at most once per file, and not of the main database
    zeroed = [r["source"]["path"] for r in records if r["kind"] == "finding" and r["finding"] == "sqlite_recovery"]
    assert len(zeroed) == len(set(zeroed)) and FRIENDS not in zeroed


def test_newer_stores_as_an_examiner_expects(records: Records) -> None:
    big = one(records, kind="message", text="big hello")
    assert (big["conversation"], big["sender"], big["sender_name"], big["is_group"], big["raw"]["user_role"]) == (
        "bg.9", "anon.55", "Nick", True, 2)
    stranger = one(records, kind="message", text="hello stranger")
    assert (stranger["conversation"], stranger["sender"], stranger["direction"]) == ("rel.1", "anon.stranger",
                                                                                     "incoming")
    assert one(records, kind="contact", contact_id="anon.stranger")["name"] == "Stranger"
    secret = one(records, kind="message", store="secret_message", state="live")
    assert (secret["message_kind"], secret["text"]) == ("encrypted", None)
    assert secret["attachments"] == ["/data/user/0/com.imo.android.imoim/files/enc/1.bin"]
    assert secret["raw"]["cipher_text"] is not None
    draft = one(records, kind="story", object_id="draft-1")
    assert draft["note"].startswith("story prepared but never sent (story_send_draft; state 0)")
    assert draft["attachments"] == ["/storage/emulated/0/DCIM/imo/draft.jpg",
                                    "/data/user/0/com.imo.android.imoim/files/overlay.png"]
    out = one(records, kind="call", peer="+31612345678")
    assert (out["peer_name"], out["direction"], out["call_type"], out["call_state"]) == (
        "Dentist", "outgoing", "phone", "answered")
    blocked = one(records, kind="contact", contact_id="100099")
    assert blocked["note"] == "blocked by the owner (blist bl-1)"
    upload = one(records, kind="file_transfer", file_name="report.pdf")
    assert (upload["direction"], upload["peer"], upload["peer_name"], upload["size"], upload["hash"],
            upload["hash_type"], upload["url"]) == ("outgoing", "100001", "Alice", 12345, "a" * 40, "sha1",
                                                    "https://files.imo.example/report")
    photo = one(records, kind="file_transfer", store="my_files")
    assert (photo["direction"], photo["path"], photo["file_name"], photo["size"]) == (
        "incoming", "/storage/emulated/0/IMO/photo.jpg", "photo.jpg", 2048)
    keys = [r for r in records if r["kind"] == "key_material"]
    assert len(keys) == 4 and all(r["sensitive"] is True for r in keys)
    assert {r["store"] for r in keys} == {"encrypt_device_identify", "privacy_encrypt_device", "secret_keys",
                                          "encrypt_secret_key"}
    sticker = one(records, kind="generic_row", table="sticker")
    assert sticker["evidence_types"] == {"*": ["imo:sticker"]} and sticker["app"] == "imo"
    post = one(records, kind="message", text="breaking news")
    assert (post["message_kind"], post["conversation"], post["sender_name"]) == ("channel_post", "ch.1",
                                                                                 "News Channel")


def test_every_place_once_per_user(records: Records) -> None:
    counts = Counter((r["package"], r["user"], r["kind"]) for r in records
                     if r["source"].get("path", "").split("/databases/")[-1] != "imofriends.db"
                     and r.get("finding") != "sqlite_recovery")
    assert counts == Counter({(IMO, 0, "message"): 1, (IMO, 0, "account"): 1, (HD, 0, "app_event"): 1,
                              (LITE, 10, "contact"): 1, (LITE, 10, "message"): 1})
    second = one(records, kind="message", text="from the second account")
    assert second["source"]["path"] == f"data/data/{IMO}/databases/imofriends_77.db"
    old = one(records, kind="message", text="from an old imo")
    assert (old["sender_name"], old["source"]["path"]) == ("Old Friend", f"data/user/10/{LITE}/databases/imo")
    signup = one(records, kind="app_event", package=HD)
    assert signup["time"]["format"] == "unix_ms" and signup["time"]["utc"].startswith("2024-02-29T10:00:00")
    assert all(r["source"]["path"].startswith(f"data/data/{IMO}/") for r in records if r["package"] == IMO)


def test_report_app_page_shows_the_new_kinds(real: RealTruth, tmp_path: Path) -> None:
    from trowel.apps.runner import run_apps
    from trowel.case.store import CaseStore
    from trowel.evidence import open_evidence
    from trowel.report.casedata import CaseData
    from trowel.report.html import write_html

    store = CaseStore(tmp_path / "case.sqlite")
    with open_evidence(real.root) as source:
        for _, record in run_apps(source, "real", tmp_path / "scratch"):
            store.add(record)
    store.flush()
    write_html(CaseData.open(tmp_path))
    page = (tmp_path / "report/app1.html").read_text(encoding="utf-8")  # the only app of the case
    for heading in ('<h2 id="kind-file_transfer">File transfers <span class="count">',
                    '<h2 id="kind-key_material">Key material <span class="count">4</span> <span class="badge">'
                    'sensitive</span></h2>', '<h2 id="kind-finding">Findings <span class="count">',
                    '<h2 id="kind-generic_row">generic row <span class="count">'):
        assert heading in page
    # the rows are in the tables' data files (every row; the page's script renders them)
    from trowel.report.packed import unpacked_text

    sections = dict(re.findall(r'data-table="(t\d+)"[^>]*data-kind="(\w+)"', page))
    rows = {kind: json.loads(unpacked_text((tmp_path / f"report/data/table-{tid}-0.js").read_bytes()))
            for tid, kind in sections.items()}
    assert len(rows["key_material"]) == 4 and all(r[1] == "live" for r in rows["key_material"])
    assert 'data-kind="key_material" data-sort="" data-sensitive="true"' in page
    data = json.dumps(rows, ensure_ascii=False)
    assert "report.pdf" in data and "schema differs from what the imo parser knows" in data
    assert "story prepared but never sent" in data
    for badge in ("end-to-end", "stranger", "channel"):
        assert f'<span class="badge">{badge}</span>' in page


def test_parallel_path_gives_the_same_bytes_on_the_real_schema(real: RealTruth, tmp_path: Path) -> None:
    from tests.apps.imo.test_parallel import _run

    serial, serial_counts, none = _run(real.root, tmp_path / "serial", None)
    parallel, parallel_counts, blocks = _run(real.root, tmp_path / "parallel", 1, range_rows=2)
    assert none == [] and blocks  # mixed units and an unknown column go through the workers too
    assert parallel.encode("utf-8") == serial.encode("utf-8")
    assert parallel_counts == serial_counts
