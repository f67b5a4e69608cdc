"""Building an AED from many APKs in parallel; one failing or slow app never stops the others.

Local mode: ``jobs`` long-lived worker processes (spawned, so no state is shared with the parent). Each
app gets a time and a memory limit twice over: the engine checks them itself and stops cleanly
(``status`` timeout/memory, recorded), and the parent kills a worker that overruns the limit by more
than a grace period or whose resident memory passes 1.25 times the limit, records the app and starts a new
worker. Distributed mode: the same guarded function runs as Dask tasks on the cluster at ``scheduler``
(workers must see the APK paths); there the engine's own checks are the limit.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from trowel.aed.db import AedDatabase
from trowel.apk.engine import AnalysisLimit, Limits
from trowel.apk.predict import AppAnalysis, analyse_apk, sha256_of
from trowel.errors import TrowelError, UsageError

DEFAULT_TIME_LIMIT = 180.0
DEFAULT_MEMORY_LIMIT = 1536 << 20
GRACE_SECONDS = 15.0


@dataclass
class BuildOptions:
    jobs: int = 2
    time_limit: float = DEFAULT_TIME_LIMIT
    memory_limit: int = DEFAULT_MEMORY_LIMIT
    scheduler: str | None = None
    grace: float = GRACE_SECONDS  # how long past the time limit before a local worker is killed


@dataclass
class BuildSummary:
    apps: int = 0
    ok: int = 0
    failed: int = 0
    timeout: int = 0
    memory: int = 0
    predictions: int = 0
    seconds: float = 0.0
    results: list[AppAnalysis] = field(default_factory=list)

    def count(self, result: AppAnalysis) -> None:
        self.apps += 1
        setattr(self, result.status, getattr(self, result.status) + 1)
        self.predictions += len(result.predictions)
        self.results.append(result)


def collect_apks(inputs: Iterable[Path]) -> list[Path]:
    """APK files named directly, and every ``*.apk`` below folders (sorted, each once)."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found.extend(sorted(p for p in item.rglob("*.apk") if p.is_file()))
        elif item.is_file():
            found.append(item)
        else:
            raise UsageError(f"{item}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _reset_peak() -> None:
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w", encoding="ascii") as stream:
        stream.write("5")


def _peak_rss() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def failed_result(path: str, status: str, error: str, seconds: float = 0.0) -> AppAnalysis:
    sha = f"unreadable:{path}"
    if Path(path).is_file():  # never block on a FIFO or a device
        with contextlib.suppress(OSError):
            sha = sha256_of(Path(path))
    return AppAnalysis(apk=path, sha256=sha, status=status, error=error, seconds=round(seconds, 3))


def analyse_guarded(path: str, time_limit: float = DEFAULT_TIME_LIMIT,
                    memory_limit: int = DEFAULT_MEMORY_LIMIT) -> AppAnalysis:
    """Analyse one APK and never raise: failures become a result with a status and a reason."""
    _reset_peak()
    started = time.monotonic()
    try:
        result = analyse_apk(Path(path), Limits(seconds=time_limit, memory_bytes=memory_limit))
    except AnalysisLimit as exc:
        result = failed_result(path, exc.reason, str(exc), time.monotonic() - started)
    except MemoryError:
        result = failed_result(path, "memory", "out of memory", time.monotonic() - started)
    except TrowelError as exc:
        result = failed_result(path, "failed", str(exc), time.monotonic() - started)
    except Exception as exc:  # one broad catch per app: a bug on one hostile APK must not stop the corpus
        result = failed_result(path, "failed", f"{type(exc).__name__}: {exc}", time.monotonic() - started)
    result.peak_rss = _peak_rss() or result.peak_rss
    return result


def _worker(conn: Connection, time_limit: float, memory_limit: int) -> None:
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        conn.send(analyse_guarded(path, time_limit, memory_limit))


def _rss_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class _Slot:
    def __init__(self, options: BuildOptions, worker: Callable[[Connection, float, int], None]) -> None:
        self.options = options
        self.worker = worker
        self.process: Any = None
        self.conn: Connection | None = None
        self.path: str | None = None
        self.started = 0.0

    def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=self.worker, args=(child, self.options.time_limit, self.options.memory_limit),
                                   daemon=True)
        self.process.start()
        child.close()
        self.conn = parent

    def submit(self, path: str) -> None:
        if self.process is None or not self.process.is_alive():
            self.start()
        assert self.conn is not None
        self.conn.send(path)
        self.path = path
        self.started = time.monotonic()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn, self.path = None, None, None

    def stop(self) -> None:
        if self.conn is not None and self.process is not None and self.process.is_alive():
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.process.join(5)
        self.kill()


