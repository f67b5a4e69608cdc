"""Benchmark: every output writer and the report in Chromium on a case of 100,000 records (``--scale``; 10 is
1,000,000 records, 940,000 of them messages).

Figures: wall time and peak memory (RSS) of each writer (timeline, bodyfile, CSV, KML, CASE/UCO, HTML), the
sizes of the outputs and of the report by part (record chunks, chat data, tables, timeline, pages), and in
Chromium (Playwright, from the file system) the time until each page type is interactive: the case page and
the app page with all their tables loaded, the longest chat page (conversations of 25,000 messages, written
as pages of 2,000), the timeline's first page and all of it, a search over every event, and the record page
of a deleted record. Targets (issue 17): every page interactive within 2 s; the report under 600 MB at
1,000,000 messages.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report_timing import print_report_figures, report_sizes  # noqa: E402

from trowel.case.store import CaseStore  # noqa: E402
from trowel.evidence.base import Entry, EntryKind  # noqa: E402
from trowel.model import Call, Contact, Message, Provenance, State  # noqa: E402
from trowel.report.casedata import CaseData  # noqa: E402
from trowel.report.registry import load_writers, write_all  # noqa: E402
from trowel.timestamps import stamp  # noqa: E402

RECORDS = 100_000
BASE_MS = 1_600_000_000_000
PKG = "com.imo.android.imoim"
DB = f"data/data/{PKG}/databases/imofriends.db"
WORDS = ("hello", "tomorrow", "meeting", "ok", "привет", "station", "call", "me", "<b>", "later", "مرحبا", "photo")


def build(root: Path, records: int) -> None:
    """A case store with ``records`` records (94 % messages in 25,000-record conversations, calls, contacts)
    and one inventory file per 10 records."""
    store = CaseStore(root / "case.sqlite")
    store.set_info(case_number="BENCH", examiner="bench", tool="trowel", tool_version="bench", display_tz="UTC")
    store.add_evidence("E1", "bench.tar", "/bench.tar", "tar", 1, "0" * 64, {})
    store.set_evidence_after("E1", "0" * 64)
    store.add_files("E1", ((Entry(f"data/media/0/f{n}.bin", EntryKind.FILE, n, mtime=(BASE_MS + n) * 1_000_000),
                            "1" * 64) for n in range(records // 10)))

    def items() -> object:
        for n in range(records):
            src = Provenance(evidence="E1", path=DB, table="messages", rowid=n + 1)
            when = stamp(BASE_MS + n * 1000, "unix_ms")
            if n % 50 == 0:
                yield Call(source=src, app="imo", package=PKG, peer=f"uid{n % 300}", direction="incoming",
                           call_type="audio", duration_s=float(n % 600), time=when)
            elif n % 50 == 1:
                yield Contact(source=src, app="imo", package=PKG, contact_id=f"uid{n}", name=f"Name {n}")
            else:
                words = " ".join(WORDS[(n * k) % len(WORDS)] for k in range(1, 9))
                yield Message(source=src, app="imo", package=PKG, conversation=f"conv{n // 25_000}",
                              direction="outgoing" if n % 3 else "incoming", sender=f"uid{n % 300}",
                              text=f"{words} #{n}", time=when, delivered=True, read=bool(n % 2),
                              state=State.DELETED if n % 97 == 0 else State.LIVE)

    store.add_many(items())  # type: ignore[arg-type]
    store.close()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 100,000 records (default 1)")
    parser.add_argument("--quick", action="store_true", help="same as --scale 0.05")
    parser.add_argument("--no-browser", action="store_true", help="skip the page-load figures")
    parser.add_argument("--write-all", action="store_true",
                        help="time write_all as examine runs it (side writers in a second process) instead of each writer")
    args = parser.parse_args()
    records = max(1000, int(RECORDS * (0.05 if args.quick else args.scale)))
    with tempfile.TemporaryDirectory(prefix="trowel-bench-report-") as tmp:
        root = Path(tmp) / "case"
        root.mkdir()
        start = time.perf_counter()
        build(root, records)
        print(f"records: {records:,}  (case store built in {time.perf_counter() - start:.1f} s)")
        case = CaseData.open(root)
        total = 0.0
        cpu_total = 0.0
        if args.write_all:
            start, cpu = time.perf_counter(), time.process_time()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = write_all(case)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            side_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
            print(f"  write_all {time.perf_counter() - start:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU here"
                  f" + {side_cpu:.2f} s CPU in the side process; failures: {result.failures or 'none'}")
        for writer in ([] if args.write_all else load_writers()):
            start, cpu = time.perf_counter(), time.process_time()
            paths = writer.write(case)
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            total += took
            cpu_total += cpu
            size = sum(p.stat().st_size for p in paths if p.is_file())
            print(f"  {writer.name:9s} {took:7.2f} s wall {cpu:7.2f} s CPU  {len(paths):4d} files  {size / 1e6:8.1f} MB"
                  f"  peak RSS so far {peak_mb():7.0f} MB", flush=True)
        case.close()
        if not args.write_all:
            print(f"all outputs: {total:.1f} s wall, {cpu_total:.1f} s CPU (the machine's 2 cores are shared), "
                  f"peak RSS {peak_mb():.0f} MB")
        if args.no_browser:
            print("report size: " + ", ".join(f"{k} {v:.1f} MB" for k, v in report_sizes(root / "report").items()))
            return 0
        print_report_figures(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
