"""De-duplication: a recovered record identical to a live row is residue, not a deleted row.

Live rows are remembered as 64-bit hashes (table, rowid, stored values), (table, stored values) and
(table, rowid), plus per-column hash arrays so that partial records (some values lost) can be compared
on the values they kept. Recovered records seen once are remembered too, so the same deleted row found in
several places (freelist page, WAL frames, journal) is reported once.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np


class LiveIndex:
    def __init__(self) -> None:
        self.full: set[int] = set()
        self.values: set[int] = set()
        self.rowids: dict[str, set[int]] = {}
        self._columns: dict[str, tuple[int, array[int]]] = {}
        self._frozen: dict[str, np.ndarray] = {}

    def add(self, table: str, rowid: int | None, key: tuple[Any, ...]) -> None:
        hk = hash(key)
        self.full.add(hash((table, rowid, hk)))
        self.values.add(hash((table, hk)))
        if rowid is not None:
            ids = self.rowids.get(table)
            if ids is None:
                ids = self.rowids[table] = set()
            ids.add(rowid)
        cols = self._columns.get(table)
        if cols is None:
            cols = self._columns[table] = (len(key), array("q"))
        width, flat = cols
        if len(key) == width:
            flat.extend(map(hash, key))
        else:
            flat.extend(map(hash, (key + (None,) * width)[:width]))

    def is_live(self, table: str, rowid: int | None, key: tuple[Any, ...]) -> bool:
        hk = hash(key)
        if rowid is not None:
            return hash((table, rowid, hk)) in self.full
        return hash((table, hk)) in self.values

    def rowid_live(self, table: str, rowid: int) -> bool:
        return rowid in self.rowids.get(table, ())

    def partial_is_live(self, table: str, key: Sequence[Any], known: Sequence[int]) -> bool:
        """Whether some live row of ``table`` has these values in the ``known`` column positions."""
        arr = self._frozen.get(table)
        if arr is None:
            cols = self._columns.get(table)
            if not cols or not len(cols[1]):
                return False
            width, flat = cols
            arr = np.frombuffer(flat, dtype=np.int64).reshape(-1, width)
            self._frozen[table] = arr
        if not known:
            return False
        mask = np.ones(arr.shape[0], dtype=bool)
        for i in known:
            if i >= arr.shape[1]:
                return False
            mask &= arr[:, i] == hash(key[i])
            if not mask.any():
                return False
        return bool(mask.any())


class SeenRecords:
    """Recovered records already reported (so one deleted row found in several places is reported once)."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def first_time(self, table: str | None, rowid: int | None, key: tuple[Any, ...]) -> bool:
        """False when this row was reported before (a rowid-less copy also matches one with a rowid)."""
        hk = hash(key)
        h = hash((table, rowid, hk))
        anon = hash((table, None, hk))
        if h in self._seen or (rowid is None and anon in self._seen):
            return False
        self._seen.add(h)
        self._seen.add(anon)
        return True
