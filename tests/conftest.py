"""Shared fixtures: generated evidence built once per session from the project's own generators."""

from __future__ import annotations

import hashlib
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import settings

from tests.fixtures import android_tree

# Property tests draw the same examples on every run, so `make test` (and CI) pass or fail the same way each
# time; TROWEL_HYPOTHESIS=random draws new ones (what `make fuzz` and a hunt for new failures want).
settings.register_profile("trowel", derandomize=True)
if os.environ.get("TROWEL_HYPOTHESIS") != "random":
    settings.load_profile("trowel")


@pytest.fixture(scope="session")
def tree_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    android_tree.build(root)
    return root


@pytest.fixture(scope="session")
def tree_targz(tree_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("targz") / "extraction.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for child in sorted(tree_dir.iterdir()):
            tar.add(child, arcname=child.name)
    return out


@pytest.fixture(scope="session")
def tree_zip(tree_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zip") / "FullFileSystem.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(tree_dir.rglob("*")):
            rel = path.relative_to(tree_dir).as_posix()
            if path.is_dir():
                zf.writestr(rel + "/", b"")
            else:
                zf.write(path, rel)
    return out


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
