"""The case store's schema, one migration per version (applied in order, recorded in user_version)."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # version 1
    """
    CREATE TABLE case_info (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE evidence (
        id TEXT PRIMARY KEY, label TEXT NOT NULL, host_path TEXT NOT NULL, kind TEXT,
        size INTEGER, sha256_before TEXT, sha256_after TEXT, details TEXT, added_utc TEXT
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY, evidence TEXT NOT NULL, path TEXT NOT NULL, entry_kind TEXT, size INTEGER,
        mtime_ns INTEGER, atime_ns INTEGER, ctime_ns INTEGER, crtime_ns INTEGER, deleted INTEGER NOT NULL,
        sha256 TEXT, inode INTEGER, link_target TEXT, canonical TEXT, area TEXT, user INTEGER, package TEXT,
        note TEXT
    );
    CREATE INDEX files_canonical ON files(canonical);
    CREATE INDEX files_package ON files(package, user);
    CREATE TABLE records (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, app TEXT, package TEXT, user INTEGER,
        evidence TEXT, path TEXT, tbl TEXT, rowid_ INTEGER, page INTEGER, offset_ INTEGER, region TEXT,
        confidence REAL, time_ns INTEGER, json TEXT NOT NULL
    );
    CREATE INDEX records_kind ON records(kind, app);
    CREATE INDEX records_time ON records(time_ns);
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY, time_utc TEXT NOT NULL, action TEXT NOT NULL, tool_version TEXT,
        arguments TEXT, details TEXT
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
