"""Benchmark of the timestamp toolkit (issues 5 and 15): ``hunt`` throughput and memory, batch decoding
side by side with time_decode, and hunt's memory on random data with a wide window.

    python bench/bench_timestamps.py              # 1 GiB file, 1,000,000 values (the issue's sizes)
    python bench/bench_timestamps.py --scale 0.1  # 102 MiB, 100,000 values
    python bench/bench_timestamps.py --quick      # --scale 0.02

The hunt file is random data with planted values of every 4- and 8-byte integer format and the doubles
(both byte orders), generated once under /tmp. The window is one hour around the planted instant. Peak
memory is the process's maximum resident set size, measured in a child process per phase.
Targets: hunt >= 200 MB/s and < 500 MB; decode --batch: values/s (no target given). Hunt runs with one
process and with two (``--jobs 2``, one per core of the target machine). On a shared machine wall time
depends on the load: the CPU-second rate is printed next to it.

Issue 15 (needs ``pip install '.[bench]'``: time_decode 11 from PyPI, the reference decoder; the bench
fails loudly without it): on the same values in one run,
- named decoding of Unix milliseconds: trowel's vectorised ``decode_batch`` (instants, and instants plus ISO
  text) against a loop over time_decode's ``from_unixmilli`` (which returns text). Target >= 1,000,000
  values/s and >= 5x time_decode.
- ranked decoding (every format): trowel's columnar result (``decode_ranked``, judged), the readings
  materialised (``decode_many``), ``decode --batch --json`` end to end in the same process, and ``decode``
  per value, against time_decode's ``from_all`` per value, on 5,000 of the named phase's values (one block
  of ``decode --batch``; 5% at scale 1) and on as many values of eight common shapes. Target >= 50,000 values/s and >= 10x time_decode.
- hunt over random data (64 MiB at scale 1) with the window 1970-01-01 .. 2040-01-01, ``--jobs 2``: peak
  resident memory summed over the parent and its workers (sampled every 0.1 s). Target < 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

T = 1_746_371_930_064_939_000  # 2025-05-04T15:18:50.064939Z
AFTER, BEFORE = "2025-05-04T15:00:00Z", "2025-05-04T16:00:00Z"
CHILD_HUNT = "hunt"
CHILD_DECODE = "decode"
CHILD_VERSUS = "versus"


def child_versus(count: str) -> dict[str, float]:
    """Named and ranked decoding, trowel and time_decode, on the same values in this one process."""
    try:
        from time_decode.time_decode import from_all, from_unixmilli
    except ImportError as exc:  # the comparison is the point of this phase: no silent skip
        raise SystemExit(f"time_decode is not installed ({exc}); pip install '.[bench]'") from exc
    from trowel.timestamps.batch import decode_batch, utc_micro_text

    n = int(count)
    values = [str(1_700_000_000_000 + i * 937) for i in range(n)]
    out: dict[str, float] = {"values": n}
    # both tools warm up on a few values first: the figures are throughput, not numpy's (or the datetime
    # module's) one-time set-up on the first call, which weighs a fifth of a 20,000-value quick run
    utc_micro_text(decode_batch(values[:100], "unix_ms"))
    for v in values[:100]:
        from_unixmilli(v)
    start = time.process_time()
    result = decode_batch(values, "unix_ms")
    out["trowel_named_cpu"] = time.process_time() - start
    start = time.process_time()
    texts = utc_micro_text(decode_batch(values, "unix_ms"))
    out["trowel_named_text_cpu"] = time.process_time() - start
    assert texts[0] == "2023-11-14T22:13:20.000000Z" and result.unix_ns(0) == 1_700_000_000_000_000_000
    start = time.process_time()
    td = [from_unixmilli(v)[0] for v in values]
    out["td_named_cpu"] = time.process_time() - start
    assert td[0] == "2023-11-14 22:13:20.000000"
    ranked = values[: max(5000, n // 20)]  # at least one block of decode --batch (5,000 lines)
    out["ranked_values"] = len(ranked)
    out.update(ranked_versus(ranked, "", from_all, by_value=True))
    out.update(ranked_versus(mixed_values(len(ranked)), "mixed_", from_all, by_value=False))
    return out


def ranked_versus(values: list[str], prefix: str, from_all: Any, by_value: bool) -> dict[str, float]:
    """CPU seconds of ranked decoding on the same values: trowel's columns (``decode_ranked``), the readings
    materialised (``decode_many``), the CLI end to end in this process (``decode --batch FILE --json``
    to /dev/null), ``decode`` value by value (optional), and time_decode's ``from_all`` per value."""
    from trowel.cli.main import main
    from trowel.timestamps.decoding import decode
    from trowel.timestamps.ranked import decode_many, decode_ranked

    out: dict[str, float] = {}
    decode_ranked(values[:50])  # the format tables and caches are built once per process
    start = time.process_time()
    columns = decode_ranked(values)
    out[prefix + "columns_cpu"] = time.process_time() - start
    start = time.process_time()
    lists = decode_many(values)
    out[prefix + "lists_cpu"] = time.process_time() - start
    assert lists[0] == decode(values[0]) == columns.readings(0) and lists[-1] == decode(values[-1])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "values.txt"
        path.write_text("".join(v + "\n" for v in values))
        with open(os.devnull, "w") as sink:
            saved = sys.stdout
            sys.stdout = sink
            start = time.process_time()
            try:
                main(["--quiet", "time", "decode", "--batch", str(path), "--json"])
            except SystemExit:
                pass
            finally:
                sys.stdout = saved
            out[prefix + "cli_cpu"] = time.process_time() - start
    if by_value:
        start = time.process_time()
        for value in values:
            decode(value)
        out[prefix + "by_value_cpu"] = time.process_time() - start
    start = time.process_time()
    for value in values:
        from_all(value)
    out[prefix + "td_cpu"] = time.process_time() - start
    return out


