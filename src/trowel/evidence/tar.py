"""tar evidence (plain, gz, bz2, xz), read in place: nothing is ever extracted to the host.

Every header is read once when the archive is opened and kept compactly (a million members cost about a
hundred megabytes, not a ``TarInfo`` each). Damage never costs more than it must, and never silently:

- a header that is not valid (bad checksum, junk) is skipped block by block until the next valid header, and
  a warning gives the damaged range; members after it are listed;
- a stream that ends early or fails mid-way (truncated, bad deflate data) keeps the members read so far, and
  a warning says how many were read and at which offset of the archive listing stopped;
- pax and GNU long-name headers may not claim more than 16 MiB; a size beyond 2**62 bytes is listed as the
  member's claimed size, with a note, and the member is not readable;
- members may not together claim more than the bounds of :mod:`trowel.evidence.limits` (compressed tar: a
  ratio to the archive's size on disk); listing stops there with a warning;
- hard links resolve to their target's content; ``""`` and ``"."`` names get a visible placeholder; names that
  are not UTF-8 are kept (surrogate-escaped); a name that appears twice is listed twice.
"""

from __future__ import annotations

import tarfile
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from trowel.errors import EvidenceError, UnsafeArchiveError
from trowel.evidence.base import Entry, EntryKind, EvidenceSource, clean_member_path
from trowel.evidence.base import error_text as _why
from trowel.evidence.limits import ArchiveLimits, default_limits
from trowel.evidence.names import shown_name

_NS = 1_000_000_000
MAX_EXTENDED_HEADER = 16 << 20  # pax / GNU long-name data; real ones are a few hundred bytes
MAX_SANE_SIZE = 1 << 62
_NO_TIME = -(2**63)

_FILE, _DIR, _SYMLINK, _HARDLINK, _OTHER = range(5)
_KINDS = {_FILE: EntryKind.FILE, _DIR: EntryKind.DIR, _SYMLINK: EntryKind.SYMLINK, _HARDLINK: EntryKind.FILE,
          _OTHER: EntryKind.OTHER}


class _Header(tarfile.TarInfo):
    """A ``TarInfo`` that records damaged blocks and refuses extended headers of absurd size."""

    claimed_size: int | None = None

    @classmethod
    def fromtarfile(cls, tarfile: Any) -> Any:  # noqa: A002 - the stdlib's parameter name
        start = tarfile.offset
        try:
            return super().fromtarfile(tarfile)
        except (tarfile_module.EOFHeaderError, tarfile_module.EmptyHeaderError):
            raise  # a zero block (the end-of-archive marker, padding) or the end of the data: not damage
        except tarfile_module.TruncatedHeaderError:
            tarfile.cut_at = start  # the data ends inside a header: tarfile stops there without a word
            raise
        except tarfile_module.HeaderError:
            note_damage(tarfile, start)
            raise

    def _proc_member(self, tarfile: Any) -> Any:  # noqa: A002
        if self.type in (tarfile_module.XHDTYPE, tarfile_module.XGLTYPE, tarfile_module.SOLARIS_XHDTYPE,
                         tarfile_module.GNUTYPE_LONGNAME, tarfile_module.GNUTYPE_LONGLINK) \
                and self.size > MAX_EXTENDED_HEADER:
            raise tarfile_module.InvalidHeaderError(f"extended header claims {self.size} bytes")
        self._clamp_size()
        return super()._proc_member(tarfile)  # type: ignore[misc]

    def _apply_pax_info(self, pax_headers: Any, encoding: str, errors: str) -> None:
        super()._apply_pax_info(pax_headers, encoding, errors)  # type: ignore[misc]
        self._clamp_size()

    def _clamp_size(self) -> None:
        if not 0 <= self.size <= MAX_SANE_SIZE:
            self.claimed_size = self.size
            self.size = 0


tarfile_module: Any = tarfile  # the methods above take a parameter named ``tarfile`` (the stdlib's signature)


