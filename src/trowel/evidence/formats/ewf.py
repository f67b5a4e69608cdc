"""Expert Witness (E01, Ex01) images via libewf (``pyewf``), with the stored hashes verified.

The segment set (``.E01``, ``.E02``, ...) is found next to the first segment. On open, the media is read
once from start to end (a few EWF chunks per read, streamed into MD5 and SHA-1) and compared with the hashes the
acquisition tool stored. A mismatch is a clear error: the image is damaged or was altered, and nothing
read from it could be trusted. An image with no stored hash opens with a warning. The case and examiner
headers and the verification result are part of :meth:`EwfSource.describe` (and so of the case log).

libewf replaces a chunk whose checksum fails with zeros, so damage shows up as a hash mismatch. The media
is then read with The Sleuth Kit through :class:`~trowel.evidence.formats.disk_image.StreamImage`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pyewf

from trowel.errors import EvidenceError
from trowel.evidence.detect import Format, register_format
from trowel.evidence.formats.disk_image import DiskImageSource, StreamImage
from trowel.progress import progress_bar

EWF1_MAGIC = b"EVF\x09\x0d\x0a\xff\x00"
EWF2_MAGIC = b"EVF2\x0d\x0a\x81\x00"
VERIFY_CHUNKS = 8  # read 8 EWF chunks at a time: larger reads are slower with libewf's chunk cache


def segment_files(path: Path) -> list[Path]:
    """Every segment of the set that ``path`` starts (E01, E02, ... or Ex01, ...); the path alone if none."""
    try:
        found = [Path(p) for p in pyewf.glob(str(path))]
    except (OSError, ValueError, TypeError):
        found = []
    return found or [path]


class EwfReader:
    """Positioned reads over an open libewf handle (what :class:`StreamImage` needs)."""

    def __init__(self, handle: Any, label: str) -> None:
        self._handle = handle
        self._label = label

    def read_at(self, offset: int, size: int) -> bytes:
        try:
            data: bytes = self._handle.read_buffer_at_offset(size, offset)
        except OSError as exc:
            raise EvidenceError(f"{self._label}: cannot read media at {offset} ({' '.join(str(exc).split())[:200]})") from exc
        return data


def verify_media(handle: Any, size: int, stored: dict[str, str], label: str) -> dict[str, object]:
    """Hash the whole media (streamed) and compare with the stored hashes; return the verification facts."""
    digests = {"MD5": hashlib.md5(usedforsecurity=False), "SHA1": hashlib.sha1(usedforsecurity=False)}
    piece = max(int(handle.get_chunk_size() or 0), 32 << 10) * VERIFY_CHUNKS
    done = 0
    with progress_bar(f"verify {Path(label).name}", total=size, bytes_=True) as bar:
        while done < size:
            try:
                data = handle.read_buffer_at_offset(min(piece, size - done), done)
            except OSError as exc:
                raise EvidenceError(f"{label}: E01 media unreadable at byte {done} while verifying "
                                    "(a segment is missing or damaged)") from exc
            if not data:
                raise EvidenceError(f"{label}: media ends at byte {done} of {size} while verifying")
            for digest in digests.values():
                digest.update(data)
            done += len(data)
            bar.advance(len(data))
    result: dict[str, object] = {}
    for name, digest in digests.items():
        computed = digest.hexdigest()
        result[f"computed_{name.lower()}"] = computed
        if stored.get(name):
            result[f"stored_{name.lower()}"] = stored[name].lower()
            result[f"{name.lower()}_verified"] = stored[name].lower() == computed
    return result


class EwfSource(DiskImageSource):
    """The file systems inside an E01 segment set, after checking the stored MD5 / SHA-1."""

    kind = "ewf"

    def __init__(self, path: Path, verify: bool = True) -> None:
        label = str(path)
        self.segments = segment_files(path)
        self._handle = pyewf.handle()
        try:
            self._handle.open([str(p) for p in self.segments], "r")
        except (OSError, ValueError) as exc:
            raise EvidenceError(f"{label}: cannot open the E01 image (corrupt, truncated, or a segment is missing)") from exc
        self._handle_open = True
        try:
            self.media_size = int(self._handle.get_media_size())
            self.headers = {k: v for k, v in (self._handle.get_header_values() or {}).items() if v}
            self.stored_hashes = {k.upper(): v for k, v in (self._handle.get_hash_values() or {}).items() if v}
            self.verification: dict[str, object] = {}
            if verify:
                self.verification = verify_media(self._handle, self.media_size, self.stored_hashes, label)
                bad = [n for n in ("md5", "sha1") if self.verification.get(f"{n}_verified") is False]
                if bad:
                    names = " and ".join(n.upper() for n in bad)
                    raise EvidenceError(
                        f"{label}: E01 media {names} does not match the stored hash (stored "
                        f"{self.verification[f'stored_{bad[0]}']}, computed {self.verification[f'computed_{bad[0]}']}): "
                        "the image is damaged or was altered")
            super().__init__(path, StreamImage(EwfReader(self._handle, label), self.media_size), f"{label} (E01)")
        except BaseException:
            self._close_handle()
            raise
        if verify and not any(k.endswith("_verified") for k in self.verification):
            self.warnings.append(f"{label}: the E01 image stores no MD5 or SHA-1; its media could not be verified")

    def describe(self) -> dict[str, object]:
        info = super().describe()
        info["ewf"] = {
            "segments": [{"name": p.name, "bytes": p.stat().st_size} for p in self.segments],
            "media_bytes": self.media_size, "headers": self.headers, "stored_hashes": self.stored_hashes,
            "verification": self.verification,
        }
        return info

    def _close_handle(self) -> None:
        if self._handle_open:
            self._handle_open = False
            self._handle.close()

    def close(self) -> None:
        super().close()
        self._close_handle()


register_format(Format("ewf", lambda head: head.startswith((EWF1_MAGIC, EWF2_MAGIC)),
                       lambda path, _pw: EwfSource(path)))
