"""Find an app's files in any evidence source, once per Android user, and copy them to scratch on demand.

One pass over the evidence entries sorts every file that an app spec asks for into an :class:`AppData`
per (spec, Android user): the app's own folders per package, external storage, and files of other packages
the spec relates to (the Android contacts provider, for instance). The same data reached by several paths
(``data/data``, ``data/user/0``, ``data_mirror``; ``sdcard``, ``storage/emulated/0``...) is kept once, under
the first path seen, with the others listed as aliases. Nothing is copied until a parser asks for it, and
copies go only to the scratch folder: the evidence is never written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from trowel.apps.blocks import EncodedBlock
from trowel.apps.registry import AppSpec
from trowel.apps.rows import DatabaseCopy
from trowel.evidence import Entry, EntryKind, EvidenceSource, locate

COMPANIONS = ("-wal", "-journal", "-shm")
_EXTERNAL_ROOT = re.compile(r"^media/(?P<user>\d+)/(?P<rest>.*)$")


@lru_cache(maxsize=512)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob as a regex: ``**`` crosses folders, ``*`` and ``?`` do not."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z", re.IGNORECASE)


def _without_companion(path: str) -> str:
    """The path without a companion suffix (``-wal``, ``-journal``, ``-shm``): a companion goes with its file."""
    for suffix in COMPANIONS:
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path


def _external_regexes(spec: AppSpec) -> list[re.Pattern[str]]:
    """The spec's external-storage globs for each of its packages, compiled once per collection (what
    ``matches(rel, (pattern,), package)`` tries for every pattern and package, without redoing it per file)."""
    out: list[re.Pattern[str]] = []
    for pattern in spec.external_paths:
        for package in spec.packages:
            concrete = pattern.replace("{package}", package) if package and "{package}" in pattern else pattern
            if "{package}" not in concrete:
                out.append(glob_regex(concrete))
    return out


def matches(path: str, patterns: tuple[str, ...], package: str | None = None) -> bool:
    base = _without_companion(path)
    for pattern in patterns:
        concrete = pattern.replace("{package}", package) if package and "{package}" in pattern else pattern
        if "{package}" in concrete:
            continue
        if glob_regex(concrete).match(path) or glob_regex(concrete).match(base):
            return True
    return False


@dataclass
class LocatedFile:
    """A file of the evidence that an app spec wants, with every path that reached the same data."""

    entry: Entry
    relative: str  # inside the app folder, or inside external storage
    canonical: str
    aliases: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.entry.path


@dataclass
class AppData:
    """Everything of one app spec for one Android user in one evidence item."""

    spec: AppSpec
    user: int | None
    evidence: str
    source: EvidenceSource
    scratch: Path
    packages: dict[str, dict[str, LocatedFile]] = field(default_factory=dict)
    external: dict[str, LocatedFile] = field(default_factory=dict)
    related: dict[str, dict[str, LocatedFile]] = field(default_factory=dict)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    exported: dict[str, LocatedFile] = field(default_factory=dict)  # sha256 -> file, for the case media folder
    # A consumer that writes JSON Lines may take pre-encoded blocks of records (a parser's parallel path, used
    # for tables of at least ``parallel_min_rows`` live rows, read in ranges of ``parallel_range_rows``).
    block_sink: Callable[[EncodedBlock], None] | None = None
    parallel_min_rows: int = 50_000
    parallel_range_rows: int = 20_000
    # Claimed databases whose every table the parser has already accounted for (see trowel.apps.unmapped):
    # canonical paths. The runner extracts the others' tables the spec does not map after the parser ran.
    handled: set[str] = field(default_factory=set)
    _copies: dict[str, Path] = field(default_factory=dict)
    databases: list[DatabaseCopy] = field(default_factory=list)  # every copy handed out (their findings)

    def mark_handled(self, package: str, relative: str) -> None:
        located = self.packages.get(package, {}).get(relative)
        if located is not None:
            self.handled.add(located.canonical)

    def warn(self, path: str, message: str) -> None:
        self.warnings.append((path, message))

    def copy(self, located: LocatedFile) -> Path:
        """A scratch copy of one file (made once)."""
        key = located.canonical
        if key not in self._copies:
            index = len(self._copies)
            name = f"{index:05d}/{Path(located.relative).name}"
            self._copies[key] = self.source.materialize(located.entry, self.scratch, name)
        return self._copies[key]

    def database(self, package: str, relative: str) -> DatabaseCopy | None:
        """Scratch copies of a database of a package with its ``-wal`` and ``-journal`` (None when absent)."""
        files = self.packages.get(package, {})
        return self._database(files, relative)

    def related_database(self, package: str, relative: str) -> DatabaseCopy | None:
        return self._database(self.related.get(package, {}), relative)

    def _database(self, files: dict[str, LocatedFile], relative: str) -> DatabaseCopy | None:
        main = files.get(relative)
        if main is None:
            return None
        folder = self.scratch / f"db{len(self._copies):05d}"
        folder.mkdir(parents=True, exist_ok=True)
        self._copies[f"{main.canonical}#db{len(self._copies)}"] = folder
        name = Path(relative).name
        db = self.source.materialize(main.entry, folder, name)
        wal = journal = None
        if relative + "-wal" in files:
            wal = self.source.materialize(files[relative + "-wal"].entry, folder, name + "-wal")
        if relative + "-journal" in files:
            journal = self.source.materialize(files[relative + "-journal"].entry, folder, name + "-journal")
        copy = DatabaseCopy(db=db, wal=wal, journal=journal, evidence=self.evidence, path=main.path,
                            wal_path=files[relative + "-wal"].path if wal else None,
                            journal_path=files[relative + "-journal"].path if journal else None)
        self.databases.append(copy)
        return copy

    def files(self, package: str, pattern: str) -> list[LocatedFile]:
        regex = glob_regex(pattern)
        return [f for rel, f in sorted(self.packages.get(package, {}).items()) if regex.match(rel)]

    def external_files(self, patterns: tuple[str, ...]) -> list[LocatedFile]:
        return [f for rel, f in sorted(self.external.items()) if matches(rel, patterns)]


def collect(source: EvidenceSource, specs: list[AppSpec], evidence: str, scratch: Path) -> list[AppData]:
    """Sort the evidence's files into one AppData per (spec, Android user) that has any."""
    found: dict[tuple[str, int | None], AppData] = {}
    seen: dict[str, LocatedFile] = {}
    owner: dict[str, AppData] = {}  # canonical -> the AppData that holds the file
    by_package = {pkg: spec for spec in specs for pkg in spec.packages}
    external = [(spec, _external_regexes(spec)) for spec in specs]
    # one regex matching what any of them matches: most external files (photos, downloads) belong to no spec
    any_external = re.compile("|".join(f"(?:{regex.pattern})" for _, regexes in external for regex in regexes)
                              or r"(?!)", re.IGNORECASE)

    def data_for(spec: AppSpec, user: int | None) -> AppData:
        key = (spec.name, user)
        if key not in found:
            folder = scratch / f"{spec.name}-u{user if user is not None else 'x'}"
            found[key] = AppData(spec=spec, user=user, evidence=evidence, source=source, scratch=folder)
        return found[key]

    for entry in source.entries():
        if entry.kind is not EntryKind.FILE or not entry.readable:
            continue
        loc = locate(entry.path)
        if loc.canonical in seen:
            first = seen[loc.canonical]
            first.aliases.append(entry.path)
            if entry.size != first.entry.size:
                owner[loc.canonical].warn(entry.path, f"same Android file as {first.path} but {entry.size} bytes "
                                          f"instead of {first.entry.size}: only {first.path} was read")
            continue
        if loc.area in ("internal", "device_protected") and loc.package:
            rel = loc.app_relative or ""
            spec = by_package.get(loc.package)
            if spec is not None and matches(rel, spec.app_paths, loc.package):
                located = LocatedFile(entry, rel, loc.canonical)
                seen[loc.canonical] = located
                owner[loc.canonical] = data_for(spec, loc.user)
                owner[loc.canonical].packages.setdefault(loc.package, {})[rel] = located
                continue
            for spec in specs:
                patterns = spec.related_paths.get(loc.package)
                if patterns and matches(rel, patterns):
                    located = LocatedFile(entry, rel, loc.canonical)
                    seen[loc.canonical] = located
                    owner[loc.canonical] = data_for(spec, loc.user)
                    owner[loc.canonical].related.setdefault(loc.package, {})[rel] = located
        elif loc.area == "external":
            match = _EXTERNAL_ROOT.match(loc.canonical)
            if not match:
                continue
            rel = match.group("rest")
            user = int(match.group("user"))
            base = _without_companion(rel)
            if not any_external.match(rel) and not any_external.match(base):
                continue
            for spec, regexes in external:
                if any(regex.match(rel) or regex.match(base) for regex in regexes):
                    located = LocatedFile(entry, rel, loc.canonical)
                    seen[loc.canonical] = located
                    owner[loc.canonical] = data_for(spec, user)
                    owner[loc.canonical].external[rel] = located
                    break
    return [found[k] for k in sorted(found, key=lambda k: (k[0], -1 if k[1] is None else k[1]))]


def iter_packages(data: AppData) -> Iterator[tuple[str, dict[str, LocatedFile]]]:
    """The app's packages present for this user, in a stable order."""
    for package in sorted(data.packages):
        yield package, data.packages[package]
