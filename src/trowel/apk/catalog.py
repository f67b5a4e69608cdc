"""The API catalog: sources, sinks, dynamic path parts, library summaries, entry-point callbacks.

All of it is data (``src/trowel/apk/data/*.tsv``), started from EviHunter's published catalog and extended
(the ``origin`` column says which). Classes and parameters are Dalvik descriptors; ``*`` as the parameters
matches every overload. A call is matched by method name and parameters against the called class and all
of its supertypes (the app's own hierarchy, then ``hierarchy.tsv`` for framework classes).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class ApiEntry:
    """One catalog row. ``value`` is the evidence type, sink kind, path part or summary op."""

    table: str
    cls: str
    name: str
    params: str
    value: str
    kind: str = ""  # sources: return_value | callback_parameter | method_argument | constructor
    args: tuple[int, ...] = ()
    table_arg: str = ""  # sinks into databases: the argument holding the table name, or "sql"
    origin: str = ""

    @property
    def api(self) -> str:
        return f"{self.cls}->{self.name}({self.params})"


@dataclass(frozen=True, slots=True)
class LibraryFile:
    """A file a bundled library writes when the app calls ``cls->name`` (e.g. GCM's registration file)."""

    cls: str
    name: str
    kind: str
    path: str
    types: frozenset[str]
    note: str


def _rows(name: str) -> list[list[str]]:
    text = resources.files("trowel.apk").joinpath("data", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip().isdigit())


class Catalog:
    """Indexed catalog tables; :meth:`find` answers "what does this library call do"."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, list[ApiEntry]]] = {}
        for cls, name, params, kind, evidence, args, origin in _rows("sources.tsv"):
            self._add(ApiEntry("source", cls, name, params, evidence, kind, _ints(args), origin=origin))
        for cls, name, params, kind, data_args, table_arg, origin in _rows("sinks.tsv"):
            self._add(ApiEntry("sink", cls, name, params, kind, "", _ints(data_args), table_arg, origin))
        for cls, name, params, part, origin in _rows("dynamic_paths.tsv"):
            self._add(ApiEntry("dynamic_path", cls, name, params, part, origin=origin))
        for row in _rows("summaries.tsv"):
            cls, name, params, op = row[:4]
            args = row[4] if len(row) > 4 else ""
            self._add(ApiEntry("summary", cls, name, params, op, args=_ints(args), origin="trowel"))
        self.hierarchy: dict[str, list[str]] = {
            cls: [s for s in supers.split(",") if s] for cls, supers in _rows("hierarchy.tsv")
        }
        self.callbacks: dict[str, set[str]] = {cls: set(names.split(",")) for cls, names in _rows("callbacks.tsv")}
        # libraries apps bundle: (class-name prefix, library name); summarised, never analysed as app code
        self.libraries: list[tuple[str, str]] = [(row[0], row[1]) for row in _rows("libraries.tsv")]
        self.bundled: tuple[str, ...] = tuple(prefix for prefix, _ in self.libraries)
        # files bundled libraries are known to write: class, method, kind, path, types, note
        self.library_files: dict[str, list[LibraryFile]] = {}
        for cls, name, kind, path, types, note in _rows("library_files.tsv"):
            self.library_files.setdefault(name, []).append(
                LibraryFile(cls, name, kind, path, frozenset(types.split(",")), note))

    def _add(self, entry: ApiEntry) -> None:
        self.entries.setdefault(entry.table, {}).setdefault(entry.name, []).append(entry)

    def count(self, table: str) -> int:
        return sum(len(v) for v in self.entries.get(table, {}).values())

    def expand(self, classes: set[str] | list[str]) -> set[str]:
        """Add the framework supertypes of every class in ``classes``."""
        out = set(classes)
        for cls in list(out):
            out.update(self.hierarchy.get(cls, ()))
        return out

    def find(self, table: str, classes: set[str], name: str, params: str) -> list[ApiEntry]:
        """Catalog rows of ``table`` for a call of ``name(params)`` on any of ``classes``."""
        candidates = self.entries.get(table, {}).get(name)
        if not candidates:
            return []
        return [e for e in candidates if e.cls in classes and (e.params == "*" or e.params == params)]

    def callback_classes(self) -> set[str]:
        return set(self.callbacks)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The catalog shipped with trowel (parsed once per process)."""
    return Catalog()
