"""The app spec registry: what each supported app leaves on a device, declared as data.

An :class:`AppSpec` names the app's packages, the files it writes (globs relative to the app's data folder
and to external storage), the tables and columns it reads with their meanings and timestamp formats, and one
``extract`` callable that turns an :class:`~trowel.apps.extraction.AppData` into records. Everything else
(finding files, scratch copies, live and deleted rows) is shared, so a spec is mostly declaration.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trowel.apps.extraction import AppData
    from trowel.model import Record

# Modules that register app specs on import; a new app adds its module here (a test checks it).
SPEC_MODULES = ["trowel.apps.imo"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column an app spec reads: what it means and, for times, the timestamp format name."""

    meaning: str
    time_format: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """A table of one of the app's databases.

    ``identity`` are the columns that identify a row across copies (live b-tree, freeblocks, WAL frames), used
    to de-duplicate recovered rows against live ones. Columns missing from a database are simply not read:
    specs must tolerate older and newer schema versions.
    """

    name: str
    database: str
    columns: dict[str, ColumnSpec]
    identity: tuple[str, ...] = ()
    meaning: str = ""
    recover: bool = True


@dataclass(frozen=True)
class AppSpec:
    name: str
    packages: tuple[str, ...]
    app_paths: tuple[str, ...]  # globs relative to the app's data folder (databases/x.db, files/*.json)
    external_paths: tuple[str, ...]  # globs relative to external storage (DCIM/imo/**)
    tables: tuple[TableSpec, ...]
    extract: Callable[[AppData], Iterator[Record]]
    description: str = ""
    related_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)  # other package -> globs it needs
    # Databases with the schema of another: spec database -> globs of app-relative paths (older names,
    # per-account copies). Their tables are the spec database's tables.
    same_schema: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def table(self, name: str) -> TableSpec:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def database_tables(self, database: str) -> list[TableSpec]:
        return [t for t in self.tables if t.database == database]

    def schema_of(self, relative: str) -> str | None:
        """The spec database whose tables a database at this app-relative path has (None: the spec names none)."""
        databases = {t.database for t in self.tables}
        if relative in databases:
            return relative
        for database in sorted(databases):
            if any(fnmatch.fnmatchcase(relative, glob) for glob in self.same_schema.get(database, ())):
                return database
        return None

    def tables_for(self, relative: str) -> list[TableSpec]:
        """The tables the spec knows in the database at this app-relative path."""
        database = self.schema_of(relative)
        return self.database_tables(database) if database is not None else []


APPS: dict[str, AppSpec] = {}


def register_app(spec: AppSpec) -> AppSpec:
    """Add a spec to the registry; refuses a second spec with the same name or a package already claimed."""
    if spec.name in APPS:
        raise ValueError(f"app spec {spec.name!r} is registered twice")
    for other in APPS.values():
        shared = set(other.packages) & set(spec.packages)
        if shared:
            raise ValueError(f"package {sorted(shared)[0]} is claimed by app specs {other.name!r} and {spec.name!r}")
    APPS[spec.name] = spec
    return spec


def load_specs() -> dict[str, AppSpec]:
    """Import every spec module (each registers itself) and return the registry."""
    for module in SPEC_MODULES:
        importlib.import_module(module)
    return APPS


def get_app(name: str) -> AppSpec:
    load_specs()
    try:
        return APPS[name]
    except KeyError as exc:
        raise KeyError(f"no app spec named {name!r}") from exc
