"""Benchmark: ``trowel examine`` end to end on a generated extraction of ~2 GB holding 1,000,000 imo messages.

The extraction is a folder under ``--work`` (default /tmp/trowel-bench-examine), built once and reused: the imo
databases of bench_imo.py (``imofriends.db`` with 1 % of the messages deleted, ``accountdb.db``) plus filler
files (camera pictures, downloads, app caches) up to ~2 GB in total. ``--scale 0.1`` builds 100,000 messages and
~200 MB. ``trowel examine`` runs in a child process; the figures are its wall time and peak RSS (the child's
``ru_maxrss``), each stage's wall/CPU time and peak RSS so far (the ``stage`` entries of the case's log.jsonl),
the time spent hashing the inputs (``register`` and ``verify``), the outputs' sizes, the report's size by part
and the time until each page type is interactive in Chromium from the file system (bench/report_timing.py).

Targets (issue 8): under 10 minutes and under 2 GB peak memory at 1,000,000 messages on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_imo import build as build_imo  # noqa: E402
from report_timing import print_report_figures  # noqa: E402

MESSAGES = 1_000_000
TOTAL_BYTES = 2_000_000_000
TARGET_S = 600.0
TARGET_MB = 2048.0
FILLER_FILE = 64 << 20  # big filler files (videos); plus one small file per 2 MB of filler
BLOCK = 1 << 20


def _filler(folder: Path, budget: int) -> tuple[int, int]:
    """Filler files up to ``budget`` bytes: every file starts with its own header (distinct SHA-256) followed by
    a repeated pseudo-random block, so writing 2 GB costs disk time only. Returns (files, bytes)."""
    block = os.urandom(BLOCK)  # one block; the files differ by their headers
    media = folder / "data/media/0"
    files = written = 0
    big = budget * 9 // 10
    while written < big:
        size = min(FILLER_FILE, big - written)
        path = media / f"DCIM/Camera/VID_{files:05d}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as stream:
            stream.write(f"trowel bench filler {files}\n".encode())
            left = size
            while left > 0:
                stream.write(block[:min(left, BLOCK)])
                left -= BLOCK
        written += size
        files += 1
    small = max(1, (budget - written) // (100 << 10))
    for n in range(small):  # 100 kB pictures and app cache files: many small files for the inventory
        where = "DCIM/imo" if n % 2 else "Download"
        path = media / where / f"IMG_{n:06d}.jpg" if n % 3 else folder / (
            f"data/data/com.imo.android.imoim/cache/c{n:06d}.bin")
        path.parent.mkdir(parents=True, exist_ok=True)
        data = f"filler {n}\n".encode() + block[n % 900 * 1024:][:100 << 10]
        path.write_bytes(data)
        written += len(data)
        files += 1
    return files, written


def build(work: Path, messages: int, total: int) -> Path:
    folder = work / f"extraction-{messages}"
    done = folder.with_name(folder.name + ".done")
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    db = build_imo(folder, messages)
    db_bytes = sum(p.stat().st_size for p in db.parent.iterdir())
    files, filler = _filler(folder, max(0, total - db_bytes))
    done.write_text(json.dumps({"messages": messages, "db_bytes": db_bytes, "filler_files": files,
                                "filler_bytes": filler}))
    print(f"built {folder} in {time.perf_counter() - started:.0f} s")
    return folder


def _folder_size(folder: Path) -> tuple[int, int]:
    count = size = 0
    for path in folder.rglob("*"):
        if path.is_file():
            count += 1
            size += path.stat().st_size
    return count, size


def _seconds(a: str, b: str) -> float:
    return (datetime.fromisoformat(b.replace("Z", "+00:00")) - datetime.fromisoformat(a.replace("Z", "+00:00"))
            ).total_seconds()


def stage_figures(log: list[dict[str, Any]]) -> list[tuple[str, float, float, float]]:
    """(name, wall s, CPU s, peak RSS MB so far) per stage, with the input hashing before and after."""
    rows: list[tuple[str, float, float, float]] = []
    start = str(log[0]["time"])
    last_register = max((str(e["time"]) for e in log if e["action"] == "register"), default=start)
    rows.append(("hash + open inputs", _seconds(start, last_register), float("nan"), float("nan")))
    for i, entry in enumerate(log):
        details = entry.get("details") or {}
        if entry["action"] == "stage" and isinstance(details, dict):
            name = str((entry.get("arguments") or {}).get("name"))
            rows.append((name, float(details["wall_s"]), float(details["cpu_s"]), float(details["peak_rss_mb"])))
        elif entry["action"] == "verify" and i:
            rows.append(("hash inputs again", _seconds(str(log[i - 1]["time"]), str(entry["time"])), float("nan"),
                         float("nan")))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of 1,000,000 messages and 2 GB (default 1.0)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/trowel-bench-examine"))
    parser.add_argument("--no-browser", action="store_true", help="skip the page-load figure")
    parser.add_argument("--keep", action="store_true", help="keep the case folder (work/case-N)")
    args = parser.parse_args()
    messages = max(1000, int(MESSAGES * args.scale))
    total = int(TOTAL_BYTES * args.scale)
    args.work.mkdir(parents=True, exist_ok=True)
    folder = build(args.work, messages, total)
    count, size = _folder_size(folder)
    print(f"extraction: {folder} — {messages:,} imo messages, {count:,} files, {size / 1e9:.2f} GB")
    out = args.work / f"case-{messages}"
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "trowel.cli.main", "-q", "examine", str(folder), "--out", str(out),
               "--case-number", "BENCH", "--examiner", "bench"]
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        print(f"trowel examine failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        return 1
    log = [json.loads(line) for line in (out / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    print(f"{'stage':22s} {'wall s':>8s} {'CPU s':>8s} {'peak RSS MB':>12s}")
    for name, wall, stage_cpu, rss in stage_figures(log):
        print(f"{name:22s} {wall:8.1f} {stage_cpu:8.1f} {rss:12.0f}")
    end: dict[str, Any] = next((e for e in reversed(log) if e["action"] == "end"), {})
    records: dict[str, int] = (end.get("details") or {}).get("records", {})
    print(f"records: {sum(records.values()):,} ({', '.join(f'{k} {v:,}' for k, v in sorted(records.items()))})")
    outputs = {name: (out / name) for name in ("case.sqlite", "timeline.jsonl", "timeline.csv", "case.jsonld",
                                               "bodyfile.txt", "exports", "report")}
    sizes = []
    for name, path in outputs.items():
        if path.is_dir():
            sizes.append(f"{name} {_folder_size(path)[1] / 1e6:.0f} MB ({_folder_size(path)[0]:,} files)")
        elif path.exists():
            sizes.append(f"{name} {path.stat().st_size / 1e6:.0f} MB")
    print("outputs: " + "; ".join(sizes))
    scaled = elapsed / args.scale if args.scale < 1 else elapsed
    print(f"total: {elapsed:.0f} s wall, {cpu:.0f} s CPU (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} shared CPUs); peak RSS {peak:.0f} MB")
    if args.scale < 1:
        print(f"extrapolated linearly to 1,000,000 messages / 2 GB: {scaled:.0f} s wall, {cpu / args.scale:.0f} s CPU "
              "(memory is not extrapolated: the stages stream)")
    print(f"time: {scaled:.0f} s vs target {TARGET_S:.0f} s: {'met' if scaled <= TARGET_S else 'MISSED'}; "
          f"memory: {peak:.0f} MB vs target {TARGET_MB:.0f} MB: {'met' if peak <= TARGET_MB else 'MISSED'}")
    if not args.no_browser:
        print_report_figures(out)
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
