from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import sha256_of
from tests.fixtures import android_tree
from trowel.errors import EvidenceError, UnsafeArchiveError
from trowel.evidence import EntryKind, open_evidence


@pytest.mark.parametrize("fixture", ["tree_dir", "tree_targz", "tree_zip"])
def test_inventory_equals_tree(fixture: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(fixture)
    before = sha256_of(path) if path.is_file() else None
    with open_evidence(path) as source:
        entries = list(source.entries())
        files = {e.path: source.hash_entry(e) for e in entries if e.kind is EntryKind.FILE}
        dirs = {e.path for e in entries if e.kind is EntryKind.DIR}
    assert files == android_tree.expected_hashes()
    assert dirs == android_tree.expected_dirs()
    mtimes = {e.mtime for e in entries if e.kind is EntryKind.FILE}
    assert mtimes == {android_tree.MTIME * 10**9}
    if before:
        assert sha256_of(path) == before


def test_kind_from_content_not_name(tree_zip: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "evidence.tar"
    disguised.write_bytes(tree_zip.read_bytes())
    with open_evidence(disguised) as source:
        assert source.kind == "zip"


def test_traversal_members_are_cleaned_and_never_escape(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        for name in ("../../etc/evil.txt", "/abs/evil2.txt", "ok/fine.txt"):
            data = name.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with open_evidence(archive) as source:
        paths = {e.path for e in source.entries()}
        assert paths == {"etc/evil.txt", "abs/evil2.txt", "ok/fine.txt"}
        assert len(source.warnings) == 2
        for entry in source.entries():
            copy = source.materialize(entry, scratch)
            assert copy.resolve().is_relative_to(scratch.resolve())
    assert not (tmp_path.parent / "etc" / "evil.txt").exists()


def test_zip_bomb_member_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.bin", b"\0" * (40 << 20))
        zf.writestr("small.txt", b"hello")
    with open_evidence(archive) as source:
        entries = {e.path: e for e in source.entries()}
        assert not entries["bomb.bin"].readable
        assert "zip bomb" in (entries["bomb.bin"].note or "")
        with pytest.raises(UnsafeArchiveError):
            source.open(entries["bomb.bin"])
        assert source.hash_entry(entries["small.txt"]) is not None


def test_truncated_targz_is_a_clear_error(tree_targz: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(tree_targz.read_bytes()[:40])
    with pytest.raises(EvidenceError, match="tar"):
        open_evidence(cut)


def test_unknown_and_missing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"hello world" * 100)
    with pytest.raises(EvidenceError, match="unknown evidence format"):
        open_evidence(junk)
    with pytest.raises(EvidenceError, match="no such file"):
        open_evidence(tmp_path / "missing")
