"""An AED of all test apps (plus one corrupt APK), built once with two local worker processes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.aed import extraction
from trowel.aed.build import BuildOptions, BuildSummary, build_aed

APKS = extraction.APKS


@pytest.fixture(scope="session")
def corrupt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corrupt")
    data = (APKS / "gps.apk").read_bytes()
    (folder / "truncated.apk").write_bytes(data[:3000])
    with zipfile.ZipFile(APKS / "gps.apk") as src, zipfile.ZipFile(folder / "nodex.apk", "w") as out:
        for item in src.infolist():  # a readable manifest, a DEX that is not one: failed, package kept
            out.writestr(item, b"dex\n035\x00" + b"\xff" * 200 if item.filename == "classes.dex" else src.read(item))
    return folder


@pytest.fixture(scope="session")
def built_aed(tmp_path_factory: pytest.TempPathFactory, corrupt_dir: Path) -> tuple[Path, BuildSummary]:
    db = tmp_path_factory.mktemp("aed") / "aed.sqlite"
    summary = build_aed([APKS, corrupt_dir], db, BuildOptions(jobs=2))
    return db, summary


@pytest.fixture(scope="session")
def extraction_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("device")
    extraction.build(root)
    return root
