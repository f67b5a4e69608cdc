"""`trowel net`: analyse packet captures."""

from __future__ import annotations

from typing import Any

from trowel.cli.pending import register_pending


def register(sub: Any) -> None:
    register_pending(sub, "net", "analyse packet captures", 7)
