"""Raw disk and partition images read with The Sleuth Kit (pytsk3): ext4 and whatever else TSK knows.

A bare file system (an ext4 partition image: superblock magic 0xEF53 at byte 1080) or a whole disk with an
MBR or GPT partition table. With several file-system partitions, entry paths get a ``p<N>/`` prefix (N
counts the allocated partitions of the table in order, from 1); with one, paths start at its root.

Every name TSK finds is listed, deleted ones too (``deleted=True``): their metadata when the inode still
describes them, and their content when it can still be read (``readable=False`` otherwise, or when the inode
was reused by another file). Inodes no name points to any more are listed under ``$OrphanFiles/`` as TSK
presents them. Other TSK virtual files (FAT tables, ...) are left out: they are not files of the device.

The image is opened read-only by TSK (or through a read-only adapter for E01 and sparse images, see
:class:`StreamImage`). Times are nanoseconds since the Unix epoch from the inode's seconds and nanoseconds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import pytsk3

from trowel.errors import EvidenceError
from trowel.evidence.base import Entry, EntryKind, EvidenceSource, PositionalStream
from trowel.evidence.detect import Format, register_format

READ_CHUNK = 4 << 20
PROBE_BYTES = 4096
ORPHANS = "$OrphanFiles"
EXT_MAGIC_OFFSET = 1024 + 56
# Magics of containers that hold a disk image (E01, Ex01, Android sparse) or a tar (Android backup).
CONTAINER_MAGICS = (b"EVF\x09\x0d\x0a\xff\x00", b"EVF2\x0d\x0a\x81\x00", b"\x3a\xff\x26\xed", b"ANDROID BACKUP\n")

_NS = 1_000_000_000
_KINDS = {
    int(pytsk3.TSK_FS_META_TYPE_REG): EntryKind.FILE,
    int(pytsk3.TSK_FS_META_TYPE_DIR): EntryKind.DIR,
    int(pytsk3.TSK_FS_META_TYPE_LNK): EntryKind.SYMLINK,
    int(pytsk3.TSK_FS_META_TYPE_VIRT_DIR): EntryKind.DIR,
}
_NAME_KINDS = {
    int(pytsk3.TSK_FS_NAME_TYPE_REG): EntryKind.FILE,
    int(pytsk3.TSK_FS_NAME_TYPE_DIR): EntryKind.DIR,
    int(pytsk3.TSK_FS_NAME_TYPE_LNK): EntryKind.SYMLINK,
}
_VIRTUAL = {int(pytsk3.TSK_FS_META_TYPE_VIRT), int(pytsk3.TSK_FS_META_TYPE_VIRT_DIR)}
_META_ALLOC = int(pytsk3.TSK_FS_META_FLAG_ALLOC)
_NAME_UNALLOC = int(pytsk3.TSK_FS_NAME_FLAG_UNALLOC)


class RandomAccess(Protocol):
    """What :class:`StreamImage` needs from an expanded image: positioned reads."""

    def read_at(self, offset: int, size: int) -> bytes: ...


class StreamImage(pytsk3.Img_Info):
    """A pytsk3 image over any positioned reader (an E01 handle, an expanded sparse image): read-only."""

    def __init__(self, reader: RandomAccess, size: int) -> None:
        self._reader = reader
        self._size = size
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def read(self, offset: int, size: int) -> bytes:
        if offset >= self._size:
            return b""
        return self._reader.read_at(offset, min(size, self._size - offset))

    def get_size(self) -> int:
        return self._size

    def close(self) -> None:
        """Nothing to release: the reader belongs to its owner."""


@dataclass(frozen=True, slots=True)
class FileSystem:
    """One file system found in the image."""

    prefix: str  # "" or "p<N>/"
    offset: int  # bytes from the start of the image
    fs: Any  # pytsk3.FS_Info
    ftype: str
    partition: str | None  # partition table description, None for a bare file system


def _fs_type_name(fs: Any) -> str:
    value = int(fs.info.ftype)
    for name in dir(pytsk3):
        if (name.startswith("TSK_FS_TYPE_") and not name.endswith(("_DETECT", "_ENUM")) and name.count("_") == 3
                and int(getattr(pytsk3, name)) == value):
            return name.removeprefix("TSK_FS_TYPE_").lower()
    return f"tsk-{value:#x}"


def find_file_systems(image: Any, label: str, warnings: list[str]) -> list[FileSystem]:
    """The file systems of a disk image (partition table first), or of a bare partition image."""
    try:
        volume = pytsk3.Volume_Info(image)
    except OSError:
        volume = None
    if volume is None:
        try:
            fs = pytsk3.FS_Info(image, offset=0)
        except OSError as exc:
            raise EvidenceError(f"{label}: no partition table and no file system The Sleuth Kit can read "
                                f"(corrupt image, or a format such as f2fs that it does not support) ({_tsk_message(exc)})") from exc
        return [FileSystem("", 0, fs, _fs_type_name(fs), None)]
    block = int(volume.info.block_size)
    allocated = [p for p in volume if int(p.flags) == int(pytsk3.TSK_VS_PART_FLAG_ALLOC)]
    found: list[tuple[int, int, Any, str]] = []
    for number, part in enumerate(allocated, start=1):
        offset = int(part.start) * block
        desc = part.desc.decode("utf-8", "replace")
        try:
            fs = pytsk3.FS_Info(image, offset=offset)
        except OSError:
            warnings.append(f"{label}: partition {number} ({desc}, at byte {offset}) holds no file system "
                            "The Sleuth Kit can read; its entries are not listed")
            continue
        found.append((number, offset, fs, desc))
    if not found:
        raise EvidenceError(f"{label}: none of the {len(allocated)} partitions holds a file system The Sleuth Kit can read")
    several = len(found) > 1
    return [FileSystem(f"p{n}/" if several else "", off, fs, _fs_type_name(fs), desc) for n, off, fs, desc in found]


def _tsk_message(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _ns(seconds: int | None, nanos: int | None) -> int | None:
    if not seconds and not nanos:
        return None
    return int(seconds or 0) * _NS + int(nanos or 0)


class TskFileStream(PositionalStream):
    """A read-only stream over one file of the image (TSK ``read_random``)."""

    def __init__(self, tsk_file: Any, size: int, label: str) -> None:
        super().__init__()
        self._file = tsk_file
        self.size = size
        self._label = label

    def read_at(self, offset: int, size: int) -> bytes:
        try:
            data: bytes = self._file.read_random(offset, size)
        except OSError as exc:
            raise EvidenceError(f"{self._label}: cannot read at offset {offset} ({_tsk_message(exc)})") from exc
        return data


class DiskImageSource(EvidenceSource):
    """Every entry of every file system in a raw disk or partition image, deleted ones included."""

    kind = "disk-image"

    def __init__(self, path: Path, image: Any | None = None, label: str | None = None) -> None:
        super().__init__(path)
        self._label = label or str(path)
        self._owns_image = image is None
        self._current: tuple[str, int, Any] | None = None  # the entry last yielded, to hash without a lookup
        self.filesystems: list[FileSystem] = []
        try:
            self._image = image if image is not None else pytsk3.Img_Info(str(path))
        except OSError as exc:
            raise EvidenceError(f"{self._label}: cannot open the image ({_tsk_message(exc)})") from exc
        try:
            self.filesystems = find_file_systems(self._image, self._label, self.warnings)
        except EvidenceError:
            self.close()
            raise

    # -- listing -------------------------------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        for fsys in self.filesystems:
            yield from self._walk(fsys)
        self._current = None

    def _walk(self, fsys: FileSystem) -> Iterator[Entry]:
        fs = fsys.fs
        root = int(fs.info.root_inum)
        seen_dirs = {root}
        stack: list[tuple[int, str, bool]] = [(root, "", False)]
        while stack:
            inode, rel, parent_deleted = stack.pop()
            try:
                directory = fs.open_dir(inode=inode)
                children = list(directory)
            except OSError as exc:
                self.warnings.append(f"{self._label}: cannot list {fsys.prefix}{rel or '/'} (inode {inode}): {_tsk_message(exc)}")
                continue
            subdirs: list[tuple[int, str, bool]] = []
            for child in children:
                raw_name = child.info.name.name
                if raw_name in (b".", b".."):
                    continue
                name = raw_name.decode("utf-8", "backslashreplace").replace("/", "\\x2f")
                path = f"{rel}/{name}" if rel else name
                meta = child.info.meta
                if meta is not None and int(meta.type) in _VIRTUAL:
                    if inode == root and name == ORPHANS:
                        yield from self._orphans(fsys, child, path)
                    continue
                entry, tsk_file = self._entry(fsys, child, path, parent_deleted)
                self._current = (entry.path, entry.inode or 0, tsk_file)
                yield entry
                if (entry.kind is EntryKind.DIR and meta is not None and entry.inode is not None
                        and entry.inode not in seen_dirs and entry.readable):
                    seen_dirs.add(entry.inode)
                    subdirs.append((entry.inode, path, entry.deleted))
            stack.extend(reversed(subdirs))

    def _orphans(self, fsys: FileSystem, orphan_dir: Any, path: str) -> Iterator[Entry]:
        try:
            children = [c for c in orphan_dir.as_directory() if c.info.name.name not in (b".", b"..")]
        except OSError as exc:
            self.warnings.append(f"{self._label}: cannot list {fsys.prefix}{path}: {_tsk_message(exc)}")
            return
        if not children:
            return
        yield Entry(path=fsys.prefix + path, kind=EntryKind.DIR, size=0, deleted=True,
                    note="virtual folder of The Sleuth Kit: inodes no file name points to")
        for child in children:
            name = child.info.name.name.decode("utf-8", "backslashreplace")
            entry, tsk_file = self._entry(fsys, child, f"{path}/{name}", True)
            entry = dataclasses.replace(entry, note=entry.note or "orphan inode: no file name points to it")
            self._current = (entry.path, entry.inode or 0, tsk_file)
            yield entry

    def _entry(self, fsys: FileSystem, child: Any, path: str, parent_deleted: bool) -> tuple[Entry, Any]:
        """The entry of one directory item, and the TSK file object that reads it."""
        name_info = child.info.name
        meta = child.info.meta
        deleted = parent_deleted or bool(int(name_info.flags) & _NAME_UNALLOC)
        full = fsys.prefix + path
        inode = int(name_info.meta_addr) or None
        if meta is None and inode is not None:  # TSK gives orphan names without their inode loaded
            try:
                child = fsys.fs.open_meta(inode=inode)
                meta = child.info.meta
            except OSError:
                meta = None
        return self._entry_from(full, child, meta, inode, deleted, int(name_info.type)), child

    def _entry_from(self, full: str, child: Any, meta: Any, inode: int | None, deleted: bool, name_type: int) -> Entry:
        if meta is None or (inode is not None and int(meta.addr) != inode):
            kind = _NAME_KINDS.get(name_type, EntryKind.OTHER)
            return Entry(path=full, kind=kind, size=0, deleted=deleted, inode=inode, readable=False,
                         note="the inode of this name cannot be read")
        if deleted and int(meta.flags) & _META_ALLOC:
            kind = _NAME_KINDS.get(name_type, EntryKind.OTHER)
            return Entry(path=full, kind=kind, size=0, deleted=True, inode=inode, readable=False,
                         note=f"inode {inode} now belongs to another file; this name's metadata and content are gone")
        kind = _KINDS.get(int(meta.type), EntryKind.OTHER)
        size = int(meta.size) if kind is EntryKind.FILE else 0
        link = None
        if kind is EntryKind.SYMLINK and meta.link:
            link = meta.link.decode("utf-8", "backslashreplace") if isinstance(meta.link, bytes) else str(meta.link)
        readable = True
        if deleted and kind in (EntryKind.FILE, EntryKind.DIR):
            readable = self._probe(child, size) if kind is EntryKind.FILE else True
        return Entry(
            path=full, kind=kind, size=size, deleted=deleted, inode=int(meta.addr), link_target=link, readable=readable,
            mtime=_ns(meta.mtime, getattr(meta, "mtime_nano", 0)), atime=_ns(meta.atime, getattr(meta, "atime_nano", 0)),
            ctime=_ns(meta.ctime, getattr(meta, "ctime_nano", 0)), crtime=_ns(meta.crtime, getattr(meta, "crtime_nano", 0)),
        )

    @staticmethod
    def _probe(child: Any, size: int) -> bool:
        """Can the content of a deleted file still be read? (its blocks may be gone)."""
        if size == 0:
            return True
        try:
            return bool(child.read_random(0, min(size, PROBE_BYTES)))
        except OSError:
            return False

    # -- reading -------------------------------------------------------------------------------------------------

    def _fs_for(self, path: str) -> FileSystem:
        if len(self.filesystems) == 1:
            return self.filesystems[0]
        for fsys in self.filesystems:
            if path.startswith(fsys.prefix):
                return fsys
        raise EvidenceError(f"{path}: not inside any file system of {self._label}")

    def _tsk_file(self, entry: Entry) -> Any:
        if entry.kind is not EntryKind.FILE or entry.inode is None:
            raise EvidenceError(f"{entry.path}: not a regular file in {self._label}")
        if not entry.readable:
            raise EvidenceError(f"{entry.path}: content is no longer readable in {self._label}")
        current = self._current
        if current is not None and current[0] == entry.path and current[1] == entry.inode:
            return current[2]
        try:
            return self._fs_for(entry.path).fs.open_meta(inode=entry.inode)
        except OSError as exc:
            raise EvidenceError(f"{entry.path}: cannot open inode {entry.inode} ({_tsk_message(exc)})") from exc

    def open(self, entry: Entry) -> BinaryIO:
        stream = TskFileStream(self._tsk_file(entry), entry.size, f"{self._label}: {entry.path}")
        return io.BufferedReader(stream, READ_CHUNK)

    def hash_entry(self, entry: Entry, limit: int | None = None) -> str | None:
        """SHA-256 read straight from TSK in large pieces (no stream layers: this is the inventory's hot path)."""
        if entry.kind is not EntryKind.FILE or not entry.readable:
            return None
        if limit is not None and entry.size > limit:
            return None
        tsk_file = self._tsk_file(entry)
        digest = hashlib.sha256()
        offset = 0
        while offset < entry.size:
            want = min(READ_CHUNK, entry.size - offset)
            try:
                data = tsk_file.read_random(offset, want)
            except OSError as exc:
                raise EvidenceError(f"{entry.path}: cannot read at offset {offset} ({_tsk_message(exc)})") from exc
            if not data:
                raise EvidenceError(f"{entry.path}: content ends at {offset} of {entry.size} bytes")
            digest.update(data)
            offset += len(data)
        return digest.hexdigest()

    def describe(self) -> dict[str, object]:
        return {
            "kind": self.kind, "image_bytes": int(self._image.get_size()),
            "file_systems": [{"prefix": f.prefix, "offset": f.offset, "type": f.ftype, "partition": f.partition,
                              "block_size": int(f.fs.info.block_size)} for f in self.filesystems],
        }

    def close(self) -> None:
        self._current = None
        self.filesystems = []
        if self._owns_image and self._image is not None:
            self._image.close()
            self._image = None


def is_disk_image(head: bytes) -> bool:
    """ext2/3/4 superblock magic, a GPT header, or an MBR with at least one plausible partition entry.

    Containers with their own magic (E01, sparse, Android backup) are never taken for a raw image, whatever
    bytes happen to sit where an MBR signature would be.
    """
    if head.startswith(CONTAINER_MAGICS):
        return False
    if len(head) >= EXT_MAGIC_OFFSET + 2 and head[EXT_MAGIC_OFFSET:EXT_MAGIC_OFFSET + 2] == b"\x53\xef":
        return True
    if len(head) >= 520 and head[512:520] == b"EFI PART":
        return True
    if len(head) < 512 or head[510:512] != b"\x55\xaa":
        return False
    for i in range(4):
        entry = head[446 + 16 * i:462 + 16 * i]
        if entry[0] not in (0x00, 0x80):
            return False
    return any(head[446 + 16 * i + 4] != 0 for i in range(4))


register_format(Format("disk-image", is_disk_image, lambda path, _pw: DiskImageSource(path)))
