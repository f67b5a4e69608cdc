"""Worker functions for the local pool that misbehave on purpose (spawned by the hard-limit tests)."""

from __future__ import annotations

import time
from multiprocessing.connection import Connection


def sleeping_worker(conn: Connection, time_limit: float, memory_limit: int) -> None:
    """Takes a task and never answers (a hung analysis)."""
    conn.recv()
    time.sleep(600)


def hungry_worker(conn: Connection, time_limit: float, memory_limit: int) -> None:
    """Takes a task and holds more and more memory without answering."""
    conn.recv()
    hoard = []
    for _ in range(64):
        hoard.append(bytearray(16 << 20))
        time.sleep(0.05)
    time.sleep(600)


def dying_worker(conn: Connection, time_limit: float, memory_limit: int) -> None:
    """Takes a task and exits (a crash in native code)."""
    conn.recv()
    raise SystemExit(3)


def identity_then_sleep_worker(conn: Connection, time_limit: float, memory_limit: int) -> None:
    """Reports the app's identity from its manifest (as the real worker does), then hangs."""
    from pathlib import Path

    from trowel.apk.loader import read_manifest_identity

    path = conn.recv()
    conn.send(("identity", read_manifest_identity(Path(path))))
    time.sleep(600)


def pid_worker(conn: Connection, time_limit: float, memory_limit: int) -> None:
    """Answers with its process id in the error text (to show that every app gets a fresh process)."""
    import os

    from trowel.aed.build import failed_result

    path = conn.recv()
    conn.send(failed_result(path, "failed", f"pid {os.getpid()}"))
