"""make bench: run every benchmark script in bench/ (each prints its figures next to the issue's target).

``--quick`` runs each at a small scale (minutes in all) to check that the benchmarks work; the figures the
issues ask for come from the full run (``make bench``, about an hour on a 2-core machine).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {
    "bench_apk.py": ["--quick"],
    "bench_evidence.py": ["--quick"],
    "bench_examine.py": ["--scale", "0.01", "--no-browser"],
    "bench_imo.py": ["--scale", "0.01"],
    "bench_members.py": ["--members", "20000"],
    "bench_net.py": ["--quick"],
    "bench_report.py": ["--quick", "--no-browser"],
    "bench_sqlite.py": ["--quick"],
    "bench_timestamps.py": ["--quick"],
}


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    only = [a for a in argv if not a.startswith("-")]
    scripts = sorted(p for p in HERE.glob("bench_*.py") if not only or any(o in p.name for o in only))
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        args = QUICK.get(script.name, []) if quick else []
        if subprocess.call([sys.executable, str(script), *args]) != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
