"""make fixtures: build every generated fixture into build/fixtures, so an examiner or a developer can look at
them (the tests build what they need themselves, in temporary folders)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures import android_tree, evidence_images  # noqa: E402
from tests.fixtures.generic import unknown_app  # noqa: E402
from tests.fixtures.imo import generate as imo  # noqa: E402
from tests.fixtures.net import make_captures, make_more  # noqa: E402
from tests.fixtures.sqlite import generate as sqlite_scenarios  # noqa: E402


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def main() -> int:
    out = ROOT / "build" / "fixtures"
    steps = [
        ("android tree", lambda: android_tree.build(out / "android-tree")),
        ("evidence images (tar, zip, .ab, ext4, MBR, E01, sparse)", lambda: evidence_images.build_all(out / "evidence-images")),
        ("imo extraction", lambda: imo.build_extraction(out / "imo-extraction")),
        ("imo extraction as tar.gz", lambda: imo.build_tar(out / "imo-extraction", out / "imo-extraction.tar.gz")),
        ("unknown app", lambda: unknown_app.build(out / "unknown-app")),
        ("captures", lambda: make_captures.build(out / "captures")),
        ("captures in other link types, fragments, messenger look-alikes",
         lambda: (make_more.link_captures(_mkdir(out / "captures-more")),
                  make_more.messenger_capture(out / "captures-more"))),
        ("sqlite scenarios", lambda: sqlite_scenarios.main(["", str(out / "sqlite")])),
    ]
    for label, step in steps:
        print(f"building {label} ...", flush=True)
        step()
    print(f"fixtures in {out}; test APKs are committed in tests/fixtures/apks (rebuild: fixtures-src/build_apks.py); "
          "real-client captures in tests/fixtures/net/live (rebuild as root: python -m tests.fixtures.net.make_live)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
