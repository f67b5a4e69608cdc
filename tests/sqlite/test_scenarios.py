"""Every generated scenario: recovered rows exact, no live row reported as deleted, the right regions."""

from __future__ import annotations

import pytest

from tests.fixtures.sqlite.generate import SCENARIOS
from tests.fixtures.sqlite.scoring import score
from tests.sqlite.conftest import Built

# scenario -> (minimum recall over all deleted rows, regions that must appear among exact recoveries)
EXPECT: dict[str, tuple[float, set[str]]] = {
    "int": (0.95, {"freeblock"}),
    "text": (0.95, {"freeblock"}),
    "real": (0.95, {"freeblock"}),
    "blob": (0.75, {"freeblock"}),
    "mixed_ipk_single": (1.0, {"freeblock"}),
    "mixed_ipk_block": (0.65, {"freelist", "freeblock"}),
    "mixed_noipk_single": (1.0, {"freeblock"}),
    "mixed_noipk_block": (0.65, {"freelist", "freeblock"}),
    "dropped": (1.0, {"dropped"}),
    "dropped_recreated": (1.0, {"freelist"}),
    "overwritten": (0.75, {"freeblock"}),
    "overflow": (0.4, {"freeblock"}),
    "utf16le": (1.0, {"freeblock"}),
    "utf16be": (1.0, {"freeblock"}),
    "reserved": (1.0, {"freeblock"}),
    "pagesize_512": (1.0, {"freeblock"}),
    "pagesize_1024": (1.0, {"freeblock"}),
    "pagesize_2048": (1.0, {"freeblock"}),
    "pagesize_8192": (0.6, {"freeblock"}),
    "pagesize_16384": (0.2, {"freeblock"}),
    "pagesize_32768": (1.0, {"freeblock"}),
    "pagesize_65536": (1.0, {"freeblock"}),
    "autovacuum_full": (0.85, {"freeblock"}),
    "autovacuum_incremental": (0.9, {"freeblock"}),
    "secure_on": (0.0, set()),
    "wal": (1.0, {"wal"}),
    "wal_reset": (1.0, {"wal-stale"}),
    "journal_persist": (1.0, {"journal"}),
    "journal_truncate": (1.0, {"journal"}),
    "empty_master": (1.0, {"dropped"}),
    "wal_only": (1.0, {"wal"}),
}


def test_every_scenario_has_expectations() -> None:
    assert set(EXPECT) == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(scenarios: Built, name: str) -> None:
    sc, result = scenarios.get(name)
    s = score(sc, result.records, sc.encoding)
    min_recall, regions = EXPECT[name]
    # nothing live is ever reported as deleted
    assert s.live_as_deleted == []
    # every row still physically present is recovered with all its values (overflow chains may be reused)
    floor = 0.55 if name == "overflow" else 0.97
    assert s.recall_present >= floor, (s.recovered_present, s.present)
    assert s.recall >= min_recall, (s.recovered, s.truth)
    # every complete deleted record equals a row that really was deleted (or an older version of one)
    tolerated = 1 if name == "pagesize_16384" else 0
    assert len(s.wrong) <= tolerated, s.wrong[:3]
    assert regions <= s.regions, s.regions
    if sc.warning:
        assert any(sc.warning in w for w in result.warnings), result.warnings
    # live rows read through our own b-tree reader are exactly the rows sqlite3 returns
    for table, rows in sc.live.items():
        got = sorted((tuple(r.values) for r in result.records if r.state == "live" and r.table == table), key=repr)
        assert got == sorted(rows, key=repr), table


def test_secure_delete_reports_nothing(scenarios: Built) -> None:
    sc, result = scenarios.get("secure_on")
    assert [r for r in result.records if r.state == "deleted" and r.table == "msg"] == []


