"""What every writer reads: the case store of one case folder, seen through its records' JSON form.

Writers never import parser code. They iterate records (dicts, as ``--json`` prints them), the file inventory,
the evidence items with their hashes before and after, the action log and the case facts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from trowel.case.store import CaseStore
from trowel.scratch import private_folder

FILE_TABLE_COLUMNS = frozenset({
    "id", "evidence", "path", "entry_kind", "size", "mtime_ns", "atime_ns", "ctime_ns", "crtime_ns", "deleted", "sha256",
    "inode", "link_target", "canonical", "area", "user", "package", "note"})
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
FRAME_LIMIT = 16 << 20  # bytes of one image inside a sticker archive
FRAMES_PER_ARCHIVE = 64
# Magic numbers of the media types the report may show inline; anything else is never embedded or linked.
_MAGIC: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"ftyp", 4, "video/mp4"),
    (b"OggS", 0, "audio/ogg"),
    (b"ID3", 0, "audio/mpeg"),
    (b"#!AMR", 0, "audio/amr"),
    (b"\xff\xf1", 0, "audio/aac"),
    (b"\xff\xf9", 0, "audio/aac"),
]


# For spotting long numbers cheaply: digits become "0", characters that can precede a number token become "x"
_NUMBER_VIEW = bytes(ord("0") if 0x30 <= b <= 0x39 else ord("x") if chr(b) in ":,[ -\t\r\n" else ord(" ")
                     for b in range(256))
_LONG_NUMBER = b"x" + b"0" * 19


def decode(text: str | bytes) -> Any:
    """A stored record's JSON text (str or UTF-8 bytes) decoded; orjson for speed, the json module for what orjson
    refuses (NaN, lone surrogate escapes) and for any number token of 19 digits or more (orjson would turn an
    integer beyond 64 bits into a float), so the result is always what json.loads gives."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _LONG_NUMBER in data.translate(_NUMBER_VIEW):
        return json.loads(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


_JSON_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


def encode(value: Any) -> str:
    """Compact JSON text (UTF-8 characters kept); orjson for speed, the json module for what orjson refuses
    (lone surrogates, integers beyond 64 bits). Not for the HTML data files (see html.json_text)."""
    try:
        return orjson.dumps(value, default=str).decode("utf-8")
    except TypeError:
        return _JSON_ENCODE(value)


def is_time(value: Any) -> bool:
    """True for a time object of the record JSON form ({utc, raw, format, clock})."""
    return isinstance(value, dict) and "format" in value and "raw" in value and "utc" in value


def sniff_media(path: Path) -> str | None:
    """The media type of a copied media file from its first bytes (None when it is not a known safe type)."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(16)
    except OSError:
        return None
    for magic, offset, mime in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            if mime == "image/webp" and not head.startswith(b"RIFF"):
                continue
            return mime
    return None


@dataclass
class CaseData:
    """One case folder opened for writing outputs. ``root`` is the case folder (DIR)."""

    root: Path
    store: CaseStore
    _media: dict[str, str | None] = field(default_factory=dict)
    _frames: dict[str, list[str]] = field(default_factory=dict)
    _scratch: Path | None = None
    waiter: Callable[[], None] | None = None  # set by write_all while other writers run in a second process

    @classmethod
    def open(cls, root: Path) -> CaseData:
        return cls(root=root, store=CaseStore(root / "case.sqlite"))

    def wait_for_outputs(self) -> None:
        """Block until the outputs written in a second process are done (see registry.write_all); a writer that
        lists the other outputs (the HTML report) calls this first."""
        if self.waiter is not None:
            self.waiter()

    def info(self) -> dict[str, Any]:
        return self.store.info()

    def evidence(self) -> list[dict[str, Any]]:
        return self.store.evidence()

    def actions(self) -> list[dict[str, Any]]:
        return self.store.actions()

    def kinds(self) -> dict[str, int]:
        return self.store.kinds()

    def records(self, kind: str | None = None) -> Iterator[dict[str, Any]]:
        """Every stored record in its JSON form with the store's ``id`` (as CaseStore.records, decoded with
        orjson: the writers read every record several times)."""
        self.store.flush()
        sql = "SELECT id, CAST(json AS BLOB) FROM records" + (" WHERE kind = ?" if kind else "") + " ORDER BY id"
        for rid, text in self.store.db.execute(sql, (kind,) if kind else ()):
            data = decode(text)
            data["id"] = rid
            yield data

    def records_by_id(self, ids: list[int]) -> Iterator[dict[str, Any]]:
        """The records with these store ids, in the order given (fetched in batches, never all at once)."""
        self.store.flush()
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            marks = ",".join("?" * len(batch))
            found = {rid: text for rid, text in self.store.db.execute(
                f"SELECT id, CAST(json AS BLOB) FROM records WHERE id IN ({marks})", batch)}
            for rid in batch:
                if rid in found:
                    data = decode(found[rid])
                    data["id"] = rid
                    yield data

    def scratch(self) -> Path:
        """A private scratch folder for writers (sort tables), removed by close(); under the case folder when
        it is writable (else the system temp folder), and the ones a killed run left are removed first."""
        if self._scratch is None:
            self._scratch = private_folder(".trowel-report-", self.root if os.access(self.root, os.W_OK) else None)
        return self._scratch

    def files(self) -> Iterator[dict[str, Any]]:
        return self.store.files()

    def file_values(self, columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """These columns of every inventory row, in store order, as tuples (no dict per row: the writers read
        every file of the inventory, a million and more in a large archive)."""
        unknown = [c for c in columns if c not in FILE_TABLE_COLUMNS]
        if unknown:
            raise ValueError(f"not a column of the files table: {', '.join(unknown)}")
        yield from self.store.db.execute(f"SELECT {', '.join(columns)} FROM files ORDER BY id")

    def file_count(self) -> int:
        return int(self.store.db.execute("SELECT count(*) FROM files").fetchone()[0])

    def apps(self) -> list[str]:
        """Every app name that records carry, sorted (records without an app are not listed)."""
        rows = self.store.db.execute("SELECT DISTINCT app FROM records WHERE app IS NOT NULL ORDER BY app")
        return [r[0] for r in rows]

    def display_tz(self) -> str:
        return str(self.info().get("display_tz") or "UTC")

    def media_type(self, sha256: str | None) -> str | None:
        """The sniffed type of ``DIR/media/<sha256>`` when that copy exists and is a safe media type."""
        if not sha256 or not SHA256_RE.match(sha256):
            return None
        if sha256 not in self._media:
            path = self.root / "media" / sha256
            self._media[sha256] = sniff_media(path) if path.is_file() else None
        return self._media[sha256]

    def archive_frames(self, sha256: str | None) -> list[str]:
        """The images inside a media copy that is a ZIP archive (imo sticker packs), each written next to it as
        ``media/<sha256 of the image>``; their SHA-256 names, in archive order. Bounded: at most 64 members of at
        most 16 MiB each; anything that is not a ZIP, or not an image, gives nothing."""
        if not sha256 or not SHA256_RE.match(sha256):
            return []
        if sha256 in self._frames:
            return self._frames[sha256]
        frames: list[str] = []
        path = self.root / "media" / sha256
        try:
            with open(path, "rb") as stream:
                is_zip = stream.read(4) == b"PK\x03\x04"
            if is_zip:
                with zipfile.ZipFile(path) as archive:
                    for info in archive.infolist()[:FRAMES_PER_ARCHIVE]:
                        if info.is_dir() or info.file_size > FRAME_LIMIT:
                            continue
                        with archive.open(info) as member:
                            data = member.read(FRAME_LIMIT + 1)
                        if len(data) > FRAME_LIMIT or not any(data.startswith(m) for m in (b"\x89PNG", b"GIF8")) \
                                and not (data.startswith(b"RIFF") and data[8:12] == b"WEBP"):
                            continue
                        digest = hashlib.sha256(data).hexdigest()
                        target = self.root / "media" / digest
                        if not target.exists():
                            target.write_bytes(data)
                        frames.append(digest)
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError):
            frames = []
        self._frames[sha256] = frames
        return frames

    def close(self) -> None:
        """Close the store (only for a CaseData made by open()) and remove the scratch folder."""
        self.release()
        self.store.close()

    def release(self) -> None:
        """Remove the scratch folder; the store stays open (examine owns it)."""
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
