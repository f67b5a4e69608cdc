"""`trowel imo`: imo records from one extraction."""

from __future__ import annotations

from typing import Any

from trowel.cli.pending import register_pending


def register(sub: Any) -> None:
    register_pending(sub, "imo", "imo records from one extraction", 3)
