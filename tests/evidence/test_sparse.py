"""Android sparse images: the expansion equals simg2img byte for byte; the ext4 inside reads like the raw one."""

from __future__ import annotations

import hashlib
import sqlite3
import struct
import zlib
from pathlib import Path

import pytest

from tests.conftest import sha256_of
from tests.evidence.test_disk_image import check_ext4_inventory
from tests.fixtures import evidence_images
from tests.fixtures.evidence_images import EvidenceImages, expand_with_simg2img, ext4_expected_files
from trowel.cli.main import main
from trowel.errors import EvidenceError
from trowel.evidence import open_evidence
from trowel.evidence.formats.sparse import CRC32, DONT_CARE, FILL, RAW, SparseImage, SparseImageSource


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> EvidenceImages:
    return evidence_images.session_images(tmp_path_factory.getbasetemp())


def _sha256_stream(image: SparseImage, piece: int) -> str:
    digest = hashlib.sha256()
    while data := image.read(piece):
        digest.update(data)
    return digest.hexdigest()


def test_expansion_equals_simg2img(images: EvidenceImages, tmp_path: Path) -> None:
    reference = expand_with_simg2img(images.sparse, tmp_path / "expanded.img")
    with SparseImage(images.sparse) as image:
        assert image.size == reference.stat().st_size == images.ext4.stat().st_size
        assert _sha256_stream(image, 1 << 20) == sha256_of(reference) == sha256_of(images.ext4)
        image.seek(0)
        assert _sha256_stream(image, 4093) == sha256_of(reference)  # odd read sizes cross chunk edges
        assert image.read_at(1080, 2) == b"\x53\xef"


def _handmade_sparse(path: Path, blk: int = 4096) -> bytes:
    """Every chunk type, including CRC32 and a FILL with a non-uniform pattern; returns the expected expansion."""
    raw = bytes(range(256)) * (blk // 256) * 2
    fill = b"\x01\x02\x03\x04"
    expected = raw + fill * (3 * blk // 4) + bytes(2 * blk) + raw[:blk]
    chunks = [
        struct.pack("<HHII", RAW, 0, 2, 12 + len(raw)) + raw,
        struct.pack("<HHII", FILL, 0, 3, 16) + fill,
        struct.pack("<HHII", DONT_CARE, 0, 2, 12),
        struct.pack("<HHII", CRC32, 0, 0, 16) + struct.pack("<I", zlib.crc32(expected[: 7 * blk])),
        struct.pack("<HHII", RAW, 0, 1, 12 + blk) + raw[:blk],
    ]
    header = struct.pack("<IHHHHIIII", 0xED26FF3A, 1, 0, 28, 12, blk, 8, len(chunks), 0)
    path.write_bytes(header + b"".join(chunks))
    return expected


def test_every_chunk_type_matches_simg2img(tmp_path: Path) -> None:
    expected = _handmade_sparse(tmp_path / "hand.simg")
    reference = expand_with_simg2img(tmp_path / "hand.simg", tmp_path / "hand.img")
    assert reference.read_bytes() == expected
    with SparseImage(tmp_path / "hand.simg") as image:
        assert image.read() == expected
        assert image.read_at(2 * 4096 + 1, 6) == b"\x02\x03\x04\x01\x02\x03"  # a FILL read off its pattern's phase
        assert image.crc32_values == [(7 * 4096, zlib.crc32(expected[: 7 * 4096]))]
        assert image.verify_crc32(piece=5000) == [{"covers_bytes": 7 * 4096, "stored": f"{zlib.crc32(expected[: 7 * 4096]):08x}",
                                                   "computed": f"{zlib.crc32(expected[: 7 * 4096]):08x}", "verified": True}]


def test_crc32_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "hand.simg"
    _handmade_sparse(path)
    data = bytearray(path.read_bytes())
    data[28 + 12 + 100] ^= 0xFF  # one byte of the first RAW chunk
    path.write_bytes(bytes(data))
    with pytest.raises(EvidenceError, match=r"sparse CRC32 chunk over the first 28672 bytes does not match .*damaged"):
        open_evidence(path)


def test_ext4_inside(images: EvidenceImages) -> None:
    before = sha256_of(images.sparse)
    with open_evidence(images.sparse) as source:
        assert isinstance(source, SparseImageSource)
        check_ext4_inventory(source)
        info = source.describe()
    sparse = info["sparse"]
    assert isinstance(sparse, dict)
    assert (sparse["block_size"], sparse["blocks"], sparse["expanded_bytes"]) == (4096, 2048, 8 << 20)
    assert sha256_of(images.sparse) == before


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d[:20], "header is truncated"),
    (lambda d: d[:4] + struct.pack("<H", 2) + d[6:], "not an Android sparse image version 1"),
    (lambda d: d[:28] + b"\x99\x99" + d[30:], "unknown type 0x9999"),
    (lambda d: d[: len(d) - 100], "inconsistent or truncated"),
    (lambda d: d[:16] + struct.pack("<I", 9) + d[20:], "cover 8 blocks, the header says 9"),
    (lambda d: d[:20] + struct.pack("<I", 2) + d[24:], "cover 5 blocks"),
])
def test_corrupt_sparse_is_a_clear_error(tmp_path: Path, mutate: object, message: str) -> None:
    path = tmp_path / "hand.simg"
    _handmade_sparse(path)
    path.write_bytes(mutate(path.read_bytes()))  # type: ignore[operator]
    with pytest.raises(EvidenceError, match=message):
        SparseImage(path)


def test_non_filesystem_content_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "hand.simg"
    _handmade_sparse(path)
    with pytest.raises(EvidenceError, match=r"hand\.simg \(sparse image\): no partition table and no file system"):
        open_evidence(path)


def test_examine_file_count(images: EvidenceImages, tmp_path: Path) -> None:
    out = tmp_path / "case"
    assert main(["-q", "examine", str(images.sparse), "--out", str(out)]) == 0
    db = sqlite3.connect(out / "case.sqlite")
    rows = dict(db.execute("SELECT path, sha256 FROM files WHERE entry_kind = 'file' AND deleted = 0").fetchall())
    assert rows == ext4_expected_files()
    assert db.execute("SELECT kind, sha256_before = sha256_after FROM evidence").fetchone() == ("sparse-image", 1)
    db.close()


def test_hostile_chunk_count_refused(tmp_path: Path) -> None:
    path = tmp_path / "hostile.simg"
    path.write_bytes(struct.pack("<IHHHHIIII", 0xED26FF3A, 1, 0, 28, 12, 4096, 1, 0xFFFFFFFF, 0))
    with pytest.raises(EvidenceError, match="declares 4294967295 chunks, over the"):
        open_evidence(path)