class _TarFile(tarfile.TarFile):
    """A ``TarFile`` that remembers the ranges of damaged header blocks it skipped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.damaged: list[list[int]] = []
        self.cut_at: int | None = None
        super().__init__(*args, **kwargs)


def note_damage(tar: Any, offset: int) -> None:
    """Remember a block that should have been a header and was not (merged into ranges)."""
    ranges: list[list[int]] | None = getattr(tar, "damaged", None)
    if ranges is None:
        return
    if ranges and ranges[-1][1] >= offset:
        ranges[-1][1] = max(ranges[-1][1], offset + tarfile.BLOCKSIZE)
    else:
        ranges.append([offset, offset + tarfile.BLOCKSIZE])


class TarSource(EvidenceSource):
    kind = "tar"

    def __init__(self, path: Path, fileobj: BinaryIO | None = None, label: str | None = None,
                 limits: ArchiveLimits | None = None) -> None:
        super().__init__(path)
        self._label = label or str(path)
        self.limits = limits or default_limits()
        self._names: list[str] = []
        self._meta = array("q")  # per member: kind, size, offset_data, mtime (seconds or _NO_TIME)
        self._extra: dict[int, tuple[str | None, str | None, Any]] = {}  # index -> (link target, note, sparse)
        self._index: dict[str, int] = {}
        self._claimed: dict[int, int] = {}  # index -> size claimed beyond MAX_SANE_SIZE
        self._stored = 0
        try:
            self._tar = _TarFile.open(  # noqa: SIM115 - closed in close()
                name=None if fileobj else str(path), fileobj=fileobj, mode="r:*", tarinfo=_Header,
                ignore_zeros=True)
        except Exception as exc:  # noqa: BLE001 - any reader error: one line, never a traceback
            raise EvidenceError(f"{self._label}: not a readable tar archive ({_why(exc)})") from exc
        self._disk_size = _disk_size(path) if fileobj is None else 0
        self._compressed = fileobj is None and _is_compressed(path)
        self._load()
        if not self._names and self.warnings:
            raise EvidenceError("; ".join(self.warnings))

    # --- listing -------------------------------------------------------------------------------------
    def _load(self) -> None:
        tar = self._tar
        claimed = 0
        stop: str | None = None
        try:
            while True:
                info = tar.next()
                if info is None:
                    break
                tar.members.clear()  # type: ignore[attr-defined]  # tarfile keeps every TarInfo; a million of them would cost gigabytes
                claimed += info.size
                stop = self._over_bounds(claimed, info)
                self._add(info)
                if stop:
                    break
        except Exception as exc:  # noqa: BLE001 - a damaged stream: keep what was read and say where it stopped
            offset = getattr(tar, "offset", 0)
            self.warnings.append(
                f"{self._label}: archive ends early or is damaged: {self._stored} members read, listing stopped at "
                f"offset {offset} of the {'uncompressed ' if self._compressed else ''}archive ({_why(exc)}); "
                "anything after it is not listed")
        else:
            if tar.cut_at is not None:
                self.warnings.append(
                    f"{self._label}: archive ends early: {self._stored} members read, listing stopped at offset "
                    f"{tar.cut_at} of the {'uncompressed ' if self._compressed else ''}archive (the data ends inside "
                    "a header); anything after it is not listed")
        if stop:
            self.warnings.append(stop)
        damaged = tar.damaged
        if damaged:
            spans = ", ".join(f"{a}..{b}" for a, b in damaged[:10]) + (" ..." if len(damaged) > 10 else "")
            total = sum(b - a for a, b in damaged)
            self.warnings.append(
                f"{self._label}: {total} bytes in {len(damaged)} damaged range(s) were not valid tar headers and "
                f"were skipped (offsets {spans}); listing went on at the next valid header")

    def _over_bounds(self, claimed: int, info: tarfile.TarInfo) -> str | None:
        lim = self.limits
        what = None
        if claimed > lim.max_total:
            what = f"members claim more than {lim.max_total} bytes"
        elif self._compressed and self._disk_size and claimed > lim.ratio_floor \
                and claimed > lim.archive_ratio * self._disk_size:
            what = (f"members claim {claimed} bytes from {self._disk_size} compressed bytes (ratio over "
                    f"{lim.archive_ratio:g})")
        if what is None:
            return None
        return (f"{self._label}: {what} at member {shown_name(info.name)!r}: refused as an archive bomb; "
                f"listing stopped after {self._stored + 1} members (limits: TROWEL_MAX_RATIO, TROWEL_MAX_EXPANDED)")

    def _add(self, info: tarfile.TarInfo) -> None:
        number = self._stored + 1
        clean, note = clean_member_path(info.name)
        if info.isdir() and not clean:
            return  # "./": the archive's own root
        if not clean:
            clean = f"[unnamed member {number}]" if not info.name.strip("/") else f"[member {number} named {info.name!r}]"
            note = f"member {number} has the name {info.name!r}"
        if note:
            self.warnings.append(f"{self._label}: {note}; listed as {shown_name(clean)!r}, never written there")
        claimed = info.claimed_size if isinstance(info, _Header) else None
        if claimed is not None:
            note = _join(note, f"header claims a size of {claimed} bytes; not readable")
            self.warnings.append(f"{self._label}: member {shown_name(clean)!r} claims {claimed} bytes; not readable")
        if info.isreg():
            kind = _FILE
        elif info.isdir():
            kind = _DIR
        elif info.issym():
            kind = _SYMLINK
        elif info.islnk():
            kind = _HARDLINK
        else:
            kind = _OTHER
        if clean in self._index:
            earlier = self._index[clean]
            renamed = f"{clean} [duplicate, member {earlier + 1}]"
            self._names[earlier] = renamed
            self._index[renamed] = earlier
            link, old_note, sparse = self._extra.get(earlier, (None, None, None))
            self._extra[earlier] = (link, _join(old_note, f"a later member has the same name {shown_name(clean)!r}"), sparse)
            self.warnings.append(f"{self._label}: member {shown_name(clean)!r} appears again (member {number}); "
                                 f"the earlier copy is listed as {shown_name(renamed)!r}")
        index = self._stored
        self._index[clean] = index
        self._names.append(clean)
        mtime = int(info.mtime) if isinstance(info.mtime, (int, float)) and abs(info.mtime) < 2**33 else _NO_TIME
        self._meta.extend((kind, info.size if claimed is None else -1, info.offset_data, mtime))
        link = info.linkname or None
        if kind == _HARDLINK and link is not None:
            link = clean_member_path(link)[0]
        sparse = info.sparse if kind == _FILE and info.sparse else None
        if claimed is not None:
            self._claimed[index] = claimed
        if link or note or sparse:
            self._extra[index] = (link, note, sparse)
        self._stored += 1

    @property
    def member_count(self) -> int:
        return self._stored

    def entries(self) -> Iterator[Entry]:
        meta = self._meta
        extra = self._extra
        for index, name in enumerate(self._names):
            kind, size, _offset, mtime = meta[4 * index: 4 * index + 4]
            link, note, _sparse = extra.get(index, (None, None, None))
            readable = True
            if kind == _HARDLINK:
                target = self._index.get(link or "")
                if target is not None and meta[4 * target] == _FILE:
                    size = meta[4 * target + 1]
                    note = _join(note, f"hard link to {shown_name(link or '')!r}")
                else:
                    kind, size = _SYMLINK, 0
                    note = _join(note, f"hard link to {shown_name(link or '')!r}, which is not a file in this archive")
            if size < 0:
                size = self._claimed.get(index, 0)
                readable = False
            entry_kind = _KINDS[kind]
            yield Entry(
                path=name, kind=entry_kind, size=size if entry_kind is EntryKind.FILE else 0,
                mtime=mtime * _NS if mtime not in (_NO_TIME, 0) else None,
                link_target=link, note=note, readable=readable,
            )

    def open(self, entry: Entry) -> BinaryIO:
        index = self._index.get(entry.path)
        if index is None:
            raise EvidenceError(f"{self._label}: no member {shown_name(entry.path)!r}")
        kind = self._meta[4 * index]
        if kind == _HARDLINK:
            link = self._extra.get(index, (None, None, None))[0]
            target = self._index.get(link or "")
            if target is None or self._meta[4 * target] != _FILE:
                raise EvidenceError(f"{self._label}: {shown_name(entry.path)!r} is a hard link to a member not here")
            index = target
        elif kind != _FILE:
            raise EvidenceError(f"{self._label}: {shown_name(entry.path)!r} is not a regular file")
        size, offset = self._meta[4 * index + 1], self._meta[4 * index + 2]
        if size < 0:
            raise UnsafeArchiveError(f"{self._label}: {shown_name(entry.path)!r} claims "
                                     f"{self._claimed.get(index)} bytes; not readable")
        if size > self.limits.max_member:
            raise UnsafeArchiveError(f"{self._label}: {shown_name(entry.path)!r} claims {size} bytes, over the "
                                     f"{self.limits.max_member} byte limit")
        info = tarfile.TarInfo(self._names[index])
        info.size, info.offset_data, info.type = size, offset, tarfile.REGTYPE
        info.sparse = self._extra.get(index, (None, None, None))[2]
        return tarfile.ExFileObject(self._tar, info)

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "members": self._stored}

    def close(self) -> None:
        self._tar.close()


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def _disk_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _is_compressed(path: Path) -> bool:
    try:
        with open(path, "rb") as stream:
            head = stream.read(6)
    except OSError:
        return False
    return head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"))
