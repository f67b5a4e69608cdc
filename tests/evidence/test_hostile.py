"""Corrupt and hostile archives: every reader error is a warning or a one-line error naming the input and
the member; nothing is lost without a word; odd names and numbers are kept."""

from __future__ import annotations

import gzip
import hashlib
import json
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.fixtures import hostile_archives as hostile
from trowel.cli.main import main
from trowel.errors import EvidenceError, TrowelError, UnsafeArchiveError
from trowel.evidence import EntryKind, open_evidence
from trowel.evidence.limits import ArchiveLimits
from trowel.evidence.tar import TarSource


def _listing(path: Path) -> tuple[dict[str, str | None], list[str]]:
    """path -> SHA-256 (None when reading failed with a TrowelError), and the source's warnings."""
    hashes: dict[str, str | None] = {}
    with open_evidence(path) as source:
        for entry in source.entries():
            if entry.kind is EntryKind.FILE and entry.readable:
                try:
                    hashes[entry.path] = source.hash_entry(entry)
                except TrowelError as exc:
                    assert path.name in str(exc) and repr(entry.path)[1:-1].split("\\")[0] in str(exc)
                    hashes[entry.path] = None
            else:
                hashes[entry.path] = None
        return hashes, list(source.warnings)


@pytest.mark.parametrize("name", sorted(hostile.CORRUPT))
def test_corrupt_archive_never_raises_anything_but_a_named_error(name: str, tmp_path: Path) -> None:
    path = hostile.CORRUPT[name](tmp_path / name)
    try:
        _listing(path)
    except EvidenceError as exc:
        assert str(path) in str(exc)


def test_zip_member_errors_name_archive_and_member(tmp_path: Path) -> None:
    cases = {"zip_bad_crc.zip": ("a.txt", "BadZipFile"), "zip_broken_deflate.zip": ("a.bin", "error: Error -3"),
             "zip_lzma_corrupt.zip": ("a.bin", "LZMAError"), "zip_bz2_corrupt.zip": ("a.bin", "OSError"),
             "zip_unknown_method.zip": ("a.txt", "NotImplementedError"),
             "zip_encrypted_flag.zip": ("a.txt", "RuntimeError"), "zip_size_lie.zip": ("a.txt", "EOFError")}
    for name, (member, error) in cases.items():
        path = hostile.CORRUPT[name](tmp_path / name)
        with open_evidence(path) as source:
            entry = next(e for e in source.entries() if e.path == member)
            with pytest.raises(EvidenceError) as info:
                source.hash_entry(entry)
            assert str(path) in str(info.value) and repr(member) in str(info.value) and error in str(info.value), name
        hashes, _ = _listing(path)
        good = {"b.txt": b"second" if name == "zip_bad_crc.zip" else b"fine" if "deflate" in name else b"ok"}
        if name in ("zip_bad_crc.zip", "zip_broken_deflate.zip", "zip_lzma_corrupt.zip", "zip_bz2_corrupt.zip"):
            assert hashes["b.txt"] == hashlib.sha256(good["b.txt"]).hexdigest()


def test_zip_unknown_version_lists_the_member_as_unreadable(tmp_path: Path) -> None:
    path = hostile.zip_unknown_version(tmp_path / "v.zip")
    with open_evidence(path) as source:
        (entry,) = list(source.entries())
        assert entry.path == "a.txt" and not entry.readable and "version 9.9" in (entry.note or "")
        with pytest.raises(UnsafeArchiveError, match="9.9"):
            source.open(entry)


def test_zip_duplicates_each_listed_with_their_member_number(tmp_path: Path) -> None:
    path = hostile.zip_duplicates(tmp_path / "d.zip")
    with open_evidence(path) as source:
        content = {}
        for entry in source.entries():
            with source.open(entry) as stream:
                content[entry.path] = stream.read()
        assert content == {"same.txt [duplicate, member 1]": b"copy 0", "same.txt [duplicate, member 2]": b"copy 1",
                           "same.txt": b"copy 2", "other.txt": b"other"}
        assert sum("appears again" in w for w in source.warnings) == 2


def test_zip_with_one_bad_name_lists_the_good_members(tmp_path: Path) -> None:
    path = hostile.zip_bad_utf8_name(tmp_path / "n.zip")
    hashes, _ = _listing(path)
    assert list(hashes) == ["good1.txt", "bad\udcff\udcfe.txt", "good2.txt"]
    with open_evidence(path) as source:
        data = {e.path: source.open(e).read() for e in source.entries()}
    assert data == {"good1.txt": b"one", "bad\udcff\udcfe.txt": b"two", "good2.txt": b"three"}


