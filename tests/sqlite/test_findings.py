"""Say why nothing came back: zeroed freed space (secure_delete) and auto-vacuum are findings."""

from __future__ import annotations

from tests.sqlite.conftest import Built


def test_secure_delete_is_a_finding(scenarios: Built) -> None:
    _sc, result = scenarios.get("secure_on")
    assert [r for r in result.records if r.state == "deleted"] == []
    assert result.findings == [
        "freed space is zeroed in this file (secure_delete): 81 of 81 freeblocks and 0 of 0 free pages hold only "
        "zeros; deleted rows can only come from the WAL, the rollback journal and page areas SQLite did not clear"]
    assert not [w for w in result.warnings if "zeroed" in w]  # a finding, not a warning


def test_auto_vacuum_is_a_finding(scenarios: Built) -> None:
    _sc, full = scenarios.get("autovacuum_full")
    assert len(full.findings) == 1 and full.findings[0].startswith("auto-vacuum (full) is on: ")
    _sc, incremental = scenarios.get("autovacuum_incremental")
    assert incremental.findings == ["incremental vacuum is on: free pages stay in the file until the app "
                                    "vacuums (0 free pages now)"]


def test_ordinary_file_has_no_findings(scenarios: Built) -> None:
    _sc, result = scenarios.get("mixed_ipk_single")
    assert result.findings == []
