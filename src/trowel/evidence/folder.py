"""A folder on the examiner's machine holding an extraction."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from trowel.errors import EvidenceError
from trowel.evidence.base import Entry, EntryKind, EvidenceSource


class FolderSource(EvidenceSource):
    """Walks a folder without following symbolic links; opens files read-only with O_NOFOLLOW."""

    kind = "folder"

    def entries(self) -> Iterator[Entry]:
        root = self.path
        stack = [root]
        while stack:
            current = stack.pop()
            try:
                with os.scandir(current) as it:
                    children = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.warnings.append(f"{current}: cannot list ({exc.strerror})")
                continue
            subdirs = []
            for child in children:
                try:
                    st = child.stat(follow_symlinks=False)
                except OSError as exc:
                    self.warnings.append(f"{child.path}: cannot stat ({exc.strerror})")
                    continue
                rel = Path(child.path).relative_to(root).as_posix()
                yield _entry(rel, st, child.path)
                if stat.S_ISDIR(st.st_mode):
                    subdirs.append(Path(child.path))
            stack.extend(reversed(subdirs))

    def open(self, entry: Entry) -> BinaryIO:
        target = self.path / entry.path
        try:
            fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise EvidenceError(f"{entry.path}: cannot open ({exc.strerror})") from exc
        return os.fdopen(fd, "rb")


def _entry(rel: str, st: os.stat_result, full: str) -> Entry:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        kind = EntryKind.FILE
    elif stat.S_ISDIR(mode):
        kind = EntryKind.DIR
    elif stat.S_ISLNK(mode):
        kind = EntryKind.SYMLINK
    else:
        kind = EntryKind.OTHER
    link = os.readlink(full) if kind is EntryKind.SYMLINK else None
    crtime = getattr(st, "st_birthtime_ns", None) or getattr(st, "st_birthtime", None)
    return Entry(
        path=rel, kind=kind, size=st.st_size if kind is EntryKind.FILE else 0,
        mtime=st.st_mtime_ns, atime=st.st_atime_ns, ctime=st.st_ctime_ns,
        crtime=int(crtime) if crtime else None, inode=st.st_ino, link_target=link,
    )
