"""Benchmark of trowel's SQLite recovery (issue 4).

Builds (once, cached under /tmp) a message database of 500,000 rows (about 55 MB) with 150,000 rows deleted
(secure_delete off, scattered single deletes plus whole conversations), then runs ``trowel.sqlite.recover``
streaming and reports:

* recovered fraction, strict: a deleted row counts only if one output record holds all of its stored
  values exactly (the rowid, which lives in the overwritten cell header of most freed cells, is reported
  separately: "with rowid");
* rowid coverage (deleted rows recovered with their rowid too), where the rowids came from (their cell,
  the order of live neighbours, another copy) and how many are wrong;
* wall time and peak memory (resident set) of the recovery;
* sqlite-dissect (DC3, the PyPI package) on the same file in the same run, when it is installed: its
  time, peak memory and strict recovery (printed clearly when it is not installed; ``--no-dissect`` skips);
* recall and precision on every generated scenario (tests/fixtures/sqlite/generate.py).

Targets (issue 4): >= 95 % of the deleted rows, < 20 s, < 500 MB.

    python bench/bench_sqlite.py            # full size
    python bench/bench_sqlite.py --scale 0.2  # 100,000 rows
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.fixtures.sqlite.generate import SCENARIOS, build  # noqa: E402
from tests.fixtures.sqlite.scoring import score  # noqa: E402

from trowel.sqlite import recover  # noqa: E402

WORDS = ["hey", "ok", "see", "you", "later", "at", "the", "station", "call", "me", "when", "you", "are", "home", "bring", "the", "keys", "did", "you", "get", "my", "message", "yes", "no", "maybe", "tomorrow", "tonight", "running", "late", "love", "it", "thanks"]
SCHEMA = ("CREATE TABLE messages(_id INTEGER PRIMARY KEY, conversation_id INTEGER, sender TEXT, body TEXT, "
          "timestamp INTEGER, status INTEGER, read INTEGER)")


def make_row(rng: random.Random, i: int) -> tuple[object, ...]:
    conv = rng.randint(1, 400)
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 22)))
    return (i, conv, f"+4915{rng.randint(10**7, 10**8 - 1)}", body, 1_690_000_000_000 + i * 1_733,
            rng.choice((0, 1, 2, 5)), rng.randint(0, 1))


def build_db(path: Path, rows: int, deleted: int) -> None:
    """The benchmark database; deleted rows: 2/3 scattered singles, 1/3 whole conversations."""
    rng = random.Random(4)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute(SCHEMA)
    con.execute("BEGIN")
    con.executemany("INSERT INTO messages VALUES (?,?,?,?,?,?,?)", (make_row(rng, i) for i in range(1, rows + 1)))
    con.execute("COMMIT")
    ids = list(range(1, rows + 1))
    rng.shuffle(ids)
    singles = ids[: deleted * 2 // 3]
    con.execute("BEGIN")
    con.executemany("DELETE FROM messages WHERE _id = ?", ((i,) for i in singles))
    con.execute("COMMIT")
    remaining = deleted - len(singles)
    conv = 1
    while remaining > 0 and conv <= 400:
        (n,) = con.execute("SELECT count(*) FROM messages WHERE conversation_id = ?", (conv,)).fetchone()
        if n <= remaining:
            con.execute("DELETE FROM messages WHERE conversation_id = ?", (conv,))
            remaining -= n
        conv += 1
    con.close()


def truth(path: Path, rows: int) -> set[tuple[object, ...]]:
    """Deleted rows (stored values without the rowid) by regenerating every row and removing the live ones."""
    rng = random.Random(4)
    scratch = path.with_name(path.name + ".scratch")
    scratch.write_bytes(path.read_bytes())  # never open the evidence itself with sqlite3
    con = sqlite3.connect(scratch)
    live = {r[0] for r in con.execute("SELECT _id FROM messages")}
    con.close()
    scratch.unlink()
    out = set()
    for i in range(1, rows + 1):
        row = make_row(rng, i)
        if i not in live:
            out.add(row)
    return out


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def bench_big(scale: float, workdir: Path, all_records: bool = False, dissect: bool = True) -> dict[str, float]:
    rows = int(500_000 * scale)
    deleted = int(150_000 * scale)
    db = workdir / f"bench_{rows}.db"
    if not db.exists():
        t = time.time()
        subprocess.run([sys.executable, __file__, "--build", str(db), "--rows", str(rows), "--deleted", str(deleted)],
                       check=True)
        print(f"built {db} ({db.stat().st_size / 1e6:.1f} MB) in {time.time() - t:.1f} s")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    c0 = _cpu()
    result = recover(db, deleted_only=not all_records)
    found_values: set[int] = set()
    found_rowid: set[int] = set()
    n_deleted = n_live = n_partial = 0
    rowid_sources: dict[str, int] = {}
    with_rowid_records: list[int] = []
    for rec in result.iter_records():
        if rec.state == "live":
            n_live += 1
            continue
        n_deleted += 1
        if rec.partial or rec.table != "messages":
            n_partial += rec.partial
            continue
        found_values.add(hash(tuple(rec.values[1:])))
        if rec.rowid is not None:
            found_rowid.add(hash(tuple(rec.values)))
            kind = (rec.rowid_source or "?").split(":")[0].split(" (")[0]
            rowid_sources[kind] = rowid_sources.get(kind, 0) + 1
            with_rowid_records.append(hash(tuple(rec.values)))
    wall = time.perf_counter() - t0
    cpu = _cpu() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    expected = truth(db, rows)
    strict = sum(1 for r in expected if hash(tuple(r[1:])) in found_values)
    with_rowid = sum(1 for r in expected if hash(tuple(r)) in found_rowid)
    sources = rowid_sources
    full_truth = {hash(tuple(r)) for r in expected}
    wrong_rowid = sum(1 for h in with_rowid_records if h not in full_truth)
    wrong = n_deleted - n_partial - strict
    print(f"database: {db.stat().st_size / 1e6:.1f} MB, {rows:,} rows, {len(expected):,} deleted, "
          f"{n_live:,} live rows emitted")
    print(f"recovered (strict, all stored values): {strict:,} / {len(expected):,} = {strict / len(expected):.1%}"
          f"   (target >= 95%)  {'OK' if strict / len(expected) >= 0.95 else 'MISSED'}")
    print(f"  of those with the rowid as well (rowid coverage): {with_rowid:,} ({with_rowid / len(expected):.1%}); "
          "rowid sources: " + ", ".join(f"{k} {v:,}" for k, v in sorted(sources.items()))
          + f"; records whose rowid is wrong: {wrong_rowid:,}")
    print(f"deleted records output: {n_deleted:,} ({n_partial:,} partial, {max(wrong, 0):,} not matching a "
          "deleted row exactly)")
    mode = "all records (live rows emitted too)" if all_records else "--deleted-only (live rows read, not emitted)"
    print(f"mode: {mode}")
    print(f"wall time: {wall:.1f} s, CPU time: {cpu:.1f} s   (target < 20 s)  {'OK' if wall < 20 else 'MISSED'}"
          f"  [load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs]")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB (process before recovery: {rss0 / 1024:.0f} MB)"
          f"   (target < 500 MB)  {'OK' if peak_mb < 500 else 'MISSED'}")
    for w in result.warnings[:5]:
        print(f"  warning: {w}")
    figures = {"fraction": strict / len(expected), "wall": wall, "cpu": cpu, "peak_mb": peak_mb}
    if dissect:
        bench_dissect(db, workdir, expected, figures)
    return figures


def _dissect_exe() -> str | None:
    """The sqlite_dissect command (PyPI package sqlite-dissect) next to this Python, or on the PATH."""
    beside = Path(sys.executable).with_name("sqlite_dissect")
    if beside.exists():
        return str(beside)
    return shutil.which("sqlite_dissect")


def bench_dissect(db: Path, workdir: Path, expected: set[tuple[object, ...]], ours: dict[str, float]) -> None:
    """sqlite-dissect (DC3) on the same file in the same run: time, peak memory, strict recovery."""
    exe = _dissect_exe()
    if exe is None:
        print("\nsqlite-dissect: NOT INSTALLED (pip install sqlite-dissect); no side-by-side figures in this run")
        return
    out = workdir / "dissect-out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    scratch = workdir / "dissect-input"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    copy = scratch / db.name
    shutil.copyfile(db, copy)  # its own copy: the tool looks for journals beside the file
    t0 = time.perf_counter()
    proc = subprocess.Popen([exe, str(copy), "-d", str(out), "-e", "csv", "-c", "-k", "-l", "off"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    found: set[tuple[str, ...]] = set()
    carved = 0
    with_rowid = 0
    for path in out.glob("*messages*.csv"):
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            for row in csv.DictReader(fh):
                if row.get("Operation") not in ("Carved", "Deleted", "Deleted/Carved"):
                    continue
                carved += 1
                values = tuple(row.get(c, "") for c in ("conversation_id", "sender", "body", "timestamp", "status",
                                                         "read"))
                found.add(values)
                with_rowid += row.get("Row ID", "Unknown") not in ("", "Unknown")
    strict = sum(1 for r in expected if tuple(str(v) for v in r[1:]) in found)
    print(f"\nsqlite-dissect {_dissect_version()} on the same file (carving on, csv export), exit status {code}:")
    if code != 0:
        print(f"  failed: {stderr.strip().splitlines()[-1] if stderr.strip() else 'no message'}")
    print(f"  recovered (strict): {strict:,} / {len(expected):,} = {strict / len(expected):.1%}; "
          f"{carved:,} carved records, {with_rowid:,} with a rowid")
    print(f"  wall time: {wall:.1f} s, CPU time: {cpu:.1f} s, peak memory (max RSS): {peak:.0f} MB")
    if ours.get("cpu"):
        print(f"  trowel vs sqlite-dissect: {cpu / ours['cpu']:.1f}x less CPU, {wall / ours['wall']:.1f}x less wall "
              f"time, {peak / ours['peak_mb']:.1f}x less memory; strict recovery {ours['fraction']:.1%} vs "
              f"{strict / len(expected):.1%}")


def _dissect_version() -> str:
    try:
        from importlib.metadata import version

        return version("sqlite-dissect")
    except Exception:  # noqa: BLE001 - only a label
        return "(version unknown)"


def bench_scenarios(workdir: Path) -> None:
    out = workdir / "scenarios"
    print(f"\n{'scenario':26} {'deleted':>7} {'present':>7} {'found':>6} {'recall':>7} {'rec/present':>11} "
          f"{'precision':>9} {'live-as-deleted':>15}  regions")
    tot_t = tot_p = tot_f = tot_rep = tot_ok = 0
    for name in SCENARIOS:
        sc = build(name, out)
        result = recover(sc.db, sc.wal, sc.journal)
        s = score(sc, result.records, sc.encoding)
        tot_t += s.truth
        tot_p += s.present
        tot_f += s.recovered
        tot_rep += s.reported
        tot_ok += s.correct
        print(f"{name:26} {s.truth:7} {s.present:7} {s.recovered:6} {s.recall:7.2f} {s.recall_present:11.2f} "
              f"{s.precision:9.2f} {len(s.live_as_deleted):15}  {','.join(sorted(s.regions))}")
    print(f"{'TOTAL':26} {tot_t:7} {tot_p:7} {tot_f:7} {tot_f / tot_t:6.2f} {tot_f / max(tot_p, 1):11.2f} "
          f"{tot_ok / max(tot_rep, 1):9.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the 500,000-row database")
    ap.add_argument("--quick", action="store_true", help="same as --scale 0.05")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/trowel-bench-sqlite"))
    ap.add_argument("--no-scenarios", action="store_true")
    ap.add_argument("--all-records", action="store_true", help="emit live rows too (default: --deleted-only)")
    ap.add_argument("--no-dissect", action="store_true", help="do not run sqlite-dissect side by side")
    ap.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--deleted", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.build:
        build_db(args.build, args.rows, args.deleted)
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    bench_big(0.05 if args.quick else args.scale, args.workdir, args.all_records, not args.no_dissect)
    if not args.no_scenarios:
        bench_scenarios(args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
