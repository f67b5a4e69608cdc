"""Benchmark: inventory + hashing of a raw ext4 image with many small files, against ``sha256sum``.

Issue 2's target: on a 2 GiB ext4 image holding 100,000 files, trowel's inventory with SHA-256 of every
file reaches at least 80 % of the throughput of ``sha256sum`` on the same image (measured side by side,
with the image in the page cache for both), with a peak memory under 300 MB.

Steps: write a tree of N files (sizes spread from 1 byte to ~4x the mean, deterministic contents) under a
temporary folder, build the image with ``mke2fs -t ext4 -d``, delete the tree, then time
  1. ``sha256sum IMAGE``,
  2. the inventory stage in a child process (open the image, list every entry, SHA-256 every file),
  3. a whole ``trowel examine IMAGE --out CASE`` in a child process (it also hashes the image twice,
     before and after, and writes case.sqlite),
and print MB/s (image bytes / wall seconds) and each child's peak RSS (``ru_maxrss``).

``--scale 0.1`` shrinks files and bytes ten times (10,000 files, 205 MiB); ``--quick`` is ``--scale 0.02``.
The machine may be shared: the figures are what this run measured, printed with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

FULL_FILES = 100_000
FULL_BYTES = 2 << 30
TARGET_RATIO = 0.80
TARGET_RSS_MB = 300

INVENTORY_CHILD = """
import sys, time
from pathlib import Path
from trowel.evidence import EntryKind, open_evidence
start = time.perf_counter()
files = hashed = size = 0
with open_evidence(Path(sys.argv[1])) as source:
    for entry in source.entries():
        if entry.kind is EntryKind.FILE and entry.readable:
            files += 1
            if source.hash_entry(entry) is not None:
                hashed += 1
                size += entry.size
print(files, hashed, size, time.perf_counter() - start)
"""


def build_tree(root: Path, n_files: int, total: int, seed: int = 2) -> int:
    """Write ``n_files`` files totalling about ``total`` bytes in folders of 500; return the bytes written."""
    rng = random.Random(seed)
    mean = max(1, total // n_files)
    block = rng.randbytes(1 << 20)
    written = 0
    for i in range(n_files):
        folder = root / f"data/app{i // 5000:03d}/d{(i // 500) % 10}"
        if i % 500 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        size = max(1, int(rng.expovariate(1 / mean))) if i % 50 else mean * 4
        start = rng.randrange(0, len(block) - min(size, len(block)) + 1)
        with open(folder / f"f{i:06d}.bin", "wb") as fh:
            header = i.to_bytes(8, "little")  # every file different
            remaining = size
            fh.write(header[:remaining])
            remaining -= min(8, remaining)
            while remaining > 0:
                piece = block[start:start + min(remaining, len(block) - start)]
                fh.write(piece)
                remaining -= len(piece)
                start = 0
        written += size
    return written


def build_image(tree: Path, image: Path, n_files: int, data_bytes: int) -> None:
    size = int(data_bytes * 1.25) + n_files * 4096 + (64 << 20)
    size -= size % (1 << 20)  # whole MiB: sector-aligned, as a real partition is
    with open(image, "wb") as fh:
        fh.truncate(size)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-N", str(int(n_files * 1.2) + 1024),
                    "-d", str(tree), str(image)], check=True)


def run_child(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of one child process (measured with wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])}... failed ({proc.returncode}): {err.strip()[-400:]}")
    return wall, usage.ru_maxrss / 1024, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 100,000 files / 2 GiB (default 1)")
    parser.add_argument("--quick", action="store_true", help="same as --scale 0.02")
    parser.add_argument("--keep", help="build (or reuse) the image at this path instead of a temporary one")
    parser.add_argument("--no-examine", action="store_true", help="skip the whole trowel examine run")
    args, _unknown = parser.parse_known_args(argv)
    scale = 0.02 if args.quick else args.scale
    n_files, total = max(100, int(FULL_FILES * scale)), max(1 << 20, int(FULL_BYTES * scale))
    for tool in ("mke2fs", "sha256sum"):
        if shutil.which(tool) is None:
            raise SystemExit(f"bench_evidence: {tool} is not installed")
    with tempfile.TemporaryDirectory(prefix="trowel-bench-evidence-") as tmp:
        work = Path(tmp)
        image = Path(args.keep) if args.keep else work / "bench-ext4.img"
        t0 = time.perf_counter()
        if not image.exists():
            tree = work / "tree"
            data = build_tree(tree, n_files, total)
            build_image(tree, image, n_files, data)
            shutil.rmtree(tree)
            print(f"built {image.name}: {n_files:,} files, {data / 2**20:,.0f} MiB of file data, "
                  f"image {image.stat().st_size / 2**20:,.0f} MiB in {time.perf_counter() - t0:.1f} s", flush=True)
        img_mb = image.stat().st_size / 1e6
        subprocess.run(["sha256sum", str(image)], check=True, capture_output=True)  # warm the page cache
        sha_wall, sha_rss, _ = run_child(["sha256sum", str(image)])
        inv_wall, inv_rss, out = run_child([sys.executable, "-c", INVENTORY_CHILD, str(image)])
        files, hashed, file_bytes, inner = out.split()
        sha_rate, inv_rate = img_mb / sha_wall, img_mb / inv_wall
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  (shared machine)")
        print(f"sha256sum          : {sha_wall:7.2f} s  {sha_rate:8.1f} MB/s  peak RSS {sha_rss:6.1f} MB")
        print(f"inventory + SHA-256: {inv_wall:7.2f} s  {inv_rate:8.1f} MB/s  peak RSS {inv_rss:6.1f} MB  "
              f"({int(files):,} files, {int(hashed):,} hashed, {int(file_bytes) / 1e6:,.0f} MB of content, "
              f"{int(files) / float(inner):,.0f} files/s, content {int(file_bytes) / 1e6 / inv_wall:,.0f} MB/s)")
        ratio = inv_rate / sha_rate
        ok_rate, ok_rss = ratio >= TARGET_RATIO, inv_rss < TARGET_RSS_MB
        print(f"target: throughput >= {TARGET_RATIO:.0%} of sha256sum -> {ratio:.0%} "
              f"{'MET' if ok_rate else 'NOT MET'}; peak memory < {TARGET_RSS_MB} MB -> {inv_rss:.0f} MB "
              f"{'MET' if ok_rss else 'NOT MET'}")
        if not args.no_examine:
            case = work / "case"
            ex_wall, ex_rss, _ = run_child([sys.executable, "-m", "trowel.cli.main", "-q", "examine", str(image),
                                            "--out", str(case)])
            times = {}
            for line in (case / "log.jsonl").read_text().splitlines():
                event = json.loads(line)
                times[event["action"]] = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
            stage = (times["inventory"] - times["register"]).total_seconds()
            print(f"trowel examine     : {ex_wall:7.2f} s  {img_mb / ex_wall:8.1f} MB/s  peak RSS {ex_rss:6.1f} MB  "
                  "(every stage: input hashed before and after, inventory, app parsers, reports)")
            print(f"  its inventory stage (list + SHA-256 + case.sqlite rows): {stage:.2f} s, "
                  f"{img_mb / stage:.1f} MB/s = {img_mb / stage / sha_rate:.0%} of sha256sum")
    return 0 if ok_rate and ok_rss else 1


if __name__ == "__main__":
    sys.exit(main())
