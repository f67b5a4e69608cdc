"""A plaso/mactime-compatible bodyfile of the file inventory (``bodyfile.txt``).

Format (TSK 3.x): ``MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime`` with times in Unix seconds.
trowel hashes with SHA-256, so the MD5 column is ``0`` (as TSK writes when it did not hash). The name is
``<evidence id>:/<path>``, with `` (deleted)`` appended for deleted entries as fls does; a ``|`` or a line
break in a name is written as ``\\x7c``/``\\x0a`` so every line keeps eleven fields. Owner and permissions are
not part of trowel's inventory: UID/GID are 0 and the mode carries only the entry type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trowel.report.casedata import CaseData
from trowel.report.registry import Writer, register_writer

_MODE = {"file": "r/----------", "dir": "d/d---------", "symlink": "l/l---------"}


# the inventory columns a bodyfile line is made of, in the order _line takes them
COLUMNS = ("evidence", "path", "link_target", "deleted", "entry_kind", "inode", "size", "atime_ns", "mtime_ns",
           "ctime_ns", "crtime_ns")


def _seconds(ns: Any) -> str:
    return "0" if ns is None else str(int(ns) // 1_000_000_000)


def _line(evidence: Any, path: Any, link_target: Any, deleted: Any, entry_kind: Any, inode: Any, size: Any,
          atime: Any, mtime: Any, ctime: Any, crtime: Any) -> str:
    name = f"{evidence}:/{path}"
    if link_target:
        name += f" -> {link_target}"
    name = name.replace("\\", "\\x5c").replace("|", "\\x7c").replace("\n", "\\x0a").replace("\r", "\\x0d")
    if deleted:
        name += " (deleted)"
    return "|".join([
        "0", name, str(inode or 0), _MODE.get(str(entry_kind), "-/----------"), "0", "0", str(size or 0),
        _seconds(atime), _seconds(mtime), _seconds(ctime), _seconds(crtime),
    ])


def bodyfile_line(row: dict[str, Any]) -> str:
    """The bodyfile line of one inventory row."""
    return _line(*(row.get(column) for column in COLUMNS))


def write_bodyfile(case: CaseData) -> list[Path]:
    path = case.root / "bodyfile.txt"
    with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as stream:
        lines: list[str] = []
        for values in case.file_values(COLUMNS):
            lines.append(_line(*values))
            if len(lines) >= 4096:
                stream.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            stream.write("\n".join(lines) + "\n")
    return [path]


register_writer(Writer("bodyfile", "bodyfile.txt: the file inventory for mactime/plaso", 30, write_bodyfile))
