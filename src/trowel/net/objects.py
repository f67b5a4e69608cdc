"""Carved objects: saving bodies under ``media/`` by SHA-256, opening ZIP archives (bounded; also when cut
off, by walking the local file headers), and recognising imo stickers (ZIP archives of PNG frames named
``1.png, 2.png, ...``)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_LOCAL = b"PK\x03\x04"
MAX_MEMBERS = 10_000
MAX_MEMBER_SIZE = 64 << 20
MAX_TOTAL = 256 << 20
MAX_DEPTH = 4  # archives inside archives are opened this many levels deep
OPENED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
_MADE: set[Path] = set()  # media folders known to exist (saves a mkdir per object)
_FRAME_NAME = re.compile(r"^(?:.*/)?(\d+)\.png$", re.IGNORECASE)


def save_media(media_dir: Path | None, data: bytes) -> tuple[str, str | None]:
    """SHA-256 of ``data`` and, when a media folder is given, the relative path ``media/<sha256>`` it was
    saved under (written once; identical objects share one file)."""
    digest = hashlib.sha256(data).hexdigest()
    if media_dir is None:
        return digest, None
    if media_dir not in _MADE:
        media_dir.mkdir(parents=True, exist_ok=True)
        _MADE.add(media_dir)
    target = f"{os.fspath(media_dir)}/{digest}"
    try:
        _write_new(target, data)
    except FileNotFoundError:  # the folder went away since this process made it (a new run into the same path)
        media_dir.mkdir(parents=True, exist_ok=True)
        _write_new(target, data)
    return digest, f"{media_dir.name}/{digest}"


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_REWRITE = os.O_WRONLY | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def _write_new(target: str, data: bytes) -> None:
    """Create ``target`` with ``data`` (exclusive: identical objects are written once), by plain system calls:
    one open, the writes, one close (thousands of objects: no buffered file object per file)."""
    try:
        fd = os.open(target, _NEW_FILE, 0o666)
    except FileExistsError:
        if os.stat(target).st_size == len(data):
            return
        fd = os.open(target, _REWRITE)  # a copy cut short by an earlier interrupted run
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def is_zip(data: bytes) -> bool:
    return data[:4] == ZIP_LOCAL


class _Budget:
    """What opening one archive (with the archives inside it) may still use: members and bytes."""

    def __init__(self) -> None:
        self.members = MAX_MEMBERS
        self.bytes = MAX_TOTAL


def zip_members(data: bytes) -> tuple[list[dict[str, Any]], str | None]:
    """Members of a ZIP archive (name, sizes, CRC, SHA-256, PNG or not, complete or not) and an error text
    when the archive is damaged or cut off. Reads the central directory when there is one; otherwise walks
    the local file headers so that a cut-off download still shows what it holds.

    A member that is itself a ZIP archive is opened too (``MAX_DEPTH`` levels, within the same member and
    byte bounds): its members follow it in the list with ``depth`` 1, 2, ..., ``archive`` (the path of the
    archive member holding them) and ``path`` (``archive/name``, as Zeek names extracted members)."""
    return _open(data, "", 0, _Budget())


def _open(data: bytes, parent: str, depth: int, budget: _Budget) -> tuple[list[dict[str, Any]], str | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _from_directory(archive, parent, depth, budget), None
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        members, error = _walk_local_headers(data, parent, depth, budget)
        return members, f"no readable central directory ({exc}); {error or 'members read from local headers'}"


def _entry(name: str, parent: str, depth: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "path": f"{parent}/{name}" if parent else name}
    if depth:
        entry["depth"] = depth
        entry["archive"] = parent
    return entry


def _nested(entry: dict[str, Any], content: bytes, depth: int, budget: _Budget) -> list[dict[str, Any]]:
    """The members of an archive inside an archive (bounded), placed after the member holding them."""
    if not is_zip(content) or entry.get("directory"):
        return []
    if depth + 1 > MAX_DEPTH:
        entry["nested_error"] = f"archive nested deeper than {MAX_DEPTH} levels; not opened"
        return []
    inner, error = _open(content, entry["path"], depth + 1, budget)
    entry["nested_members"] = len([m for m in inner if m.get("depth") == depth + 1])
    if error:
        entry["nested_error"] = error
    return inner


def _from_directory(archive: zipfile.ZipFile, parent: str, depth: int, budget: _Budget) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for info in archive.infolist():
        if budget.members <= 0:
            break
        budget.members -= 1
        entry = _entry(info.filename, parent, depth)
        entry.update({"size": info.file_size, "compressed_size": info.compress_size, "crc32": f"{info.CRC:08x}",
                      "method": info.compress_type})
        inner: list[dict[str, Any]] = []
        if info.is_dir():
            entry["directory"] = True
        elif info.compress_type not in OPENED_METHODS:
            entry["complete"] = False
            entry["error"] = f"compression method {info.compress_type} not opened"
        elif info.flag_bits & 0x1:
            entry["complete"] = False
            entry["error"] = "member is encrypted"
        elif info.file_size > MAX_MEMBER_SIZE or info.file_size > budget.bytes:
            entry["complete"] = False
            entry["error"] = "member too large to open (bounded)"
        else:
            try:
                content = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, RuntimeError, OSError,
                    NotImplementedError) as exc:
                entry["complete"] = False
                entry["error"] = str(exc)
            else:
                budget.bytes -= len(content)
                entry.update(_content_facts(content))
                entry["complete"] = True
                inner = _nested(entry, content, depth, budget)
        out.append(entry)
        out += inner
    return out


def _content_facts(content: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(content).hexdigest(), "png": content.startswith(PNG_SIGNATURE)}


def _walk_local_headers(data: bytes, parent: str, depth: int,
                        budget: _Budget) -> tuple[list[dict[str, Any]], str | None]:
    out: list[dict[str, Any]] = []
    pos = 0
    error = None
    while budget.members > 0 and data[pos:pos + 4] == ZIP_LOCAL:
        budget.members -= 1
        if pos + 30 > len(data):
            error = f"archive cut inside a local header at offset {pos}"
            break
        (_sig, _ver, flags, method, _t, _d, crc, csize, usize, nlen, xlen) = struct.unpack_from(
            "<IHHHHHIIIHH", data, pos)
        name = data[pos + 30:pos + 30 + nlen].decode("utf-8" if flags & 0x800 else "cp437", "replace")
        start = pos + 30 + nlen + xlen
        entry = _entry(name, parent, depth)
        entry.update({"size": usize, "compressed_size": csize, "crc32": f"{crc:08x}", "method": method,
                      "offset": pos})
        if flags & 0x08:
            entry["complete"] = False
            entry["error"] = "sizes in a data descriptor; not walked"
            out.append(entry)
            error = "member with a data descriptor; walking stopped"
            break
        raw = data[start:start + csize]
        if len(raw) < csize or start > len(data):
            entry["complete"] = False
            entry["error"] = f"cut off: {max(0, len(raw))} of {csize} bytes present"
            out.append(entry)
            error = f"archive cut off inside member {name!r}"
            break
        inner: list[dict[str, Any]] = []
        try:
            if usize > budget.bytes:
                raise ValueError("member too large to open (bounded)")
            content = _inflate(method, raw, usize)
        except (zlib.error, ValueError) as exc:
            entry["complete"] = False
            entry["error"] = str(exc)
        else:
            budget.bytes -= len(content)
            entry.update(_content_facts(content))
            entry["complete"] = zlib.crc32(content) == crc
            if not entry["complete"]:
                entry["error"] = "CRC does not match"
            else:
                inner = _nested(entry, content, depth, budget)
        out.append(entry)
        out += inner
        pos = start + csize
        if budget.bytes < 0:
            error = "archive larger than the bound; walking stopped"
            break
    return out, error


def _inflate(method: int, raw: bytes, usize: int) -> bytes:
    if usize > MAX_MEMBER_SIZE:
        raise ValueError("member too large to open (bounded)")
    if method == 0:
        return raw
    if method == 8:
        dec = zlib.decompressobj(-15)
        out = dec.decompress(raw, MAX_MEMBER_SIZE)
        return out
    raise ValueError(f"compression method {method} not opened")


def find_sticker(members: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]] | None:
    """(frames, members) of the imo sticker an archive is, or holds as a member archive (at any depth)."""
    top = [m for m in members if not m.get("depth")]
    frames = sticker_frames(top)
    if frames is not None:
        return frames, top
    groups: dict[str, list[dict[str, Any]]] = {}
    for member in members:
        if member.get("depth"):
            groups.setdefault(member["archive"], []).append(member)
    for group in groups.values():
        own = [m for m in group if m.get("depth") == group[0].get("depth")]
        frames = _frames([m for m in own if not m.get("directory")])
        if frames is not None:
            return frames, own
    return None


def sticker_frames(members: list[dict[str, Any]]) -> int | None:
    """Number of PNG frames when the archive is an imo sticker (every file member ``N.png`` numbered from 1
    without holes, PNG content where it could be read); None otherwise. Members of archives inside the
    archive (``depth`` > 0) are not its own."""
    return _frames([m for m in members if not m.get("directory") and not m.get("depth")])


def _frames(files: list[dict[str, Any]]) -> int | None:
    if not files:
        return None
    numbers = []
    for member in files:
        match = _FRAME_NAME.match(member["name"])
        if match is None:
            return None
        if member.get("complete") and member.get("png") is False:
            return None
        numbers.append(int(match.group(1)))
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        return None
    return len(numbers)


def sticker_id(url: str | None) -> str | None:
    """The sticker id a download URL names: an ``id`` query parameter, else the last path segment without
    its extension."""
    if not url:
        return None
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    for key in ("id", "sticker_id", "sticker"):
        if query.get(key):
            return query[key][0]
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return None
    last = segments[-1]
    return last.rsplit(".", 1)[0] if "." in last else last
