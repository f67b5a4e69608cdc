"""Scan raw bytes for timestamps inside a window: every offset, both byte orders, every width.

The file is read in chunks with an overlap of (widest value - 1) bytes, so memory stays bounded whatever
the file size. Per chunk, numpy reads a 16-bit little-endian value at every byte offset, looks all of them
up in one flag table built from every spec's key (see ``huntspec``), and keeps only the offsets whose key
matches. Integer and double specs then compare the full stored value against raw bounds (integer
comparisons in the format's own domain); only survivors are decoded in Python.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from trowel.errors import EvidenceError, TimestampError, UsageError
from trowel.model.values import Clock, iso_ns, iso_utc, ns_to_datetime
from trowel.timestamps.arith import div_round_half_even
from trowel.timestamps.base import Format
from trowel.timestamps.catalog import all_formats, get_format
from trowel.timestamps.huntspec import HuntSpec, build_specs
from trowel.timestamps.linear import LinearFormat
from trowel.timestamps.when import WhenLike, to_ns

CHUNK = 4 << 20
BLOCK = 1 << 17  # candidate offsets examined at a time
CAP = 2_000  # hits listed per format; past it they are counted and summarised
EXAMINE_FACTOR = 20  # formats decoded in Python stop after examining this many x CAP candidates
UNEXAMINED = " (not examined)"
LOOKUP_STEP = 1 << 20


def _stored_values(arr: np.ndarray, cand: np.ndarray, width: int, order: str) -> np.ndarray | None:
    """The unsigned integer (bit pattern) stored at each candidate offset; None for widths over 8."""
    if width > 8:
        return None
    mat = arr[cand[:, None] + np.arange(width)]
    if width in (2, 4, 8):
        code = {2: "u2", 4: "u4", 8: "u8"}[width]
        return np.ascontiguousarray(mat).view(("<" if order == "little" else ">") + code).ravel().astype(np.uint64)
    padded = np.zeros((len(cand), 8), dtype=np.uint8)
    if order == "little":
        padded[:, :width] = mat
        return padded.view("<u8").ravel()
    padded[:, 8 - width:] = mat
    return padded.view(">u8").ravel().astype(np.uint64)


def _sparse_nonzero(flags: np.ndarray) -> np.ndarray:
    """Indices of non-zero flags, scanning 8 bytes at a time (flags are rare)."""
    per = 8 // flags.itemsize
    m = len(flags) // per * per
    blocks = np.flatnonzero(flags[:m].view(np.uint64))
    rows, cols = np.nonzero(flags[:m].reshape(-1, per)[blocks])
    head = blocks[rows] * per + cols
    tail = np.flatnonzero(flags[m:]) + m
    return np.concatenate((head, tail)) if len(tail) else head


@dataclass(slots=True)
class Hit:
    """A value at ``offset`` that decodes into the window in ``format`` (stored ``width`` bytes, ``byteorder``)."""

    offset: int
    width: int
    byteorder: str
    format: str
    data: bytes
    unix_ns: int
    clock: Clock

    @property
    def score(self) -> float:
        """Alignment to the value's width (or 4) and bytes that are not mostly zero or 0xFF."""
        return _hit_score(self.offset, self.data)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"offset": self.offset, "offset_hex": f"0x{self.offset:x}", "width": self.width,
                               "byteorder": self.byteorder, "format": self.format, "bytes": self.data.hex(),
                               "utc": iso_utc(ns_to_datetime(self.unix_ns)), "clock": self.clock.value,
                               "score": round(self.score, 3)}
        if self.unix_ns % 1000:
            out["utc_ns"] = iso_ns(self.unix_ns)
        return out


def _hit_score(offset: int, data: bytes) -> float:
    """Alignment to the value's width (or 4) and bytes that are not mostly zero or 0xFF."""
    aligned = offset % min(len(data), 8) == 0 or offset % 4 == 0
    filler = data.count(0) + data.count(0xFF)
    return round(0.6 + (0.25 if aligned else 0.0) + (0.15 if filler * 2 < len(data) else 0.0), 3)


