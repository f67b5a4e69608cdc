"""Benchmark: ``trowel imo --json > /dev/null`` on a synthetic imo database of 1,000,000 messages (~250 MB).

Targets (issue 3): under 60 s and under 1 GB peak memory (main process plus its worker processes, measured as
their summed PSS, sampled). ``--scale 0.1`` builds 100,000 messages.
The database is built once under ``--work`` (default /tmp/trowel-bench-imo) and reused when it exists.
1 % of the messages are deleted (secure_delete off) so that the recovery engine has work to do.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.imo.realschema import SCHEMA, create_statements  # noqa: E402
from tests.fixtures.imo.schema import ACCOUNTDB, IMOFRIENDS  # noqa: E402

TARGET_S = 60.0
TARGET_MB = 1024.0
T0 = 1_600_000_000_000_000_000
WORDS = ("hello", "tomorrow", "meeting", "ok", "привет", "😀", "see", "you", "at", "the", "station", "call", "me",
         "<b>", "later", "مرحبا", "thanks", "where", "are", "photo")


def build(folder: Path, messages: int, real_schema: bool = False) -> Path:
    db_path = folder / "data/data/com.imo.android.imoim/databases/imofriends.db"
    if db_path.exists():
        return db_path
    db_path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(3)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA page_size = 4096")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA secure_delete = OFF")
    if real_schema:  # all 63 tables of a current imofriends.db (tests/fixtures/imo/real_schema.json)
        for statement in create_statements(json.loads(SCHEMA.read_text(encoding="utf-8")), drift=False):
            conn.execute(statement)
    else:
        conn.executescript(IMOFRIENDS)
    friends = [str(100_000_000 + i) for i in range(1000)]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO friends (buid, name, display, type) VALUES (?, ?, ?, 'person')",
                     [(b, f"Friend {b}", f"Friend {b}") for b in friends])
    batch = []
    for i in range(messages):
        buid = friends[rng.randrange(len(friends))] if i % 50 else f"g.group{i % 7}"
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 30)))
        imdata = None
        if i % 10 == 0:
            imdata = json.dumps({"type": "photo", "original_path": f"/storage/emulated/0/DCIM/imo/IMG_{i}.jpg",
                                 "local_path": f"/data/user/0/com.imo.android.imoim/cache/{i}.jpg", "w": 1080})
        when = T0 + i * 1_000_000_007
        batch.append((buid, rng.choice((0, 1, 2)), 1, 1, text, when, imdata, None if i % 50 else friends[i % 1000],
                      None, f"m{i}", when - 17))
        if len(batch) == 50_000:
            conn.executemany("INSERT INTO messages (buid, message_type, message_state, message_read, last_message,"
                             " timestamp, imdata, author, author_alias, msg_id, sender_timestamp_nano) VALUES"
                             " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
            batch = []
    if batch:
        conn.executemany("INSERT INTO messages (buid, message_type, message_state, message_read, last_message,"
                         " timestamp, imdata, author, author_alias, msg_id, sender_timestamp_nano) VALUES"
                         " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
    conn.execute("COMMIT")
    conn.execute("DELETE FROM messages WHERE _id % 100 = 7")
    conn.close()
    acc = sqlite3.connect(db_path.with_name("accountdb.db"))
    acc.executescript(ACCOUNTDB)
    acc.execute("INSERT INTO account VALUES ('700000001', 'Bench Owner')")
    acc.commit()
    acc.close()
    return db_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 messages (default 1.0)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/trowel-bench-imo"))
    parser.add_argument("--real-schema", action="store_true",
                        help="build imofriends.db with all 63 tables of a current imo (default: the 12 older tables)")
    parser.add_argument("--no-engine", action="store_true",
                        help="skip the second run that measures the SQLite recovery engine alone")
    args = parser.parse_args()
    messages = max(1000, int(1_000_000 * args.scale))
    folder = args.work / f"extraction-{messages}{'-real' if args.real_schema else ''}"
    started = time.perf_counter()
    db = build(folder, messages, args.real_schema)
    print(f"database: {messages:,} messages, {db.stat().st_size / 1e6:.1f} MB (built in {time.perf_counter() - started:.1f} s)")
    command = [sys.executable, "-c", MEASURED, "-q", "imo", str(folder), "--json"]
    speed_before = reference_loop()
    started = time.perf_counter()
    with open("/dev/null", "w") as sink:
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE, text=True)
        sampler = MemorySampler(child.pid)
        sampler.start()
        _, errors = child.communicate()
        sampler.stop()
    elapsed = time.perf_counter() - started
    proc = subprocess.CompletedProcess(command, child.returncode, "", errors)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    speed_after = reference_loop()
    if proc.returncode != 0:
        print(f"trowel imo failed ({proc.returncode}): {proc.stderr.strip()}")
        return 1
    figures = json.loads(proc.stderr.strip().splitlines()[-1])
    peak_mb, workers_mb = figures["self_mb"], figures["children_mb"]
    count = subprocess.run([sys.executable, "-m", "trowel.cli.main", "-q", "imo", str(folder)], capture_output=True,
                           text=True, check=True).stdout if args.scale <= 0.2 else ""
    print(f"trowel imo --json: {elapsed:.1f} s (target < {TARGET_S:.0f} s at 1,000,000 messages; "
          f"scaled target {TARGET_S * messages / 1_000_000:.1f} s)")
    print(f"CPU time (user + system): {cpu:.1f} s; load average while running: {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs (wall time on a shared machine exceeds the CPU time)")
    print(f"machine speed: a reference loop (10,000,000 additions in pure Python) took {speed_before:.2f} s before "
          f"and {speed_after:.2f} s after the run (shared virtual machines vary by half: compare runs by it)")
    total_mb = sampler.peak_mb
    print(f"peak memory: {total_mb:.0f} MB all processes together (target < {TARGET_MB:.0f} MB): the largest sum, "
          f"sampled every {SAMPLE_S} s, of the proportional set size (PSS: a page shared by n processes counts 1/n "
          f"in each) of trowel and its worker processes, plus the worker blocks in /dev/shm at that moment; "
          f"peak RSS: {peak_mb:.0f} MB main process, {workers_mb:.0f} MB largest worker")
    print(f"time: {'OK' if elapsed * 1_000_000 / messages < TARGET_S else 'OVER'} (extrapolated "
          f"{elapsed * 1_000_000 / messages:.1f} s per 1,000,000); memory: {'OK' if total_mb < TARGET_MB else 'OVER'}")
    if not args.no_engine:
        engine = subprocess.run([sys.executable, "-c", ENGINE_ALONE, str(db)], capture_output=True, text=True,
                                check=False)
        if engine.returncode == 0:
            figures = json.loads(engine.stdout)
            print(f"of which the SQLite recovery engine alone (trowel.sqlite.recover, deleted_only, same tables): "
                  f"{figures['cpu']:.1f} s CPU ({100 * figures['cpu'] / cpu:.0f} % of the run), "
                  f"{figures['wall']:.1f} s wall, {figures['peak_mb']:.0f} MB peak, {figures['deleted']} deleted rows")
        else:
            print(f"recovery engine alone: failed ({engine.stderr.strip().splitlines()[-1:]})")
    if count:
        print(count)
    return 0


SAMPLE_S = 0.25


def reference_loop() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine runs Python at the moment."""
    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started


