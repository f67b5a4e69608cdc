"""The mutation campaign: every reader's seeds, mutated, each run as its trowel command in a child process
with an address-space limit (RLIMIT_AS) and a timeout.

Properties checked on every run:
- no traceback: the command ends with exit 0, or 1/2 and a one-line ``trowel: ...`` message;
- bounded time: it ends before the timeout;
- bounded memory: it stays within the address-space limit (a MemoryError or a kill is a failure);
- the bad input is named: a refused input's message names the file.

The campaign process imports trowel once and forks a child per run (fast, and the child's own peak RSS and
time are measured by ``wait4``). ``python -m tests.fuzz.campaign --runs 200`` prints a table per reader;
``--json`` prints the summary as JSON; ``--keep DIR`` keeps every failing input with its description.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.fuzz.mutate import mutate
from tests.fuzz.seeds import TARGETS, Seed, Target

NAMELESS = {"timestamp"}  # the input is a value on the command line, not a file


@dataclass
class Run:
    reader: str
    input_sha256: str
    mutation: str
    outcome: str  # ok | refused | crash | memory | timeout | died | unnamed
    exit: int | None
    seconds: float
    peak_rss_mb: float
    message: str = ""


@dataclass
class ReaderSummary:
    reader: str
    runs: int = 0
    inputs: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    worst_seconds: float = 0.0
    worst_rss_mb: float = 0.0
    failures: list[dict[str, object]] = field(default_factory=list)


FAILING = {"crash", "memory", "timeout", "died", "unnamed"}


def _vm_size() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(argv: list[str], write_fd: int, limit: int) -> None:
    """In the forked child: run the command under the limit, report one JSON line, never return."""
    result: dict[str, object] = {}
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        sys.stdout = open(os.devnull, "w", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
        err = io.StringIO()
        from trowel.cli.main import main

        with contextlib.redirect_stderr(err):
            try:
                code: object = main(argv)
            except SystemExit as exc:
                code = exc.code
            except MemoryError:
                result["outcome"] = "memory"
                code = None
                result["traceback"] = traceback.format_exc()[-3000:]
            except BaseException:  # noqa: BLE001 - the property under test: nothing may escape
                result["outcome"] = "crash"
                code = None
                result["traceback"] = traceback.format_exc()[-3000:]
        result["exit"] = code if isinstance(code, int) else None
        result["stderr"] = err.getvalue()[-3000:]
    except BaseException as exc:  # noqa: BLE001
        result = {"outcome": "crash", "traceback": f"harness: {exc!r}"}
    try:
        os.write(write_fd, json.dumps(result, default=str).encode("utf-8", "surrogateescape"))
    finally:
        os._exit(0)


def run_once(argv: list[str], timeout: float, limit: int) -> tuple[dict[str, object], float, float, int | None]:
    """(child's report, wall seconds, peak RSS in MB, signal that ended it or None)."""
    read_fd, write_fd = os.pipe()
    start = time.perf_counter()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(argv, write_fd, limit)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = start + timeout
    killed = False
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if ready:
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read_fd)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    report: dict[str, object] = {}
    if chunks:
        with contextlib.suppress(ValueError):
            report = json.loads(b"".join(chunks).decode("utf-8", "surrogateescape"))
    if killed:
        report = {"outcome": "timeout"}
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    return report, wall, usage.ru_maxrss / 1024, sig


def classify(target: Target, path: Path, report: dict[str, object], sig: int | None) -> tuple[str, str]:
    """The outcome of one run and the line that explains it."""
    if report.get("outcome") in ("crash", "memory", "timeout"):
        return str(report["outcome"]), str(report.get("traceback", ""))[-600:]
    if not report:
        return "died", f"ended by signal {sig}" if sig else "ended without a report"
    code = report.get("exit")
    stderr = str(report.get("stderr", ""))
    if code == 0:
        return "ok", ""
    if target.name in NAMELESS and code == 1:
        return "refused", stderr.strip().splitlines()[-1] if stderr.strip() else "no reading"
    lines = [line for line in stderr.splitlines() if line.startswith("trowel: ") and "warning" not in line[:16]]
    message = lines[0] if lines else stderr.strip().splitlines()[-1] if stderr.strip() else ""
    if code in (1, 2) and lines:
        if target.name in NAMELESS or path.name in stderr:
            return "refused", message
        return "unnamed", message
    return "crash", f"exit {code}: {message}"


def _prepare(target: Target, work: Path) -> list[Seed]:
    folder = work / "seeds" / target.name
    folder.mkdir(parents=True, exist_ok=True)
    return target.build(folder)


