#!/usr/bin/env python3
"""Benchmark of the APK analysis and the AED build (issues 6 and 12).

1. Per app, each in a fresh process: CPU seconds, peak resident memory, predictions (and names that could
   not be resolved), for the test apps, the real apps that can be found, and a generated large app
   (fixtures-src/build_apks.py --large N: N activities of 40 methods) and a generated interpreter-like app
   (--stress N: contexts that multiply, patterns that grow every round). Summary: CPU median, p90, max and
   the largest peak. Target: every app within 60 s CPU and 1.5 GB.
2. ``aed build`` over COPIES copies of the test apps with ``--jobs 2`` (a fresh worker per app) and with a
   2-worker Dask LocalCluster: apps per minute.

Real apps are never committed. They are looked for (and the search is printed) in: the folders named by
``$TROWEL_REAL_APKS`` (colon-separated), ``~/.cache/trowel/apks``, the installed ``uiautomator2`` package
(``assets/app-uiautomator.apk``), and ``node_modules/**/apks/*.apk`` below the repository and the current
folder (``npm pack io.appium.settings appium-uiautomator2-server`` and unpack, or ``npm install`` them).

Usage: python bench/bench_apk.py [--quick] [--copies 200] [--large-classes 1000] [--large-apk F]
       [--extra-apk F]...
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trowel.aed.build import BuildOptions, analyse_guarded, build_aed  # noqa: E402
from trowel.apk.predict import AppAnalysis  # noqa: E402

APKS = ROOT / "tests" / "fixtures" / "apks"
TARGET_CPU = 60.0
TARGET_BYTES = int(1.5 * (1 << 30))


def _isolated(path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(analyse_guarded(path, time_limit=600.0, memory_limit=4 << 30))


def analyse_in_fresh_process(path: Path) -> AppAnalysis:
    """One app in a spawned interpreter: its CPU time and peak memory are its own."""
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    process = ctx.Process(target=_isolated, args=(str(path), queue))
    process.start()
    result: AppAnalysis = queue.get()
    process.join()
    return result


def real_apps() -> list[Path]:
    """Real APKs found on this machine (printed, with where they were looked for)."""
    places: list[Path] = [Path(p) for p in os.environ.get("TROWEL_REAL_APKS", "").split(":") if p]
    places.append(Path.home() / ".cache" / "trowel" / "apks")
    spec = importlib.util.find_spec("uiautomator2")
    if spec is not None and spec.origin:
        places.append(Path(spec.origin).parent / "assets")
    for base in {ROOT, Path.cwd()}:
        places.append(base / "node_modules")
    print("real apps looked for in: " + ", ".join(str(p) for p in places))
    found: list[Path] = []
    for place in places:
        if not place.is_dir():
            continue
        pattern = "**/apks/*.apk" if place.name == "node_modules" else "**/*.apk"
        found.extend(p for p in sorted(place.glob(pattern)) if p.is_file())
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        print("NO REAL APPS FOUND: install uiautomator2 (pip) or unpack io.appium.settings / "
              "appium-uiautomator2-server (npm pack) and set TROWEL_REAL_APKS; only generated apps are measured")
    return unique


def row(label: str, r: AppAnalysis) -> str:
    peak = (r.peak_rss or 0) >> 20
    return (f"{label[:34]:<34} {r.status:<8} {r.methods:>7} {r.cpu_seconds:>7.2f} {peak:>8} "
            f"{len(r.predictions):>5} {len(r.unresolved):>5}")


def measure(apps: list[tuple[str, Path]], title: str) -> list[AppAnalysis]:
    print(f"== {title} (fresh process each; CPU includes loading)")
    print(f"{'app':<34} {'status':<8} {'methods':>7} {'cpu s':>7} {'peak MiB':>8} {'pred':>5} {'unres':>5}")
    results = []
    for label, path in apps:
        r = analyse_in_fresh_process(path)
        results.append(r)
        print(row(label, r))
    return results


def summary(results: list[AppAnalysis], title: str) -> None:
    if not results:
        return
    cpu = sorted(r.cpu_seconds for r in results)
    p90 = cpu[min(len(cpu) - 1, int(round(0.9 * (len(cpu) - 1))))]
    peak = max(r.peak_rss or 0 for r in results)
    over = [r.apk for r in results if r.cpu_seconds > TARGET_CPU or (r.peak_rss or 0) > TARGET_BYTES]
    print(f"{title}: {len(results)} apps, CPU s median {statistics.median(cpu):.2f} / p90 {p90:.2f} / "
          f"max {cpu[-1]:.2f}; peak memory max {peak >> 20} MiB; predictions per app "
          f"{[len(r.predictions) for r in results]}; "
          f"{'all within' if not over else f'{len(over)} OVER'} {TARGET_CPU:.0f} s CPU / {TARGET_BYTES >> 20} MiB")


def large_app(classes: int, work: Path, given: Path | None) -> list[AppAnalysis]:
    out = given or work / "large.apk"
    if given is None:
        started = time.monotonic()
        subprocess.run([sys.executable, str(ROOT / "fixtures-src" / "build_apks.py"), "--large", str(classes),
                        "--large-out", str(out)], check=True, capture_output=True)
        print(f"(generated {out.name} with {classes} classes: {out.stat().st_size:,} bytes in "
              f"{time.monotonic() - started:.0f} s)")
    return measure([(f"generated {out.name}", out)], "largest generated app")


def stress_app(methods: int, work: Path) -> list[AppAnalysis]:
    out = work / "stress.apk"
    subprocess.run([sys.executable, str(ROOT / "fixtures-src" / "build_apks.py"), "--stress", str(methods),
                    "--stress-out", str(out)], check=True, capture_output=True)
    return measure([(f"generated interpreter-like ({methods} m.)", out)], "generated interpreter-like app")


def corpus(copies: int, work: Path) -> None:
    folder = work / "corpus"
    folder.mkdir()
    apps = sorted(APKS.glob("*.apk"))
    for i in range(copies):
        src = apps[i % len(apps)]
        shutil.copyfile(src, folder / f"{i:04d}_{src.name}")
    print(f"== aed build over {copies} APKs (copies of the {len(apps)} test apps)")
    started = time.monotonic()
    built = build_aed([folder], work / "pool.sqlite", BuildOptions(jobs=2))
    took = time.monotonic() - started
    print(f"--jobs 2 (fresh worker per app): {built.ok} ok, {built.failed} failed in {took:.1f} s -> "
          f"{copies / took * 60:.0f} apps/min")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        started = time.monotonic()
        built = build_aed([folder], work / "dask.sqlite", BuildOptions(scheduler=cluster.scheduler_address))
        took = time.monotonic() - started
    print(f"Dask LocalCluster (2 worker processes): {built.ok} ok, {built.failed} failed in {took:.1f} s "
          f"-> {copies / took * 60:.0f} apps/min")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 copies and a 200-class large app")
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--large-classes", type=int, default=1000)
    parser.add_argument("--stress-methods", type=int, default=3000)
    parser.add_argument("--large-apk", type=Path, help="analyse this APK as the large app instead of building one")
    parser.add_argument("--extra-apk", type=Path, action="append", default=[], help="also measure this APK")
    args = parser.parse_args()
    copies = 40 if args.quick else args.copies
    classes = 200 if args.quick else args.large_classes
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="trowel-bench-apk-") as tmp:
        work = Path(tmp)
        tests = measure([(p.stem, p) for p in sorted(APKS.glob("*.apk"))], "test apps")
        summary(tests, "test apps")
        reals = [(p.name, p) for p in [*real_apps(), *args.extra_apk]]
        if reals:
            summary(measure(reals, "real apps"), "real apps")
        generated = large_app(classes, work, args.large_apk)
        generated += stress_app(500 if args.quick else args.stress_methods, work)
        summary(generated, "generated apps")
        corpus(copies, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
