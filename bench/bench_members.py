"""Benchmark: an archive with very many members (issue 18's bound: 1,000,000 empty members listed by
``trowel ls`` in under 60 s and 500 MB, examined in under 120 s).

Builds a tar (or a tar.gz, or a zip) of N empty members in folders of 1,000, then runs in child processes
  1. ``trowel ls ARCHIVE`` (stdout to /dev/null),
  2. ``trowel ls --json ARCHIVE``,
  3. ``trowel examine ARCHIVE --out CASE``,
and prints wall seconds and each child's peak RSS (``ru_maxrss``). ``--members`` sets N (default 1,000,000);
``--quick`` is 100,000. The machine may be shared: the figures are what this run measured.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build_tar(path: Path, members: int, compress: bool) -> None:
    with tarfile.open(path, "w:gz" if compress else "w", format=tarfile.GNU_FORMAT) as tar:
        empty = io.BytesIO(b"")
        for i in range(members):
            info = tarfile.TarInfo(f"data/media/0/d{i // 1000:04d}/f{i:07d}.txt")
            info.mtime = 1_700_000_000
            tar.addfile(info, empty)


def build_zip(path: Path, members: int) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(members):
            zf.writestr(f"data/media/0/d{i // 1000:04d}/f{i:07d}.txt", b"")


def measure(cmd: list[str]) -> tuple[float, float, int, float]:
    """Run in a fresh child (the child's own peak RSS, measured by a wrapper that reports getrusage)."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(time.perf_counter() - start, use.ru_maxrss / 1024, rc, use.ru_utime + use.ru_stime)\n"
    )
    env = dict(os.environ, PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    out = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "trowel.cli.main", "-q", *cmd],
                         capture_output=True, text=True, env=env, check=False)
    wall, rss, rc, cpu = out.stdout.split()
    return float(wall), float(rss), int(rc), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 members")
    parser.add_argument("--format", choices=["tar", "tar.gz", "zip"], default="tar")
    parser.add_argument("--no-examine", action="store_true")
    args = parser.parse_args()
    members = 100_000 if args.quick else args.members
    work = Path(tempfile.mkdtemp(prefix="bench-members-"))
    try:
        archive = work / f"many.{args.format}"
        start = time.perf_counter()
        if args.format == "zip":
            build_zip(archive, members)
        else:
            build_tar(archive, members, args.format == "tar.gz")
        print(f"built {archive.name}: {members:,} empty members, {archive.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - start:.1f} s (load average {os.getloadavg()[0]:.2f})", flush=True)
        for label, cmd in (("ls", ["ls", str(archive)]), ("ls --json", ["ls", "--json", str(archive)])):
            wall, rss, rc, cpu = measure(cmd)
            print(f"{label:<10} {wall:7.1f} s wall {cpu:7.1f} s CPU  peak RSS {rss:7.1f} MB  exit {rc}  "
                  "(target: 60 s, 500 MB)", flush=True)
        if not args.no_examine:
            case = work / "case"
            wall, rss, rc, cpu = measure(["examine", str(archive), "--out", str(case)])
            print(f"{'examine':<10} {wall:7.1f} s wall {cpu:7.1f} s CPU  peak RSS {rss:7.1f} MB  exit {rc}  "
                  "(target: 120 s)", flush=True)
            stages = [json.loads(line) for line in (case / "log.jsonl").read_text().splitlines()]
            for entry in stages:
                if entry["action"] == "stage":
                    print(f"  stage {entry['arguments']['name']:<14} {entry['details']['wall_s']:7.1f} s wall "
                          f"{entry['details']['cpu_s']:7.1f} s CPU")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
