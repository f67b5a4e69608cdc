"""Row sources: live rows through the sqlite3 module, deleted rows through trowel's recovery engine.

Both produce :class:`Row` objects (column name -> value, plus where the bytes were and in what state), so an
app spec maps a recovered row exactly like a live one. SQLite evidence is never opened in place: the database
is copied with its ``-wal`` and ``-journal`` to scratch, and the sqlite3 module opens a second copy (opening
checkpoints the WAL), while the recovery engine reads the untouched first copy.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trowel.errors import TrowelError
from trowel.model import Provenance, State


@dataclass(frozen=True)
class Row:
    """One row of a table as found: live in the b-tree, or recovered from free space, WAL or journal.

    No ``__slots__``: the defaults are class attributes, so :meth:`live` makes a live row by filling three
    entries of the instance dict (a frozen dataclass ``__init__`` sets all thirteen fields one by one).
    """

    table: str
    values: dict[str, Any]
    state: State = State.LIVE
    rowid: int | None = None
    region: str | None = None
    page: int | None = None
    offset: int | None = None
    frame: int | None = None
    confidence: float = 1.0
    partial: bool = False
    detail: str | None = None
    source_file: str | None = None  # the evidence path of the file holding the bytes (db, -wal or -journal)

    @classmethod
    def live(cls, table: str, values: dict[str, Any], rowid: int | None) -> Row:
        """A live row read through the b-tree (the same object as ``Row(table, values, State.LIVE, rowid)``)."""
        row = object.__new__(cls)
        row.__dict__.update(table=table, values=values, rowid=rowid)
        return row

    def get(self, column: str, default: Any = None) -> Any:
        return self.values.get(column, default)

    def provenance(self, evidence: str, path: str, detail: str | None = None) -> Provenance:
        note = self.detail if not detail else detail if not self.detail else f"{self.detail}; {detail}"
        if self.state is State.LIVE:
            return Provenance.of_row(evidence, path, self.table, self.rowid, note)
        return Provenance(evidence=evidence, path=self.source_file or path, table=self.table, rowid=self.rowid,
                          page=self.page, offset=self.offset, region=self.region, frame=self.frame, detail=note)

    def ref(self) -> str:
        """A short reference to this row for ``referenced_by``/``related`` lists."""
        if self.state is State.LIVE:
            return f"{self.table}#{self.rowid}"
        where = f"{self.region}:p{self.page}+{self.offset}"
        if self.frame is not None:
            where += f":f{self.frame}"
        return f"{self.table}@{where}"


def _text(raw: bytes) -> str | bytes:
    """Text as stored: a str when it is valid UTF-8, the raw bytes otherwise (never lost, never guessed)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


