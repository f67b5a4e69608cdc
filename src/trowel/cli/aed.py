"""`trowel aed`: build and match App Evidence Databases."""

from __future__ import annotations

from typing import Any

from trowel.cli.pending import register_pending


def register(sub: Any) -> None:
    register_pending(sub, "aed", "build and match App Evidence Databases", 6)