class MemorySampler(threading.Thread):
    """The peak, over the run, of the summed PSS of a process and all its descendants (Linux /proc), plus the
    bytes of the spool folders (trowel-blocks-*) in /dev/shm: memory-backed files that count as memory too."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_mb = 0.0
        self._done = threading.Event()

    def stop(self) -> None:
        self._done.set()
        self.join()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_S):
            total = sum(_pss_kb(pid) for pid in _tree(self.pid)) / 1024 + _shm_spool_bytes() / 2**20
            self.peak_mb = max(self.peak_mb, total)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(p) for p in task.read_text().split())
            except OSError:
                continue
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _shm_spool_bytes() -> int:
    total = 0
    for folder in Path("/dev/shm").glob("trowel-blocks-*"):
        for item in folder.glob("*"):
            try:
                total += item.stat().st_size
            except OSError:
                continue
    return total


# `trowel imo` itself, printing its own peak memory and that of its largest worker process on stderr at the end.
MEASURED = """
import json, resource, sys
from trowel.cli.main import main
sys.argv[0] = "trowel"
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
sys.stdout.flush()
sys.stderr.write(json.dumps({"self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                             "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}) + "\\n")
sys.exit(code)
"""


# What `trowel imo` asks of the recovery engine, measured on its own (in a child: its own peak memory).
ENGINE_ALONE = """
import json, resource, sys, time
from pathlib import Path
from trowel.apps.imo.spec import RECOVER_TABLES
from trowel.sqlite import recover
started, cpu = time.perf_counter(), time.process_time()
result = recover(Path(sys.argv[1]), wal=None, journal=None, tables=RECOVER_TABLES, deleted_only=True)
records = result.iter_records() if hasattr(result, "iter_records") else iter(result.records)
deleted = sum(1 for r in records if r.state == "deleted")
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - started, "deleted": deleted,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


if __name__ == "__main__":
    sys.exit(main())
