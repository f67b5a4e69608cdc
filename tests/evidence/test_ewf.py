"""E01 segment sets: headers, stored-hash verification, and the ext4 inside read like the raw image."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import sha256_of
from tests.evidence.test_disk_image import check_ext4_inventory
from tests.fixtures import evidence_images
from tests.fixtures.evidence_images import (
    CASE_NUMBER,
    DESCRIPTION,
    EXAMINER,
    EvidenceImages,
    ext4_expected_files,
)
from trowel.cli.main import main
from trowel.errors import EvidenceError
from trowel.evidence import open_evidence
from trowel.evidence.formats.ewf import EwfSource


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> EvidenceImages:
    return evidence_images.session_images(tmp_path_factory.getbasetemp())


def test_segments_headers_and_verified_hashes(images: EvidenceImages) -> None:
    before = [sha256_of(p) for p in images.e01_segments]
    raw = images.ext4.read_bytes()
    with open_evidence(images.e01) as source:
        assert isinstance(source, EwfSource)
        check_ext4_inventory(source)
        info = source.describe()
    ewf = info["ewf"]
    assert isinstance(ewf, dict)
    assert [s["name"] for s in ewf["segments"]] == ["phone.E01", "phone.E02", "phone.E03"]
    assert ewf["media_bytes"] == len(raw)
    assert ewf["headers"]["case_number"] == CASE_NUMBER
    assert ewf["headers"]["examiner_name"] == EXAMINER
    assert ewf["headers"]["description"] == DESCRIPTION
    assert ewf["verification"] == {
        "computed_md5": hashlib.md5(raw).hexdigest(), "stored_md5": hashlib.md5(raw).hexdigest(), "md5_verified": True,
        "computed_sha1": hashlib.sha1(raw).hexdigest(), "stored_sha1": hashlib.sha1(raw).hexdigest(),
        "sha1_verified": True,
    }
    assert [sha256_of(p) for p in images.e01_segments] == before


def test_detected_by_content_not_name(images: EvidenceImages, tmp_path: Path) -> None:
    """A one-segment E01 under a misleading name opens as E01."""
    base = tmp_path / "single"
    (segment,) = evidence_images.build_e01(images.ext4, base, segment_bytes=64 << 20)
    renamed = tmp_path / "evidence.zip"
    shutil.copyfile(segment, renamed)
    with open_evidence(renamed) as source:
        assert source.kind == "ewf"
        check_ext4_inventory(source)


def _tampered(images: EvidenceImages, tmp_path: Path) -> Path:
    """Flip one byte of file content stored in a segment (the chunk checksum and the MD5 then disagree)."""
    folder = tmp_path / "tampered"
    folder.mkdir()
    for seg in images.e01_segments:
        shutil.copyfile(seg, folder / seg.name)
    needle = b"ro.product.model=Pixel 7"
    for seg in sorted(folder.iterdir()):
        data = bytearray(seg.read_bytes())
        at = data.find(needle)
        if at >= 0:
            data[at] ^= 0x01
            seg.write_bytes(bytes(data))
            return folder / "phone.E01"
    raise AssertionError("fixture content not found in any segment")


def test_tampered_image_is_refused(images: EvidenceImages, tmp_path: Path) -> None:
    e01 = _tampered(images, tmp_path)
    with pytest.raises(EvidenceError, match=r"E01 media MD5 and SHA1 does not match the stored hash .*damaged or was altered"):
        open_evidence(e01)
    proc = subprocess.run([sys.executable, "-m", "trowel.cli.main", "ls", str(e01)], capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "does not match the stored hash" in proc.stderr


def test_missing_segment_and_truncated_header(images: EvidenceImages, tmp_path: Path) -> None:
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copyfile(images.e01_segments[0], folder / "phone.E01")
    shutil.copyfile(images.e01_segments[2], folder / "phone.E03")
    with pytest.raises(EvidenceError, match=r"phone\.E01: E01 media unreadable at byte \d+ while verifying \(a segment is missing"):
        open_evidence(folder / "phone.E01")
    short = tmp_path / "short.E01"
    short.write_bytes(images.e01.read_bytes()[:100])
    with pytest.raises(EvidenceError, match=r"short\.E01: cannot open the E01 image"):
        open_evidence(short)


def test_examine_file_count_and_log(images: EvidenceImages, tmp_path: Path) -> None:
    out = tmp_path / "case"
    assert main(["-q", "examine", str(images.e01), "--out", str(out)]) == 0
    db = sqlite3.connect(out / "case.sqlite")
    count = db.execute("SELECT count(*) FROM files WHERE entry_kind = 'file' AND deleted = 0").fetchone()[0]
    assert count == len(ext4_expected_files())
    kind, same = db.execute("SELECT kind, sha256_before = sha256_after FROM evidence").fetchone()
    assert (kind, same) == ("ewf", 1)
    db.close()
    log = (out / "log.jsonl").read_text()
    assert '"md5_verified": true' in log or '"md5_verified":true' in log


def test_e01_without_a_file_system_is_a_clear_error(tmp_path: Path) -> None:
    blob = tmp_path / "blob.raw"
    blob.write_bytes(hashlib.sha256(b"x").digest() * (1 << 15))  # 1 MiB, no partition table, no file system
    (e01,) = evidence_images.build_e01(blob, tmp_path / "blob")
    with pytest.raises(EvidenceError, match=r"blob\.E01 \(E01\): no partition table and no file system"):
        open_evidence(e01)
