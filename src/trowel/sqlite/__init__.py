"""Forensic SQLite engine: reads every page itself and recovers deleted records from every region.

Public API::

    from trowel.sqlite import recover
    result = recover(Path("msg.db"))            # -wal / -journal beside it are found automatically
    for rec in result.iter_records(): ...       # streaming, bounded memory
    result.records, result.schema, result.warnings

Evidence files are only memory-mapped read-only; the sqlite3 module is never used on them.
"""

from trowel.sqlite.recover import recover
from trowel.sqlite.result import RecoveryResult, SqliteRecord
from trowel.sqlite.schema import IndexSchema, TableSchema

__all__ = ["IndexSchema", "RecoveryResult", "SqliteRecord", "TableSchema", "recover"]
