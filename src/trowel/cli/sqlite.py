"""`trowel sqlite`: forensic SQLite reader and deleted-record recovery."""

from __future__ import annotations

from typing import Any

from trowel.cli.pending import register_pending


def register(sub: Any) -> None:
    register_pending(sub, "sqlite", "forensic SQLite reader and deleted-record recovery", 4)
