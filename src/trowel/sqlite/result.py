"""What recovery returns: one :class:`SqliteRecord` per row found, and the :class:`RecoveryResult`."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trowel.model.values import json_raw
from trowel.sqlite.schema import TableSchema


@dataclass(frozen=True, slots=True)
class SqliteRecord:
    """One row, live or recovered, with the exact place its bytes came from.

    ``values`` are in table column order; the INTEGER PRIMARY KEY column holds the rowid when it is known
    (None when the cell header that held it was overwritten). ``partial`` means some values were lost and
    are None; they are never guessed. ``also_in`` lists the other places the same deleted row was found
    (see grouping.py); ``rowid_source`` says where a deleted row's rowid came from. ``region`` is a :class:`trowel.model.Region` value. ``frame``,
    ``salts`` and ``commit`` (transaction index inside the salts generation) are set for WAL records.
    """

    table: str | None
    state: str
    region: str
    page: int | None
    offset: int | None
    rowid: int | None
    values: list[Any]
    columns: list[str]
    confidence: float = 1.0
    partial: bool = False
    frame: int | None = None
    salts: tuple[int, int] | None = None
    commit: int | None = None
    source_file: str = "db"
    note: str | None = None
    also_in: tuple[dict[str, Any], ...] = ()  # other copies of this row: page, offset, region, frame, file
    rowid_source: str | None = None  # where a deleted row's rowid came from (its cell, another copy, ...)

    def as_dict(self) -> dict[str, Any]:
        """Column name to value."""
        return dict(zip(self.columns, self.values, strict=False))

    def to_json(self) -> dict[str, Any]:
        """The JSON Lines form the CLI prints (BLOBs as {"base64": ...}, big integers as strings)."""
        return {
            "table": self.table, "state": self.state, "region": self.region, "page": self.page,
            "offset": self.offset, "rowid": json_raw(self.rowid), "values": [_json_value(v) for v in self.values],
            "columns": self.columns, "confidence": round(self.confidence, 3), "partial": self.partial,
            "frame": self.frame, "salts": list(self.salts) if self.salts else None, "commit": self.commit,
            "source_file": self.source_file, "note": self.note,
            "also_in": [{k: json_raw(v) for k, v in place.items()} for place in self.also_in],
            "rowid_source": self.rowid_source,
        }


def _json_value(value: Any) -> Any:
    """json_raw, plus infinities (valid SQLite REAL values that JSON cannot carry) as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return json_raw(value)


@dataclass
class RecoveryResult:
    """Schema, warnings and records of one database.

    ``iter_records()`` streams records with bounded memory (it re-reads the files on each call);
    ``records`` collects them into a list once. ``warnings`` is complete after either has run to the end, and
    so is ``findings`` (facts about the file that explain what came back, e.g. "freed space is zeroed in
    this file"; they are not warnings: nothing is wrong with the file).
    """

    schema: dict[str, TableSchema]
    _run: Callable[[RecoveryResult], Iterator[SqliteRecord]]
    warnings: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # facts about the file that explain what came back
    _records: list[SqliteRecord] | None = None
    _complete: bool = False

    def iter_records(self) -> Iterator[SqliteRecord]:
        if self._records is not None:
            yield from self._records
            return
        yield from self._run(self)
        self._complete = True

    @property
    def records(self) -> list[SqliteRecord]:
        if self._records is None:
            self._records = list(self.iter_records())
        return self._records

    @property
    def complete(self) -> bool:
        """True once a full pass has finished (warnings are then complete)."""
        return self._complete or self._records is not None
