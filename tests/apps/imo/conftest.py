"""The imo extraction (built once per session by the committed generator) and trowel's records of it."""

from __future__ import annotations

import io
import json
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.imo.generate import GroundTruth, build_extraction, build_tar
from trowel.cli.main import main


def run_imo(evidence: Path) -> list[dict[str, Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["-q", "imo", str(evidence), "--json"]) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def counts(records: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter((r.get("package"), r.get("user"), r["kind"], r["state"]) for r in records
                   if r["kind"] not in ("finding", "warning"))


@pytest.fixture(scope="session")
def imo_truth(tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    return build_extraction(tmp_path_factory.mktemp("imo") / "extraction")


@pytest.fixture(scope="session")
def imo_records(imo_truth: GroundTruth) -> list[dict[str, Any]]:
    return run_imo(imo_truth.root)


@pytest.fixture(scope="session")
def imo_tar(imo_truth: GroundTruth, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tar(imo_truth.root, tmp_path_factory.mktemp("imotar") / "extraction.tar.gz")


def pick(records: list[dict[str, Any]], **want: Any) -> list[dict[str, Any]]:
    return [r for r in records if all(r.get(k) == v for k, v in want.items())]


def one(records: list[dict[str, Any]], **want: Any) -> dict[str, Any]:
    found = pick(records, **want)
    assert len(found) == 1, (want, len(found))
    return found[0]
