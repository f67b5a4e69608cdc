"""`trowel time`: decode, encode, hunt and infer timestamps."""

from __future__ import annotations

from typing import Any

from trowel.cli.pending import register_pending


def register(sub: Any) -> None:
    register_pending(sub, "time", "decode, encode, hunt and infer timestamps", 5)
