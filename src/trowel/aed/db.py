"""The App Evidence Database (AED): an SQLite file of analysed apps and their evidence predictions.

One row per analysed APK (by SHA-256; analysing the same APK again replaces its rows), with its status
(ok | failed | timeout | memory), the reason, the time and peak memory it took; one row per prediction.
The AED is trowel's own output, never evidence, so it is opened in place.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trowel import __version__
from trowel.apk.predict import AppAnalysis, Prediction
from trowel.errors import TrowelError

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS apps (
    sha256 TEXT PRIMARY KEY, package TEXT, apk TEXT, version_code TEXT, version_name TEXT,
    status TEXT NOT NULL, error TEXT, seconds REAL, cpu_seconds REAL, peak_rss INTEGER, classes INTEGER, methods INTEGER,
    instructions INTEGER, steps INTEGER, warnings TEXT, analysed_at TEXT, trowel_version TEXT);
CREATE TABLE IF NOT EXISTS predictions (
    id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, package TEXT NOT NULL, path TEXT NOT NULL,
    kind TEXT NOT NULL, storage TEXT, types TEXT NOT NULL, committed INTEGER NOT NULL, tables TEXT,
    columns TEXT, trace TEXT, sources TEXT);
CREATE INDEX IF NOT EXISTS predictions_package ON predictions(package);
"""


class AedError(TrowelError):
    """The AED file cannot be created or read."""


@dataclass(frozen=True)
class AppRow:
    sha256: str
    package: str | None
    apk: str
    status: str
    error: str | None
    seconds: float | None
    peak_rss: int | None
    version_code: str | None
    predictions: int


class AedDatabase:
    """Open (or create) an AED file."""

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        if not create and not path.is_file():
            raise AedError(f"{path}: no such AED file")
        try:
            self.db = sqlite3.connect(str(path), timeout=30)
            self.db.executescript(SCHEMA)
            version = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if version is None:
                self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                self.db.commit()
            elif int(version[0]) != SCHEMA_VERSION:
                raise AedError(f"{path}: AED schema version {version[0]} is not {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise AedError(f"{path}: not an AED file ({exc})") from exc

    def __enter__(self) -> AedDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def add(self, result: AppAnalysis) -> None:
        """Store one app's analysis, replacing an earlier analysis of the same APK."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with self.db:
            self.db.execute("DELETE FROM predictions WHERE sha256=?", (result.sha256,))
            self.db.execute(
                "INSERT OR REPLACE INTO apps VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (result.sha256, result.package, result.apk, result.version_code, result.version_name,
                 result.status, result.error, result.seconds, result.cpu_seconds, result.peak_rss, result.classes, result.methods,
                 result.instructions, result.steps, json.dumps(result.warnings), now, __version__))
            self.db.executemany(
                "INSERT INTO predictions (sha256, package, path, kind, storage, types, committed, tables, columns,"
                " trace, sources) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(result.sha256, p.package, p.path, p.file_kind, p.storage, json.dumps(p.types), int(p.committed),
                  json.dumps(p.tables), json.dumps(p.columns), json.dumps(p.trace), json.dumps(p.sources))
                 for p in result.predictions])

    def apps(self) -> list[AppRow]:
        rows = self.db.execute(
            "SELECT a.sha256, a.package, a.apk, a.status, a.error, a.seconds, a.peak_rss, a.version_code,"
            " (SELECT count(*) FROM predictions p WHERE p.sha256 = a.sha256) FROM apps a ORDER BY a.package, a.apk")
        return [AppRow(*row) for row in rows]

    def packages(self) -> set[str]:
        """Packages with at least one successful analysis."""
        rows = self.db.execute("SELECT DISTINCT package FROM apps WHERE status='ok' AND package IS NOT NULL")
        return {row[0] for row in rows}

    def predictions(self, package: str | None = None) -> list[Prediction]:
        """Predictions (of every analysed version of ``package``, or of all apps), one per (path, kind)."""
        sql = "SELECT package, path, kind, storage, types, committed, tables, columns, trace, sources FROM predictions"
        params: tuple[Any, ...] = ()
        if package is not None:
            sql += " WHERE package=?"
            params = (package,)
        merged: dict[tuple[str, str, str], Prediction] = {}
        for pkg, path, kind, storage, types, committed, tables, columns, trace, sources in self.db.execute(sql, params):
            key = (pkg, path, kind)
            new = Prediction(package=pkg, path=path, file_kind=kind, types=json.loads(types), storage=storage,
                             committed=bool(committed), tables=json.loads(tables or "[]"),
                             columns=json.loads(columns or "{}"), trace=json.loads(trace or "[]"),
                             sources=json.loads(sources or "[]"))
            old = merged.get(key)
            if old is None:
                merged[key] = new
                continue
            old.types = sorted(set(old.types) | set(new.types))
            old.tables = sorted(set(old.tables) | set(new.tables))
            for column, ev in new.columns.items():
                old.columns[column] = sorted(set(old.columns.get(column, [])) | set(ev))
            old.committed = old.committed or new.committed
            old.sources = sorted(set(old.sources) | set(new.sources))
        return sorted(merged.values(), key=lambda p: (p.package, p.path, p.file_kind))
