"""The test apps (smali sources in fixtures-src/apps, built APKs in tests/fixtures/apks) analysed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from trowel.apk.predict import AppAnalysis, analyse_apk

APKS = Path(__file__).resolve().parents[1] / "fixtures" / "apks"
APP_NAMES = sorted(p.stem for p in APKS.glob("*.apk"))


@pytest.fixture(scope="session")
def analyses() -> dict[str, AppAnalysis]:
    return {name: analyse_apk(APKS / f"{name}.apk") for name in APP_NAMES}
