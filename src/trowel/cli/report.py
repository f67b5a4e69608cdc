"""`trowel report`: regenerate every output of a case folder."""

from __future__ import annotations

from typing import Any

from trowel.cli.pending import register_pending


def register(sub: Any) -> None:
    register_pending(sub, "report", "regenerate every output of a case folder", 8)
