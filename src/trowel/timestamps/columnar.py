"""The ranked answer of a batch as columns (issue 15): ``RankedBatch`` holds every reading of every value as
numpy arrays (format, raw, instant, score, merged names) in ``decode``'s order, and builds ``list[Reading]``
for a value only when asked (``readings(i)``), equal to ``decode(value)``.

A group of plain decimal integer texts of one length and sign is computed at once (``group_rows``): the raws
each linear format reads from the text (the integer, its hex and octal readings), their instants with int64
arithmetic (``batch._arith``, the scalar ``read`` near range edges and leap steps), the window, the score (one
per format and granularity: inside the window nothing else of the reading counts), then the rank order and
the merge of equal instants with array sorts. Readings of the few other formats left for a value come from
``decode``'s own loop and are carried as rows too. A value any part of which cannot be held in int64 (an
instant past 2262, a raw past 2**63) is decoded whole by ``decode``'s loop and kept as a list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trowel.model.values import JSON_SAFE_INT, Clock, iso_ns, json_raw
from trowel.timestamps import arith as A
from trowel.timestamps.base import LOCAL_NOTE
from trowel.timestamps.batch import _arith, _unit_plan
from trowel.timestamps.decoding import Reading, plan, read, score
from trowel.timestamps.linear import LinearFormat

I64 = np.int64
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
SAFE_SECONDS = 9_000_000_000  # |seconds| below this: seconds x 1e9 + nanoseconds fits int64
Ints = np.ndarray[Any, np.dtype[np.int64]]
Bools = np.ndarray[Any, np.dtype[np.bool_]]
Floats = np.ndarray[Any, np.dtype[np.float64]]
ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # what JSON Lines output uses


@dataclass
class Rows:
    """Readings as parallel arrays (one element per reading): the value they belong to (``entry``), the
    format (index into ``plan()``), the integer raw, the instant, the score, the order among one format's
    raws (``seq``); ``kind``/``key`` stand for the raw text (kind 0: "integer {key}", 1: an interned text);
    ``clock`` the clock's index; ``extra`` the Reading of a row that came from ``decode``'s own loop."""

    entry: Ints
    fmt: Ints
    raw: Ints
    unix_ns: Ints
    score: Floats
    seq: Ints
    kind: Ints
    key: Ints
    clock: Ints
    ref: Ints  # index into extra, -1 for a linear row
    extra: list[Reading] = field(default_factory=list)

    @staticmethod
    def empty() -> Rows:
        z = np.zeros(0, dtype=I64)
        return Rows(z, z, z, z, np.zeros(0), z, z, z, z, z)

    def __len__(self) -> int:
        return len(self.entry)

    def take(self, order: Ints) -> Rows:
        return Rows(self.entry[order], self.fmt[order], self.raw[order], self.unix_ns[order], self.score[order],
                    self.seq[order], self.kind[order], self.key[order], self.clock[order], self.ref[order],
                    self.extra)


CLOCKS = list(Clock)
CLOCK_INDEX = {clock: k for k, clock in enumerate(CLOCKS)}


@dataclass
class FormatFacts:
    """What a linear reading of each format carries besides its raw and instant (plan order)."""

    names: list[str]
    displays: list[str]
    clocks: list[Clock]
    notes: list[str | None]
    name_rank: Ints  # position of the name in sorted order: the sort's second key
    index: dict[str, int]


_FACTS: list[FormatFacts] = []


def facts() -> FormatFacts:
    steps = plan()
    if not _FACTS or len(_FACTS[0].names) != len(steps):
        names = [fmt.name for fmt, _, _ in steps]
        ranks = {name: k for k, name in enumerate(sorted(names))}
        notes = [fmt.clock_note or (LOCAL_NOTE if fmt.clock is Clock.LOCAL else None) for fmt, _, _ in steps]
        _FACTS[:] = [FormatFacts(names, [fmt.display for fmt, _, _ in steps], [fmt.clock for fmt, _, _ in steps],
                                 notes, np.array([ranks[n] for n in names], dtype=I64),
                                 {n: k for k, n in enumerate(names)})]
    return _FACTS[0]


class RankedBatch:
    """Every value's ranked readings as columns; ``readings(i)`` equals ``decode(values[i])``.

    ``slot[i]`` is value i's entry (repeats share one). An entry's readings are the rows
    ``start[e]:stop[e]`` of the columns, already ranked and merged (``also`` names in ``also_names``), or,
    for the values decoded whole by ``decode``'s loop, the list ``lists[e]``."""

    def __init__(self, slot: Ints, entries: int, rows: Rows, also: Ints, also_names: list[tuple[str, ...]],
                 lists: dict[int, list[Reading]]) -> None:
        self.slot = slot
        self.rows = rows
        self.also = also
        self.also_names = also_names
        self.lists = lists
        self.start = np.zeros(entries, dtype=I64)
        self.stop = np.zeros(entries, dtype=I64)
        if len(rows):
            cut = np.flatnonzero(np.r_[True, rows.entry[1:] != rows.entry[:-1]])
            ends = np.r_[cut[1:], len(rows)]
            self.start[rows.entry[cut]] = cut
            self.stop[rows.entry[cut]] = ends

    def __len__(self) -> int:
        return len(self.slot)

    def counts(self) -> Ints:
        """How many readings each value has."""
        per_entry = self.stop - self.start
        for entry, found in self.lists.items():
            per_entry[entry] = len(found)
        return per_entry[self.slot]

    def listed(self, index: int) -> list[Reading] | None:
        """The readings of a value decoded whole by ``decode``'s loop (None for a value held in columns)."""
        return self.lists.get(int(self.slot[index]))

    def span(self, index: int) -> tuple[int, int]:
        entry = int(self.slot[index])
        return int(self.start[entry]), int(self.stop[entry])

    def readings(self, index: int) -> list[Reading]:
        """Value ``index``'s readings, equal to ``decode`` of it."""
        entry = int(self.slot[index])
        found = self.lists.get(entry)
        if found is not None:
            return list(found)
        return self.build(int(self.start[entry]), int(self.stop[entry]))

    def build(self, start: int, stop: int) -> list[Reading]:
        """The readings of the rows ``start:stop`` (one value's, or its first)."""
        return self._build(self._columns(start, stop), 0, stop - start)

    def _columns(self, start: int, stop: int) -> tuple[list[Any], ...]:
        rows = self.rows
        return (rows.fmt[start:stop].tolist(), rows.raw[start:stop].tolist(), rows.unix_ns[start:stop].tolist(),
                rows.score[start:stop].tolist(), rows.ref[start:stop].tolist(), self.also[start:stop].tolist())

    def _build(self, columns: tuple[list[Any], ...], start: int, stop: int) -> list[Reading]:
        fmts, raws, instants, scores, refs, alsos = columns
        info, extra, also_names = facts(), self.rows.extra, self.also_names
        names, displays, clocks, notes = info.names, info.displays, info.clocks, info.notes
        new, set_dict = object.__new__, object.__setattr__
        out: list[Reading] = []
        for k in range(start, stop):
            also = also_names[alsos[k]]
            if refs[k] >= 0:
                reading = extra[refs[k]]
                out.append(_with(reading.__dict__, also=also) if also else reading)
                continue
            fmt, raw = fmts[k], raws[k]
            reading = new(Reading)
            set_dict(reading, "__dict__", {"format": names[fmt], "display": displays[fmt], "raw": raw,
                                           "raw_text": f"integer {raw}", "unix_ns": instants[k], "clock": clocks[fmt],
                                           "note": notes[fmt], "error": None, "score": scores[k], "also": also})
            out.append(reading)
        return out

    def to_lists(self) -> list[list[Reading]]:
        """Every value's readings (``decode_many``): repeats share equal lists (not the same objects)."""
        columns = self._columns(0, len(self.rows))
        starts, stops = self.start.tolist(), self.stop.tolist()
        built: dict[int, list[Reading]] = {}
        out: list[list[Reading]] = []
        for entry in self.slot.tolist():
            found = self.lists.get(entry)
            if found is None:
                found = built.get(entry)
                if found is None:
                    found = built[entry] = self._build(columns, starts[entry], stops[entry])
            out.append(list(found))
        return out

    def readings_json(self) -> list[str]:
        """Per value, the JSON text of its readings as JSON Lines output writes ``[r.to_json() for r in
        readings(i)]`` (compact, non-ASCII kept), made from the columns without building the readings."""
        rows, info = self.rows, facts()
        texts = _row_json(rows, self.also, self.also_names, info)
        out: list[str] = []
        made: dict[int, str] = {}
        starts, stops = self.start.tolist(), self.stop.tolist()
        for entry in self.slot.tolist():
            text = made.get(entry)
            if text is None:
                found = self.lists.get(entry)
                if found is not None:
                    text = "[" + ",".join(ENCODE(r.to_json()) for r in found) + "]"
                else:
                    text = "[" + ",".join(texts[starts[entry]:stops[entry]]) + "]"
                made[entry] = text
            out.append(text)
        return out


