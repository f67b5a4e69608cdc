"""make demo: build a sample case from the project's own generators and run ``trowel examine`` on it."""

from __future__ import annotations

import shutil
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures import android_tree  # noqa: E402

from trowel.cli.main import main  # noqa: E402


def build_sample(folder: Path) -> Path:
    tree = folder / "tree"
    shutil.rmtree(folder, ignore_errors=True)
    tree.mkdir(parents=True)
    android_tree.build(tree)
    archive = folder / "extraction.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for child in sorted(tree.iterdir()):
            tar.add(child, arcname=child.name)
    return archive


def run() -> int:
    build_dir = ROOT / "build" / "demo"
    archive = build_sample(build_dir / "input")
    out = build_dir / "case"
    code = main(["examine", str(archive), "--out", str(out), "--force", "--case-number", "DEMO-1",
                 "--examiner", "trowel demo"])
    index = out / "report" / "index.html"
    print(f"report: {index if index.exists() else out / 'case.sqlite'}")
    return code


if __name__ == "__main__":
    sys.exit(run())
