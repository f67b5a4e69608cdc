"""The analysis's global state: fields, heap objects, intent extras, with the dependencies of summaries.

Fields are kept per (field reference, receiver class): ``iput`` on an instance whose app class is known
writes the slot of that class, so a base-class field set by one subclass is not read by its siblings; a
receiver of unknown class uses the shared slot ``""`` (and a read with an unknown receiver joins every slot).
Heap objects are allocation sites (``new@<method>@<index>``) of builders, collections, streams and editors:
what is appended or put through any alias of the object (a ``StringBuffer`` in a static field) is joined
into its heap entry and read back wherever the object is read from a field.

Every global a summary reads is recorded (:meth:`Globals.read`), so a round re-analyses only summaries whose
globals changed. A string pattern that keeps growing in a field is widened (:func:`widen_strs`) once the
field has changed ``WIDEN_AFTER`` times, so the fixpoint settles.
"""

from __future__ import annotations

from trowel.apk.tags import EMPTY, UNKNOWN, Tag, cap_strs, merge_unknown

WIDEN_AFTER = 3  # changes of one global before its string patterns are widened


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


def _common_suffix(a: str, b: str) -> str:
    return _common_prefix(a[::-1], b[::-1])[::-1]


def widen_strs(old: frozenset[str], new: frozenset[str]) -> frozenset[str]:
    """Patterns of ``new`` that extend an old pattern collapse to the old one's stable prefix and suffix
    around one ``<unknown>``: ``{"a", "a:<unknown>"}`` -> ``{"a", "a<unknown>"}``, which a further
    ``:<unknown>`` no longer changes."""
    if not old or new <= old:
        return new
    out = set(old)
    for s in new - old:
        best = max(old, key=lambda o: len(_common_prefix(o, s)))
        prefix = _common_prefix(best, s)
        if not prefix:
            out.add(s)
            continue
        suffix = _common_suffix(best[len(prefix):], s[len(prefix):])
        out.add(merge_unknown(prefix + UNKNOWN + suffix))
    return cap_strs(frozenset(out))


class Globals:
    """Fields (per receiver class), heap objects and intent extras, with change and read tracking."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, Tag]] = {}  # field ref -> receiver class ("" unknown/static) -> tag
        self.heap: dict[str, Tag] = {}  # allocation site -> what was put into the object through any alias
        self.extras: dict[str, Tag] = {}
        self.version = 0
        self.changed: set[str] = set()  # global keys changed in the current round
        self._changes: dict[str, int] = {}
        self._reads: list[set[str]] = []

    # ----- dependency tracking --------------------------------------------------------------------------
    def read(self, key: str) -> None:
        if self._reads:
            self._reads[-1].add(key)

    def push(self) -> None:
        self._reads.append(set())

    def pop(self) -> frozenset[str]:
        reads = frozenset(self._reads.pop())
        if self._reads:
            self._reads[-1] |= reads
        return reads

    def add_reads(self, reads: frozenset[str]) -> None:
        if self._reads:
            self._reads[-1] |= reads

    def _store(self, table: dict[str, Tag], slot: str, key: str, tag: Tag, also: str | None = None) -> None:
        old = table.get(slot, EMPTY)
        new = old.join(tag)
        if new == old:
            return
        changes = self._changes.get(key, 0) + 1
        self._changes[key] = changes
        if changes > WIDEN_AFTER and new.strs != old.strs:
            new = new.replace(strs=widen_strs(old.strs, new.strs))
            if new == old:
                return
        table[slot] = new
        self.changed.add(key)
        if also:
            self.changed.add(also)
        self.version += 1

    # ----- fields -----------------------------------------------------------------------------------------
    def write_field(self, ref: str, classes: frozenset[str] | tuple[str, ...], tag: Tag) -> None:
        slots = self.fields.setdefault(ref, {})
        for cls in classes or ("",):
            self._store(slots, cls, f"{ref}|{cls}", tag, f"{ref}|*")

    def read_field(self, ref: str, classes: frozenset[str] | tuple[str, ...]) -> Tag:
        slots = self.fields.get(ref, {})
        if not classes:
            self.read(f"{ref}|*")
            tags = list(slots.values())
        else:
            keys = ["", *sorted(classes)]
            for cls in keys:
                self.read(f"{ref}|{cls}")
            tags = [slots[c] for c in keys if c in slots]
        out = EMPTY
        for tag in tags:
            out = out.join(tag)
        return self.with_heap(out)

    # ----- heap objects -----------------------------------------------------------------------------------
    def update_objects(self, objs: frozenset[str], tag: Tag) -> None:
        """What a mutating call put into objects (data only: evidence, entries, files; never string text)."""
        data = Tag(ev=tag.ev, res=tag.res, entries=tag.entries, origins=tag.origins)
        if not data and not data.origins:
            return
        for obj in objs:
            if obj.startswith("new@"):
                self._store(self.heap, obj, f"heap|{obj}", data)

    def with_heap(self, tag: Tag) -> Tag:
        out = tag
        for obj in tag.objs:
            if obj.startswith("new@"):
                self.read(f"heap|{obj}")
                stored = self.heap.get(obj)
                if stored is not None:
                    out = out.join(stored)
        return out

    # ----- intent extras ----------------------------------------------------------------------------------
    def put_extra(self, key: str, tag: Tag) -> None:
        self._store(self.extras, key, "extras", tag)

    def extra(self, key: str) -> Tag:
        return self.extras.get(key, EMPTY)
