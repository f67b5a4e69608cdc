"""Media files: what imo saved under ``DCIM/imo`` and ``IMO`` on external storage and its sticker cache,
hashed and linked to the messages and stories that reference them."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterator
from pathlib import PurePosixPath

from trowel.apps.extraction import AppData, LocatedFile, matches
from trowel.apps.imo.scope import APP
from trowel.apps.imo.spec import STICKER_PATHS
from trowel.errors import TrowelError
from trowel.evidence import locate
from trowel.evidence.base import CHUNK
from trowel.model import MediaFile, Provenance, Record, State, Warning
from trowel.timestamps import stamp

MEDIA_PATHS = ("DCIM/imo/**", "IMO/**", "Android/data/{package}/**")
_MAGIC = [(b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"PK\x03\x04", "application/zip"),
          (b"GIF8", "image/gif"), (b"%PDF", "application/pdf"), (b"\xff\xf1", "audio/aac"), (b"\xff\xf9", "audio/aac"),
          (b"#!AMR", "audio/amr"), (b"OggS", "audio/ogg")]


def sniff(head: bytes, name: str) -> str | None:
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return mimetypes.guess_type(name)[0]


def _digest(data: AppData, located: LocatedFile) -> tuple[str, int, bytes]:
    digest = hashlib.sha256()
    size = 0
    head = b""
    with data.source.open(located.entry) as stream:
        while chunk := stream.read(CHUNK):
            if not head:
                head = chunk[:16]
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size, head


def media_files(data: AppData, refs: dict[str, list[tuple[str, str]]]) -> Iterator[Record]:
    """One media record per file; ``refs`` maps an attachment path (or ``sticker:<id>``) to (package, ref)."""
    by_canonical: dict[str, list[tuple[str, str]]] = {}
    by_sticker: dict[str, list[tuple[str, str]]] = {}
    for path, items in refs.items():
        if path.startswith("sticker:"):
            by_sticker.setdefault(path[8:], []).extend(items)
        else:
            by_canonical.setdefault(locate(path.lstrip("/")).canonical, []).extend(items)
    candidates: list[tuple[LocatedFile, str | None]] = []
    for located in data.external_files(MEDIA_PATHS):
        owner = next((p for p in data.packages if f"Android/data/{p}/" in located.relative + "/"), None)
        if located.relative.startswith("Android/data/") and owner is None:
            owner = located.relative.split("/")[2]
        candidates.append((located, owner))
    for pkg, files in sorted(data.packages.items()):
        candidates.extend((f, pkg) for rel, f in sorted(files.items()) if matches(rel, STICKER_PATHS))
    for located, owner in candidates:
        try:
            sha, size, head = _digest(data, located)
        except (TrowelError, OSError, EOFError, ValueError) as exc:
            yield Warning(source=Provenance(evidence=data.evidence, path=located.path), app=APP, user=data.user,
                          package=owner, message=f"media file not readable: {exc}", stage="apps")
            continue
        linked = list(by_canonical.get(located.canonical, []))
        linked += by_sticker.get(PurePosixPath(located.relative).stem, [])
        packages = sorted({p for p, _ in linked})
        package: str | None = owner or (packages[0] if len(packages) == 1 else None)
        if package is None and len(data.packages) == 1:
            package = next(iter(data.packages))
        data.exported.setdefault(sha, located)
        detail = f"also at {', '.join(located.aliases)}" if located.aliases else None
        mtime = located.entry.mtime
        state = State.DELETED if located.entry.deleted else State.LIVE  # a deleted file still readable in an image
        yield MediaFile(source=Provenance(evidence=data.evidence, path=located.path, detail=detail), state=state, app=APP,
                        package=package, user=data.user, sha256=sha, size=size, mime=sniff(head, located.relative),
                        referenced_by=sorted({r for _, r in linked}),
                        time=stamp(mtime, "unix_ns") if mtime is not None else None)