def _row_json(rows: Rows, also: Ints, also_names: list[tuple[str, ...]], info: FormatFacts) -> list[str]:
    """Each row's ``Reading.to_json()`` as the encoder writes it (keys in its order)."""
    micros, rest = np.divmod(rows.unix_ns, 1000)  # ns_to_datetime: half to even to the microsecond
    micros = micros + ((rest > 500) | ((rest == 500) & (micros % 2 == 1)))
    utc = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us").tolist()  # int64 ns: 1677..2262
    odd = np.flatnonzero(rest != 0)  # iso_ns: all nine digits, no rounding
    fine = dict(zip(odd.tolist(), np.datetime_as_string(rows.unix_ns[odd].astype("datetime64[ns]"), unit="ns").tolist(),
                    strict=True))
    for k in np.flatnonzero(rows.unix_ns == INT64_MIN).tolist():  # numpy's NaT: the one int64 it cannot show
        fine[k] = iso_ns(INT64_MIN)[:-1]
    heads = [f'{{"format":{ENCODE(name)},"display":{ENCODE(display)},"utc":"' for name, display in
             zip(info.names, info.displays, strict=True)]
    tails = [(f',"note":{ENCODE(note)}}}' if note else "}") for note in info.notes]
    clocks = [f'Z","clock":{ENCODE(clock.value)},"raw":' for clock in info.clocks]
    clock_of = {clock: f'Z","clock":{ENCODE(clock.value)},"raw":' for clock in CLOCKS}
    scores: dict[float, str] = {}
    alsos = [f',"also":{ENCODE(list(names))}' if names else "" for names in also_names]
    out: list[str] = []
    for k, (fmt, raw, unix_ns, rank, ref, named) in enumerate(zip(
            rows.fmt.tolist(), rows.raw.tolist(), rows.unix_ns.tolist(), rows.score.tolist(), rows.ref.tolist(),
            also.tolist(), strict=True)):
        score_text = scores.get(rank)
        if score_text is None:
            score_text = scores[rank] = ENCODE(round(rank, 4))
        ns_text = f',"utc_ns":"{fine[k]}Z"' if k in fine else ""
        if ref >= 0:  # a reading from decode's loop: its own raw, raw text, clock and note
            reading = rows.extra[ref]
            note = f',"note":{ENCODE(reading.note)}}}' if reading.note else "}"
            error = f',"error":{ENCODE(reading.error)}' if reading.error else ""
            out.append(f'{heads[fmt]}{utc[k]}{clock_of[reading.clock]}{ENCODE(json_raw(reading.raw))},'
                       f'"interpretation":{ENCODE(reading.raw_text)},"unix_ns":"{unix_ns}"{ns_text},"score":'
                       f'{score_text}{alsos[named]}{note[:-1]}{error}}}')
            continue
        raw_text = f'"{raw}"' if abs(raw) >= JSON_SAFE_INT else str(raw)
        out.append(f'{heads[fmt]}{utc[k]}{clocks[fmt]}{raw_text},"interpretation":"integer {raw}","unix_ns":'
                   f'"{unix_ns}"{ns_text},"score":{score_text}{alsos[named]}{tails[fmt]}')
    return out


