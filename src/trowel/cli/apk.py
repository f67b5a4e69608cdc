"""`trowel apk`: evidence predictions for one app."""

from __future__ import annotations

from typing import Any

from trowel.cli.pending import register_pending


def register(sub: Any) -> None:
    register_pending(sub, "apk", "evidence predictions for one app", 6)