@dataclass
class DatabaseCopy:
    """Scratch copies of one SQLite database (with its companions) and the rows in it."""

    db: Path
    wal: Path | None
    journal: Path | None
    evidence: str
    path: str  # evidence path of the database
    wal_path: str | None = None
    journal_path: str | None = None
    warnings: list[str] = field(default_factory=list)
    # facts the recovery engine states about the file that explain what came back (freed space zeroed by
    # secure_delete, auto-vacuum, implausible candidates dropped): findings, not warnings
    findings: list[str] = field(default_factory=list)
    _conn: sqlite3.Connection | None = None
    _columns: dict[str, list[str]] = field(default_factory=dict)

    def connect(self) -> sqlite3.Connection:
        """A connection to a second scratch copy (opening may checkpoint the WAL; the first copy stays intact)."""
        if self._conn is None:
            target = self.live_copy
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(self.db, target)
            for companion, suffix in ((self.wal, "-wal"), (self.journal, "-journal")):
                if companion is not None:
                    shutil.copyfile(companion, target.parent / (self.db.name + suffix))
            try:
                conn = sqlite3.connect(f"file:{target}?mode=rw", uri=True, check_same_thread=False)
                conn.text_factory = _text
                conn.execute("PRAGMA query_only = 1")
                names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            except sqlite3.DatabaseError as exc:
                raise TrowelError(f"{self.path}: not a readable SQLite database ({exc})") from exc
            self._conn = conn
            self._columns = {}
            for name in names:
                try:
                    info = conn.execute(f'PRAGMA table_info("{_quote(name)}")').fetchall()
                except sqlite3.DatabaseError:
                    continue
                self._columns[name] = [str(r[1]) for r in info]
        return self._conn

    @classmethod
    def reader(cls, live: Path, columns: dict[str, list[str]], evidence: str, path: str) -> DatabaseCopy:
        """A second, read-only reader of the live scratch copy that :meth:`connect` made (for a worker process)."""
        copy = cls(db=live, wal=None, journal=None, evidence=evidence, path=path)
        try:
            conn = sqlite3.connect(f"file:{live}?mode=ro", uri=True, check_same_thread=False)
            conn.text_factory = _text
            conn.execute("PRAGMA query_only = 1")
        except sqlite3.DatabaseError as exc:
            raise TrowelError(f"{path}: not a readable SQLite database ({exc})") from exc
        copy._conn = conn
        copy._columns = columns
        return copy

    @property
    def live_copy(self) -> Path:
        """The scratch copy the sqlite3 module reads (made by :meth:`connect`)."""
        return self.db.parent / "live" / self.db.name

    def tables(self) -> dict[str, list[str]]:
        """Table name -> column names of the live schema."""
        self.connect()
        return self._columns

    def has_table(self, table: str) -> bool:
        return table in self.tables()

    def live_rows(self, table: str, wanted: Iterable[str] | None = None, order: str = "rowid",
                  after: int | None = None, upto: int | None = None) -> Iterator[Row]:
        """Every live row of a table (only the wanted columns that exist); nothing when the table is absent.

        ``after`` and ``upto`` limit the rows to rowid > after and rowid <= upto (a range read by a worker).
        """
        use = self.present(table, wanted)
        if use is None:
            return
        live = Row.live
        for values in self.live_values(table, use, order, after, upto):
            yield live(table, dict(zip(use, values, strict=False)), values[-1])  # rowid is the extra last value

    def present(self, table: str, wanted: Iterable[str] | None = None) -> list[str] | None:
        """The wanted columns the table has, in table order (all of them when ``wanted`` is None); None when the
        table is absent."""
        columns = self.tables().get(table)
        if columns is None:
            return None
        keep = set(wanted) if wanted is not None else None
        return [c for c in columns if keep is None or c in keep]

    def live_values(self, table: str, use: list[str], order: str = "rowid", after: int | None = None,
                    upto: int | None = None) -> Iterator[tuple[Any, ...]]:
        """The values of the columns ``use`` (see :meth:`present`) of every live row, then its rowid, as tuples.

        Text is read by the sqlite3 module itself (fast); the first value that is not valid UTF-8 stops that
        query, and the rows after the last one read are read again with the factory that keeps such values
        as bytes (when the order is by rowid; otherwise the whole table is read with it from the start).
        """
        select = "".join(f'"{_quote(c)}", ' for c in use)
        conn = self.connect()
        by_rowid = order == "rowid"
        last: int | None = after
        factory: Any = str if by_rowid else _text
        while True:
            limits = ([] if last is None else [f"rowid > {int(last)}"]) + ([] if upto is None else
                                                                          [f"rowid <= {int(upto)}"])
            where = f" WHERE {' AND '.join(limits)}" if limits else ""
            sql = f'SELECT {select}rowid FROM "{_quote(table)}"{where} ORDER BY {order}'
            conn.text_factory = factory
            try:
                cursor = conn.execute(sql)
            except sqlite3.DatabaseError as exc:
                self.warnings.append(f"{table}: cannot read live rows ({exc})")
                return
            try:
                while True:
                    batch = cursor.fetchmany(5000)
                    if not batch:
                        return
                    last = batch[-1][-1]
                    yield from batch
            except sqlite3.OperationalError as exc:
                if factory is _text or "decode" not in str(exc) or not (last is None or type(last) is int):
                    self.warnings.append(f"{table}: reading stopped early ({exc})")
                    return
                factory = _text  # a value that is not UTF-8: read on, keeping such values as bytes
            except sqlite3.DatabaseError as exc:
                self.warnings.append(f"{table}: reading stopped early ({exc})")
                return
            finally:
                conn.text_factory = _text

    def count(self, table: str) -> int:
        if not self.has_table(table):
            return 0
        try:
            return int(self.connect().execute(f'SELECT count(*) FROM "{_quote(table)}"').fetchone()[0])
        except sqlite3.DatabaseError:
            return 0

    def deleted_rows(self, tables: list[str]) -> Iterator[Row]:
        """Rows the recovery engine brings back from free space, freelist pages, WAL frames and the journal."""
        try:
            from trowel.sqlite import recover
        except ImportError as exc:
            self.warnings.append(f"deleted rows not searched: the SQLite recovery engine is not available ({exc})")
            return
        try:
            result = recover(self.db, wal=self.wal, journal=self.journal, tables=tables, deleted_only=True)
        except TrowelError as exc:
            self.warnings.append(f"deleted rows not searched: {exc}")
            return
        names = {"db": self.path, str(self.db): self.path}
        if self.wal_path:
            names.update({"wal": self.wal_path, str(self.wal): self.wal_path})
        if self.journal_path:
            names.update({"journal": self.journal_path, str(self.journal): self.journal_path})
        records = result.iter_records() if hasattr(result, "iter_records") else iter(result.records)
        for rec in records:
            if rec.state != "deleted" or rec.table is None:
                continue
            columns = list(rec.columns or self._columns.get(rec.table, []))
            values = list(rec.values)
            mapped = {col: values[i] if i < len(values) else None for i, col in enumerate(columns)}
            yield Row(
                table=rec.table, values=mapped, state=State.DELETED, rowid=rec.rowid,
                region=str(rec.region) if rec.region is not None else None, page=rec.page, offset=rec.offset,
                frame=rec.frame, confidence=float(rec.confidence), partial=bool(rec.partial),
                detail=rec.note or None, source_file=names.get(str(rec.source_file)),
            )
        for message in result.warnings:
            self.warnings.append(str(message))
        for message in getattr(result, "findings", ()):
            if message not in self.findings:
                self.findings.append(str(message))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _quote(name: str) -> str:
    return name.replace('"', '""')