def _with(fields: dict[str, Any], also: tuple[str, ...]) -> Reading:
    """A Reading with these fields and ``also``, made without the frozen dataclass's per-field setattr."""
    reading = object.__new__(Reading)
    state = dict(fields)
    state["also"] = also
    object.__setattr__(reading, "__dict__", state)
    return reading


def linear_instants(fmt: LinearFormat, raws: Ints) -> tuple[Ints, Bools, Bools]:
    """(instant, ok, beyond) of int64 raws in a linear format, exactly as ``read(fmt, raw)`` gives them:
    numpy where ``batch._arith`` is exact, ``read`` for the rest; ``beyond`` where the instant does not fit
    int64 (``ok`` is False there)."""
    n = len(raws)
    instants = np.zeros(n, dtype=I64)
    ok = np.zeros(n, dtype=bool)
    beyond = np.zeros(n, dtype=bool)
    unit_plan = _unit_plan(fmt)
    fast = np.zeros(n, dtype=bool)
    if unit_plan is not None and n:
        fast = np.ones(n, dtype=bool)
        limits = fmt.raw_limits()
        if limits is not None:
            fast &= (raws >= max(limits[0], INT64_MIN)) & (raws <= min(limits[1], INT64_MAX))
        sec, sub, fast = _arith(fmt, unit_plan, raws, fast)
        fast &= np.abs(sec) < SAFE_SECONDS
        instants = np.where(fast, sec, 0) * A.NS + np.where(fast, sub, 0)
        ok = fast.copy()
    for index in np.flatnonzero(~fast).tolist():
        reading = read(fmt, int(raws[index]))
        if reading.ok and reading.unix_ns is not None:
            if INT64_MIN <= reading.unix_ns <= INT64_MAX:
                instants[index], ok[index] = reading.unix_ns, True
            else:
                beyond[index] = True
    return instants, ok, beyond


