"""The case store: one SQLite file per case holding evidence items, the file inventory, every record,
warnings (as records of kind ``warning``) and the action log.

This file is trowel's own output, so it is opened with sqlite3 normally. Writes go in batches inside one
transaction per batch; 100,000 records take seconds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trowel import __version__
from trowel.case.schema import MIGRATIONS, SCHEMA_VERSION
from trowel.errors import CaseError
from trowel.evidence.android import locate
from trowel.evidence.base import Entry
from trowel.evidence.names import int64_or_none, is_clean, json_safe, name_note, shown_name
from trowel.model import Record, iso_utc

BATCH = 20_000


def now_utc() -> str:
    return iso_utc(datetime.now(UTC))


class CaseStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise CaseError(f"{path}: not a trowel case store ({exc})") from exc
        self._pending: list[tuple[Any, ...]] = []

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CaseError(f"{self.path}: case store version {version} is newer than this trowel ({SCHEMA_VERSION})")
        for number in range(version, SCHEMA_VERSION):
            with self.db:
                self.db.executescript(MIGRATIONS[number])
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # --- case facts -------------------------------------------------------------------------------
    def set_info(self, **values: Any) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO case_info(key, value) VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in values.items()],
            )

    def info(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM case_info")}

    # --- evidence items ---------------------------------------------------------------------------
    def add_evidence(self, evidence_id: str, label: str, host_path: str, kind: str, size: int,
                     sha256_before: str | None, details: dict[str, Any]) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO evidence(id, label, host_path, kind, size, sha256_before, details, added_utc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (evidence_id, shown_name(label), shown_name(host_path), kind, int64_or_none(size), sha256_before,
                 json_safe(json.dumps(details, default=str, ensure_ascii=False)), now_utc()),
            )

    def set_evidence_after(self, evidence_id: str, sha256_after: str | None) -> None:
        with self.db:
            self.db.execute("UPDATE evidence SET sha256_after = ? WHERE id = ?", (sha256_after, evidence_id))

    def evidence(self) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT * FROM evidence ORDER BY rowid")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur]
        for row in rows:
            row["details"] = json.loads(row["details"] or "{}")
        return rows

    # --- inventory --------------------------------------------------------------------------------
    def add_files(self, evidence_id: str, items: Iterable[tuple[Entry, str | None]]) -> int:
        count = 0
        batch: list[tuple[Any, ...]] = []
        for entry, sha in items:
            batch.append(_file_row(evidence_id, entry, sha))
            if len(batch) >= BATCH:
                count += self._insert_files(batch)
                batch = []
        count += self._insert_files(batch)
        return count

    def _insert_files(self, batch: list[tuple[Any, ...]]) -> int:
        """Insert rows made by :func:`_file_row` (names already shown escaped, numbers within 64 bits)."""
        if batch:
            with self.db:
                self.db.executemany(
                    "INSERT INTO files(evidence, path, entry_kind, size, mtime_ns, atime_ns, ctime_ns, crtime_ns,"
                    " deleted, sha256, inode, link_target, canonical, area, user, package, note)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        return len(batch)

    def files(self, evidence_id: str | None = None) -> Iterator[dict[str, Any]]:
        sql = "SELECT * FROM files" + (" WHERE evidence = ?" if evidence_id else "") + " ORDER BY id"
        cur = self.db.execute(sql, (evidence_id,) if evidence_id else ())
        names = [d[0] for d in cur.description]
        for row in cur:
            yield dict(zip(names, row, strict=True))

    # --- records ----------------------------------------------------------------------------------
    def add(self, record: Record) -> None:
        self._pending.append(_record_row(record))
        if len(self._pending) >= BATCH:
            self.flush()

    def add_many(self, records: Iterable[Record]) -> int:
        n = 0
        for record in records:
            self.add(record)
            n += 1
        self.flush()
        return n

    def flush(self) -> None:
        if not self._pending:
            return
        sql = ("INSERT INTO records(kind, state, app, package, user, evidence, path, tbl, rowid_, page, offset_,"
               " region, confidence, time_ns, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        try:
            with self.db:
                self.db.executemany(sql, self._pending)
        except (UnicodeEncodeError, OverflowError):
            # a name that is not UTF-8 (lone surrogates) or an integer beyond 64 bits somewhere in the batch:
            # store those rows with the name shown escaped and the number kept as text (in the JSON it already is)
            with self.db:
                self.db.executemany(sql, [_storable(row) for row in self._pending])
        self._pending = []

    def records(self, kind: str | None = None) -> Iterator[dict[str, Any]]:
        """Every stored record in its JSON form, with the store's ``id`` added."""
        self.flush()
        sql = "SELECT id, json FROM records" + (" WHERE kind = ?" if kind else "") + " ORDER BY id"
        for rid, text in self.db.execute(sql, (kind,) if kind else ()):
            data = json.loads(text)
            data["id"] = rid
            yield data

    def count(self, kind: str | None = None) -> int:
        self.flush()
        sql = "SELECT count(*) FROM records" + (" WHERE kind = ?" if kind else "")
        return int(self.db.execute(sql, (kind,) if kind else ()).fetchone()[0])

    def kinds(self) -> dict[str, int]:
        self.flush()
        return dict(self.db.execute("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY kind").fetchall())

    # --- action log -------------------------------------------------------------------------------
    def log_action(self, action: str, arguments: Any = None, details: Any = None) -> dict[str, Any]:
        entry = {"time": now_utc(), "action": action, "tool": "trowel", "tool_version": __version__,
                 "arguments": arguments, "details": details}
        with self.db:
            self.db.execute(
                "INSERT INTO actions(time_utc, action, tool_version, arguments, details) VALUES (?, ?, ?, ?, ?)",
                (entry["time"], action, __version__, json_safe(json.dumps(arguments, default=str, ensure_ascii=False)),
                 json_safe(json.dumps(details, default=str, ensure_ascii=False))))
        return entry

    def actions(self) -> list[dict[str, Any]]:
        return [
            {"time": t, "action": a, "tool_version": v, "arguments": json.loads(args), "details": json.loads(d)}
            for t, a, v, args, d in self.db.execute(
                "SELECT time_utc, action, tool_version, arguments, details FROM actions ORDER BY id")
        ]

    def close(self) -> None:
        self.flush()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("PRAGMA journal_mode=DELETE")
        self.db.close()


