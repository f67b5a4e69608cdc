"""Loads every format module so the registry is complete; the one list to extend with a new module."""

from __future__ import annotations

import importlib
from types import ModuleType

from trowel.timestamps.base import Format
from trowel.timestamps.registry import REGISTRY, Registry

# Registration order is listing order (and the tie-break in rankings): the common linear formats first.
MODULE_NAMES = ("linear", "decimals", "floats", "bitfields", "structs", "bcd", "idtext", "tokens")
MODULES: tuple[ModuleType, ...] = tuple(importlib.import_module(f"trowel.timestamps.{n}") for n in MODULE_NAMES)


def registry() -> Registry:
    """The registry with every format module loaded."""
    return REGISTRY


def get_format(name: str) -> Format:
    """A format by canonical name, display name or alias (UnknownFormat lists close matches)."""
    return REGISTRY.get(name)


def all_formats() -> list[Format]:
    return list(REGISTRY)
