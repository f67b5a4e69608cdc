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
- hard links resolve to their target's content; ``""`` and ``"."`` names get a visible stand-in name; names that
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
MAX_ZERO_BLOCKS = 2048  # 1 MiB of zero blocks in a row ends the listing (tar pads with at most a few KiB)
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
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
            member = super().fromtarfile(tarfile)
        except tarfile_module.EOFHeaderError:
            # a zero block (the end-of-archive marker, padding): not damage, but a stream of nothing but zeros
            # (gigabytes of them compress to almost nothing) must not be read block by block to its end
            tarfile.zero_run += 1
            if tarfile.zero_run > MAX_ZERO_BLOCKS:
                raise _ZeroRun(start) from None
            raise
        except tarfile_module.EmptyHeaderError:
            raise  # the end of the data
        except tarfile_module.TruncatedHeaderError:
            tarfile.cut_at = start  # the data ends inside a header: tarfile stops there without a word
            raise
        except tarfile_module.HeaderError:
            note_damage(tarfile, start)
            tarfile.zero_run = 0
            raise
        tarfile.zero_run = 0
        return member

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


class _ZeroRun(Exception):  # noqa: N818 - a signal, not an error
    """Too many zero blocks in a row: treated as the end of the archive."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


class _TarFile(tarfile.TarFile):
    """A ``TarFile`` that remembers the ranges of damaged header blocks it skipped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.damaged: list[list[int]] = []
        self.cut_at: int | None = None
        self.zero_run = 0
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
        stream = _Pushback(tar.fileobj)
        tar.fileobj = stream
        claimed = 0
        stop: str | None = None
        try:
            while True:
                first = tar.firstmember is not None  # type: ignore[attr-defined]
                fields = None if first or tar.pax_headers else self._fast_header(stream)
                if fields is None:  # anything unusual: tarfile reads it (pax, long names, sparse, damage, the end)
                    info = tar.next()
                    if info is None:
                        break
                    tar.members.clear()  # type: ignore[attr-defined]  # a million TarInfo would cost gigabytes
                    fields = _fields(info)
                claimed += fields[2]
                stop = self._over_bounds(claimed, fields[0])
                self._add(*fields)
                if stop:
                    break
        except _ZeroRun as zeros:
            more = bool(stream.read(1))
            if more:
                self.warnings.append(
                    f"{self._label}: {MAX_ZERO_BLOCKS * BLOCK} bytes of zeros in a row at offset {zeros.offset - MAX_ZERO_BLOCKS * BLOCK} "
                    f"of the {'uncompressed ' if self._compressed else ''}archive, taken as its end after "
                    f"{self._stored} members; what follows them was not read")
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

    def _fast_header(self, stream: _Pushback) -> _Fields | None:
        """The next member when its header is a plain ustar/GNU one (most members of most archives), read
        without building a ``TarInfo``; None (and nothing consumed) for anything else."""
        tar = self._tar
        offset = tar.offset
        if stream.tell() != offset:  # past the last member's data: it must all be there (as tarfile checks)
            stream.seek(offset - 1)
            if not stream.read(1):
                raise tarfile.ReadError("unexpected end of data")
        buf = stream.read(BLOCK)
        parsed = _parse_header(buf, tar.encoding, tar.errors) if len(buf) == BLOCK else None
        if parsed is None:
            stream.unread(buf)
            return None
        name, kind, size, mtime, link = parsed
        tar.offset = offset + BLOCK + (-(-size // BLOCK) * BLOCK if kind == _FILE else 0)
        return name, kind, size, mtime, offset + BLOCK, link, None, None

    def _over_bounds(self, claimed: int, name: str) -> str | None:
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
        return (f"{self._label}: {what} at member {shown_name(name)!r}: refused as an archive bomb; "
                f"listing stopped after {self._stored + 1} members (limits: TROWEL_MAX_RATIO, TROWEL_MAX_EXPANDED)")

    def _add(self, raw_name: str, kind: int, size: int, mtime: int, offset_data: int, link: str | None,
             sparse: Any, claimed: int | None) -> None:
        number = self._stored + 1
        if _plain_name(raw_name):
            clean, note = raw_name, None
        else:
            clean, note = clean_member_path(raw_name)
        if kind == _DIR and not clean:
            return  # "./": the archive's own root
        if not clean:
            clean = f"[unnamed member {number}]" if not raw_name.strip("/") else f"[member {number} named {raw_name!r}]"
            note = f"member {number} has the name {raw_name!r}"
        if note:
            self.warnings.append(f"{self._label}: {note}; listed as {shown_name(clean)!r}, never written there")
        if claimed is not None:
            note = _join(note, f"header claims a size of {claimed} bytes; not readable")
            self.warnings.append(f"{self._label}: member {shown_name(clean)!r} claims {claimed} bytes; not readable")
        index = self._stored
        if clean in self._index:
            earlier = self._index[clean]
            renamed = f"{clean} [duplicate, member {earlier + 1}]"
            self._names[earlier] = renamed
            self._index[renamed] = earlier
            old_link, old_note, old_sparse = self._extra.get(earlier, (None, None, None))
            self._extra[earlier] = (old_link, _join(old_note, f"a later member has the same name {shown_name(clean)!r}"),
                                    old_sparse)
            self.warnings.append(f"{self._label}: member {shown_name(clean)!r} appears again (member {number}); "
                                 f"the earlier copy is listed as {shown_name(renamed)!r}")
        self._index[clean] = index
        self._names.append(clean)
        self._meta.extend((kind, size if claimed is None else -1, offset_data, mtime))
        if kind == _HARDLINK and link is not None:
            link = clean_member_path(link)[0]
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

    def hash_entry(self, entry: Entry, limit: int | None = None) -> str | None:
        if entry.kind is EntryKind.FILE and entry.readable and entry.size == 0 and entry.path in self._index:
            return EMPTY_SHA256  # a member of no bytes has no data to read (a million empty members: no million opens)
        return super().hash_entry(entry, limit)

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "members": self._stored}

    def close(self) -> None:
        self._tar.close()


_Fields = tuple[str, int, int, int, int, "str | None", Any, "int | None"]
BLOCK = tarfile.BLOCKSIZE
_FAST_TYPES = {0x30: _FILE, 0: _FILE, 0x37: _FILE, 0x35: _DIR, 0x32: _SYMLINK, 0x31: _HARDLINK}
_MAGICS = {b"ustar\x0000": True, b"ustar  \x00": False}  # POSIX ustar (has a name prefix), GNU


def _cut(field: bytes) -> bytes:
    end = field.find(b"\0")
    return field if end < 0 else field[:end]


def _parse_header(buf: bytes, encoding: str, errors: str) -> tuple[str, int, int, int, str | None] | None:
    """(name, kind, size, mtime, link target) of a plain ustar/GNU header whose checksum holds; None for any
    other block (tarfile then reads it, with all its special cases)."""
    kind = _FAST_TYPES.get(buf[156])
    posix = _MAGICS.get(buf[257:265])
    if kind is None or posix is None or buf[124] & 0x80 or buf[136] & 0x80:
        return None
    try:
        size = int(_cut(buf[124:136]).strip() or b"0", 8)
        mtime = int(_cut(buf[136:148]).strip() or b"0", 8)
        checksum = int(_cut(buf[148:156]).strip() or b"0", 8)
    except ValueError:
        return None
    if checksum != sum(buf) - sum(buf[148:156]) + 256:
        return None
    name_bytes = _cut(buf[:100])
    if posix and buf[345]:
        name_bytes = _cut(buf[345:500]) + b"/" + name_bytes
    name = name_bytes.decode(encoding, errors)
    if kind == _FILE and buf[156] == 0 and name.endswith("/"):
        kind = _DIR
    if kind == _DIR:
        name = name.rstrip("/")
    link = _cut(buf[157:257]).decode(encoding, errors) if kind in (_SYMLINK, _HARDLINK) else None
    return name, kind, size, mtime, link or None


def _fields(info: tarfile.TarInfo) -> _Fields:
    """The values kept of a member that tarfile read."""
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
    claimed = info.claimed_size if isinstance(info, _Header) else None
    mtime = int(info.mtime) if isinstance(info.mtime, (int, float)) and abs(info.mtime) < 2**33 else _NO_TIME
    sparse = info.sparse if kind == _FILE and info.sparse else None
    return info.name, kind, info.size, mtime, info.offset_data, info.linkname or None, sparse, claimed


def _plain_name(name: str) -> bool:
    """True when ``name`` needs no cleaning (the common case, checked without splitting it)."""
    return bool(name) and name != "." and "\\" not in name and "\x00" not in name and ".." not in name \
        and "//" not in name and not name.startswith(("/", "./")) and "/./" not in name \
        and not name.endswith(("/.", "/")) and not (len(name) > 1 and name[1] == ":")


class _Pushback:
    """tarfile's stream with one block that can be given back (read by the fast path, then left to tarfile);
    never seeks backwards in a compressed stream for it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._pending = b""

    def unread(self, data: bytes) -> None:
        self._pending = data + self._pending

    def read(self, size: int = -1) -> bytes:
        if not self._pending:
            return bytes(self._inner.read(size))
        if size is None or size < 0:
            data, self._pending = self._pending + self._inner.read(), b""
            return bytes(data)
        data, self._pending = self._pending[:size], self._pending[size:]
        if len(data) < size:
            data += self._inner.read(size - len(data))
        return bytes(data)

    def tell(self) -> int:
        return int(self._inner.tell()) - len(self._pending)

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0 and self._pending:
            here = self.tell()
            if here <= offset <= here + len(self._pending):
                self._pending = self._pending[offset - here:]
                return offset
        self._pending = b""
        return int(self._inner.seek(offset, whence))

    def close(self) -> None:
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


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