def mixed_values(count: int) -> list[str]:
    """Values of eight common shapes in turn (Unix s/ms/us/ns, FILETIME, Chrome, Cocoa, hex seconds)."""
    out = []
    for i in range(count):
        t = 1_700_000_000 + i * 937
        forms = (str(t), str(t * 1000 + i % 1000), str(t * 10**6 + i), str(t * 10**9 + i),
                 str((t + 11_644_473_600) * 10**7 + i), str((t + 11_644_473_600) * 10**6 + i), str(t - 978_307_200),
                 f"{t:08x}")
        out.append(forms[i % len(forms)])
    return out


def hunt_memory(path: Path, jobs: int) -> dict[str, float]:
    """Peak RSS summed over ``trowel time hunt`` and its workers, wide window, random data."""
    import psutil

    cmd = [sys.executable, "-c", "import sys; from trowel.cli.main import main; sys.exit(main(sys.argv[1:]))",
           "-q", "time", "hunt", str(path), "--after", "1970-01-01", "--before", "2040-01-01", "--jobs", str(jobs)]
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE)
        watched = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            try:
                total = watched.memory_info().rss + sum(c.memory_info().rss for c in watched.children(recursive=True))
                peak = max(peak, total)
            except psutil.Error:
                pass
            time.sleep(0.1)
        err = proc.stderr.read().decode() if proc.stderr else ""
    summary = [line for line in err.splitlines() if "per-format cap" in line]
    return {"seconds": time.perf_counter() - start, "peak_mb": peak / 2**20, "rc": proc.returncode,
            "capped_formats": len(summary)}


def hunt_formats() -> list[str]:
    """Every linear integer format stored in 4 or 8 bytes (or stored as decimal: hunted as int32/int64),
    and the double formats."""
    from trowel.timestamps import all_formats
    from trowel.timestamps.floats import BiomeDecimal, DoubleFormat
    from trowel.timestamps.linear import LinearFormat

    out = []
    for fmt in all_formats():
        if isinstance(fmt, LinearFormat) and (fmt.width in (4, 8) or (fmt.width is None and fmt.spec.base == 10)) or isinstance(fmt, DoubleFormat) and not isinstance(fmt, BiomeDecimal):
            out.append(fmt.name)
    return out


