"""Loads every format module so the registry is complete; the one list to extend with a new module."""

from __future__ import annotations

from trowel.timestamps import bcd, bitfields, decimals, floats, idtext, linear, structs, tokens
from trowel.timestamps.base import Format
from trowel.timestamps.registry import REGISTRY, Registry

MODULES = (linear, decimals, floats, bitfields, structs, bcd, idtext, tokens)


def registry() -> Registry:
    """The registry with every format module loaded."""
    return REGISTRY


def get_format(name: str) -> Format:
    """A format by canonical name, display name or alias (UnknownFormat lists close matches)."""
    return REGISTRY.get(name)


def all_formats() -> list[Format]:
    return list(REGISTRY)
