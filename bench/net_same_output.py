"""Same output before and after a speed change of ``trowel net analyze``.

``save DIR`` runs ``trowel net analyze`` (in a fresh process each time, this tree's sources, or ``--src``
another checkout's ``src``) on every capture the net tests use: the committed live captures (with and without
their key logs), the captures of tests/fixtures/net/make_captures.py and make_more.py (built once into
``--built`` and reused, since the generators are not byte-stable), and the benchmark capture when ``--bench``
names it. For each capture it keeps stdout of ``--json --out``, the
``records.jsonl`` and the media files (name -> SHA-256) of that output folder, the text stdout (no
``--json``), stderr of both, the exit codes and the SHA-256 of the capture read.

``--jobs N`` runs every capture, however small, with N worker processes (``shards.MIN_SIZE`` set to 0 in the
child; the default is the command's own choice).

``compare A B`` says which of those differ between two saved folders (exit 1 when any does). The capture's
own path is replaced by a fixed name before saving, so two folders of different places compare equal.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.net import make_captures, make_more  # noqa: E402

LIVE = ROOT / "tests" / "fixtures" / "net" / "live"


def captures(built: Path, bench: Path | None) -> list[tuple[str, Path, Path | None]]:
    """(name, capture, key log or None) of every capture to run. The generated captures are built into
    ``built`` when it does not exist yet, else reused: the generators are not byte-stable from one build to
    the next, and both saves of a comparison must read the same files."""
    if not (built / "manifest.json").exists():
        built.mkdir(parents=True, exist_ok=True)
        make_captures.build(built)
        make_more.link_captures(built)
        make_more.messenger_capture(built)
    out: list[tuple[str, Path, Path | None]] = []
    for path in sorted(LIVE.glob("*.pcap*")):
        keylog = path.with_suffix(".keylog")
        out.append((f"live-{path.stem}", path, keylog if keylog.exists() else None))
        if keylog.exists():
            out.append((f"live-{path.stem}-nokeys", path, None))
    for path in sorted(built.glob("*.pcap*")):
        keylog = path.with_suffix(".keylog")
        out.append((f"built-{path.stem}", path, keylog if keylog.exists() else None))
    if bench is not None:
        out.append(("bench", bench, LIVE / "tls13.keylog"))
    return out


def run(cmd: list[str], env: dict[str, str]) -> tuple[bytes, bytes, int]:
    res = subprocess.run(cmd, capture_output=True, env=env, check=False)
    return res.stdout, res.stderr, res.returncode


# ``--jobs N``: every capture, however small, analysed by N worker processes (the size threshold set to 0)
SHARDED = ("import sys; from trowel.net import shards; shards.MIN_SIZE = 0; from trowel.cli.main import main; "
           "sys.exit(main(sys.argv[1:]))")


def save(folder: Path, src: Path, bench: Path | None, built: Path, jobs: int | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{src}{os.pathsep}{ROOT}"
    for name, capture, keylog in captures(built, bench):
        target = folder / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        (target / "input.sha256").write_text(hashlib.sha256(capture.read_bytes()).hexdigest())
        out = target / "out"
        keys = ["--keylog", str(keylog)] if keylog else []
        if jobs is None:
            base = [sys.executable, "-m", "trowel.cli.main", "--quiet", "net", "analyze", str(capture)]
        else:
            base = [sys.executable, "-c", SHARDED, "--quiet", "net", "analyze", str(capture), "--jobs", str(jobs)]
        marker = str(capture).encode()
        stdout, stderr, rc = run([*base, "--json", "--out", str(out), *keys], env)
        (target / "json.stdout").write_bytes(stdout.replace(marker, b"CAPTURE"))
        (target / "json.stderr").write_bytes(stderr.replace(marker, b"CAPTURE"))
        text, text_err, text_rc = run([*base, *keys], env)
        (target / "text.stdout").write_bytes(text.replace(marker, b"CAPTURE"))
        (target / "text.stderr").write_bytes(text_err.replace(marker, b"CAPTURE"))
        records = out / "records.jsonl"
        if records.exists():
            (target / "records.jsonl").write_bytes(records.read_bytes().replace(marker, b"CAPTURE"))
        media = {}
        if (out / "media").is_dir():
            for path in sorted((out / "media").rglob("*")):
                if path.is_file():
                    media[str(path.relative_to(out))] = hashlib.sha256(path.read_bytes()).hexdigest()
        (target / "media.json").write_text(json.dumps(media, indent=0, sort_keys=True))
        (target / "codes.json").write_text(json.dumps({"json": rc, "text": text_rc}))
        shutil.rmtree(out, ignore_errors=True)
        lines = stdout.count(b"\n")
        print(f"{name}: exit {rc}/{text_rc}, {lines} records, {len(media)} media files")


def compare(a: Path, b: Path) -> int:
    names_a = {p.name for p in a.iterdir() if p.is_dir()}
    names_b = {p.name for p in b.iterdir() if p.is_dir()}
    bad = 0
    for name in sorted(names_a ^ names_b):
        print(f"only in one folder: {name}")
        bad += 1
    for name in sorted(names_a & names_b):
        for part in ("input.sha256", "json.stdout", "json.stderr", "text.stdout", "text.stderr", "records.jsonl", "media.json",
                     "codes.json"):
            one, two = a / name / part, b / name / part
            if (one.read_bytes() if one.exists() else None) != (two.read_bytes() if two.exists() else None):
                print(f"DIFFERS: {name}/{part}")
                bad += 1
    print(f"{len(names_a & names_b)} captures compared, {bad} differences")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("save", help="run every capture and keep the outputs in DIR")
    one.add_argument("folder", type=Path)
    one.add_argument("--src", type=Path, default=ROOT / "src", help="trowel sources to run (default: this tree)")
    one.add_argument("--bench", type=Path, help="also the benchmark capture (e.g. bench-0.05.pcap)")
    one.add_argument("--built", type=Path, default=Path("/tmp/trowel-net-same-output"),
                     help="folder of the generated captures, built when missing (default %(default)s)")
    one.add_argument("--jobs", type=int, help="analyse every capture, however small, with N processes")
    two = sub.add_parser("compare", help="compare two saved folders")
    two.add_argument("a", type=Path)
    two.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "save":
        save(args.folder, args.src.resolve(), args.bench, args.built, args.jobs)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