def make_file(path: Path, size: int, formats: list[str]) -> int:
    """Random data with one planted value per (format, width, byte order) every 1 MiB; returns the count."""
    import numpy as np

    from trowel.timestamps import all_formats
    from trowel.timestamps.huntspec import build_specs
    from trowel.timestamps.when import to_ns

    chosen = [f for f in all_formats() if f.name in formats]
    specs, _ = build_specs(chosen, to_ns(AFTER), to_ns(BEFORE))
    payloads = []
    for spec in specs:
        raw = spec.fmt.encode_raw(T)
        if spec.mode == "float":
            import struct

            payloads.append(struct.pack("<d" if spec.order == "little" else ">d", raw))
        elif isinstance(raw, int):
            payloads.append(raw.to_bytes(spec.width, spec.order, signed=spec.signed))  # type: ignore[arg-type]
    rng = np.random.default_rng(42)
    planted = 0
    block = 1 << 20
    with path.open("wb") as handle:
        for start in range(0, size, block):
            chunk = bytearray(rng.integers(0, 256, min(block, size - start), dtype=np.uint8).tobytes())
            pos = 64
            for data in payloads:
                if pos + len(data) >= len(chunk):
                    break
                chunk[pos:pos + len(data)] = data
                pos += 64 + (planted % 7)
                planted += 1
            handle.write(chunk)
    return planted


def child_hunt(path: str, jobs: str, formats: list[str]) -> dict[str, float]:
    from trowel.timestamps import hunt

    start, cpu = time.perf_counter(), time.process_time()
    hits = sum(1 for _ in hunt(path, AFTER, BEFORE, formats=formats, jobs=int(jobs)))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += children.ru_utime + children.ru_stime
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children.ru_maxrss) / 1024
    return {"hits": hits, "seconds": seconds, "cpu": cpu, "peak_mb": peak, "jobs": int(jobs)}