def test_tar_odd_names_placeholders_and_hard_links(tmp_path: Path) -> None:
    path = hostile.tar_odd_names(tmp_path / "odd.tar")
    with open_evidence(path) as source:
        entries = {e.path: e for e in source.entries()}
        data = {p: source.open(e).read() for p, e in entries.items()}
    assert data == {"bad\udcff\udcfename.txt": b"latin", "[unnamed member 2]": b"empty name",
                    "[member 3 named '.']": b"dot name", "target.txt": b"the target's content",
                    "hard.txt": b"the target's content"}
    assert entries["hard.txt"].kind is EntryKind.FILE and entries["hard.txt"].size == 20
    assert entries["hard.txt"].link_target == "target.txt"


def test_tar_damage_is_reported_and_later_members_recovered(tmp_path: Path) -> None:
    hashes, warnings = _listing(hostile.tar_bad_checksum_middle(tmp_path / "b.tar"))
    assert sorted(hashes) == [f"dir/m{i:03d}.txt" for i in range(10) if i != 4]
    assert any("1536 bytes in 1 damaged range(s)" in w and "6144..7680" in w for w in warnings)


def test_truncated_and_broken_streams_say_how_many_members_and_where(tmp_path: Path) -> None:
    for builder, members in ((hostile.tar_truncated, 3), (hostile.targz_truncated, 25),
                             (hostile.tarxz_truncated, 23)):
        path = builder(tmp_path / builder.__name__)
        hashes, warnings = _listing(path)
        assert len(hashes) == members, builder.__name__
        assert any(f"{members} members read, listing stopped at offset" in w for w in warnings), warnings


def test_targz_with_zeros_in_the_middle_reports_the_loss(tmp_path: Path) -> None:
    path = hostile.targz_zeros_middle(tmp_path / "z.tar.gz")
    hashes, warnings = _listing(path)
    assert 0 < len(hashes) < 80
    assert any(f"{len(hashes)} members read" in w and "BadGzipFile" in w for w in warnings), warnings


def test_pax_bombs_are_bounded(tmp_path: Path) -> None:
    hashes, warnings = _listing(hostile.tar_pax_header_length_bomb(tmp_path / "p.tar"))
    assert "first.txt" in hashes and any("damaged range" in w for w in warnings)
    path = hostile.tar_pax_huge_size(tmp_path / "h.tar")
    with open_evidence(path) as source:
        entries = {e.path: e for e in source.entries()}
        assert entries["huge.bin"].size == 10**20 and not entries["huge.bin"].readable
        with pytest.raises(UnsafeArchiveError, match="100000000000000000000"):
            source.open(entries["huge.bin"])


def test_compressed_tar_ratio_bound_stops_listing_with_a_warning(tmp_path: Path) -> None:
    path = hostile.targz_ratio_bomb(tmp_path / "r.tar.gz", size=8 << 20)
    limits = ArchiveLimits(archive_ratio=50, ratio_floor=1 << 20)
    with TarSource(path, limits=limits) as source:
        entries = [e.path for e in source.entries()]
        assert entries == ["small.txt", "zeros.bin"]
        assert any("refused as an archive bomb" in w and "listing stopped after 2 members" in w
                   for w in source.warnings)
    with TarSource(path) as source:  # the defaults allow it (8 MiB is below the floor)
        assert [e.path for e in source.entries()] == ["small.txt", "zeros.bin"] and not source.warnings


