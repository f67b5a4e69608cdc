"""make demo: build a sample case from the project's own generators and run ``trowel examine`` on it.

The sample: an Android-like extraction (tar.gz) holding imo data with deleted messages and a WAL (the imo
fixture generator), the imo-like test APK (tests/fixtures/apks/imo.apk) and a capture with imo-like traffic
(the capture generator). A piece whose generator is not in this tree is left out, and the demo says so; the
Android tree generator stands in for a missing imo generator. Prints the path of report/index.html.
"""

from __future__ import annotations

import shutil
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trowel.cli.main import main  # noqa: E402


def _tar(tree: Path, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        for child in sorted(tree.iterdir()):
            tar.add(child, arcname=child.name)
    return archive


def build_extraction(folder: Path) -> Path:
    """The extraction tar: the imo generator's when it is there, else the plain Android tree."""
    tree = folder / "tree"
    tree.mkdir(parents=True)
    try:
        from tests.fixtures.imo.generate import build_extraction as imo_extraction
    except ImportError as exc:
        print(f"demo: imo generator not available ({exc}); using the plain Android tree", file=sys.stderr)
        from tests.fixtures import android_tree
        android_tree.build(tree)
    else:
        imo_extraction(tree)
    return _tar(tree, folder / "extraction.tar.gz")


def build_capture(folder: Path) -> Path | None:
    try:
        from tests.fixtures.net.make_captures import imo_capture
    except ImportError as exc:
        print(f"demo: capture generator not available ({exc}); no capture", file=sys.stderr)
        return None
    out = folder / "net"
    out.mkdir(parents=True)
    imo_capture(out, {})
    return out / "imo.pcap"


def find_apk() -> Path | None:
    apk = ROOT / "tests" / "fixtures" / "apks" / "imo.apk"
    if not apk.is_file():
        print("demo: tests/fixtures/apks/imo.apk not built; no APK", file=sys.stderr)
        return None
    return apk


def run(build_dir: Path = ROOT / "build" / "demo") -> int:
    """Build the inputs under ``build_dir/input``, examine them into ``build_dir/case``, print the report path."""
    inputs = build_dir / "input"
    shutil.rmtree(inputs, ignore_errors=True)
    shutil.rmtree(build_dir / "case", ignore_errors=True)  # a fresh case every time (no stale AED or media)
    inputs.mkdir(parents=True)
    archive = build_extraction(inputs)
    argv = ["examine", str(archive), "--out", str(build_dir / "case"), "--force", "--case-number", "DEMO-1",
            "--examiner", "trowel demo", "--tz", "Europe/Berlin"]
    capture = build_capture(inputs)
    if capture is not None:
        argv += ["--pcap", str(capture)]
    apk = find_apk()
    if apk is not None:
        apk_copy = inputs / apk.name  # the demo's own copy, so the input folder holds every input
        shutil.copyfile(apk, apk_copy)
        argv += ["--apk", str(apk_copy)]
    code = main(argv)
    out = build_dir / "case"
    index = out / "report" / "index.html"
    print(f"report: {index if index.exists() else out / 'case.sqlite'}")
    return code


if __name__ == "__main__":
    sys.exit(run())
