"""Scenario databases (built once per session by the committed generator) and their recovery results."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.sqlite.generate import Scenario, build
from trowel.sqlite import RecoveryResult, recover


class Built:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, tuple[Scenario, RecoveryResult]] = {}

    def get(self, name: str) -> tuple[Scenario, RecoveryResult]:
        if name not in self._cache:
            sc = build(name, self.root)
            result = recover(sc.db, sc.wal, sc.journal)
            _ = result.records
            self._cache[name] = (sc, result)
        return self._cache[name]


@pytest.fixture(scope="session")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("sqlite-scenarios"))
