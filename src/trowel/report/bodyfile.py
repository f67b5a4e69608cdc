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


def _name(row: dict[str, Any]) -> str:
    name = f"{row.get('evidence')}:/{row['path']}"
    if row.get("link_target"):
        name += f" -> {row['link_target']}"
    name = name.replace("\\", "\\x5c").replace("|", "\\x7c").replace("\n", "\\x0a").replace("\r", "\\x0d")
    return name + (" (deleted)" if row.get("deleted") else "")


def _seconds(ns: Any) -> str:
    return "0" if ns is None else str(int(ns) // 1_000_000_000)


def bodyfile_line(row: dict[str, Any]) -> str:
    mode = _MODE.get(str(row.get("entry_kind")), "-/----------")
    return "|".join([
        "0", _name(row), str(row.get("inode") or 0), mode, "0", "0", str(row.get("size") or 0),
        _seconds(row.get("atime_ns")), _seconds(row.get("mtime_ns")), _seconds(row.get("ctime_ns")),
        _seconds(row.get("crtime_ns")),
    ])


def write_bodyfile(case: CaseData) -> list[Path]:
    path = case.root / "bodyfile.txt"
    with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as stream:
        for row in case.files():
            stream.write(bodyfile_line(row) + "\n")
    return [path]


register_writer(Writer("bodyfile", "bodyfile.txt: the file inventory for mactime/plaso", 30, write_bodyfile))