def campaign(readers: list[str], runs: int, seed: int, timeout: float, memory_mb: int, work: Path,
             keep: Path | None = None, budget_s: float | None = None) -> list[ReaderSummary]:
    from trowel.cli import main as _warm  # noqa: F401 - imported once here; every child starts warm

    limit = _vm_size() + memory_mb * (1 << 20)
    summaries = []
    for name in readers:
        target = TARGETS[name]
        summary = ReaderSummary(name)
        seeds = _prepare(target, work)
        rng = random.Random(f"{seed}:{name}")
        seen: set[str] = set()
        started = time.perf_counter()
        for number in range(runs + len(seeds)):
            if budget_s is not None and number >= len(seeds) and time.perf_counter() - started > budget_s:
                break
            base = seeds[number % len(seeds)]
            run_dir = work / "runs" / name / f"{number:05d}"
            shutil.copytree(base.folder, run_dir)
            victim = run_dir / base.target
            original = victim.read_bytes()
            if number < len(seeds):
                data, what = original, "seed as built"
            else:
                data, what = mutate(original, rng)
                if target.fixup is not None:
                    fixed = bytearray(data)
                    target.fixup(fixed)
                    data = bytes(fixed)
            victim.write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
            seen.add(digest)
            report, wall, rss, sig = run_once(target.argv(victim, run_dir), timeout, limit)
            outcome, message = classify(target, victim, report, sig)
            if number < len(seeds) and outcome not in ("ok", "refused" if name in NAMELESS else "ok"):
                outcome, message = "crash", f"the unmutated seed fails: {message}"
            summary.runs += 1
            summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1
            summary.worst_seconds = max(summary.worst_seconds, wall)
            summary.worst_rss_mb = max(summary.worst_rss_mb, rss)
            if outcome in FAILING:
                summary.failures.append(asdict(Run(name, digest, what, outcome, report.get("exit"),  # type: ignore[arg-type]
                                                   round(wall, 2), round(rss, 1), message)))
                if keep is not None:
                    dest = keep / name / digest[:16]
                    dest.mkdir(parents=True, exist_ok=True)
                    shutil.copy(victim, dest / victim.name)
                    (dest / "what.txt").write_text(f"{what}\n{outcome}\n{message}\n", errors="replace")
            shutil.rmtree(run_dir, ignore_errors=True)
            shutil.rmtree(run_dir.with_name(run_dir.name + "-case"), ignore_errors=True)
        summary.inputs = len(seen)
        summaries.append(summary)
    return summaries


def print_table(summaries: list[ReaderSummary], out: io.TextIOBase | None = None) -> None:
    stream = out or sys.stdout
    stream.write(f"{'reader':<11} {'runs':>5} {'inputs':>6} {'ok':>5} {'refused':>7} {'failed':>6} "
                 f"{'worst s':>8} {'worst MB':>8}\n")
    for s in summaries:
        failed = sum(n for k, n in s.outcomes.items() if k in FAILING)
        stream.write(f"{s.reader:<11} {s.runs:>5} {s.inputs:>6} {s.outcomes.get('ok', 0):>5} "
                     f"{s.outcomes.get('refused', 0):>7} {failed:>6} {s.worst_seconds:>8.2f} {s.worst_rss_mb:>8.1f}\n")
    for s in summaries:
        for failure in s.failures[:5]:
            stream.write(f"FAIL {s.reader}: {failure['outcome']} after {failure['mutation']} "
                         f"(input {str(failure['input_sha256'])[:12]}): {str(failure['message'])[-300:]}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100, help="mutated inputs per reader (default 100)")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run (default 60)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address space per run beyond the start")
    parser.add_argument("--readers", help="comma-separated subset of: " + ",".join(TARGETS))
    parser.add_argument("--budget", type=float, help="seconds of mutated runs per reader at most")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--keep", type=Path, help="folder to keep failing inputs in")
    args = parser.parse_args(argv)
    readers = args.readers.split(",") if args.readers else list(TARGETS)
    unknown = [r for r in readers if r not in TARGETS]
    if unknown:
        parser.error(f"unknown readers: {', '.join(unknown)}")
    work = Path(tempfile.mkdtemp(prefix="trowel-fuzz-"))
    try:
        start = time.perf_counter()
        summaries = campaign(readers, args.runs, args.seed, args.timeout, args.memory_mb, work, args.keep, args.budget)
        if args.json:
            print(json.dumps([asdict(s) for s in summaries]))
        else:
            print_table(summaries)
            total = sum(s.runs for s in summaries)
            print(f"{total} runs in {time.perf_counter() - start:.1f} s (timeout {args.timeout:g} s, "
                  f"address space +{args.memory_mb} MB per run)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if any(s.failures for s in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
