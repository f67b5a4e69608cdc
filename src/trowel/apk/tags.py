"""Tags: what the analysis knows about one value (a register, a field, an array, a collection).

A tag has EviHunter's two parts, **Path** (``strs``: the string or file-path patterns the value may hold;
dynamic parts are written ``<pkg>``, ``<uuid>``, ``<timestamp>``, ``<intent>``, ``<unknown>``) and **EvSet**
(``ev``: the evidence types it may carry), plus what trowel adds: the files it writes to (``res``), keyed
entries of collections/ContentValues/intents (``entries``), identities of preference editors (``objs``), the
app classes it may be an instance of (``cls``), reflection targets (``refl``), and where each evidence
type came from (``origins``). Tags are immutable and hashable: method summaries are keyed by them.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_STRS = 8
MAX_LEN = 240
MAX_ORIGINS = 4
UNKNOWN = "<unknown>"
ANY = "<any>"  # the collapsed string set: absorbs every join, so field values only ever grow
DYNAMIC_PARTS = ("<pkg>", "<uuid>", "<timestamp>", "<intent>", UNKNOWN)

FrozenStr = frozenset[str]
_E: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Tag:
    ev: frozenset[str] = _E
    strs: frozenset[str] = _E
    res: frozenset[tuple[str, str]] = frozenset()  # (file kind, absolute path pattern)
    entries: frozenset[tuple[str, str]] = frozenset()  # (key, evidence type)
    objs: frozenset[str] = _E
    cls: frozenset[str] = _E
    refl: frozenset[str] = _E
    origins: frozenset[tuple[str, str]] = frozenset()  # (evidence type, "source api @ method")

    def __bool__(self) -> bool:
        return bool(self.ev or self.strs or self.res or self.entries or self.objs or self.cls or self.refl)

    def join(self, other: Tag) -> Tag:
        if other is self or not other and not other.origins:
            return self
        if not self and not self.origins:
            return other
        return Tag(
            ev=self.ev | other.ev,
            strs=cap_strs(self.strs | other.strs),
            res=self.res | other.res,
            entries=self.entries | other.entries,
            objs=self.objs | other.objs,
            cls=self.cls | other.cls,
            refl=self.refl | other.refl,
            origins=cap_origins(self.origins | other.origins),
        )

    def data_only(self) -> Tag:
        """Only the evidence part (what flows through arithmetic, conversions and unknown library calls)."""
        if not self.ev and not self.entries:
            return EMPTY
        ev = self.ev | frozenset(t for _, t in self.entries)
        return Tag(ev=ev, origins=self.origins)

    def with_ev(self, ev: str, origin: str) -> Tag:
        return Tag(ev=self.ev | {ev}, strs=self.strs, res=self.res, entries=self.entries, objs=self.objs,
                   cls=self.cls, refl=self.refl, origins=cap_origins(self.origins | {(ev, origin)}))

    def replace(self, **changes: object) -> Tag:
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return Tag(**values)


EMPTY = Tag()


def join_all(tags: list[Tag]) -> Tag:
    out = EMPTY
    for tag in tags:
        out = out.join(tag)
    return out


_ANY_SET = frozenset({ANY})


def cap_strs(strs: frozenset[str]) -> frozenset[str]:
    """Keep string sets small: beyond ``MAX_STRS`` patterns (or one too long) the value is any string.

    The collapsed set ``{<any>}`` absorbs every later join, which keeps the analysis monotone (a set that
    collapsed and then grew again would make the global fixpoint oscillate)."""
    if ANY in strs:
        return _ANY_SET
    if len(strs) <= MAX_STRS and all(len(s) <= MAX_LEN for s in strs):
        return strs
    return _ANY_SET


def cap_origins(origins: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    if len(origins) <= MAX_ORIGINS:
        return origins
    keep: dict[str, tuple[str, str]] = {}
    for origin in sorted(origins):
        keep.setdefault(origin[0], origin)
    extra = [o for o in sorted(origins) if o not in keep.values()]
    return frozenset(list(keep.values()) + extra[: max(0, MAX_ORIGINS - len(keep))])


def text_of(tag: Tag) -> frozenset[str]:
    """The string patterns of a value for building new strings and paths, ``<unknown>`` when nothing
    (or anything) is known."""
    if not tag.strs or ANY in tag.strs:
        return frozenset({UNKNOWN})
    return tag.strs


def name_of(tag: Tag) -> frozenset[str]:
    """The patterns of a value used as a file, folder, preferences or database name: empty, null and
    text that cannot be a file name (SQL, several lines) are ``<unknown>``, never path text."""
    return frozenset(s if plausible_name(s) else UNKNOWN for s in text_of(tag))


def plausible_name(text: str) -> bool:
    if not text or text in ("null", "/") or "\n" in text or "(" in text and ")" in text:
        return False
    upper = text.lstrip().upper()
    return not upper.startswith(("CREATE ", "INSERT ", "SELECT ", "UPDATE ", "DELETE ", "DROP ", "ALTER "))


def concat(a: Tag, b: Tag) -> Tag:
    """String concatenation: every pattern of ``a`` followed by every pattern of ``b``; data joins."""
    strs = frozenset(merge_unknown(x + y) for x in text_of(a) for y in text_of(b))
    joined = a.data_only().join(b.data_only())
    return Tag(ev=joined.ev, strs=cap_strs(strs), origins=joined.origins)


def join_path(directory: str, name: str) -> str:
    """``new File(dir, name)``: one slash between the parts."""
    if not name:
        return directory
    if name.startswith("/") and directory != UNKNOWN:
        name = name.lstrip("/")
    if not directory:
        return name
    return merge_unknown(directory.rstrip("/") + "/" + name)


def merge_unknown(text: str) -> str:
    while UNKNOWN + UNKNOWN in text:
        text = text.replace(UNKNOWN + UNKNOWN, UNKNOWN)
    return text


def absolute(pattern: str) -> str:
    """A path as Android resolves it: relative paths are relative to the process's working folder ``/``.

    An unresolved leading part followed by more path is a folder of its own: ``<unknown>DCIM/x`` is
    ``/<unknown>/DCIM/x`` (the unknown part is never glued to path text)."""
    pattern = pattern.replace("//", "/")
    if pattern.startswith(UNKNOWN) and "/" in pattern and not pattern.startswith(UNKNOWN + "/"):
        pattern = UNKNOWN + "/" + pattern[len(UNKNOWN):]
    return pattern if pattern.startswith("/") else "/" + pattern
