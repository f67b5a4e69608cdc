#!/usr/bin/env python3
"""Benchmark of the APK analysis and the AED build (issue 6).

1. Analysis time and peak resident memory per test app (tests/fixtures/apks).
2. The same for a generated large app (fixtures-src/build_apks.py --large N: N classes of 40 methods).
   Target: no app over 60 s or 1.5 GB.
3. ``aed build`` over COPIES copies of the test apps with ``--jobs 2`` and with a 2-worker Dask
   LocalCluster: apps per minute.

Usage: python bench/bench_apk.py [--quick] [--copies 200] [--large-classes 1000] [--large-apk F]
       [--extra-apk F]...
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trowel.aed.build import BuildOptions, analyse_guarded, build_aed  # noqa: E402

APKS = ROOT / "tests" / "fixtures" / "apks"
TARGET_SECONDS = 60.0
TARGET_BYTES = int(1.5 * (1 << 30))


def _isolated(path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(analyse_guarded(path, time_limit=600.0, memory_limit=4 << 30))


def analyse_in_fresh_process(path: Path) -> object:
    """Peak memory of one app without anything else in the process (spawned interpreter)."""
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    process = ctx.Process(target=_isolated, args=(str(path), queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def verdict(seconds: float, peak: int | None) -> str:
    ok = seconds <= TARGET_SECONDS and (peak or 0) <= TARGET_BYTES
    return "ok" if ok else "OVER TARGET"


def per_app() -> None:
    print("== per-app analysis (fresh process each; time includes loading)")
    print(f"{'app':<18} {'methods':>8} {'instrs':>8} {'seconds':>8} {'cpu s':>8} {'peak MiB':>9}")
    worst = 0.0
    for apk in sorted(APKS.glob("*.apk")):
        r = analyse_in_fresh_process(apk)
        peak = (r.peak_rss or 0) >> 20  # type: ignore[attr-defined]
        print(f"{apk.stem:<18} {r.methods:>8} {r.instructions:>8} {r.seconds:>8.2f} "  # type: ignore[attr-defined]
              f"{r.cpu_seconds:>8.2f} {peak:>9}")  # type: ignore[attr-defined]
        worst = max(worst, r.seconds)  # type: ignore[attr-defined]
    print(f"slowest test app: {worst:.2f} s (target {TARGET_SECONDS:.0f} s)")


def large_app(classes: int, work: Path, given: Path | None) -> None:
    out = given or work / "large.apk"
    started = time.monotonic()
    if given is None:
        subprocess.run([sys.executable, str(ROOT / "fixtures-src" / "build_apks.py"), "--large", str(classes),
                        "--large-out", str(out)], check=True, capture_output=True)
    print(f"== large app {out.name}: {out.stat().st_size:,} bytes (built in {time.monotonic() - started:.0f} s)")
    r = analyse_in_fresh_process(out)
    print(f"status {r.status}, methods {r.methods}, instructions {r.instructions}, engine steps {r.steps}, "  # type: ignore[attr-defined]
          f"predictions {len(r.predictions)}")  # type: ignore[attr-defined]
    peak = r.peak_rss or 0  # type: ignore[attr-defined]
    print(f"wall {r.seconds:.1f} s, CPU {r.cpu_seconds:.1f} s, peak RSS {peak >> 20} MiB -> "  # type: ignore[attr-defined]
          f"wall: {verdict(r.seconds, peak)}, CPU: {verdict(r.cpu_seconds, peak)} "  # type: ignore[attr-defined]
          f"(target <= {TARGET_SECONDS:.0f} s and <= {TARGET_BYTES >> 20} MiB; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def corpus(copies: int, work: Path) -> None:
    folder = work / "corpus"
    folder.mkdir()
    apps = sorted(APKS.glob("*.apk"))
    for i in range(copies):
        src = apps[i % len(apps)]
        shutil.copyfile(src, folder / f"{i:04d}_{src.name}")
    print(f"== aed build over {copies} APKs (copies of the {len(apps)} test apps)")
    started = time.monotonic()
    summary = build_aed([folder], work / "pool.sqlite", BuildOptions(jobs=2))
    took = time.monotonic() - started
    print(f"--jobs 2: {summary.ok} ok, {summary.failed} failed in {took:.1f} s -> {copies / took * 60:.0f} apps/min")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        started = time.monotonic()
        summary = build_aed([folder], work / "dask.sqlite",
                            BuildOptions(scheduler=cluster.scheduler_address))
        took = time.monotonic() - started
    print(f"Dask LocalCluster (2 worker processes): {summary.ok} ok, {summary.failed} failed in {took:.1f} s "
          f"-> {copies / took * 60:.0f} apps/min")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 copies and a 100-class large app")
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--large-classes", type=int, default=1000)
    parser.add_argument("--large-apk", type=Path, help="analyse this APK as the large app instead of building one")
    parser.add_argument("--extra-apk", type=Path, action="append", default=[],
                        help="also analyse this (real) APK, e.g. app-uiautomator.apk from the uiautomator2 wheel")
    args = parser.parse_args()
    copies = 40 if args.quick else args.copies
    classes = 100 if args.quick else args.large_classes
    with tempfile.TemporaryDirectory(prefix="trowel-bench-apk-") as tmp:
        work = Path(tmp)
        per_app()
        large_app(classes, work, args.large_apk)
        for extra in args.extra_apk:
            large_app(0, work, extra)
        corpus(copies, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