class Scanner:
    """The per-window state: specs grouped by key position and one 64 Ki flag table."""

    def __init__(self, specs: list[HuntSpec]) -> None:
        self.specs = specs
        self.max_width = max((s.width for s in specs), default=1)
        deltas = sorted({s.key_delta for s in specs})
        if len(deltas) > 32:
            raise TimestampError("too many key positions")
        self.bit_of = {d: 1 << i for i, d in enumerate(deltas)}
        self.lut = np.zeros(65_536, dtype=np.uint32 if len(deltas) > 8 else np.uint8)
        for spec in specs:
            assert spec.key_patterns is not None
            self.lut[spec.key_patterns] |= self.bit_of[spec.key_delta]
        # key position -> (width, byte order) -> specs: the stored values are read once per group
        self.by_delta: dict[int, dict[tuple[int, str], list[HuntSpec]]] = {}
        for spec in specs:
            self.by_delta.setdefault(spec.key_delta, {}).setdefault((spec.width, spec.order), []).append(spec)

    def scan(self, chunk: bytes | memoryview, base: int, limit: int, after_ns: int, before_ns: int,
             budget: dict[str, int] | None = None, over: dict[str, int] | None = None) -> list[Hit]:
        """Hits starting at chunk offsets [0, limit) (values may run into the overlap past ``limit``).

        ``budget``: hits still allowed per format (the per-format cap); values past it are only counted in
        ``over`` (candidates of decoded formats are counted without decoding: an upper bound)."""
        n = len(chunk)
        if n < 2 or not self.specs:
            return []
        arr = np.frombuffer(chunk, dtype=np.uint8)
        even = np.frombuffer(chunk, dtype="<u2", count=n // 2)
        odd = np.frombuffer(chunk, dtype="<u2", offset=1, count=(n - 1) // 2)
        every = np.empty(n, dtype=self.lut.dtype)  # the flag of every offset, even and odd interleaved
        every[0:2 * len(even):2] = self._lookup(even)
        every[1:1 + 2 * len(odd):2] = self._lookup(odd)
        every[n - 1] = 0  # the last offset starts no 16-bit key
        positions = _sparse_nonzero(every).astype(np.int32)  # in offset order
        flags = every[positions]
        del every
        hits: list[Hit] = []
        for delta, groups in self.by_delta.items():
            sel = positions[(flags & self.bit_of[delta]) != 0] - delta
            if not len(sel):
                continue
            sel = sel[(sel >= 0) & (sel < limit)]
            for (width, byteorder), specs in groups.items():
                cand_all = sel[sel + width <= n]
                for start in range(0, len(cand_all), BLOCK):  # blocks: the index matrices stay small
                    cand = cand_all[start:start + BLOCK]
                    values = _stored_values(arr, cand, width, byteorder)
                    for spec in specs:
                        hits.extend(self._capped(spec, chunk, cand, values, base, after_ns, before_ns, budget,
                                                 over))
        hits.sort(key=lambda h: (h.offset, h.width, h.format))
        return hits

    def _capped(self, spec: HuntSpec, chunk: bytes | memoryview, cand: np.ndarray, values: np.ndarray | None,
                base: int, after_ns: int, before_ns: int, budget: dict[str, int] | None,
                over: dict[str, int] | None) -> Iterator[Hit]:
        """``_examine`` within the format's remaining budget; the rest is counted, not materialised."""
        if budget is None or over is None:
            yield from self._examine(spec, chunk, cand, values, base, after_ns, before_ns)
            return
        name = spec.fmt.name
        left = budget.get(name, 0)
        screened = spec.mode in ("int", "float") and values is not None
        if screened:
            assert values is not None
            keep = np.zeros(len(cand), dtype=bool)
            for lo, hi in spec.intervals:
                keep |= (values >= np.uint64(lo)) & (values <= np.uint64(hi))
            cand, values = cand[keep], values[keep]
        if left <= 0:
            over[name] = over.get(name, 0) + len(cand)
            return
        if not screened:  # decoded one by one in Python: at most EXAMINE_FACTOR x cap candidates per format
            quota_key = name + UNEXAMINED
            quota = budget.setdefault(quota_key, left * EXAMINE_FACTOR)
            if quota < len(cand):
                over[quota_key] = over.get(quota_key, 0) + len(cand) - max(quota, 0)
                cand = cand[:max(quota, 0)]
            budget[quota_key] = quota - len(cand)
        produced = 0
        head = 0
        while head < len(cand) and produced < left:  # cand is in offset order: the first hits are kept
            step = max(64, left - produced)
            part = cand[head:head + step]
            part_values = values[head:head + step] if values is not None else None
            for hit in self._examine(spec, chunk, part, part_values, base, after_ns, before_ns, prefiltered=True):
                if produced < left:
                    produced += 1
                    yield hit
                else:
                    over[name] = over.get(name, 0) + 1
            head += len(part)
        if head < len(cand):
            over[name] = over.get(name, 0) + len(cand) - head
        budget[name] = left - produced

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        """The flag of every key, in cache-sized steps (much faster than one huge gather)."""
        out = np.empty(len(keys), dtype=self.lut.dtype)
        for i in range(0, len(keys), LOOKUP_STEP):
            np.take(self.lut, keys[i:i + LOOKUP_STEP], out=out[i:i + LOOKUP_STEP], mode="clip")
        return out

    def _examine(self, spec: HuntSpec, chunk: bytes | memoryview, cand: np.ndarray, values: np.ndarray | None,
                 base: int, after_ns: int, before_ns: int, prefiltered: bool = False) -> Iterator[Hit]:
        width = spec.width
        if spec.mode in ("int", "float") and values is not None and prefiltered:
            if spec.mode == "int" and isinstance(spec.fmt, LinearFormat) and spec.fmt.spec.scale is None:
                yield from self._linear_hits(spec, chunk, cand, values, base, after_ns, before_ns)
                return
        elif spec.mode in ("int", "float") and values is not None:
            keep = np.zeros(len(cand), dtype=bool)
            for lo, hi in spec.intervals:
                keep |= (values >= np.uint64(lo)) & (values <= np.uint64(hi))
            cand = cand[keep]
            if spec.mode == "int" and isinstance(spec.fmt, LinearFormat) and spec.fmt.spec.scale is None:
                yield from self._linear_hits(spec, chunk, cand, values[keep], base, after_ns, before_ns)
                return
        fmt = spec.fmt
        for pos in cand.tolist():
            data = bytes(chunk[pos:pos + width])
            try:
                decoded = fmt.decode_raw(spec.raw_of(data))
            except (TimestampError, ValueError, OverflowError):
                continue
            if after_ns <= decoded.unix_ns <= before_ns:
                offset = base + pos
                yield Hit(offset, width, spec.order, fmt.name, data, decoded.unix_ns, decoded.clock,
                          )


    @staticmethod
    def _linear_hits(spec: HuntSpec, chunk: bytes | memoryview, cand: np.ndarray, values: np.ndarray, base: int,
                     after_ns: int, before_ns: int) -> Iterator[Hit]:
        """Hits of a linear UTC format without a Python call per value: the raw bounds already hold the
        window (and the range), so only the exact instant is computed here."""
        fmt = spec.fmt
        assert isinstance(fmt, LinearFormat)
        epoch, shift, num, den = fmt.spec.epoch_ns, fmt.spec.shift, fmt.unit.numerator, fmt.unit.denominator
        size, signed, width, clock, name = 1 << (8 * spec.width), spec.signed, spec.width, fmt.clock, fmt.name
        half = size >> 1
        for pos, value in zip(cand.tolist(), values.tolist(), strict=True):
            if signed and value >= half:
                value -= size
            count = value >> shift
            unix_ns = epoch + (count * num if den == 1 else div_round_half_even(count * num, den))
            if after_ns <= unix_ns <= before_ns:
                data = bytes(chunk[pos:pos + width])
                offset = base + pos
                yield Hit(offset, width, spec.order, name, data, unix_ns, clock)


@functools.lru_cache(maxsize=16)
def scanner_for(formats: tuple[Format, ...], after_ns: int, before_ns: int) -> tuple[Scanner, tuple[str, ...]]:
    """The scanner of a window (cached: anchors and repeated calls scan many pieces with one window)."""
    specs, skipped = build_specs(formats, after_ns, before_ns)
    return Scanner(specs), tuple(skipped)


def resolve_formats(formats: Iterable[str | Format] | None) -> list[Format]:
    if formats is None:
        return all_formats()
    out = [f if isinstance(f, Format) else get_format(f) for f in formats]
    if not out:
        raise UsageError("no formats to hunt")
    return out


def hunt(source: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO, after: WhenLike,
         before: WhenLike, formats: Iterable[str | Format] | None = None, chunk_size: int = CHUNK,
         progress: Callable[[int], None] | None = None, notes: list[str] | None = None,
         jobs: int = 1, cap: int | None = CAP) -> Iterator[Hit]:
    """Every offset of ``source`` where a value of one of ``formats`` decodes into [after, before].

    Memory is bounded by ``chunk_size`` (plus a few arrays of its size, per job) and by ``cap``: at most
    that many hits per format are listed (the first ones in file order); past it hits are counted and
    ``notes`` gets one summary line per format (None: no cap). Hits are streamed in offset order per chunk.
    ``progress`` receives the number of bytes scanned after each chunk; ``notes`` also collects formats
    that could not be hunted (e.g. a window outside their range). With ``jobs`` > 1 a file is scanned by
    that many processes, chunk by chunk, results still in file order.
    """
    after_ns, before_ns = to_ns(after), to_ns(before)
    if after_ns > before_ns:
        raise UsageError("--after is later than --before")
    fmts = resolve_formats(formats)
    scanner, skipped = scanner_for(tuple(fmts), after_ns, before_ns)
    if notes is not None:
        notes.extend(skipped)
    budget = {f.name: cap for f in fmts} if cap is not None else None
    over: dict[str, int] | None = {} if cap is not None else None
    yield from _hunt_source(source, scanner, fmts, after_ns, before_ns, chunk_size, progress, jobs, budget, over)
    if notes is not None and over:
        notes.extend(cap_summary(over, cap))


def cap_summary(over: dict[str, int], cap: int | None) -> list[str]:
    """One line per format that reached the cap: how many hits (or candidates) were not listed."""
    out = []
    for key, extra in sorted(over.items()):
        if not extra:
            continue
        if key.endswith(UNEXAMINED):
            out.append(f"{key[:-len(UNEXAMINED)]}: {extra} more candidates not decoded after "
                       f"{EXAMINE_FACTOR * (cap or 0)} (narrow the window or choose --format)")
        else:
            out.append(f"{key}: {cap} hits listed, about {extra} more in the window not listed "
                       "(per-format cap; narrow the window or choose --format)")
    return out


def _hunt_source(source: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO, scanner: Scanner,
                 fmts: list[Format], after_ns: int, before_ns: int, chunk_size: int,
                 progress: Callable[[int], None] | None, jobs: int, budget: dict[str, int] | None,
                 over: dict[str, int] | None) -> Iterator[Hit]:
    overlap = scanner.max_width - 1
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        for start in range(0, max(len(data), 1), chunk_size):
            chunk = data[start:start + chunk_size + overlap]
            yield from scanner.scan(chunk, start, min(chunk_size, len(data) - start), after_ns, before_ns,
                                    budget, over)
            if progress:
                progress(min(chunk_size, len(data) - start))
        return
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if jobs > 1:
            names = tuple(f.name for f in fmts)
            yield from _scan_parallel(path, names, after_ns, before_ns, chunk_size, overlap, jobs, progress,
                                      budget, over)
            return
        try:
            handle: BinaryIO = path.open("rb")
        except OSError as exc:
            raise EvidenceError(f"cannot read {path}: {exc.strerror or exc}") from exc
        with handle:
            yield from _scan_stream(handle, scanner, chunk_size, overlap, after_ns, before_ns, progress, budget,
                                    over)
        return
    yield from _scan_stream(source, scanner, chunk_size, overlap, after_ns, before_ns, progress, budget, over)


def _read_into(handle: BinaryIO, target: memoryview) -> int:
    """Fill ``target`` as far as the stream allows (short reads are retried until EOF)."""
    filled = 0
    reader = getattr(handle, "readinto", None)
    while filled < len(target):
        if reader is not None:
            got = reader(target[filled:]) or 0
        else:
            data = handle.read(len(target) - filled)
            got = len(data)
            target[filled:filled + got] = data
        if got == 0:
            break
        filled += got
    return filled


def _scan_stream(handle: BinaryIO, scanner: Scanner, chunk_size: int, overlap: int, after_ns: int,
                 before_ns: int, progress: Callable[[int], None] | None, budget: dict[str, int] | None = None,
                 over: dict[str, int] | None = None) -> Iterator[Hit]:
    """Read ``chunk_size`` bytes at a time into one reused buffer; the last ``overlap`` bytes of a chunk
    move to the front of the next, so values across the boundary are seen exactly once."""
    buffer = bytearray(chunk_size + overlap)
    view = memoryview(buffer)
    base = 0
    held = 0  # bytes carried over at the front of the buffer
    while True:
        got = _read_into(handle, view[held:held + chunk_size])
        size = held + got
        if size == 0:
            return
        chunk = view[:size]
        if got == 0:  # the tail: every offset left is in the carried bytes
            yield from scanner.scan(chunk, base, size, after_ns, before_ns, budget, over)
            return
        limit = size - overlap if size > overlap else 0
        yield from scanner.scan(chunk, base, limit, after_ns, before_ns, budget, over)
        if progress:
            progress(got)
        view[:size - limit] = view[limit:size]
        held = size - limit
        base += limit


def _scan_piece(path: str, start: int, limit: int, overlap: int, names: tuple[str, ...], after_ns: int,
                before_ns: int, cap: int | None) -> tuple[list[Hit], dict[str, int]]:
    """One chunk of a file, in a worker process (the scanner is cached per process); at most ``cap`` hits
    per format, the rest counted."""
    scanner, _ = scanner_for(tuple(resolve_formats(names)), after_ns, before_ns)
    with open(path, "rb") as handle:
        handle.seek(start)
        chunk = handle.read(limit + overlap)
    budget = {name: cap for name in names} if cap is not None else None
    over: dict[str, int] = {}
    return scanner.scan(chunk, start, limit, after_ns, before_ns, budget, over if cap is not None else None), over


def _scan_parallel(path: Path, names: tuple[str, ...], after_ns: int, before_ns: int, chunk_size: int,
                   overlap: int, jobs: int, progress: Callable[[int], None] | None,
                   budget: dict[str, int] | None = None, over: dict[str, int] | None = None) -> Iterator[Hit]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise EvidenceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    starts = list(range(0, size, chunk_size))
    cap = max(budget.values(), default=0) if budget is not None else None

    def deliver(future: Any) -> Iterator[Hit]:
        hits, extra = future.result()
        if budget is None or over is None:
            yield from hits
            return
        for name, count in extra.items():
            over[name] = over.get(name, 0) + count
        for hit in hits:
            if budget.get(hit.format, 0) > 0:
                budget[hit.format] -= 1
                yield hit
            else:
                over[hit.format] = over.get(hit.format, 0) + 1

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending = []
        for start in starts:  # at most 2 x jobs chunks in flight: memory stays bounded
            limit = min(chunk_size, size - start)
            pending.append((limit, pool.submit(_scan_piece, str(path), start, limit, overlap, names, after_ns,
                                               before_ns, cap)))
            if len(pending) >= 2 * jobs:
                done_limit, future = pending.pop(0)
                yield from deliver(future)
                if progress:
                    progress(done_limit)
        for done_limit, future in pending:
            yield from deliver(future)
            if progress:
                progress(done_limit)