def child_decode(path: str, fmt: str | None) -> dict[str, float]:
    from trowel.cli.main import main

    start, cpu = time.perf_counter(), time.process_time()
    with open(os.devnull, "w") as sink:
        saved = sys.stdout
        sys.stdout = sink
        try:
            args = ["--quiet", "time", "decode", "--batch", path, "--json"]
            main(args + (["--format", fmt] if fmt else []))
        finally:
            sys.stdout = saved
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(*args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1 GiB / 1,000,000 values")
    parser.add_argument("--quick", action="store_true", help="same as --scale 0.02")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, *rest = args.child
        if kind == CHILD_VERSUS:
            result = child_versus(path)
        elif kind == CHILD_HUNT:
            result = child_hunt(path, rest[0], rest[1:])
        else:
            result = child_decode(path, rest[0] if rest else None)
        print(json.dumps(result))
        return 0
    scale = 0.02 if args.quick else args.scale
    size = int((1 << 30) * scale)
    values = int(1_000_000 * scale)
    workdir = Path(tempfile.gettempdir()) / "trowel-bench-timestamps"
    workdir.mkdir(exist_ok=True)
    formats = hunt_formats()
    blob = workdir / f"hunt-{size}.bin"
    if not blob.exists():
        planted = make_file(blob, size, formats)
        print(f"generated {blob} ({size / 2**20:.0f} MiB, {planted} planted values)")
    for jobs in ("1", "2"):
        hunt_result = run_child(CHILD_HUNT, str(blob), jobs, *formats)
        rate = size / 1e6 / hunt_result["seconds"]
        cpu_rate = size / 1e6 / hunt_result["cpu"]
        print(f"hunt --jobs {jobs}: {size / 2**20:.0f} MiB, {len(formats)} formats (4/8-byte integers and doubles, "
              f"both byte orders), 1-hour window: {hunt_result['seconds']:.1f} s wall = {rate:.0f} MB/s "
              f"({hunt_result['cpu']:.1f} s CPU = {cpu_rate:.0f} MB/s per CPU second), {hunt_result['hits']:.0f} "
              f"hits, peak {hunt_result['peak_mb']:.0f} MB per process  (target >= 200 MB/s, < 500 MB: "
              f"{'met' if rate >= 200 and hunt_result['peak_mb'] < 500 else 'NOT met'} on wall time)")
    batch = workdir / f"values-{values}.txt"
    if not batch.exists():
        with batch.open("w") as handle:
            for i in range(values):
                handle.write(f"{1_700_000_000_000 + i * 937}\n")
    one = run_child(CHILD_DECODE, str(batch), "unix_ms")
    print(f"decode --batch --format unix_ms --json: {values} values in {one['seconds']:.1f} s wall = "
          f"{values / one['seconds']:,.0f} values/s ({values / one['cpu']:,.0f} per CPU second), "
          f"peak {one['peak_mb']:.0f} MB")
    count = max(values // 20, 2000)
    few = workdir / f"values-all-{count}.txt"
    if not few.exists():
        few.write_text("".join(f"{1_700_000_000_000 + i * 937}\n" for i in range(count)))
    every = run_child(CHILD_DECODE, str(few))
    print(f"decode --batch --json (every format, ranked), a process of its own: {count} values in "
          f"{every['seconds']:.2f} s = {count / every['seconds']:,.0f} values/s ({count / every['cpu']:,.0f} per CPU "
          f"second, the command's first imports included), peak {every['peak_mb']:.0f} MB")
    versus = run_child(CHILD_VERSUS, str(values))
    n, r = versus["values"], versus["ranked_values"]
    named, named_text, td_named = (n / versus["trowel_named_cpu"], n / versus["trowel_named_text_cpu"],
                                   n / versus["td_named_cpu"])
    print(f"named unix_ms, {n:.0f} values, per CPU second: trowel decode_batch {named:,.0f} values/s (instants), "
          f"{named_text:,.0f} values/s (with ISO text); time_decode from_unixmilli {td_named:,.0f} values/s "
          f"-> {named / td_named:.1f}x / {named_text / td_named:.1f}x  (target >= 1,000,000 and >= 5x: "
          f"{'met' if named >= 1e6 and named / td_named >= 5 else 'NOT met'} for instants, "
          f"{'met' if named_text >= 1e6 and named_text / td_named >= 5 else 'NOT met'} with text)")
    for prefix, label in (("", "13-digit Unix ms"), ("mixed_", "mixed (Unix s/ms/us/ns, FILETIME, Chrome, Cocoa, "
                                                                "hex)")):
        td = r / versus[prefix + "td_cpu"]
        columns, lists, cli = (r / versus[prefix + "columns_cpu"], r / versus[prefix + "lists_cpu"],
                               r / versus[prefix + "cli_cpu"])
        by_value = (f"decode value by value {r / versus[prefix + 'by_value_cpu']:,.0f}; "
                    if prefix + "by_value_cpu" in versus else "")
        print(f"ranked (every format), {r:.0f} {label} values, per CPU second: trowel {by_value}columns "
              f"(decode_ranked) {columns:,.0f} = {columns / td:.1f}x; readings (decode_many) {lists:,.0f} = "
              f"{lists / td:.1f}x; decode --batch --json in process {cli:,.0f} = {cli / td:.1f}x; time_decode "
              f"from_all {td:,.0f} values/s  (target >= 50,000 and >= 10x, judged on the columns: "
              f"{'met' if columns >= 50_000 and columns / td >= 10 else 'NOT met'})")
    random_size = max(4 << 20, int((64 << 20) * scale))
    noise = workdir / f"random-{random_size}.bin"
    if not noise.exists():
        import numpy as np

        noise.write_bytes(np.random.default_rng(15).integers(0, 256, random_size, dtype=np.uint8).tobytes())
    memory = hunt_memory(noise, 2)
    print(f"hunt --jobs 2, {random_size / 2**20:.0f} MiB random, window 1970-2040: {memory['seconds']:.0f} s, "
          f"peak {memory['peak_mb']:.0f} MB summed over the process and its workers, "
          f"{memory['capped_formats']:.0f} formats past the per-format cap, exit {memory['rc']:.0f}  "
          f"(target < 1024 MB: {'met' if memory['peak_mb'] < 1024 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
