"""Raw ext4 and partitioned disk images through The Sleuth Kit: inventory, deleted and orphan entries."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import sha256_of
from tests.fixtures import android_tree, evidence_images
from tests.fixtures.evidence_images import (
    CACHE_FILES,
    DELETED,
    ORPHAN_INODE,
    SYMLINK,
    SYMLINK_TARGET,
    EvidenceImages,
    ext4_expected_files,
)
from trowel.cli.main import main
from trowel.errors import EvidenceError
from trowel.evidence import Entry, EntryKind, EvidenceSource, open_evidence

NS = 10**9


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> EvidenceImages:
    return evidence_images.session_images(tmp_path_factory.getbasetemp())


def _inventory(source: EvidenceSource, prefix: str = "") -> tuple[dict[str, Entry], dict[str, str | None]]:
    entries = {e.path: e for e in source.entries() if e.path.startswith(prefix)}
    hashes = {p[len(prefix):]: source.hash_entry(e) for p, e in entries.items()
              if e.kind is EntryKind.FILE and not e.deleted}
    return entries, hashes


def check_ext4_inventory(source: EvidenceSource, prefix: str = "") -> None:
    """The facts every reader of the fixture's ext4 file system must report (shared by E01 and sparse tests)."""
    entries, hashes = _inventory(source, prefix)
    assert hashes == ext4_expected_files()
    dirs = {p[len(prefix):] for p, e in entries.items() if e.kind is EntryKind.DIR and not e.deleted}
    assert dirs == android_tree.expected_dirs() | {"lost+found"}
    live_files = [e for e in entries.values() if e.kind is EntryKind.FILE and not e.deleted]
    assert {e.mtime for e in live_files} == {android_tree.MTIME * NS}
    assert all(e.inode and e.crtime and e.ctime and e.atime for e in live_files)
    deleted = entries[prefix + DELETED]
    assert deleted.deleted and deleted.kind is EntryKind.FILE and deleted.size == len(android_tree.FILES[DELETED])
    assert deleted.mtime == android_tree.MTIME * NS and deleted.inode
    # debugfs frees the blocks but leaves the extent tree: the content is still there and readable
    assert deleted.readable
    assert source.hash_entry(deleted) == hashlib.sha256(android_tree.FILES[DELETED]).hexdigest()
    link = entries[prefix + SYMLINK]
    assert link.kind is EntryKind.SYMLINK and link.link_target == SYMLINK_TARGET and not link.deleted
    orphan = entries[prefix + f"$OrphanFiles/OrphanFile-{ORPHAN_INODE}"]
    assert orphan.deleted and orphan.inode == ORPHAN_INODE and orphan.kind is EntryKind.FILE and orphan.size == 11
    assert entries[prefix + "$OrphanFiles"].kind is EntryKind.DIR
    assert {p for p, e in entries.items() if e.deleted} == {prefix + DELETED, prefix + "$OrphanFiles",
                                                           prefix + f"$OrphanFiles/OrphanFile-{ORPHAN_INODE}"}


def test_ext4_partition_image(images: EvidenceImages) -> None:
    before = sha256_of(images.ext4)
    with open_evidence(images.ext4) as source:
        assert source.kind == "disk-image"
        check_ext4_inventory(source)
        info = source.describe()
    assert info["file_systems"] == [{"prefix": "", "offset": 0, "type": "ext4", "partition": None, "block_size": 4096}]
    assert sha256_of(images.ext4) == before


def test_orphan_metadata(images: EvidenceImages) -> None:
    with open_evidence(images.ext4) as source:
        orphan = next(e for e in source.entries() if e.inode == ORPHAN_INODE)
    assert orphan.note == "orphan inode: no file name points to it"
    # debugfs "sif mtime 20231114221320" is 2023-11-14T22:13:20Z
    assert orphan.mtime == android_tree.MTIME * NS and orphan.ctime == android_tree.MTIME * NS


def test_names_match_fls(images: EvidenceImages) -> None:
    """Cross-check with The Sleuth Kit's own fls: the same names, the same deleted flags, the same inodes."""
    out = subprocess.run(["fls", "-r", "-p", str(images.ext4)], capture_output=True, text=True, check=True).stdout
    fls = {}
    for line in out.splitlines():
        match = re.match(r"^\S+ (\* )?(\d+)(?:\(realloc\))?:\t(.*)$", line)
        assert match, line
        fls[match.group(3)] = (int(match.group(2)), bool(match.group(1)))
    with open_evidence(images.ext4) as source:
        mine = {e.path: (e.inode, e.deleted) for e in source.entries()}
    mine["$OrphanFiles"] = fls["$OrphanFiles"]  # a virtual folder: its inode number is TSK's invention
    assert mine == fls


