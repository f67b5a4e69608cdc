"""Report fixtures: a synthetic case folder (plain and hostile) with every output written once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.report.case_fixture import build_case
from trowel.report.casedata import CaseData
from trowel.report.registry import write_all

PAYLOAD = ('<script>window.__pwned=1</script><img src="http://127.0.0.1:9/x.png" onerror="window.__pwned=2">'
           '<a href="javascript:window.__pwned=3">link</a></textarea></script><!--<style>*{}</style>'
           '\u202eRTL<svg onload="window.__pwned=4"></svg>')


def _built(root: Path, payload: str) -> tuple[Path, dict[str, Any]]:
    facts = build_case(root, payload)
    case = CaseData.open(root)
    try:
        result = write_all(case)
    finally:
        case.close()
    assert result.failures == {}
    facts["outputs"] = result.outputs
    return root, facts


@pytest.fixture(scope="session")
def built_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return _built(tmp_path_factory.mktemp("report") / "case", "")


@pytest.fixture(scope="session")
def hostile_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return _built(tmp_path_factory.mktemp("hostile") / "case", PAYLOAD)