def _file_row(evidence_id: str, entry: Entry, sha: str | None) -> tuple[Any, ...]:
    """One row of the files table. A name that is not UTF-8 is stored shown escaped (``\\xNN``) with its raw
    bytes as hex in the note; a number beyond 64 bits is stored as NULL with its decimal text in the note."""
    path, note, link = entry.path, entry.note, entry.link_target
    if not is_clean(path):
        note = _join(name_note(path), note)
        path = shown_name(path)
    if link is not None and not is_clean(link):
        link = shown_name(link)
    if note is not None and not is_clean(note):
        note = shown_name(note)
    numbers = (entry.size, entry.mtime, entry.atime, entry.ctime, entry.crtime, entry.inode)
    stored = tuple(int64_or_none(n) for n in numbers)
    if stored != numbers:
        names = ("size", "mtime_ns", "atime_ns", "ctime_ns", "crtime_ns", "inode")
        beyond = ", ".join(f"{k} {v}" for k, v, s in zip(names, numbers, stored, strict=True) if s != v)
        note = _join(note, f"beyond 64 bits, kept as text: {beyond}")
    size, mtime, atime, ctime, crtime, inode = stored
    loc = locate(path)
    return (evidence_id, path, entry.kind.value, size, mtime, atime, ctime, crtime, int(entry.deleted), sha, inode,
            link, loc.canonical, loc.area, loc.user, loc.package, note)


def _join(first: str | None, second: str | None) -> str | None:
    if first and second:
        return f"{first}; {second}"
    return first or second


def _storable(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A records row made storable: names shown escaped, the JSON made encodable, and an integer column
    beyond 64 bits left NULL (the record's JSON keeps the exact value)."""
    out: list[Any] = []
    for value in row[:-1]:
        if isinstance(value, str):
            out.append(shown_name(value))
        elif isinstance(value, int) and int64_or_none(value) is None:
            out.append(None)
        else:
            out.append(value)
    out.append(json_safe(row[-1]))
    return tuple(out)


def _record_row(record: Record) -> tuple[Any, ...]:
    data = record.to_json()
    src = record.source
    when = record.primary_time
    return (
        record.kind, record.state.value, record.app, record.package, record.user, src.evidence, src.path,
        src.table, src.rowid, src.page, src.offset, src.region, record.confidence,
        _sortable_ns(when.unix_ns) if when is not None else None, json.dumps(data, ensure_ascii=False),
    )


def _sortable_ns(unix_ns: int | None) -> int | None:
    """The time column of the records table is a 64-bit integer: instants outside 1677..2262 are kept in the
    record's JSON only (its raw value and UTC text are exact there)."""
    if unix_ns is None or not -(2**63) <= unix_ns < 2**63:
        return None
    return unix_ns