def test_open_seek_read(images: EvidenceImages) -> None:
    content = android_tree.FILES["sdcard/DCIM/imo/IMG_0001.jpg"]
    with open_evidence(images.ext4) as source:
        entry = source.find("sdcard/DCIM/imo/IMG_0001.jpg")
        assert entry is not None
        with source.open(entry) as stream:
            assert stream.read(4) == content[:4]
            stream.seek(1000)
            assert stream.read() == content[1000:]
            stream.seek(-2, 2)
            assert stream.read() == b"\xff\xd9"
        folder = source.find("sdcard")
        assert folder is not None
        with pytest.raises(EvidenceError, match="not a regular file"):
            source.open(folder)


def test_mbr_disk_two_partitions(images: EvidenceImages) -> None:
    before = sha256_of(images.mbr_disk)
    with open_evidence(images.mbr_disk) as source:
        check_ext4_inventory(source, "p1/")
        entries, hashes = _inventory(source, "p2/")
        info = source.describe()
    assert hashes == {k: hashlib.sha256(v).hexdigest() for k, v in CACHE_FILES.items()}
    assert {e.path for e in entries.values()} == {"p2/lost+found", "p2/recovery", "p2/recovery/last_log"}
    systems = info["file_systems"]
    assert isinstance(systems, list)
    assert [(f["prefix"], f["offset"], f["type"], f["partition"]) for f in systems] == [
        ("p1/", 1 << 20, "ext4", "Linux (0x83)"), ("p2/", 9 << 20, "ext4", "Linux (0x83)")]
    assert sha256_of(images.mbr_disk) == before


def test_gpt_disk_single_partition_has_no_prefix(images: EvidenceImages) -> None:
    with open_evidence(images.gpt_disk) as source:
        check_ext4_inventory(source)
        info = source.describe()
    assert info["file_systems"] == [{"prefix": "", "offset": 1 << 20, "type": "ext4", "partition": "userdata",
                                     "block_size": 4096}]


def test_corrupt_image_is_a_clear_error(images: EvidenceImages, tmp_path: Path) -> None:
    broken = tmp_path / "broken.img"
    data = bytearray(images.ext4.read_bytes()[:64 << 10])
    data[1024:1080] = b"\xff" * 56  # wreck the superblock, keep the magic
    broken.write_bytes(bytes(data))
    with pytest.raises(EvidenceError, match="no file system The Sleuth Kit can read"):
        open_evidence(broken)
    mbr_only = tmp_path / "mbr-only.dd"
    mbr_only.write_bytes(images.mbr_disk.read_bytes()[:512] + bytes(1 << 20))
    with pytest.raises(EvidenceError, match="holds a file system|no file system"):
        open_evidence(mbr_only)


def test_truncated_image_gives_warnings_not_tracebacks(images: EvidenceImages, tmp_path: Path) -> None:
    cut = tmp_path / "cut.img"
    cut.write_bytes(images.ext4.read_bytes()[: 1 << 20])  # superblock and inode tables, no directory blocks
    with open_evidence(cut) as source:
        entries = list(source.entries())
        warnings = list(source.warnings)
    assert {e.path for e in entries} >= {"data", "sdcard", "system"}
    assert len(entries) < 15
    assert any(w.startswith(f"{cut}: cannot list system (inode ") for w in warnings), warnings


@pytest.mark.parametrize("name", ["ext4", "mbr_disk", "gpt_disk"])
def test_examine_file_count(images: EvidenceImages, name: str, tmp_path: Path) -> None:
    path: Path = getattr(images, name)
    before = sha256_of(path)
    out = tmp_path / "case"
    assert main(["-q", "examine", str(path), "--out", str(out)]) == 0
    db = sqlite3.connect(out / "case.sqlite")
    count = db.execute("SELECT count(*) FROM files WHERE entry_kind = 'file' AND deleted = 0").fetchone()[0]
    deleted = db.execute("SELECT count(*) FROM files WHERE deleted = 1").fetchone()[0]
    expected = len(ext4_expected_files()) + (len(CACHE_FILES) if name == "mbr_disk" else 0)
    assert (count, deleted) == (expected, 3)
    assert db.execute("SELECT sha256_before = sha256_after, sha256_before FROM evidence").fetchone() == (1, before)
    db.close()
    assert sha256_of(path) == before


