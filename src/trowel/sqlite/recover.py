"""Recovery orchestration: live rows from the b-trees, then every region that can hold deleted rows.

Order of work (each step bounded, each problem a warning):
1. the current database (main file + committed WAL frames): sqlite_master, live rows of every table
   (these also feed de-duplication and the header-rebuilding profiles);
2. page 1's free space for deleted sqlite_master rows (schemas of dropped tables);
3. free space of live b-tree pages (freeblocks, unallocated), freelist trunk and leaf pages, orphan pages,
   main-file pages superseded by the WAL;
4. every WAL frame that is not the current version of its page (uncommitted, invalid, stale salts);
5. rollback journal page images.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trowel.errors import EvidenceError, SqliteFormatError
from trowel.model import Region
from trowel.sqlite.btree import TreeWalker
from trowel.sqlite.database import Database
from trowel.sqlite.livetables import SchemaReader, live_rows
from trowel.sqlite.result import RecoveryResult, SqliteRecord
from trowel.sqlite.schema import TableSchema


def companion(db: Path, suffix: str) -> Path | None:
    """The ``-wal`` / ``-journal`` file beside ``db`` when it exists."""
    path = db.with_name(db.name + suffix)
    return path if path.is_file() else None


class Engine:
    """One recovery run over a database and its companions; ``run`` may be called again (it re-reads)."""

    def __init__(self, db: Path, wal: Path | None, journal: Path | None, tables: set[str] | None,
                 deleted_only: bool) -> None:
        self.db = db
        self.wal = wal
        self.journal = journal
        self.tables = tables
        self.deleted_only = deleted_only

    def read_schema(self, warnings: list[str]) -> dict[str, TableSchema]:
        try:
            database = Database(self.db, self.wal, warnings)
        except SqliteFormatError as exc:
            warnings.append(f"{self.db.name}: {exc}")
            return {}
        try:
            reader = SchemaReader(database, [])
            reader.read(set())
            return dict(reader.tables)
        finally:
            database.close()

    def run(self, result: RecoveryResult) -> Iterator[SqliteRecord]:
        warnings = result.warnings
        warnings.clear()
        try:
            database = Database(self.db, self.wal, warnings)
        except SqliteFormatError as exc:
            warnings.append(f"{self.db.name}: {exc}; nothing could be read")
            return
        try:
            yield from self._run(database, result)
        finally:
            database.close()

    def _wanted(self, name: str) -> bool:
        return self.tables is None or name in self.tables

    def _run(self, database: Database, result: RecoveryResult) -> Iterator[SqliteRecord]:
        warnings = result.warnings
        claimed: set[int] = set()
        reader = SchemaReader(database, warnings)
        reader.read(claimed)
        result.schema.clear()
        result.schema.update(reader.tables)
        for table in sorted(reader.tables.values(), key=lambda t: t.root_page):
            walker = TreeWalker(database.page, database.usable, database.page_count, warnings, claimed)
            for leaf, values, columns, rowid in live_rows(database, table, walker, warnings):
                if self.deleted_only or not self._wanted(table.name):
                    continue
                frame = database.current.get(leaf.page)
                yield SqliteRecord(
                    table=table.name, state="live", region=Region.BTREE.value, page=leaf.page,
                    offset=leaf.cell.offset, rowid=rowid, values=values, columns=columns, confidence=1.0,
                    partial=not leaf.complete, source_file="wal" if frame else "db",
                    frame=frame.index if frame else None, salts=frame.salts if frame else None,
                    commit=frame.commit if frame else None,
                )


def recover(db: Path | str, wal: Path | str | None = None, journal: Path | str | None = None, *,
            tables: Iterable[str] | None = None, deleted_only: bool = False) -> RecoveryResult:
    """Read a database with its WAL and rollback journal and recover every row that is physically there.

    ``wal``/``journal`` default to the ``-wal``/``-journal`` files beside ``db`` when they exist.
    ``tables`` limits the work to those tables; ``deleted_only`` leaves live rows out of the records.
    The files are only read (memory-mapped read-only); nothing is written anywhere.
    """
    db = Path(db)
    if not db.is_file():
        raise EvidenceError(f"{db}: no such file")
    wal_path = Path(wal) if wal is not None else companion(db, "-wal")
    journal_path = Path(journal) if journal is not None else companion(db, "-journal")
    for label, path in (("WAL", wal_path), ("journal", journal_path)):
        if path is not None and not path.is_file():
            raise EvidenceError(f"{path}: no such {label} file")
    engine = Engine(db, wal_path, journal_path, set(tables) if tables is not None else None, deleted_only)
    warnings: list[str] = []
    schema = engine.read_schema(warnings)
    return RecoveryResult(schema=schema, _run=engine.run, warnings=warnings)