def test_wal_records_carry_frame_salts_and_transaction(scenarios: Built) -> None:
    sc, result = scenarios.get("wal")
    deleted = [r for r in result.records if r.state == "deleted" and r.table == "msg"]
    assert deleted and all(r.region == "wal" and r.source_file == "wal" for r in deleted)
    assert all(r.frame is not None and r.frame >= 1 and r.salts is not None for r in deleted)
    assert all(r.commit is not None and r.commit >= 1 for r in deleted)
    # the row changed by UPDATE is reported as an older version of a live row, never as live
    old = [r for r in deleted if r.rowid == 5]
    assert len(old) == 1 and old[0].values[2] == sc.old_versions["msg"][0][2]
    assert "older version of live rowid 5" in (old[0].note or "")
    # diffing page versions dates the deletion: the DELETE was the third transaction
    dated = [r for r in deleted if "gone from page" in (r.note or "")]
    assert len(dated) >= 45 and all("in transaction 3 (WAL frame" in (r.note or "") for r in dated)


def test_wal_reset_rows_come_only_from_stale_frames(scenarios: Built) -> None:
    sc, result = scenarios.get("wal_reset")
    deleted = [r for r in result.records if r.state == "deleted" and r.table == "msg"]
    assert len(deleted) == len(sc.deleted["msg"]) == 30
    assert {r.region for r in deleted} == {"wal-stale"}
    live_salts = {r.salts for r in result.records if r.state == "live" and r.salts}
    assert live_salts and not ({r.salts for r in deleted} & live_salts)
    assert all(r.rowid is not None for r in deleted)
    # older page-1 images in the WAL repeat the live schema row: that is not a deleted row
    assert not [r for r in result.records if r.table == "sqlite_master" and r.state == "deleted"]


def test_dropped_table_schema_recovered_from_page_one(scenarios: Built) -> None:
    sc, result = scenarios.get("dropped")
    table = result.schema["contacts"]
    assert table.origin == "recovered"
    assert table.columns == ["_id", "name", "phone", "starred"] and table.ipk == "_id"
    master = [r for r in result.records if r.table == "sqlite_master" and r.state == "deleted"]
    assert any(r.as_dict()["name"] == "contacts" for r in master)


def test_empty_master_uses_recovered_schema(scenarios: Built) -> None:
    sc, result = scenarios.get("empty_master")
    rows = [r for r in result.records if r.table == "msg"]
    assert rows and all(r.state == "deleted" and r.region == "dropped" for r in rows)
    assert result.schema["msg"].origin == "recovered"


def test_utf16_text_exact(scenarios: Built) -> None:
    for name in ("utf16le", "utf16be"):
        sc, result = scenarios.get(name)
        special = [r for r in result.records if r.state == "deleted" and r.as_dict().get("peer") == "Ünïcödé ☃"]
        assert len(special) == 1
        assert special[0].as_dict()["body"] == "مرحبا 你好 😀" and special[0].as_dict()["att"] == b"\x00"


def test_rebuilt_headers_have_unknown_rowid(scenarios: Built) -> None:
    sc, result = scenarios.get("mixed_ipk_single")
    rebuilt = [r for r in result.records if r.note and "rebuilt" in r.note]
    assert rebuilt
    # the cell prefix is gone: the rowid is unknown unless the live neighbours' order settles it
    unknown = [r for r in rebuilt if r.rowid is None]
    assert all(r.values[0] is None and "rowid unknown" in (r.note or "") for r in unknown)
    settled = [r for r in rebuilt if r.rowid is not None]
    assert all(r.values[0] == r.rowid and (r.rowid_source or "").startswith("neighbour order") for r in settled)
    truth = {row[0]: row for row in sc.deleted["msg"]}
    assert settled and all(tuple(r.values) == truth[r.rowid] for r in settled)  # each settled rowid is right
    assert all(r.confidence < 1.0 for r in rebuilt)


def test_overflow_pages_of_lost_cells_are_fragments(scenarios: Built) -> None:
    sc, result = scenarios.get("overflow")
    fragments = [r for r in result.records if r.region == "overflow"]
    assert fragments and all(r.table is None and r.partial and r.state == "deleted" for r in fragments)
    bodies = [row[2] for row in sc.deleted["notes"]]
    # every fragment is a piece of a deleted row's text (the tail of a long row whose cell is gone)
    for frag in fragments:
        text = frag.values[0]
        assert any(text[:60] in body for body in bodies), text[:60]
