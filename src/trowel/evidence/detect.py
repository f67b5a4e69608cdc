"""Recognise an evidence item by its content, never by its file name, and open it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trowel.errors import EvidenceError, TrowelError, UnknownFormatError
from trowel.evidence.archive import TarSource, ZipSource
from trowel.evidence.base import EvidenceSource, error_text
from trowel.evidence.folder import FolderSource
from trowel.evidence.guard import guard

HEAD_BYTES = 4096


@dataclass(frozen=True)
class Format:
    """One evidence format: a name, a sniffer over the first bytes, and how to open it."""

    name: str
    sniff: Callable[[bytes], bool]
    opener: Callable[[Path, str | None], EvidenceSource]


FORMATS: list[Format] = []


def register_format(fmt: Format) -> None:
    if any(f.name == fmt.name for f in FORMATS):
        raise ValueError(f"evidence format {fmt.name!r} is registered twice")
    FORMATS.append(fmt)


def _is_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def _is_compressed(head: bytes) -> bool:
    return head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"))


register_format(Format("zip", lambda h: h.startswith((b"PK\x03\x04", b"PK\x05\x06")), lambda p, _pw: ZipSource(p)))
register_format(Format("tar", _is_tar, lambda p, _pw: TarSource(p)))
register_format(Format("compressed-tar", _is_compressed, lambda p, _pw: TarSource(p)))


def _load_optional_formats() -> None:
    """Formats implemented in their own modules register themselves on import."""
    from trowel.evidence import formats  # noqa: F401


def open_evidence(path: Path, password: str | None = None) -> EvidenceSource:
    """Open any supported evidence item read-only; one clear error line when that is not possible.

    The source returned is guarded: whatever its reader raises later reaches the caller as ``EvidenceError``
    naming the input and the member (see :mod:`trowel.evidence.guard`)."""
    if not path.exists() and not path.is_symlink():
        raise EvidenceError(f"{path}: no such file or folder")
    if path.is_dir():
        return guard(FolderSource(path))
    try:
        with open(path, "rb") as stream:
            head = stream.read(HEAD_BYTES)
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not head:
        raise UnknownFormatError(f"{path}: empty file, not an evidence format")
    _load_optional_formats()
    for fmt in FORMATS:
        if fmt.sniff(head):
            try:
                return guard(fmt.opener(path, password))
            except TrowelError:
                raise
            except Exception as exc:  # noqa: BLE001 - the boundary: any reader error is one line naming the input
                raise EvidenceError(f"{path}: cannot be read as {fmt.name} ({error_text(exc)})") from exc
    raise UnknownFormatError(
        f"{path}: unknown evidence format (expected a folder, tar, zip, Android backup, raw ext4 image, E01 or sparse image)"
    )
