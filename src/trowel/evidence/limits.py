"""Bounds against archive bombs, the same for zip and for compressed tar (gz, bz2, xz).

A member that claims more than ``max_member`` bytes, or expands more than ``member_ratio`` times (zip, where
each member's compressed size is known), is refused; a compressed tar whose members together claim more than
``archive_ratio`` times the archive's size on disk, or any archive whose members claim more than
``max_total`` bytes, is listed up to that point and a warning says where it stopped. Ratios are only checked
beyond ``ratio_floor`` bytes (small members of zeros compress well and are harmless).

Defaults can be changed for one run with the environment variables ``TROWEL_MAX_RATIO`` (archive ratio),
``TROWEL_MAX_MEMBER_RATIO`` and ``TROWEL_MAX_EXPANDED`` (bytes), or per call (``ls --max-ratio``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from trowel.errors import UsageError


@dataclass(frozen=True)
class ArchiveLimits:
    max_member: int = 64 << 30
    member_ratio: float = 1000
    archive_ratio: float = 100
    max_total: int = 512 << 30
    ratio_floor: int = 256 << 20
    member_ratio_floor: int = 16 << 20


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError as exc:
        raise UsageError(f"{name}={text!r} is not a number") from exc
    if value <= 0:
        raise UsageError(f"{name}={text!r} must be above 0")
    return value


_RUN: list[ArchiveLimits] = []


def set_run_limits(limits: ArchiveLimits | None) -> None:
    """Bounds for every archive opened from now on in this process (a command's options); None: defaults."""
    _RUN[:] = [limits] if limits is not None else []


def default_limits() -> ArchiveLimits:
    """The bounds of this run (set by a command, or the defaults changed by the environment variables above)."""
    if _RUN:
        return _RUN[0]
    base = ArchiveLimits()
    return ArchiveLimits(
        max_member=base.max_member,
        member_ratio=_env_number("TROWEL_MAX_MEMBER_RATIO", base.member_ratio),
        archive_ratio=_env_number("TROWEL_MAX_RATIO", base.archive_ratio),
        max_total=int(_env_number("TROWEL_MAX_EXPANDED", base.max_total)),
    )
