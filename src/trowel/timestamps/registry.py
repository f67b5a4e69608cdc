"""The format registry: every format by canonical name and by alias; refuses duplicates.

Names are matched case-insensitively with spaces, dashes, dots and slashes folded to underscores, so the
reference's display names ("Windows FILETIME LE", "Unix Milliseconds") work as well as ``filetime_le``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from trowel.errors import TimestampError
from trowel.timestamps.base import Format


def normalise(name: str) -> str:
    return re.sub(r"[^0-9a-z+%]+", "_", name.strip().lower()).strip("_")


class UnknownFormat(TimestampError):
    """A format name that is not registered; the message lists close matches."""


class Registry:
    def __init__(self) -> None:
        self._formats: dict[str, Format] = {}
        self._names: dict[str, str] = {}

    def add(self, fmt: Format) -> Format:
        if not fmt.name or fmt.name != normalise(fmt.name):
            raise ValueError(f"format name {fmt.name!r} is not a snake_case canonical name")
        keys = {normalise(k) for k in (fmt.name, fmt.display, *fmt.aliases) if k}
        for key in keys:
            if key in self._names:
                raise ValueError(f"format name {key!r} of {fmt.name} already belongs to {self._names[key]}")
        self._formats[fmt.name] = fmt
        for key in keys:
            self._names[key] = fmt.name
        return fmt

    def get(self, name: str) -> Format:
        exact = self._formats.get(name)
        if exact is not None:
            return exact
        key = normalise(name)
        canonical = self._names.get(key)
        if canonical is None:
            close = self.close_matches(name)
            hint = f"; did you mean {', '.join(close)}?" if close else "; `trowel time formats` lists them"
            raise UnknownFormat(f"unknown timestamp format {name!r}{hint}")
        return self._formats[canonical]

    def close_matches(self, name: str, n: int = 5) -> list[str]:
        key = normalise(name)
        hits = difflib.get_close_matches(key, list(self._names), n=n * 2, cutoff=0.6)
        out: list[str] = []
        for hit in hits:
            canonical = self._names[hit]
            if canonical not in out:
                out.append(canonical)
        return out[:n]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalise(name) in self._names

    def __iter__(self) -> Iterator[Format]:
        return iter(self._formats.values())

    def __len__(self) -> int:
        return len(self._formats)

    def names(self) -> list[str]:
        return list(self._formats)


REGISTRY = Registry()


def register(fmt: Format) -> Format:
    """Add a format instance to the one registry (module import time)."""
    return REGISTRY.add(fmt)
