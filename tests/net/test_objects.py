"""Carved objects: media saving, bounded ZIP opening (also cut-off archives), sticker recognition."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

from tests.fixtures.net.make_captures import png, sticker_zip
from trowel.net.objects import find_sticker, save_media, sticker_frames, sticker_id, zip_members


def test_save_media_once(tmp_path: Path) -> None:
    media = tmp_path / "media"
    digest, rel = save_media(media, b"abc")
    assert digest == hashlib.sha256(b"abc").hexdigest() and rel == f"media/{digest}"
    assert save_media(media, b"abc") == (digest, rel)
    assert [p.name for p in media.iterdir()] == [digest]
    assert save_media(None, b"abc") == (digest, None)


def test_save_media_rewrites_a_cut_copy_and_keeps_a_whole_one(tmp_path: Path) -> None:
    media = tmp_path / "media"
    data = bytes(range(256)) * 300  # 76,800 bytes
    digest = hashlib.sha256(data).hexdigest()
    media.mkdir()
    (media / digest).write_bytes(data[:1000])  # an earlier run interrupted while writing
    assert save_media(media, data) == (digest, f"media/{digest}")
    assert (media / digest).read_bytes() == data
    os.utime(media / digest, ns=(1_000_000_000, 1_000_000_000))
    assert save_media(media, data) == (digest, f"media/{digest}")  # a whole copy is not written again
    assert (media / digest).stat().st_mtime_ns == 1_000_000_000
    empty = hashlib.sha256(b"").hexdigest()
    assert save_media(media, b"") == (empty, f"media/{empty}") and (media / empty).stat().st_size == 0


def test_zip_members_listed_and_hashed() -> None:
    data = sticker_zip(5, 4)
    members, error = zip_members(data)
    assert error is None
    assert [m["name"] for m in members] == ["1.png", "2.png", "3.png", "4.png"]
    assert [m["sha256"] for m in members] == [hashlib.sha256(png(500 + i)).hexdigest() for i in range(1, 5)]
    assert all(m["png"] and m["complete"] for m in members)
    assert sticker_frames(members) == 4


def test_cut_zip_read_from_local_headers() -> None:
    data = sticker_zip(6, 3)
    first_len = 30 + len("1.png") + len(png(601))
    members, error = zip_members(data[:first_len + 100])
    assert error is not None and error.startswith("no readable central directory")
    assert "archive cut off inside member '2.png'" in error
    assert [(m["name"], m["complete"]) for m in members] == [("1.png", True), ("2.png", False)]
    assert members[0]["sha256"] == hashlib.sha256(png(601)).hexdigest()
    assert sticker_frames(members) == 2


def test_deflated_member_and_bounds() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("1.png", png(1))
        zf.writestr("notes.txt", b"x" * 1000)
    members, error = zip_members(buf.getvalue())
    assert error is None and members[1]["sha256"] == hashlib.sha256(b"x" * 1000).hexdigest()
    assert sticker_frames(members) is None  # not every member is N.png


def test_zip_bomb_member_not_opened(monkeypatch: object) -> None:
    import trowel.net.objects as objects

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("1.png", b"\0" * 200_000)
    old = objects.MAX_MEMBER_SIZE
    objects.MAX_MEMBER_SIZE = 100_000
    try:
        members, _ = zip_members(buf.getvalue())
    finally:
        objects.MAX_MEMBER_SIZE = old
    assert members[0]["complete"] is False and members[0]["error"] == "member too large to open (bounded)"


def test_sticker_frame_rules() -> None:
    def names(*items: str) -> list[dict[str, object]]:
        return [{"name": n, "complete": True, "png": True} for n in items]

    assert sticker_frames(names("1.png", "2.png")) == 2
    assert sticker_frames(names("2.png", "1.png", "3.png")) == 3
    assert sticker_frames(names("1.png", "3.png")) is None
    assert sticker_frames(names("frame1.png")) is None
    assert sticker_frames([{"name": "1.png", "complete": True, "png": False}]) is None
    assert sticker_frames([]) is None


def test_sticker_id_from_url() -> None:
    assert sticker_id("http://h/stickers/pack7/s_1001.zip") == "s_1001"
    assert sticker_id("http://h/get?id=abc&x=1") == "abc"
    assert sticker_id("http://h/stickers/77") == "77"
    assert sticker_id("http://h/") is None
    assert sticker_id(None) is None


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_nested_zip_members_listed_with_paths() -> None:
    inner = _zip({"foo/foo.txt": b"inner text\n", "foo/bar.bin": bytes(range(256))})
    deepest = _zip({"deep.txt": b"deep"})
    middle = _zip({"deeper.zip": deepest})
    outer = _zip({"foo.zip": inner, "readme.txt": b"top", "m.zip": middle})
    members, error = zip_members(outer)
    assert error is None
    assert [(m["path"], m.get("depth", 0)) for m in members] == [
        ("foo.zip", 0), ("foo.zip/foo/foo.txt", 1), ("foo.zip/foo/bar.bin", 1), ("readme.txt", 0),
        ("m.zip", 0), ("m.zip/deeper.zip", 1), ("m.zip/deeper.zip/deep.txt", 2)]
    by_path = {m["path"]: m for m in members}
    assert by_path["foo.zip/foo/foo.txt"]["name"] == "foo/foo.txt"
    assert by_path["foo.zip/foo/foo.txt"]["archive"] == "foo.zip"
    assert by_path["foo.zip/foo/foo.txt"]["sha256"] == hashlib.sha256(b"inner text\n").hexdigest()
    assert by_path["m.zip/deeper.zip/deep.txt"]["sha256"] == hashlib.sha256(b"deep").hexdigest()
    assert by_path["foo.zip"]["nested_members"] == 2 and by_path["foo.zip"]["sha256"] == hashlib.sha256(
        inner).hexdigest()


def test_nested_zip_depth_bounded(monkeypatch: object) -> None:
    import trowel.net.objects as objects

    data = _zip({"x.txt": b"x"})
    for level in range(3):
        data = _zip({f"l{level}.zip": data})
    old = objects.MAX_DEPTH
    objects.MAX_DEPTH = 1
    try:
        members, _ = zip_members(data)
    finally:
        objects.MAX_DEPTH = old
    assert [m["path"] for m in members] == ["l2.zip", "l2.zip/l1.zip"]
    assert members[1]["nested_error"] == "archive nested deeper than 1 levels; not opened"


def test_sticker_zip_inside_zip_recognised() -> None:
    outer = _zip({"pack/s_77.zip": sticker_zip(7, 3), "info.json": b"{}"})
    members, _ = zip_members(outer)
    assert sticker_frames(members) is None
    found = find_sticker(members)
    assert found is not None and found[0] == 3
    assert [m["path"] for m in found[1]] == ["pack/s_77.zip/1.png", "pack/s_77.zip/2.png", "pack/s_77.zip/3.png"]


def test_media_folder_removed_between_runs_in_one_process(tmp_path: Path) -> None:
    """The folder a process saved into is deleted and the same path used again (a second analysis into a
    fresh output folder): the object is saved again, no FileNotFoundError."""
    import shutil

    media = tmp_path / "out" / "media"
    digest, rel = save_media(media, b"first body")
    assert (media / digest).read_bytes() == b"first body" and rel == f"media/{digest}"
    shutil.rmtree(tmp_path / "out")
    digest2, _ = save_media(media, b"second body")
    assert digest2 == hashlib.sha256(b"second body").hexdigest()
    assert (media / digest2).read_bytes() == b"second body"