def linear_rows(entries: Ints, index: int, fmt: LinearFormat, raws: Ints, seq: int, after_ns: int, before_ns: int,
                text: str) -> tuple[Rows, Ints]:
    """The readings of ``fmt`` (plan index ``index``) of the values ``entries`` read as ``raws`` (already
    inside the format's raw bounds): instants, the window, the score; and the positions whose reading does
    not fit int64 (their values are decoded whole by ``decode``'s loop)."""
    instants, ok, beyond = linear_instants(fmt, raws)
    inside = ok & (instants >= after_ns) & (instants <= before_ns)
    at = np.flatnonzero(inside)
    instants, chosen = instants[at], raws[at]
    fine = instants % A.US == 0
    scores = np.zeros(len(at))
    for flag in (True, False):
        where = fine == flag
        if where.any():
            first = int(np.flatnonzero(where)[0])
            raw, unix_ns = int(chosen[first]), int(instants[first])
            probe = Reading(fmt.name, fmt.display, raw, f"integer {raw}", unix_ns, fmt.clock)
            scores[where] = score(probe, text, fmt, after_ns, before_ns)  # the same for the whole group
    count = len(at)
    return Rows(entries[at], np.full(count, index, dtype=I64), chosen, instants, scores,
                np.full(count, seq, dtype=I64), np.zeros(count, dtype=I64), chosen,
                np.full(count, CLOCK_INDEX[fmt.clock], dtype=I64), np.full(count, -1, dtype=I64)), np.flatnonzero(beyond)


