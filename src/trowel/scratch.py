"""Private scratch folders that a killed run does not leave behind for good.

A folder is named ``<prefix><pid>-<random>``: it lives under the case folder when one is given (and
writable), else in the system temp folder. Before a new one is made, folders of the same prefix whose
process is gone (a run that was killed) are removed, so at most the folders of running processes remain.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def private_folder(prefix: str, under: Path | None = None) -> Path:
    """A new private folder (mode 0700) for one process's scratch files; the caller removes it when done."""
    roots = [under] if under is not None else []
    roots.append(Path(tempfile.gettempdir()))
    last: OSError | None = None
    for root in roots:
        try:
            remove_orphans(root, prefix)
            return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=root))
        except OSError as exc:
            last = exc
    raise last if last is not None else OSError(f"cannot make a scratch folder for {prefix}")


@contextmanager
def scratch_folder(prefix: str, under: Path | None = None) -> Iterator[Path]:
    """A private folder (as :func:`private_folder`) for the time of a ``with`` block, removed at its end."""
    folder = private_folder(prefix, under)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_orphans(root: Path, prefix: str) -> list[Path]:
    """Remove ``root/<prefix><pid>-*`` folders whose process no longer runs; returns those removed."""
    removed: list[Path] = []
    if not Path("/proc/self").exists():  # no way to tell a live process from a dead one here
        return removed
    try:
        candidates = list(root.glob(f"{prefix}*-*"))
    except OSError:
        return removed
    for folder in candidates:
        pid = folder.name[len(prefix):].partition("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists() and folder.is_dir() \
                and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