def test_ls_marks_deleted(images: EvidenceImages, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", str(images.ext4)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.endswith(DELETED)]
    assert len(lines) == 1 and lines[0].startswith("f *")


def test_every_image_format_is_registered() -> None:
    from trowel.evidence.detect import FORMATS, _load_optional_formats

    _load_optional_formats()
    assert {"android-backup", "disk-image", "ewf", "sparse-image"} <= {f.name for f in FORMATS}


@pytest.mark.parametrize("head", [
    b"EVF\x09\x0d\x0a\xff\x00" + bytes(502) + b"\x55\xaa",
    b"\x3a\xff\x26\xed" + bytes(506) + b"\x55\xaa",
])
def test_container_magics_are_never_taken_for_a_raw_disk(head: bytes) -> None:
    from trowel.evidence.formats.disk_image import is_disk_image

    assert not is_disk_image(head + bytes(4096 - len(head)))


def _debugfs_copy(images: EvidenceImages, tmp_path: Path, *requests: str) -> Path:
    copy = tmp_path / "changed.img"
    shutil.copyfile(images.ext4, copy)
    for request in requests:
        subprocess.run(["debugfs", "-w", "-R", request, str(copy)], check=True, capture_output=True)
    return copy


def test_deleted_name_whose_inode_was_reused(images: EvidenceImages, tmp_path: Path) -> None:
    new = tmp_path / "new.txt"
    new.write_bytes(b"new content\n")
    image = _debugfs_copy(images, tmp_path, f"write {new} data/newfile")
    with open_evidence(image) as source:
        entries = {e.path: e for e in source.entries()}
        old, reused = entries[DELETED], entries["data/newfile"]
        assert reused.inode == old.inode and not reused.deleted and reused.size == 12
        assert source.hash_entry(reused) == hashlib.sha256(b"new content\n").hexdigest()
        assert old.deleted and not old.readable and old.size == 0 and old.mtime is None
        assert old.note == f"inode {old.inode} now belongs to another file; this name's metadata and content are gone"
        assert source.hash_entry(old) is None
        with pytest.raises(EvidenceError, match="no longer readable"):
            source.open(old)


def test_deleted_file_whose_extents_are_gone(images: EvidenceImages, tmp_path: Path) -> None:
    with open_evidence(images.ext4) as source:
        inode = next(e.inode for e in source.entries() if e.path == DELETED)
    image = _debugfs_copy(images, tmp_path, f"sif <{inode}> block[0] 0x0004F30A")  # a broken extent header
    with open_evidence(image) as source:
        entry = next(e for e in source.entries() if e.path == DELETED)
    assert entry.deleted and not entry.readable and entry.size == len(android_tree.FILES[DELETED])
    assert entry.mtime == android_tree.MTIME * NS  # the metadata survives the lost content


@pytest.mark.parametrize("name", ["ext4", "mbr_disk", "gpt_disk", "e01", "sparse"])
def test_ls_json_hash_on_every_image(images: EvidenceImages, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", str(getattr(images, name)), "--json", "--hash"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    prefix = "p1/" if name == "mbr_disk" else ""
    live = {r["path"][len(prefix):]: r["sha256"] for r in rows
            if r["entry_kind"] == "file" and not r["deleted"] and r["path"].startswith(prefix)}
    assert live == ext4_expected_files()
    deleted = next(r for r in rows if r["path"] == prefix + DELETED)
    assert deleted["deleted"] is True and deleted["mtime"] == "2023-11-14T22:13:20.000000Z"
    link = next(r for r in rows if r["path"] == prefix + SYMLINK)
    assert link["link_target"] == SYMLINK_TARGET


def test_deleted_folder_and_its_contents(images: EvidenceImages, tmp_path: Path) -> None:
    notes = "data/user/10/com.example.notes"
    image = _debugfs_copy(images, tmp_path, f"rm {notes}/files/notes.txt", f"rmdir {notes}/files", f"rmdir {notes}")
    with open_evidence(image) as source:
        entries = {e.path: e for e in source.entries() if e.path.startswith(notes)}
        content = source.hash_entry(entries[f"{notes}/files/notes.txt"])
    assert {p: (e.kind, e.deleted) for p, e in entries.items()} == {
        notes: (EntryKind.DIR, True), f"{notes}/files": (EntryKind.DIR, True),
        f"{notes}/files/notes.txt": (EntryKind.FILE, True)}
    assert content == hashlib.sha256(android_tree.FILES[f"{notes}/files/notes.txt"]).hexdigest()


def test_names_that_are_not_utf8(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    raw_name = b"caf\xe9-latin1.txt"
    with open(os.path.join(os.fsencode(tree), raw_name), "wb") as fh:
        fh.write(b"x")
    image = tmp_path / "names.img"
    with open(image, "wb") as fh:
        fh.truncate(1 << 20)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-d", str(tree), str(image)], check=True, capture_output=True)
    out = tmp_path / "case"
    assert main(["-q", "examine", str(image), "--out", str(out)]) == 0
    db = sqlite3.connect(out / "case.sqlite")
    paths = [p for (p,) in db.execute("SELECT path FROM files WHERE entry_kind = 'file'")]
    db.close()
    assert paths == ["caf\\xe9-latin1.txt"]