def reading_rows(pairs: Sequence[tuple[int, Reading]], texts: dict[str, int], extra: list[Reading]) -> Rows | None:
    """Rows for readings ``decode``'s loop made ((entry, reading) pairs, in its order); None when one of them
    cannot be held in int64 (its value must then be decoded whole)."""
    info = facts()
    n = len(pairs)
    entry, fmt, raw, instants, seq, kind, key, clock, ref = (np.zeros(n, dtype=I64) for _ in range(9))
    scores = np.zeros(n)
    previous: tuple[int, str] | None = None
    run = 0
    for k, (owner, reading) in enumerate(pairs):
        assert reading.unix_ns is not None
        if not INT64_MIN <= reading.unix_ns <= INT64_MAX:
            return None
        run = run + 1 if previous == (owner, reading.format) else 0
        previous = (owner, reading.format)
        entry[k], fmt[k], instants[k], scores[k], seq[k] = owner, info.index[reading.format], reading.unix_ns, \
            reading.score, run
        number = _integer_text(reading.raw_text)
        if number is not None:
            key[k] = number
        else:
            kind[k] = 1
            key[k] = texts.setdefault(reading.raw_text, len(texts))
        clock[k] = CLOCK_INDEX[reading.clock]
        ref[k] = len(extra)
        extra.append(reading)
    return Rows(entry, fmt, raw, instants, scores, seq, kind, key, clock, ref)


def _integer_text(text: str) -> int | None:
    """N when ``text`` is exactly "integer N" for an int64 N (the raw text of a linear reading)."""
    if not text.startswith("integer "):
        return None
    body = text[8:]
    digits = body[1:] if body[:1] == "-" else body
    if not digits.isascii() or not digits.isdigit():
        return None
    number = int(body)
    if str(number) != body or not INT64_MIN <= number <= INT64_MAX:
        return None
    return number


def concat(parts: Sequence[Rows]) -> Rows:
    if not parts:
        return Rows.empty()
    extra: list[Reading] = []
    refs = []
    for part in parts:
        refs.append(np.where(part.ref >= 0, part.ref + len(extra), -1))
        extra.extend(part.extra)
    def joined(name: str) -> Any:
        return np.concatenate([getattr(part, name) for part in parts])

    return Rows(joined("entry"), joined("fmt"), joined("raw"), joined("unix_ns"), joined("score"), joined("seq"),
                joined("kind"), joined("key"), joined("clock"), np.concatenate(refs), extra)


def rank_and_merge(rows: Rows, also_names: list[tuple[str, ...]],
                   also_ids: dict[tuple[str, ...], int]) -> tuple[Rows, Ints]:
    """The rows in ``decode``'s order (by value; then score, best first; then format name; then the order a
    format gave its raws: ``finish_readings``'s stable sort), readings with the same instant, raw text and
    clock folded into the first (``_merge``): the heads kept, with the index of their ``also`` names."""
    info = facts()
    order = np.lexsort((rows.seq, info.name_rank[rows.fmt], -rows.score, rows.entry))
    rows = rows.take(order)
    n = len(rows)
    position = np.arange(n, dtype=I64)
    same = np.lexsort((position, rows.clock, rows.key, rows.kind, rows.unix_ns, rows.entry))
    keys = (rows.entry, rows.unix_ns, rows.kind, rows.key, rows.clock)
    new = np.ones(n, dtype=bool)
    if n > 1:
        differs = np.zeros(n - 1, dtype=bool)
        for column in keys:
            ordered = column[same]
            differs |= ordered[1:] != ordered[:-1]
        new[1:] = differs
    head_of_sorted = same[np.maximum.accumulate(np.where(new, np.arange(n), 0))]  # the run's first position
    head = np.empty(n, dtype=I64)
    head[same] = head_of_sorted
    keep = head == position
    also = np.zeros(n, dtype=I64)
    followers = np.flatnonzero(~keep)
    if len(followers):
        grouped: dict[int, list[str]] = {}
        for at, lead in zip(followers.tolist(), head[followers].tolist(), strict=True):
            grouped.setdefault(lead, []).append(info.names[int(rows.fmt[at])])
        for lead, names in grouped.items():
            extra_also = rows.extra[int(rows.ref[lead])].also if rows.ref[lead] >= 0 else ()
            names_t = (*extra_also, *names)
            ident = also_ids.get(names_t)
            if ident is None:
                ident = also_ids[names_t] = len(also_names)
                also_names.append(names_t)
            also[lead] = ident
    kept = np.flatnonzero(keep)
    return rows.take(kept), also[kept]