def test_ls_json_lines_are_json_for_any_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hostile.tar_odd_names(tmp_path / "odd.tar")
    assert main(["-q", "ls", "--json", "--hash", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    bad = next(line for line in lines if line["path"].startswith("bad"))
    assert bad["path"] == "bad\\xff\\xfename.txt" and bad["path_hex"] == b"bad\xff\xfename.txt".hex()
    huge = hostile.tar_pax_huge_size(tmp_path / "h.tar")
    assert main(["-q", "ls", "--json", str(huge)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["size"] for line in lines] == [5, "100000000000000000000"]


def test_ls_max_ratio_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hostile.targz_ratio_bomb(tmp_path / "r.tar.gz", size=300 << 20)
    assert main(["-q", "ls", str(path)]) == 0
    captured = capsys.readouterr()
    assert "zeros.bin" in captured.out and "archive bomb" in captured.err
    assert main(["-q", "ls", "--max-ratio", "5000", str(path)]) == 0
    assert "archive bomb" not in capsys.readouterr().err


def test_folder_with_non_utf8_name_is_examined(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / b"caf\xe9.txt".decode("utf-8", "surrogateescape")).write_bytes(b"latin-1 name")
    (root / "ok.txt").write_bytes(b"ok")
    out = tmp_path / "case"
    assert main(["-q", "examine", str(root), "--out", str(out)]) == 0
    import sqlite3
    rows = dict(sqlite3.connect(out / "case.sqlite").execute("SELECT path, note FROM files").fetchall())
    assert rows["caf\\xe9.txt"] == "name is not valid UTF-8; raw bytes (hex): " + b"caf\xe9.txt".hex()
    assert "ok.txt" in rows


def test_gzip_members_concatenated_are_one_stream(tmp_path: Path) -> None:
    """Two gzip members one after the other (what `cat a.gz b.gz` makes) are one tar stream, not damage."""
    first = hostile.tar_bytes([("a.txt", b"a")])[:1024]
    second = hostile.tar_bytes([("b.txt", b"b")])
    path = tmp_path / "cat.tar.gz"
    path.write_bytes(gzip.compress(first, mtime=0) + gzip.compress(second, mtime=0))
    hashes, warnings = _listing(path)
    assert sorted(hashes) == ["a.txt", "b.txt"] and warnings == []


def test_plain_archives_unchanged(tree_targz: Path, tree_zip: Path) -> None:
    for path in (tree_targz, tree_zip):
        with open_evidence(path) as source:
            list(source.entries())
            assert source.warnings == []
    assert tarfile.is_tarfile(tree_targz) and zipfile.is_zipfile(tree_zip)


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_fast_header_path_agrees_with_tarfile(fmt: int, tmp_path: Path) -> None:
    """Plain headers are read without tarfile; what is listed is what tarfile itself lists."""
    long_dir = "data/data/com.example.app/" + "d" * 60 + "/" + "e" * 50
    members = [(f"{long_dir}/f{i}.txt", f"content {i}".encode()) for i in range(3)] + [("plain.txt", b"x" * 1000)]
    path = tmp_path / "t.tar"
    path.write_bytes(hostile.tar_bytes(members, fmt))
    with tarfile.open(path) as tar:
        expected = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    with open_evidence(path) as source:
        got = {e.path: source.open(e).read() for e in source.entries()}
        assert source.warnings == []
    assert got == expected and len(got) == 4


def test_limits_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hostile.targz_ratio_bomb(tmp_path / "r.tar.gz", size=8 << 20)
    monkeypatch.setenv("TROWEL_MAX_EXPANDED", str(4 << 20))
    with open_evidence(path) as source:
        assert [e.path for e in source.entries()] == ["small.txt", "zeros.bin"]
        assert any(f"members claim more than {4 << 20} bytes at member 'zeros.bin'" in w for w in source.warnings)
    monkeypatch.setenv("TROWEL_MAX_RATIO", "zero")
    with pytest.raises(TrowelError, match="TROWEL_MAX_RATIO"):
        open_evidence(path)


def test_zip_whole_archive_ratio_bound(tmp_path: Path) -> None:
    """Members that are each small but together claim far more than the archive holds (as overlapping-member
    bombs do) are listed, and those beyond the bound are refused with one warning."""
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("./", b"")  # the root: not listed, so listing places differ from member numbers
        for i in range(12):
            zf.writestr(f"z{i:02d}.bin", bytes(1 << 20))
    limits = ArchiveLimits(archive_ratio=200, ratio_floor=4 << 20)
    from trowel.evidence.zip import ZipSource
    with ZipSource(path, limits=limits) as source:
        entries = list(source.entries())
        refused = [e.path for e in entries if not e.readable]
        size = path.stat().st_size
        first = next(i for i in range(1, 13) if (i << 20) > max(4 << 20, 200 * size))
        assert refused == [f"z{i:02d}.bin" for i in range(first - 1, 12)]
        assert sum("refused as an archive bomb" in w for w in source.warnings) == 1
        assert entries[0].path == "z00.bin" and source.hash_entry(entries[0]) is not None
        with pytest.raises(UnsafeArchiveError):
            source.open(next(e for e in entries if e.path == refused[0]))


def test_a_run_of_zeros_ends_the_listing_with_a_warning(tmp_path: Path) -> None:
    """Gigabytes of zero blocks compress to almost nothing: they are not read block by block to the end."""
    first = hostile.tar_bytes([("a.txt", b"a")])[:1024]
    last = hostile.tar_bytes([("late.txt", b"late")])
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    path = tmp_path / "zeros.tar.gz"
    path.write_bytes(comp.compress(first) + comp.compress(bytes(64 << 20)) + comp.compress(last) + comp.flush())
    hashes, warnings = _listing(path)
    assert list(hashes) == ["a.txt"]
    assert any("1048576 bytes of zeros in a row at offset 1024" in w and "not read" in w for w in warnings), warnings
    plain = tmp_path / "padded.tar"  # ordinary end-of-archive padding: no warning
    plain.write_bytes(hostile.tar_bytes([("a.txt", b"a")]) + bytes(64 << 10))
    assert _listing(plain) == ({"a.txt": hashes["a.txt"]}, [])


def _outcome(path: Path) -> list[tuple[str, bool, int, str | None, str | None]]:
    """(path, readable, size, note, SHA-256 or the error's type) of every entry."""
    rows = []
    with open_evidence(path) as source:
        for entry in source.entries():
            result = None
            if entry.kind is EntryKind.FILE and entry.readable:
                try:
                    result = source.hash_entry(entry)
                except TrowelError as exc:
                    result = type(exc).__name__
            rows.append((entry.path, entry.readable, entry.size, entry.note, result))
    return rows


def test_compact_zip_reader_agrees_with_zipfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                tree_zip: Path) -> None:
    """Archives of very many members are read without a ZipInfo per member; the listing, the notes and what
    reading each member gives are the same as through zipfile, damaged members included."""
    from trowel.evidence import zipcompact

    paths = [tree_zip, hostile.zip_duplicates(tmp_path / "d.zip")]
    for name in ("zip_bad_crc.zip", "zip_broken_deflate.zip", "zip_unknown_method.zip", "zip_unknown_version.zip",
                 "zip_lzma_corrupt.zip", "zip_bz2_corrupt.zip", "zip_encrypted_flag.zip", "zip_size_lie.zip",
                 "zip_bad_utf8_name.zip"):
        paths.append(hostile.CORRUPT[name](tmp_path / name))
    expected = {p.name: _outcome(p) for p in paths}
    monkeypatch.setattr(zipcompact, "COMPACT_FROM", 0)
    with open_evidence(tree_zip) as source:
        assert isinstance(source._infos, zipcompact.CompactInfos)  # type: ignore[attr-defined]
    got = {p.name: _outcome(p) for p in paths}
    assert got == expected
    assert [r[0] for r in got["zip_bad_utf8_name.zip"]] == ["good1.txt", "bad\udcff\udcfe.txt", "good2.txt"]


def test_zip64_archive_of_many_members_in_both_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over 65,535 members a zip ends with zip64 records; both readers (and the bad-name fallback) find its
    central directory; one member's name is not UTF-8 although flagged so."""
    from trowel.evidence import zipcompact

    path = tmp_path / "zip64.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(65_540):
            zf.writestr(f"d/f{i:05d}.txt" if i != 7 else "d/bad\u00e9.txt", b"" if i % 1000 else f"{i}".encode())
    data = path.read_bytes()
    path.write_bytes(data.replace("d/bad\u00e9.txt".encode(), b"d/bad\xff\xfe.txt"))
    slow = _outcome(path)
    monkeypatch.setattr(zipcompact, "COMPACT_FROM", 0)
    assert _outcome(path) == slow
    assert len(slow) == 65_540 and slow[7][0] == "d/bad\udcff\udcfe.txt"
    assert slow[1000][4] == hashlib.sha256(b"1000").hexdigest()


def test_empty_zip_member_hashes_without_reading_unless_its_crc_says_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "e.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("empty.txt", b"")
        zf.writestr("lie.txt", b"")
    data = bytearray(path.read_bytes())
    cd = data.rfind(b"PK\x01\x02")  # the central record of lie.txt: a CRC that an empty file cannot have
    data[cd + 16:cd + 20] = b"\x01\x02\x03\x04"
    path.write_bytes(bytes(data))
    with open_evidence(path) as source:
        entries = {e.path: e for e in source.entries()}
        assert source.hash_entry(entries["empty.txt"]) == hashlib.sha256(b"").hexdigest()
        with pytest.raises(EvidenceError, match="lie.txt"):
            source.hash_entry(entries["lie.txt"])
