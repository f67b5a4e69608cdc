"""Network captures built once per test session by the committed generator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.net import make_captures
from trowel.net import AnalysisResult, KeyLog, analyze_capture


@pytest.fixture(scope="session")
def captures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("captures")
    make_captures.build(out)
    return out


@pytest.fixture(scope="session")
def manifest(captures: Path) -> dict[str, Any]:
    return dict(json.loads((captures / "manifest.json").read_text()))


@pytest.fixture(scope="session")
def imo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("imo-out") / "media"


@pytest.fixture(scope="session")
def imo_result(captures: Path, imo_media: Path) -> AnalysisResult:
    return analyze_capture(captures / "imo.pcap", evidence="E9", media_dir=imo_media)


@pytest.fixture(scope="session")
def tls_result(captures: Path) -> AnalysisResult:
    return analyze_capture(captures / "tls_decrypt.pcap", keylog=KeyLog.load(captures / "tls_decrypt.keylog"))


def by_kind(result: AnalysisResult, kind: str) -> list[dict[str, Any]]:
    return [r.to_json() for r in result.records if r.kind == kind]


@pytest.fixture(scope="session")
def live_manifest() -> dict[str, Any]:
    """Facts of the committed real-client captures (tests/fixtures/net/make_live.py)."""
    path = Path(__file__).parent.parent / "fixtures" / "net" / "live" / "manifest.json"
    return dict(json.loads(path.read_text()))
