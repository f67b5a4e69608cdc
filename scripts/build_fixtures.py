"""make fixtures: build every generated fixture into build/fixtures (tests build what they need themselves)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures import android_tree  # noqa: E402


def main() -> int:
    out = ROOT / "build" / "fixtures"
    android_tree.build(out / "android-tree")
    print(f"fixtures in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
