"""Which fields of unknown records are timestamps, in which format and byte order.

Three inputs: a list of records (bytes; fixed or variable length), columns of values (an SQLite column, a
list of numbers or strings), or a whole blob (``infer_blob``: the record size is found from the period of
hunt hits). The evidence for a field: the share of records whose value decodes into a plausible window,
monotonic or clustered runs across records, and the rule that the least significant byte changes fastest
(which tells big- from little-endian). ``find_anchor_fields`` does the study's workflow: find a known text,
then the timestamp fields around it near a known date.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import shutil
import sqlite3
import struct
from collections import Counter, defaultdict
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

import numpy as np

from trowel.errors import EvidenceError, TimestampError, UsageError
from trowel.model.values import Clock, iso_utc, ns_to_datetime
from trowel.scratch import scratch_folder
from trowel.timestamps import arith as A
from trowel.timestamps.base import Format
from trowel.timestamps.catalog import all_formats, get_format
from trowel.timestamps.columns import ColumnType, type_table
from trowel.timestamps.decoding import PRIOR, candidates, read
from trowel.timestamps.hunt import Hit, hunt
from trowel.timestamps.huntspec import HuntSpec, build_specs
from trowel.timestamps.when import WhenLike, to_ns, window

DEFAULT_AFTER = A.epoch(2000)
DEFAULT_BEFORE = A.epoch(2040)
MIN_SHARE = 0.6
SAMPLE = 2_000


@dataclass(frozen=True)
class FieldGuess:
    """A field that holds timestamps: where (record offset or column), how (format, width, byte order)."""

    field: int | str  # byte offset in the record (negative: from the record's end) or column index/name
    format: str
    width: int | None
    byteorder: str | None
    confidence: float
    share: float  # fraction of (non-null) values inside the window
    count: int
    monotonic: float  # fraction of consecutive pairs that do not go backwards
    lsb_fastest: bool | None  # the stored least significant byte changes fastest (None: not binary)
    first_utc: str | None
    last_utc: str | None
    clock: Clock = Clock.UTC
    also: tuple[str, ...] = dc_field(default=())
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("field", "format", "width", "byteorder", "count", "lsb_fastest",
                                               "first_utc", "last_utc", "note")}
        out.update(confidence=round(self.confidence, 3), share=round(self.share, 3),
                   monotonic=round(self.monotonic, 3), clock=self.clock.value, also=list(self.also))
        return out


def _series_stats(values: list[int]) -> tuple[float, str | None, str | None]:
    if not values:
        return 0.0, None, None
    pairs = len(values) - 1
    mono = sum(1 for a, b in zip(values, values[1:], strict=False) if b >= a) / pairs if pairs else 1.0
    return mono, iso_utc(ns_to_datetime(min(values))), iso_utc(ns_to_datetime(max(values)))


def _lsb_fastest(rows: np.ndarray, order: str) -> bool:
    """Whether the byte that changes most often between consecutive records is the least significant one."""
    if len(rows) < 3:
        return True
    changes = (rows[1:] != rows[:-1]).sum(axis=0)
    lsb, msb = (0, rows.shape[1] - 1) if order == "little" else (rows.shape[1] - 1, 0)
    return bool(changes[lsb] > 0 and changes[lsb] > changes[msb] and changes[lsb] >= 0.8 * changes.max())


def _distinct(raws: list[Any], values: list[int | None]) -> float:
    """Distinct instants per distinct raw value: 1.0 unless different values collapse onto one instant."""
    raw_count = len({repr(r) for r in raws})
    return min(1.0, len({v for v in values if v is not None}) / raw_count) if raw_count else 0.0


def _confidence(share: float, mono: float, lsb: bool | None, spread_ok: bool, distinct: float, fmt: str) -> float:
    """Share in the window, weighted by how time-like the series is. Values spread over the whole window in no
    order (what random bytes give when a format's window covers much of its raw range) stay below 0.5."""
    shape = max(mono, 1.0 if spread_ok else 0.0)
    lsb_score = 1.0 if lsb in (True, None) else 0.0
    confidence = share * (0.4 + 0.2 * shape + 0.2 * lsb_score + 0.1 * distinct + 0.1 * PRIOR.get(fmt, 0.3))
    if not spread_ok and mono < 0.75:
        confidence = min(confidence, 0.45)
    return confidence


MIN_RECORDS = 24  # fewer records: no guess without an anchor (16 random records already fit some format)
NEAR_EPOCH_NS = 7 * A.DAY_NS


class TooFewRecords(TimestampError):
    """Too few records to tell timestamp fields from chance."""


def _epoch_ns(fmt: Format, width: int | None) -> int | None:
    """The instant of a zero raw value in a format (its epoch), when zero decodes."""
    zero: Any = bytes(width) if fmt.kind.value == "bytes" and width else 0.0 if fmt.kind.value == "float" else 0
    try:
        return fmt.decode_raw(zero).unix_ns
    except (TimestampError, ValueError, OverflowError, struct.error, IndexError):
        return None


def _calibrate(guesses: list[FieldGuess], series: dict[int, tuple[int, ...]]) -> tuple[list[FieldGuess],
                                                                                       dict[int, tuple[int, ...]]]:
    """Drop candidates whose values are all one instant or sit near the format's epoch (zeros, small
    counters and filler read as times)."""
    kept: list[FieldGuess] = []
    kept_series: dict[int, tuple[int, ...]] = {}
    for index, guess in enumerate(guesses):
        values = [v for v in series[index] if v != -1]
        if len(set(values)) <= 1:
            continue
        epoch = _epoch_ns(get_format(guess.format), guess.width)
        if epoch is not None and values:
            near = sum(1 for v in values if abs(v - epoch) <= NEAR_EPOCH_NS)
            if near * 2 >= len(values):
                continue
        kept_series[len(kept)] = series[index]
        kept.append(guess)
    return kept, kept_series


def ordered(guesses: list[FieldGuess]) -> list[FieldGuess]:
    """Best confidence first; equal confidence (to 0.01) by position."""
    def position(g: FieldGuess) -> tuple[int, int | str]:
        return (0, g.field) if isinstance(g.field, int) else (1, str(g.field))
    return sorted(guesses, key=lambda g: (-round(g.confidence, 2), position(g)))


NATURAL_WIDTH = {8: 0, 4: 1, 2: 2, 16: 3, 12: 3, 7: 3, 6: 4}


def _overlap(a: FieldGuess, b: FieldGuess) -> bool:
    if not isinstance(a.field, int) or not isinstance(b.field, int):
        return a.field == b.field
    return a.field < b.field + (b.width or 1) and b.field < a.field + (a.width or 1)


def _dedupe(guesses: list[FieldGuess], series: dict[int, tuple[int, ...]]) -> list[FieldGuess]:
    """Keep one guess per identical decoded series: the most natural width (8, 4, 2 before 6), then the best
    confidence; other formats giving the same instants are listed in ``also``."""
    ranked = sorted(range(len(guesses)), key=lambda i: (-guesses[i].confidence,
                                                        NATURAL_WIDTH.get(guesses[i].width or 0, 5)))
    kept: dict[tuple[int, ...], list[int]] = {}
    out: list[FieldGuess] = []
    for i in ranked:
        key = series[i]
        same = [j for j in kept.get(key, []) if _overlap(out[j], guesses[i])]
        if same:
            j = same[0]
            g = out[j]
            if guesses[i].field == g.field and guesses[i].format not in g.also and guesses[i].format != g.format:
                out[j] = FieldGuess(**{**g.__dict__, "also": (*g.also, guesses[i].format)})
            continue
        kept.setdefault(key, []).append(len(out))
        out.append(guesses[i])
    return sorted(out, key=lambda g: (-g.confidence, str(g.field)))


def _spec_values(spec: HuntSpec, rows: np.ndarray) -> list[int | None]:
    """Decode one field of every record (rows: n x width bytes) in a spec; None where it fails."""
    out: list[int | None] = []
    for row in rows:
        data = row.tobytes()
        try:
            out.append(spec.fmt.decode_raw(spec.raw_of(data)).unix_ns)
        except (TimestampError, ValueError, OverflowError, struct.error):
            out.append(None)
    return out


def _int_share(spec: HuntSpec, rows: np.ndarray) -> float:
    """Fast share of rows whose stored value lies in the spec's raw intervals (ints and doubles)."""
    width = spec.width
    padded = np.zeros((len(rows), 8), dtype=np.uint8)
    if spec.order == "little":
        padded[:, :width] = rows
        values = padded.view("<u8").ravel()
    else:
        padded[:, 8 - width:] = rows
        values = padded.view(">u8").ravel().astype(np.uint64)
    keep = np.zeros(len(rows), dtype=bool)
    for lo, hi in spec.intervals:
        keep |= (values >= np.uint64(lo)) & (values <= np.uint64(hi))
    return float(keep.mean()) if len(rows) else 0.0


def infer_records(records: list[bytes], after_ns: int, before_ns: int,
                  formats: list[Format] | None = None) -> list[FieldGuess]:
    """Timestamp fields at fixed offsets from the start (and from the end) of every record."""
    records = [bytes(r) for r in records if r]
    if len(records) < 2:
        raise UsageError("need at least two records to infer fields")
    if len(records) < MIN_RECORDS:
        raise TooFewRecords(f"too few records ({len(records)}) to tell timestamp fields from chance: at least "
                            f"{MIN_RECORDS} are needed (or use --anchor TEXT --near DATE)")
    sample = records[:SAMPLE]
    specs, _ = build_specs(formats or all_formats(), after_ns, before_ns)
    shortest = min(len(r) for r in sample)
    starts = np.frombuffer(b"".join(r[:shortest] for r in sample), dtype=np.uint8).reshape(len(sample), shortest)
    ends = np.frombuffer(b"".join(r[-shortest:] for r in sample), dtype=np.uint8).reshape(len(sample), shortest)
    fixed = len({len(r) for r in sample}) == 1
    guesses: list[FieldGuess] = []
    series: dict[int, tuple[int, ...]] = {}
    for from_end, matrix in ((False, starts), (True, ends)):
        if from_end and fixed:
            continue
        for spec in specs:
            for offset in range(0, shortest - spec.width + 1):
                rows = matrix[:, offset:offset + spec.width]
                if spec.mode in ("int", "float") and _int_share(spec, rows) < MIN_SHARE:
                    continue
                if spec.mode == "decode" and not _key_share_ok(spec, rows):
                    continue
                values = _spec_values(spec, rows)
                inside = [v for v in values if v is not None and after_ns <= v <= before_ns]
                share = len(inside) / len(values)
                if share < MIN_SHARE:
                    continue
                mono, first, last = _series_stats(inside)
                spread_ok = (max(inside) - min(inside)) < (before_ns - after_ns) // 4
                lsb = _lsb_fastest(rows, spec.order) if spec.mode == "int" else None
                where = offset - shortest if from_end else offset
                series[len(guesses)] = tuple(v if v is not None else -1 for v in values)
                distinct = _distinct([r.tobytes() for r in rows], values)
                guesses.append(FieldGuess(where, spec.fmt.name, spec.width, spec.order,
                                          _confidence(share, mono, lsb, spread_ok, distinct, spec.fmt.name), share,
                                          len(inside), mono, lsb, first, last, spec.fmt.clock,
                                          note="offset from the record's end" if from_end else None))
    guesses, series = _calibrate(guesses, series)
    return ordered(_non_overlapping(_dedupe(guesses, series)))


def _non_overlapping(guesses: list[FieldGuess]) -> list[FieldGuess]:
    """Fields of one record do not overlap: keep the best guess for each byte range, greedily."""
    taken: list[tuple[int, int]] = []
    out: list[FieldGuess] = []
    for guess in guesses:
        assert isinstance(guess.field, int) and guess.width
        span = (guess.field, guess.field + guess.width)
        if any(span[0] < b and a < span[1] and (span[0] < 0) == (a < 0) for a, b in taken):
            for k, kept in enumerate(out):  # same bytes read in another format: named with the kept guess
                if (kept.field, kept.width, kept.byteorder) == (guess.field, guess.width, guess.byteorder) and \
                        guess.format not in kept.also and guess.confidence >= kept.confidence - 0.05:
                    out[k] = FieldGuess(**{**kept.__dict__, "also": (*kept.also, guess.format)})
            continue
        taken.append(span)
        out.append(guess)
    return out


def _key_share_ok(spec: HuntSpec, rows: np.ndarray) -> bool:
    if spec.key_patterns is None:
        return True
    d = spec.key_delta
    keys = rows[:, d].astype(np.uint32) | (rows[:, d + 1].astype(np.uint32) << 8)
    return float(np.isin(keys, spec.key_patterns).mean()) >= MIN_SHARE


def infer_column(values: list[Any], after_ns: int, before_ns: int, name: int | str = 0,
                 formats: list[Format] | None = None) -> list[FieldGuess]:
    """Formats under which a column's values are timestamps inside the window, best first."""
    present = [v for v in values if v is not None and v != ""][:SAMPLE]
    if not present:
        return []
    guesses: list[FieldGuess] = []
    series: dict[int, tuple[int, ...]] = {}
    probe = present[: min(50, len(present))]
    for fmt in formats or all_formats():
        if not _probe_ok(fmt, probe, after_ns, before_ns):
            continue
        decoded: list[int | None] = []
        for value in present:
            got = None
            for raw in candidates(fmt, value):
                reading = read(fmt, raw)
                if reading.ok:
                    got = reading.unix_ns
                    break
            decoded.append(got)
        inside = [v for v in decoded if v is not None and after_ns <= v <= before_ns]
        share = len(inside) / len(present)
        if share < MIN_SHARE:
            continue
        mono, first, last = _series_stats(inside)
        spread_ok = (max(inside) - min(inside)) < (before_ns - after_ns) // 4
        series[len(guesses)] = tuple(v if v is not None else -1 for v in decoded)
        confidence = _confidence(share, mono, None, spread_ok, _distinct(present, decoded), fmt.name)
        guesses.append(FieldGuess(name, fmt.name, fmt.width, fmt.byteorder, confidence,
                                  share, len(inside), mono, None, first, last, fmt.clock))
    guesses, series = _calibrate(guesses, series)
    return _dedupe(guesses, series)


def _probe_ok(fmt: Format, probe: list[Any], after_ns: int, before_ns: int) -> bool:
    hits = 0
    for value in probe:
        for raw in candidates(fmt, value):
            reading = read(fmt, raw)
            if reading.ok and reading.unix_ns is not None and after_ns <= reading.unix_ns <= before_ns:
                hits += 1
                break
    return hits >= MIN_SHARE * len(probe)


def infer_fields(records: list[bytes] | None = None, columns: list[list[Any]] | None = None,
                 after: WhenLike | None = None, before: WhenLike | None = None,
                 formats: list[str] | None = None) -> list[FieldGuess]:
    """Timestamp fields of repeated records, or of columns of values (SQLite columns, lists of values).

    The window (default 2000-01-01 .. 2040-01-01) is what "plausible" means; narrow it when the era is
    known (it is what separates e.g. GPS from Unix seconds).
    """
    after_ns, before_ns = window(after, before, DEFAULT_AFTER, DEFAULT_BEFORE)
    fmts = [all_formats_by_name(n) for n in formats] if formats else None
    if records is not None:
        return infer_records(records, after_ns, before_ns, fmts)
    if columns is not None:
        out: list[FieldGuess] = []
        for index, column in enumerate(columns):
            out.extend(infer_column(list(column), after_ns, before_ns, index, fmts))
        return out
    raise UsageError("infer_fields needs records or columns")


def all_formats_by_name(name: str) -> Format:
    return get_format(name)


def record_period(hits: list[Hit]) -> int | None:
    """The record size of a blob: in some format and layout, most consecutive hits lie the same distance
    apart (at least half of them, at least 3 times); the group with the most such hits decides."""
    groups: dict[tuple[str, int, str], list[int]] = defaultdict(list)
    for hit in hits:
        groups[(hit.format, hit.width, hit.byteorder)].append(hit.offset)
    best: tuple[int, int] | None = None  # (count, period)
    for offsets in groups.values():
        offsets.sort()
        diffs = Counter(b - a for a, b in zip(offsets, offsets[1:], strict=False) if b > a)
        if not diffs:
            continue
        period, count = diffs.most_common(1)[0]
        if count >= 3 and count * 2 >= sum(diffs.values()) and (best is None or count > best[0]):
            best = (count, period)
    return best[1] if best else None


def infer_blob(data: bytes, after: WhenLike | None = None, before: WhenLike | None = None,
               record_size: int | None = None, formats: list[str] | None = None) -> tuple[int | None, list[FieldGuess]]:
    """Record size and timestamp fields of a blob of repeated records (size found when not given)."""
    after_ns, before_ns = window(after, before, DEFAULT_AFTER, DEFAULT_BEFORE)
    hits: list[Hit] = []
    if record_size is None:
        hits = list(hunt(data[: 4 << 20], after_ns, before_ns, formats=formats))
        record_size = record_period(hits)
    if record_size is None or record_size < 2:
        return None, variable_fields(hits)
    count = len(data) // record_size
    records = [data[i * record_size:(i + 1) * record_size] for i in range(count)]
    fmts = [all_formats_by_name(n) for n in formats] if formats else None
    return record_size, infer_records(records, after_ns, before_ns, fmts)


def longest_run(values: list[int]) -> int:
    """Length of the longest non-decreasing subsequence (timestamps among noise still go forward)."""
    tails: list[int] = []
    for value in values:
        i = bisect.bisect_right(tails, value)
        if i == len(tails):
            tails.append(value)
        else:
            tails[i] = value
    return len(tails)


def variable_fields(hits: list[Hit], min_count: int = 3) -> list[FieldGuess]:
    """Timestamp fields of records without a fixed size: per format and layout, the hits whose values go
    forward in file order. Random hits (text read as numbers, say) only form runs of about 2 sqrt(n), so a
    run must reach 4 sqrt(n) of the group's n hits (``field`` = 'variable'; first offsets in the note)."""
    groups: dict[tuple[str, int, str], list[Hit]] = defaultdict(list)
    for hit in hits:
        groups[(hit.format, hit.width, hit.byteorder)].append(hit)
    runs = {}
    for key, found in groups.items():
        found.sort(key=lambda h: h.offset)
        epoch = _epoch_ns(get_format(key[0]), key[1])
        instants = [h.unix_ns for h in found]
        if len(set(instants)) <= 1 or (epoch is not None and 2 * sum(
                1 for v in instants if abs(v - epoch) <= NEAR_EPOCH_NS) >= len(instants)):
            continue  # one instant, or values at the format's epoch (zeros, small numbers): not times
        run = longest_run([h.unix_ns for h in found])
        if run >= max(min_count, 4 * math.sqrt(len(found))):
            runs[key] = run
    longest = max(runs.values(), default=0)
    guesses: list[FieldGuess] = []
    series: dict[int, tuple[int, ...]] = {}
    for (fmt_name, width, order), run in runs.items():
        found = groups[(fmt_name, width, order)]
        values = [h.unix_ns for h in found]
        share = run / longest
        monotonic = run / len(found)
        confidence = share * (0.7 + 0.2 * monotonic) + 0.1 * PRIOR.get(fmt_name, 0.3)
        offsets = ", ".join(str(h.offset) for h in found[:5])
        series[len(guesses)] = tuple(values)
        guesses.append(FieldGuess("variable", fmt_name, width, order, confidence, share, run, monotonic, None,
                                  iso_utc(ns_to_datetime(min(values))), iso_utc(ns_to_datetime(max(values))),
                                  found[0].clock, note=f"no fixed record size; values at offsets {offsets}, ..."))
    # one field per byte range: a guess whose hits mostly sit on bytes of a better guess is a misreading
    covered: set[int] = set()
    kept = []
    for guess in _dedupe(guesses, series):
        found = groups[(guess.format, guess.width or 0, guess.byteorder or "")]
        spans = [range(h.offset, h.offset + h.width) for h in found]
        overlapping = sum(1 for span in spans if span.start in covered or span.stop - 1 in covered)
        if overlapping * 2 > len(spans):
            continue
        kept.append(guess)
        for span in spans:
            covered.update(span)
    return kept


def find_anchor_fields(data: bytes, anchor: str | bytes, near: WhenLike, radius: int = 256,
                       days: int = 2, formats: list[str] | None = None) -> list[FieldGuess]:
    """The study's workflow: every occurrence of ``anchor`` (UTF-8 and UTF-16LE), then the timestamps
    within ``radius`` bytes of it that fall within ``days`` of ``near``, grouped by position relative to
    the anchor across occurrences (``field`` = relative offset)."""
    needles = [anchor] if isinstance(anchor, bytes) else [anchor.encode("utf-8"), anchor.encode("utf-16-le")]
    centre = to_ns(near)
    lo, hi = centre - days * A.DAY_NS, centre + days * A.DAY_NS
    found: dict[tuple[int, str, int, str], list[int]] = defaultdict(list)
    occurrences = 0
    for needle in needles:
        start = data.find(needle)
        while start >= 0:
            occurrences += 1
            begin = max(0, start - radius)
            piece = data[begin:start + len(needle) + radius]
            for hit in hunt(piece, lo, hi, formats=formats):
                found[(hit.offset + begin - start, hit.format, hit.width, hit.byteorder)].append(hit.unix_ns)
            start = data.find(needle, start + 1)
    guesses = []
    for (rel, fmt_name, width, order), values in found.items():
        mono, first, last = _series_stats(values)
        share = len(values) / max(occurrences, 1)
        confidence = min(1.0, share) * 0.85 + 0.1 * mono + 0.05 * PRIOR.get(fmt_name, 0.3)
        guesses.append(FieldGuess(rel, fmt_name, width, order, confidence, min(1.0, share),
                                  len(values), mono, None, first, last,
                                  note=f"relative to the anchor ({occurrences} occurrences)"))
    return sorted(guesses, key=lambda g: (-g.confidence, -(g.width or 0), str(g.field)))


SQLITE_MAGIC = b"SQLite format 3\x00"
SCRATCH_PREFIX = "trowel-fields-"  # infer_sqlite's copy of the database, in the system temp folder


def infer_sqlite(path: str | Path, after: WhenLike | None = None, before: WhenLike | None = None,
                 rows: int = SAMPLE) -> list[FieldGuess]:
    """Timestamp columns of every table of an SQLite database (``field`` = 'table.column').

    The database (with its -wal/-journal companions) is copied to a scratch folder and only the copy is
    opened, read-only: the evidence is never touched.
    """
    after_ns, before_ns = window(after, before, DEFAULT_AFTER, DEFAULT_BEFORE)
    source = Path(path)
    out: list[FieldGuess] = []
    with scratch_folder(SCRATCH_PREFIX) as scratch:  # a killed run's folder goes at the next start
        copy = Path(scratch) / "db.sqlite"
        try:
            shutil.copyfile(source, copy)
            for suffix in ("-wal", "-journal"):
                companion = source.with_name(source.name + suffix)
                if companion.is_file():
                    shutil.copyfile(companion, copy.with_name(copy.name + suffix))
        except OSError as exc:
            raise EvidenceError(f"cannot read {source}: {exc.strerror or exc}") from exc
        try:
            with contextlib.closing(sqlite3.connect(copy)) as db:
                tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                for table in tables:
                    quoted = '"' + table.replace('"', '""') + '"'
                    info = db.execute(f"PRAGMA table_info({quoted})").fetchall()
                    cursor = db.execute(f"SELECT * FROM {quoted} LIMIT {int(rows)}")
                    names = [d[0] for d in cursor.description or ()]
                    data = cursor.fetchall()
                    declared = {r[1]: r[2] for r in info}
                    keys = [r[1] for r in info if r[5]]  # primary key columns (INTEGER PRIMARY KEY: the rowid)
                    typed = type_table(names, data, table=table, declared_types=[declared.get(n) for n in names],
                                       primary_key=keys, context=source.name, after=after_ns, before=before_ns)
                    out.extend(_column_guess(f"{table}.{name}", t, data, names.index(name))
                               for name, t in typed.items() if t.is_time)
        except sqlite3.DatabaseError as exc:
            raise EvidenceError(f"{source}: not a readable SQLite database ({exc})") from exc
    return sorted(out, key=lambda g: -g.confidence)


def _column_guess(field: str, typed: ColumnType, rows: list[Any], index: int) -> FieldGuess:
    """A typed SQLite column as a field guess (the typing's reason in the note)."""
    assert typed.format is not None
    instants = [t.unix_ns for row in rows if (t := typed.stamp(row[index])) is not None and t.unix_ns is not None]
    mono, first, last = _series_stats(instants)
    fmt = get_format(typed.format)
    return FieldGuess(field, typed.format, fmt.width, fmt.byteorder, typed.confidence,
                      len(instants) / max(1, sum(1 for row in rows if row[index] is not None)), len(instants), mono,
                      None, first, last, fmt.clock, note=typed.reason)
