"""Building an AED from many APKs in parallel; one failing or slow app never stops the others.

Local mode: up to ``jobs`` worker processes at a time, a fresh (spawned) process per app, so the limits and
the recorded peak memory belong to that app alone and no app inherits the memory of a heavy one. Each app
gets a time and a memory limit twice over: the engine checks them itself and stops cleanly (``status``
timeout/memory, recorded), and the parent kills a worker that overruns the limit by more than a grace
period or whose resident memory passes 1.25 times the limit. A worker reports the app's package and
version as soon as the manifest is read, so an app that fails later (or whose worker is killed) is
recorded with its package. Distributed mode: the same guarded function runs as Dask tasks on the cluster at
``scheduler`` (workers must see the APK paths); there the engine's own checks are the limit, and a task
whose worker is lost is recorded with the package read from the manifest by the client.
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


Identity = tuple[str | None, str | None, str | None]  # package, version code, version name


def failed_result(path: str, status: str, error: str, seconds: float = 0.0,
                  identity: Identity | None = None) -> AppAnalysis:
    sha = f"unreadable:{path}"
    if Path(path).is_file():  # never block on a FIFO or a device
        with contextlib.suppress(OSError):
            sha = sha256_of(Path(path))
    result = AppAnalysis(apk=path, sha256=sha, status=status, error=error, seconds=round(seconds, 3))
    if identity is not None:
        result.package, result.version_code, result.version_name = identity
    return result


def read_identity(path: str) -> Identity | None:
    """Package and version from the manifest alone (for an app whose analysis was lost), or None."""
    try:
        from trowel.apk.loader import read_manifest_identity

        return read_manifest_identity(Path(path))
    except Exception:  # a hostile manifest: the app stays without a package
        return None


def analyse_guarded(path: str, time_limit: float = DEFAULT_TIME_LIMIT, memory_limit: int = DEFAULT_MEMORY_LIMIT,
                    on_identity: Callable[[Identity], None] | None = None) -> AppAnalysis:
    """Analyse one APK and never raise: failures become a result with a status, a reason and (when the
    manifest could be read) the app's package and version."""
    _reset_peak()
    started = time.monotonic()
    known: list[Identity] = []

    def identity(value: Identity) -> None:
        known.append(value)
        if on_identity is not None:
            on_identity(value)

    try:
        result = analyse_apk(Path(path), Limits(seconds=time_limit, memory_bytes=memory_limit), on_identity=identity)
    except AnalysisLimit as exc:
        result = failed_result(path, exc.reason, str(exc), time.monotonic() - started, _first(known))
    except MemoryError:
        result = failed_result(path, "memory", "out of memory", time.monotonic() - started, _first(known))
    except TrowelError as exc:
        result = failed_result(path, "failed", str(exc), time.monotonic() - started, _first(known))
    except Exception as exc:  # one broad catch per app: a bug on one hostile APK must not stop the corpus
        result = failed_result(path, "failed", f"{type(exc).__name__}: {exc}", time.monotonic() - started,
                               _first(known))
    result.peak_rss = _peak_rss() or result.peak_rss
    return result


def _first(known: list[Identity]) -> Identity | None:
    return known[0] if known else None


def _worker(conn: Connection, time_limit: float, memory_limit: int) -> None:
    """One app per process: receive its path, report its identity, then its result, and exit."""
    try:
        path = conn.recv()
    except EOFError:
        return
    if path is None:
        return
    result = analyse_guarded(path, time_limit, memory_limit, on_identity=lambda value: conn.send(("identity", value)))
    conn.send(result)


def _rss_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def worker_context() -> Any:
    """Worker processes fork from a server process that has already imported the analysis (a fresh process
    per app costs milliseconds, not an interpreter start); spawn where there is no fork server."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["trowel.aed.build", "trowel.apk.predict", "androguard.core.apk",
                                    "androguard.core.dex"])
        return ctx
    return multiprocessing.get_context("spawn")


class _Slot:
    def __init__(self, options: BuildOptions, worker: Callable[[Connection, float, int], None]) -> None:
        self.options = options
        self.worker = worker
        self.process: Any = None
        self.conn: Connection | None = None
        self.path: str | None = None
        self.identity: Identity | None = None
        self.started = 0.0

    def start(self) -> None:
        ctx = worker_context()
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=self.worker, args=(child, self.options.time_limit, self.options.memory_limit),
                                   daemon=True)
        self.process.start()
        child.close()
        self.conn = parent

    def submit(self, path: str) -> None:
        """Start a fresh worker process for this app (the previous one has exited)."""
        self.stop()
        self.start()
        assert self.conn is not None
        self.conn.send(path)
        self.path = path
        self.identity = None
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
                if isinstance(result, tuple) and len(result) == 2 and result[0] == "identity":
                    slot.identity = result[1]
                    continue
                if isinstance(result, AppAnalysis):
                    slot.path = None
                    slot.stop()
                    on_result(result)
                else:
                    code = None
                    if slot.process is not None:
                        slot.process.join(5)  # the pipe closed: let the process finish to read its exit code
                        code = slot.process.exitcode
                    slot.kill()
                    on_result(failed_result(path, "failed", f"worker process died (exit code {code})",
                                            time.monotonic() - slot.started, slot.identity))
            now = time.monotonic()
            for slot in slots:
                if slot.path is None or slot.process is None:
                    continue
                elapsed = now - slot.started
                rss = _rss_of(slot.process.pid)
                if elapsed > options.time_limit + options.grace:
                    path, identity = slot.path, slot.identity
                    slot.kill()
                    on_result(failed_result(path, "timeout", f"killed after {elapsed:.0f} s "
                                            f"(limit {options.time_limit:g} s)", elapsed, identity))
                elif rss is not None and rss > hard_memory:
                    path, identity = slot.path, slot.identity
                    slot.kill()
                    on_result(failed_result(path, "memory", f"killed at {rss >> 20} MiB resident "
                                            f"(limit {options.memory_limit >> 20} MiB)", elapsed, identity))
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
                result = failed_result(path, "failed", f"Dask task failed: {type(exc).__name__}: {exc}",
                                       identity=read_identity(path))
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
