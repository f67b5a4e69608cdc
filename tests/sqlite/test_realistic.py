"""A realistic 63-table database (the real imofriends.db tables, UNIQUE indexes, AUTOINCREMENT), one row
deleted here and there: every deleted row still in the file comes back, with its table, and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.sqlite.realistic import Realistic, build
from tests.fixtures.sqlite.scoring import body_bytes
from trowel.sqlite import SqliteRecord, recover


def _check(r: Realistic, records: list[SqliteRecord]) -> tuple[int, int, int]:
    """(rows present, recovered exactly, recovered with only a lost first NULL/0/1); asserts the rest."""
    data = r.db.read_bytes()
    deleted = [x for x in records if x.state == "deleted"]
    assert all(x.state in ("live", "deleted") for x in records)
    present = exact = first_lost = 0
    matched: set[int] = set()
    for table, rows in r.deleted.items():
        ipk = 0 if r.tables[table][0] == "_id" else None
        for row in rows:
            if body_bytes(row, ipk, "utf-8") not in data:
                continue  # overwritten by the page's rebuild: not physically there
            present += 1
            hits = [i for i, x in enumerate(deleted) if x.table == table and _same(x.values, row, ipk)]
            if hits:
                # a rowid, wherever it came from (cell, neighbours, index entry, copy), is the right one
                assert all(deleted[i].rowid in (None, row[0]) for i in hits) or ipk is None, (table, row)
                exact += 1
                matched.update(hits)
                continue
            # the first column's serial type was in the overwritten cell prefix and its value takes no body
            # bytes (NULL, 0 or 1): it is reported lost, the rest exact
            assert ipk is None and row[0] in (None, 0, 1), (table, row)
            hits = [i for i, x in enumerate(deleted) if x.table == table and x.partial and x.values[0] is None
                    and list(x.values[1:]) == list(row[1:]) and "first column" in (x.note or "")]
            assert len(hits) == 1, (table, row)
            matched.update(hits)
            first_lost += 1
    # nothing else is reported as deleted (no garbage, no live row, no second record of one row)
    assert sorted(matched) == list(range(len(deleted))), [deleted[i] for i in range(len(deleted)) if i not in matched]
    # live rows are all live, once
    live = {(x.table, tuple(x.values)) for x in records if x.state == "live"}
    assert live == {(t, tuple(row)) for t, rows in r.live.items() for row in rows}
    return present, exact, first_lost


def _same(values: list[Any], row: tuple[Any, ...], ipk: int | None) -> bool:
    return all(i == ipk or v == row[i] for i, v in enumerate(values)) and len(values) == len(row)


@pytest.mark.parametrize(("seed", "loose", "expect"), [(14, False, (18, 18, 0)), (5, True, (20, 20, 0)),
                                                         (3, False, (20, 19, 1))])
def test_every_present_deleted_row_found_with_its_table(tmp_path: Path, seed: int, loose: bool,
                                                         expect: tuple[int, int, int]) -> None:
    r = build(tmp_path, seed=seed, deletions=20, loose=loose)
    result = recover(r.db)
    assert _check(r, result.records) == expect
    assert not [f for f in result.findings if "implausible" in f]


@pytest.mark.parametrize(("seed", "loose", "sparse", "expect"), [(5, True, 2, (20, 20, 0)),
                                                                  (11, False, 5, (19, 19, 0)),
                                                                  (14, True, 4, (18, 18, 0))])
def test_sparse_rows_found_with_their_table(tmp_path: Path, seed: int, loose: bool, sparse: int,
                                            expect: tuple[int, int, int]) -> None:
    """Rows filling only a few of their columns (a real imo message fills 11 of 31): every deleted one still
    present comes back exactly with its table, also from a page the deletion freed (its table then settled
    by how the values fit each table's live rows)."""
    r = build(tmp_path, seed=seed, deletions=20, loose=loose, sparse=sparse)
    result = recover(r.db)
    assert _check(r, result.records) == expect


def test_deleted_only_gives_the_same_deleted_records(tmp_path: Path) -> None:
    r = build(tmp_path, seed=14, deletions=20)
    full = [x.to_json() for x in recover(r.db).records if x.state == "deleted"]
    only = [x.to_json() for x in recover(r.db, deleted_only=True).records]
    assert full == only
    assert len(full) == 18