def run_local(paths: list[str], options: BuildOptions, on_result: Callable[[AppAnalysis], None],
              worker: Callable[[Connection, float, int], None] = _worker) -> None:
    """Run the apps on a pool of worker processes with hard time and memory backstops.

    ``worker`` is the function each worker process runs (module-level, so that it can be spawned)."""
    pending = deque(paths)
    slots = [_Slot(options, worker) for _ in range(max(1, min(options.jobs, len(paths))))]
    hard_memory = int(options.memory_limit * 1.25)
    try:
        while pending or any(s.path for s in slots):
            for slot in slots:
                if slot.path is None and pending:
                    slot.submit(pending.popleft())
            busy = {s.conn: s for s in slots if s.path is not None and s.conn is not None}
            for conn in wait(list(busy), timeout=0.5):
                slot = busy[conn]  # type: ignore[index]
                path = slot.path or ""
                try:
                    result = slot.conn.recv() if slot.conn else None
                except (EOFError, OSError):
                    result = None
                if isinstance(result, AppAnalysis):
                    slot.path = None
                    on_result(result)
                else:
                    code = None
                    if slot.process is not None:
                        slot.process.join(5)  # the pipe closed: let the process finish to read its exit code
                        code = slot.process.exitcode
                    slot.kill()
                    on_result(failed_result(path, "failed", f"worker process died (exit code {code})",
                                            time.monotonic() - slot.started))
            now = time.monotonic()
            for slot in slots:
                if slot.path is None or slot.process is None:
                    continue
                elapsed = now - slot.started
                rss = _rss_of(slot.process.pid)
                if elapsed > options.time_limit + options.grace:
                    path = slot.path
                    slot.kill()
                    on_result(failed_result(path, "timeout", f"killed after {elapsed:.0f} s "
                                            f"(limit {options.time_limit:g} s)", elapsed))
                elif rss is not None and rss > hard_memory:
                    path = slot.path
                    slot.kill()
                    on_result(failed_result(path, "memory", f"killed at {rss >> 20} MiB resident "
                                            f"(limit {options.memory_limit >> 20} MiB)", elapsed))
    finally:
        for slot in slots:
            slot.stop()


def run_dask(paths: list[str], options: BuildOptions, on_result: Callable[[AppAnalysis], None]) -> None:
    """Run the apps as tasks on a Dask distributed cluster."""
    from distributed import Client, as_completed

    try:
        client = Client(options.scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {options.scheduler} ({exc})") from exc
    try:
        futures = {client.submit(analyse_guarded, path, options.time_limit, options.memory_limit, pure=False): path
                   for path in paths}
        for future in as_completed(list(futures)):
            path = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a worker lost or a task error: recorded for this app only
                result = failed_result(path, "failed", f"Dask task failed: {type(exc).__name__}: {exc}")
            on_result(result)
    finally:
        client.close()


def build_aed(inputs: Iterable[Path], db_path: Path, options: BuildOptions,
              progress: Callable[[AppAnalysis], None] | None = None) -> BuildSummary:
    """Analyse every APK in ``inputs`` into the AED at ``db_path`` (created or extended)."""
    paths = [str(p) for p in collect_apks(inputs)]
    summary = BuildSummary()
    started = time.monotonic()
    with AedDatabase(db_path) as aed:
        def on_result(result: AppAnalysis) -> None:
            aed.add(result)
            summary.count(result)
            if progress is not None:
                progress(result)

        if paths:
            if options.scheduler:
                run_dask(paths, options, on_result)
            else:
                run_local(paths, options, on_result)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary
