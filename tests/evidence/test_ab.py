"""Android backup (.ab) source: every variant lists the backup's tar members with the right bytes."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import sha256_of
from tests.fixtures import android_tree, evidence_images
from tests.fixtures.evidence_images import AB_PASSWORD, EvidenceImages, ab_members, ab_tree_paths, write_ab
from trowel.cli.main import main
from trowel.errors import EvidenceError, PasswordError
from trowel.evidence import EntryKind, locate, open_evidence
from trowel.evidence.formats.android_backup import java_utf8ish, password_inputs


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> EvidenceImages:
    return evidence_images.session_images(tmp_path_factory.getbasetemp())


def _expected() -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in ab_members().items()}


@pytest.mark.parametrize(("name", "version", "compressed", "encryption"), [
    ("ab_plain", 1, False, "none"),
    ("ab_compressed", 5, True, "none"),
    ("ab_encrypted", 5, True, "AES-256"),
    ("ab_encrypted_v1", 1, True, "AES-256"),
])
def test_inventory_equals_backup_members(images: EvidenceImages, name: str, version: int, compressed: bool,
                                         encryption: str) -> None:
    path: Path = getattr(images, name)
    before = sha256_of(path)
    with open_evidence(path, AB_PASSWORD) as source:
        assert source.kind == "android-backup"
        entries = list(source.entries())
        files = {e.path: source.hash_entry(e) for e in entries if e.kind is EntryKind.FILE}
        info = source.describe()
        assert source.warnings == []
    assert files == _expected()
    assert len(entries) == 6
    assert {e.mtime for e in entries} == {android_tree.MTIME * 10**9}
    assert {e.size for e in entries if e.path.endswith("IMG_0001.jpg")} == {1030}
    assert info["version"] == version and info["compressed"] is compressed and info["encryption"] == encryption
    if encryption != "none":
        assert info["pbkdf2_rounds"] == 10_000
    assert sha256_of(path) == before


def test_expected_backup_layout() -> None:
    assert set(ab_members()) == {
        f"apps/{android_tree.IMO}/_manifest",
        f"apps/{android_tree.IMO}/db/accountdb.db",
        f"apps/{android_tree.IMO}/f/VerificationPrefs.json",
        f"apps/{android_tree.IMO}/sp/imo.xml",
        "shared/0/DCIM/imo/IMG_0001.jpg",
        "shared/0/Download/r\u00e9sum\u00e9 \u062a\u0633\u062a.pdf",
    }


def test_backup_paths_map_to_the_same_android_data_as_the_tree() -> None:
    pairs = ab_tree_paths()
    assert len(pairs) == 5
    for member, tree_path in pairs.items():
        mine, theirs = locate(member), locate(tree_path)
        assert (mine.canonical, mine.user, mine.package) == (theirs.canonical, theirs.user, theirs.package), member
    manifest = locate(f"apps/{android_tree.IMO}/_manifest")
    assert (manifest.area, manifest.package) == ("backup", android_tree.IMO)
    assert locate(f"apps/{android_tree.IMO}/db/accountdb.db").canonical == \
        f"data/user/0/{android_tree.IMO}/databases/accountdb.db"


def test_random_access_reads_after_listing(images: EvidenceImages) -> None:
    """Opening members out of order restarts the decrypt/inflate pipeline and still gives exact bytes."""
    members = ab_members()
    with open_evidence(images.ab_encrypted, AB_PASSWORD) as source:
        entries = {e.path: e for e in source.entries()}
        for name in reversed(list(members)):
            with source.open(entries[name]) as stream:
                assert stream.read() == members[name]


def test_checksum_variants(tmp_path: Path) -> None:
    """v5 with the 8-bit checksum and v1 with the signed-byte checksum both open (both variants are tried)."""
    assert java_utf8ish(b"\x7f\x80\xff") == "\x7f\uff80\uffff".encode()
    assert password_inputs("p\u00e4ss", 1) == [b"p\xe4ss", b"p\xc3\xa4ss"]
    assert password_inputs("p\u00e4ss", 5) == [b"p\xc3\xa4ss", b"p\xe4ss"]
    assert password_inputs("plain", 5) == [b"plain"]
    for version, signed in ((5, False), (1, True), (3, True)):
        path = write_ab(tmp_path / f"v{version}-{signed}.ab", ab_members(), version=version, password=AB_PASSWORD,
                        signed_checksum=signed)
        with open_evidence(path, AB_PASSWORD) as source:
            assert len(list(source.entries())) == 6


def test_wrong_and_missing_password(images: EvidenceImages) -> None:
    with pytest.raises(PasswordError, match=r"^wrong password for Android backup .*encrypted\.ab$"):
        open_evidence(images.ab_encrypted, "not the password")
    with pytest.raises(PasswordError, match="encrypted \\(AES-256\\); give its password with --password"):
        open_evidence(images.ab_encrypted)


def test_wrong_password_cli_one_line_exit_1(images: EvidenceImages) -> None:
    before = sha256_of(images.ab_encrypted)
    proc = subprocess.run([sys.executable, "-m", "trowel.cli.main", "ls", str(images.ab_encrypted), "--password", "nope"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr == f"trowel: wrong password for Android backup {images.ab_encrypted}\n"
    assert proc.stdout == ""
    assert sha256_of(images.ab_encrypted) == before


def _big_members() -> dict[str, bytes]:
    return {"apps/com.example.a/f/first.txt": b"first member\n",
            "apps/com.example.a/f/big.bin": hashlib.sha256(b"seed").digest() * 8192,  # 256 KiB
            "apps/com.example.a/f/last.txt": b"last member\n"}


@pytest.mark.parametrize("password", [None, AB_PASSWORD])
def test_truncated_backup_lists_what_it_can_and_warns(tmp_path: Path, password: str | None) -> None:
    full = write_ab(tmp_path / "full.ab", _big_members(), version=5, compressed=True, password=password)
    data = full.read_bytes()
    cut = tmp_path / "cut.ab"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with open_evidence(cut, password) as source:
        entries = list(source.entries())
        first = next(e for e in entries if e.path.endswith("first.txt"))
        assert source.hash_entry(first) == hashlib.sha256(b"first member\n").hexdigest()
        paths = {e.path for e in entries}
    assert "apps/com.example.a/f/last.txt" not in paths
    assert any("truncated" in w for w in source.warnings), source.warnings


def test_cut_inside_the_first_member_header_is_a_clear_error(images: EvidenceImages, tmp_path: Path) -> None:
    cut = tmp_path / "cut.ab"
    cut.write_bytes(images.ab_plain.read_bytes()[:300])
    with pytest.raises(EvidenceError, match="tar"):
        open_evidence(cut)


@pytest.mark.parametrize(("header", "message"), [
    (b"ANDROID BACKUP\n9\n1\nnone\n", "version 9 is not supported"),
    (b"ANDROID BACKUP\n5\n1\nROT13\n", "encryption 'ROT13' is not supported"),
    (b"ANDROID BACKUP\n5\n1\nAES-256\nzz\n", "encryption header is malformed"),
    (b"ANDROID BACKUP\n5", "header is truncated"),
])
def test_bad_headers(tmp_path: Path, header: bytes, message: str) -> None:
    path = tmp_path / "bad.ab"
    path.write_bytes(header)
    with pytest.raises(EvidenceError, match=message):
        open_evidence(path, "pw")


def test_examine_counts_files(images: EvidenceImages, tmp_path: Path) -> None:
    before = sha256_of(images.ab_encrypted)
    out = tmp_path / "case"
    assert main(["-q", "examine", str(images.ab_encrypted), "--password", AB_PASSWORD, "--out", str(out)]) == 0
    db = sqlite3.connect(out / "case.sqlite")
    rows = dict(db.execute("SELECT path, sha256 FROM files WHERE entry_kind = 'file'").fetchall())
    assert rows == _expected()
    (kind,) = db.execute("SELECT kind FROM evidence").fetchone()
    assert kind == "android-backup"
    pkg = db.execute("SELECT user, package FROM files WHERE path LIKE '%/db/accountdb.db'").fetchone()
    assert pkg == (0, android_tree.IMO)
    assert db.execute("SELECT sha256_before = sha256_after FROM evidence").fetchone() == (1,)
    db.close()
    assert sha256_of(images.ab_encrypted) == before


def test_hostile_rounds_refused(tmp_path: Path) -> None:
    path = tmp_path / "slow.ab"
    path.write_bytes(b"ANDROID BACKUP\n5\n1\nAES-256\n" + b"AA\nBB\n999999999\n" + b"00" * 16 + b"\n" + b"11" * 48 + b"\n")
    with pytest.raises(EvidenceError, match="declares 999999999 PBKDF2 rounds"):
        open_evidence(path, "pw")


def test_wrong_password_among_several_inputs_is_a_warning(images: EvidenceImages, tree_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "case"
    main(["-q", "examine", str(images.ab_encrypted), str(tree_dir), "--password", "wrong", "--out", str(out)])
    db = sqlite3.connect(out / "case.sqlite")
    messages = [m for (m,) in db.execute("SELECT json FROM records WHERE kind = 'warning'")]
    assert any(f"wrong password for Android backup {images.ab_encrypted}" in m for m in messages)
    files = db.execute("SELECT count(*) FROM files WHERE entry_kind = 'file'").fetchone()[0]
    assert files == len(android_tree.FILES)
    db.close()


class _Deflater:
    """A write-only file object that zlib-compresses into another file (to build a big backup in a stream)."""

    def __init__(self, out: io.BufferedWriter) -> None:
        self._out = out
        self._z = zlib.compressobj(1)

    def write(self, data: bytes) -> int:
        self._out.write(self._z.compress(data))
        return len(data)

    def finish(self) -> None:
        self._out.write(self._z.flush())


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self._left = size

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._left)
        buffer[:n] = bytes(n)
        self._left -= n
        return n


CHILD = """
import resource, sys
from pathlib import Path
from trowel.evidence import open_evidence
with open_evidence(Path(sys.argv[1])) as source:
    hashes = [source.hash_entry(e) for e in source.entries()]
print(len(hashes), hashes[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_big_backup_is_streamed_with_bounded_memory(tmp_path: Path) -> None:
    """A 512 MiB member (a ~2 MiB compressed backup) is listed and hashed in a child using far less memory.

    The child's peak varies with the allocator (60-160 MB seen for a 200 MiB member on the same code), so the
    member is made large enough that holding it would show unmistakably: the bound is half its size."""
    size = 512 << 20
    path = tmp_path / "big.ab"
    with open(path, "wb") as out:
        out.write(b"ANDROID BACKUP\n5\n1\nnone\n")
        deflater = _Deflater(out)
        with tarfile.open(fileobj=deflater, mode="w|") as tar:  # type: ignore[call-overload]
            info = tarfile.TarInfo("apps/com.example.big/f/zeros.bin")
            info.size = size
            tar.addfile(info, _Zeros(size))
        deflater.finish()
    assert path.stat().st_size < 4 << 20
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
    count, digest, peak_mb = proc.stdout.split()
    assert count == "1"
    assert digest == hashlib.sha256(bytes(size)).hexdigest()
    assert int(peak_mb) < 256, f"peak RSS {peak_mb} MB for a {size >> 20} MiB member"
