"""Where ``examine`` builds a case: a work folder next to DIR, renamed to DIR when the run ends.

A run never writes into DIR directly. It builds the case in ``.<name>.trowel-<pid>-<random>`` beside DIR
and renames that folder to DIR at the end, so DIR either does not exist yet, or holds a whole case. A run
that stops part way still gets its folder renamed into place, with ``FAILED.txt`` giving the reason and a
``log.jsonl`` whose last ``end`` entry says ``"ok": false`` and why; a later run may replace such a folder
(or one whose run finished with failed inputs) without ``--force``. ``--force`` writes the new case's files
into a folder holding anything else; a stopped run then leaves its folder beside it as ``<name>.failed``.
A work folder left by a killed process (its pid no longer runs) is removed by the next run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trowel.errors import CaseError

LOG = "log.jsonl"
FAILED = "FAILED.txt"
_STORE_FILES = ("case.sqlite", "case.sqlite-wal", "case.sqlite-shm", "case.sqlite-journal")


def last_end(folder: Path) -> dict[str, Any] | None:
    """The last ``end`` entry of a case folder's log (None when there is none or the log cannot be read)."""
    try:
        lines = (folder / LOG).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("action") == "end":
            return entry
    return None


def is_failed_case(folder: Path) -> bool:
    """A case folder a failed run left: ``FAILED.txt``, or a log whose last ``end`` says ``"ok": false``."""
    if (folder / FAILED).is_file():
        return True
    entry = last_end(folder)
    details = entry.get("details") if entry else None
    return isinstance(details, dict) and details.get("ok") is False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_work(out: Path) -> None:
    """Work folders of DIR whose process is gone (killed before it could rename them)."""
    prefix = f".{out.name}.trowel-"
    for folder in out.parent.glob(f"{prefix}*"):
        pid_text = folder.name[len(prefix):].split("-", 1)[0]
        if folder.is_dir() and pid_text.isdigit() and int(pid_text) != os.getpid() and not _pid_alive(int(pid_text)):
            shutil.rmtree(folder, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


@dataclass
class CaseFolder:
    """The destination DIR of a run, how the run may take it, and the work folder it builds in."""

    out: Path
    mode: str  # "new" (absent or empty), "replace" (a failed case), "merge" (--force over other content)
    work: Path

    @classmethod
    def prepare(cls, out: Path, force: bool) -> CaseFolder:
        """Check DIR may be written and create the work folder beside it (nothing in DIR changes yet)."""
        if out.exists() and not out.is_dir():
            raise CaseError(f"{out}: exists and is not a folder")
        if not out.is_dir() or not any(out.iterdir()):
            mode = "new"
        elif is_failed_case(out):
            mode = "replace"
        elif force:
            mode = "merge"
        else:
            raise CaseError(f"{out}: folder is not empty (use --force to write into it; a folder a failed run "
                            "left is replaced without it)")
        where = Path(os.path.abspath(out))  # "--out ." names the current folder: its real name and parent
        try:
            where.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale_work(where)
            work = Path(tempfile.mkdtemp(prefix=f".{where.name}.trowel-{os.getpid()}-", dir=where.parent))
        except OSError as exc:
            raise CaseError(f"{out.parent}: cannot create the case's work folder ({exc.strerror or exc})") from exc
        return cls(out=out, mode=mode, work=work)

    def discard(self) -> None:
        """The run did not start: remove the work folder."""
        shutil.rmtree(self.work, ignore_errors=True)

    def place(self, failed_reason: str | None) -> Path:
        """Move the finished (or, with ``failed_reason``, stopped) case into place; returns where it is."""
        if failed_reason is not None:
            (self.work / FAILED).write_text(f"This examine run did not finish: {failed_reason}\n"
                                            "Its log.jsonl says why. Run examine again with the same --out to "
                                            "replace this folder.\n", encoding="utf-8")
        try:
            if self.mode == "merge" and failed_reason is not None:
                return self._beside()
            if self.mode == "merge" or (self.mode == "new" and self.out.is_dir() and not any(self.out.iterdir())):
                self._merge()  # an existing folder keeps its identity (it may be the examiner's current folder)
                return self.out
            if self.mode == "replace" or self.out.exists():
                self._swap()
            else:
                os.rename(self.work, self.out)
            return self.out
        except OSError as exc:
            raise CaseError(f"{self.out}: the case could not be moved into place ({exc.strerror or exc}); "
                            f"it is in {self.work}") from exc

    def _swap(self) -> None:
        if not is_failed_case(self.out) and self.mode != "replace":  # filled by someone else during the run
            raise CaseError(f"{self.out}: another run filled this folder meanwhile; this case is in {self.work}")
        old = Path(tempfile.mkdtemp(prefix=".trowel-old-", dir=self.work.parent))
        os.rename(self.out, old / "case")
        os.rename(self.work, self.out)
        shutil.rmtree(old, ignore_errors=True)

    def _merge(self) -> None:
        for name in _STORE_FILES + (FAILED,):  # an older store's WAL must never meet the new store
            (self.out / name).unlink(missing_ok=True)
        for item in sorted(self.work.iterdir()):
            target = self.out / item.name
            if target.exists() or target.is_symlink():
                _remove(target)
            os.rename(item, target)
        self.work.rmdir()

    def _beside(self) -> Path:
        where = Path(os.path.abspath(self.out))
        target = where.with_name(f"{where.name}.failed")
        number = 1
        while target.exists() and not is_failed_case(target):
            number += 1
            target = where.with_name(f"{where.name}.failed-{number}")
        if target.exists():
            _remove(target)
        os.rename(self.work, target)
        return target
