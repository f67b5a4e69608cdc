"""One capture analysed by several processes (``--jobs N``), with exactly the records of one process.

Worker ``k`` of ``N`` is a forked process. It reads the whole capture (the file is memory-mapped, so the
operating system's page cache holds it once) through the same frame source as one process, so every
frame is decoded by every worker: IP fragments are reassembled everywhere, and the packet issues and
reader warnings of worker 0 are the whole capture's. A TCP/UDP segment is analysed only by the worker its
two endpoints (address and port of each side, in either order) hash to (CRC-32, never Python's salted
``hash``): all frames of a flow, both directions, land in one worker. Another worker's analysis loop
never sees the frame. The work that ties flows together runs in the parent on the merged state: the DNS
name map, imo chat and call sessions, sticker fetch counts, the TLS order, the warnings.

What one process would have made, rebuilt exactly:

- **Flow numbers.** One process numbers flows in the order of their first frame. A worker numbers its
  flows by their first frame number; the parent ranks all first frames and hands each worker its flows'
  numbers back, and the worker renames the flow ids in the records it built (``tcp-<n>`` in ``flow_id``
  and at the start of ``source.detail``) before building its QUIC records.
- **Record order.** HTTP objects, stickers and tunnels are listed in the order they were finished. A
  worker tags each with where its pass stood: ``(frame, 1, 0)`` while analysing a frame, ``(frame, 0,
  flow)`` while sweeping idle streams before that frame, ``(END, 0, flow)`` when the remaining streams
  are closed after the last frame (in flow order, as one process does). A tag belongs to one worker; a
  stable sort of all tags gives one process's order.
- **Idle sweeps** run before the same frames as in one process (the source counts every frame) and use
  the latest time of any worker's TCP/UDP frame before it, as one process does.
- **DNS answers**: the first name given for an address wins, up to ``dns.MAX_ADDRESSES`` addresses.
  Workers send their new addresses with the frame (with their flow numbers); the parent replays them in frame order.
- **QUIC Initial packets that open nothing** are counted per flow and replayed in flow order.

With ``encode`` (the caller writes JSON Lines) workers hand HTTP objects, tunnels, QUIC and TLS sessions and
flows over as their ``record_line`` bytes; a flow's line uses every worker's DNS names (sent back with the
numbers) and counts only if the imo sessions leave the flow's application as it was made with.

Media files are named by SHA-256 and created exclusively, so workers writing one folder make the same
files as one process.

Workers are forked even while a progress bar's refresh thread runs (a lock that thread holds at the fork
stays held in the child): a worker never writes to the terminal, reports only through its pipe and a shared
array of positions, and leaves with ``os._exit`` (no flush of streams, no clean-up), so it takes none of
those locks. Forked workers stay this process's children: their CPU time and memory count in its
``RUSAGE_CHILDREN``, as the benchmark measures. ``tests/net/test_shards.py`` compares the full records and the media folders with
1, 2 and 3 processes on every capture the tests build.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import io
import multiprocessing
import os
import pickle
import signal
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from itertools import islice
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from trowel.errors import CaptureError
from trowel.model import Provenance, Record, TimeValue
from trowel.model.jsonl import record_line
from trowel.model.records import build_record
from trowel.net import analyze
from trowel.net.analyze import AnalysisResult, CaptureAnalysis
from trowel.net.capture import CaptureInfo, CaptureReader, open_capture
from trowel.net.dns import MAX_ADDRESSES, DnsNames
from trowel.net.flows import FlowState, FlowTable
from trowel.net.packets import Fragments, PacketIssues
from trowel.net.records import HttpObject, QuicSession, Sticker, TlsSession, Tunnel
from trowel.net.segments import SegmentTuple
from trowel.net.tlscrypto import KeyLog

JOBS_CAP = 4  # processes used by default at most (os.cpu_count() below that)
MIN_SIZE = 32 << 20  # captures smaller than this are analysed in one process (start-up would cost more)
END = 1 << 62  # the pass's position once every frame has been read
MAX_OWNERS = 1 << 16  # endpoint pairs whose worker is remembered (the cache is emptied beyond that)
WAIT_S = 0.25  # the parent's progress update interval while workers run

Key = tuple[int, int, int]
R = TypeVar("R", bound=Record)
Line: TypeAlias = R | bytes  # a record, or its JSON line (``record_line``) made by the worker


class WorkerError(CaptureError):
    """A worker process failed (raised, or ended without a result): the capture was not analysed."""


def default_jobs() -> int:
    """The processors this process may run on (its CPU affinity where known), at most ``JOBS_CAP``."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return max(1, min(usable, JOBS_CAP))


def shard_count(path: Path, jobs: int | None) -> int:
    """Processes for one capture: ``jobs`` (None: :func:`default_jobs`); 1 under ``MIN_SIZE`` bytes or where
    processes cannot be forked (Windows)."""
    count = default_jobs() if jobs is None else jobs
    if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:
        size = 0
    return count if size >= MIN_SIZE and size > 0 else 1


def owner(src: bytes, sport: int, dst: bytes, dport: int, shards: int) -> int:
    """The worker of a segment: CRC-32 of its two endpoints (address + port), smaller first."""
    one = src + sport.to_bytes(2, "big")
    two = dst + dport.to_bytes(2, "big")
    return zlib.crc32(one + two if one <= two else two + one) % shards


# --- in a worker ----------------------------------------------------------------------------------------
class _FirstFrameTable(FlowTable):
    """Flows numbered by their first frame (unique across workers; the parent turns them into ranks)."""

    def lookup(self, proto: int, src: bytes, sport: int, dst: bytes, dport: int, flags: int, ts: int,
               frame: int) -> tuple[FlowState, int, bool]:
        flow, direction, new = super().lookup(proto, src, sport, dst, dport, flags, ts, frame)
        if new:
            flow.number = frame
        return flow, direction, new


class _Tagged(list[R]):
    """A list of finished records that also notes where the pass stood when each was added."""

    def __init__(self, analysis: ShardAnalysis) -> None:
        super().__init__()
        self.analysis = analysis
        self.keys: list[Key] = []

    def append(self, record: R) -> None:
        super().append(record)
        self.keys.append(self.analysis.position())


class _OrderedDns(DnsNames):
    """DNS names that also lists each address it learnt with the frame of the answer."""

    def __init__(self, analysis: ShardAnalysis) -> None:
        super().__init__()
        self.analysis = analysis
        self.learnt: list[tuple[int, bytes, str]] = []

    def add(self, payload: bytes) -> None:
        before = len(self.by_address)
        super().add(payload)
        new = len(self.by_address) - before
        if new:
            frame = self.analysis.frame
            items = list(islice(reversed(self.by_address.items()), new))
            self.learnt += [(frame, address, name) for address, name in reversed(items)]


@dataclass
class _Part:
    """What one worker hands the parent."""

    flows: list[FlowState] = field(default_factory=list)
    # with ``encode``, records no cross-flow step reads come as their JSON lines (``Line``)
    quic: list[tuple[int, list[Line[QuicSession]]]] = field(default_factory=list)  # (flow number, sessions)
    unopened: list[tuple[int, list[int]]] = field(default_factory=list)  # (flow number, frames)
    tls: dict[str, TlsSession] = field(default_factory=dict)
    tls_lines: dict[str, bytes] = field(default_factory=dict)  # flow id -> the TLS record's line (when encoded)
    # flow number -> (the application the line was made with, the flow record's line); the parent uses the line
    # when the cross-flow steps leave the flow's application as it was (imo sessions change it)
    flow_lines: dict[int, tuple[str | None, bytes]] = field(default_factory=dict)
    http: list[tuple[Key, Line[HttpObject]]] = field(default_factory=list)
    stickers: list[tuple[Key, Sticker]] = field(default_factory=list)
    tunnels: list[tuple[Key, Line[Tunnel]]] = field(default_factory=list)
    gaps: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    issue_counts: dict[str, int] = field(default_factory=dict)
    issue_examples: dict[str, list[int]] = field(default_factory=dict)
    info: CaptureInfo | None = None
    packets: int = 0
    ip_packets: int = 0


class ShardAnalysis(CaptureAnalysis):
    """The analysis of worker ``shard`` of ``shards``: only its flows, tagged for the parent's merge.

    ``numbering`` sends the worker's flow numbers (first frames) to the parent and returns the global
    numbers in the same order."""

    def __init__(self, path: Path, evidence: str, keylog: KeyLog | None, media_dir: Path | None,
                 progress: Callable[[int], None] | None, shard: int, shards: int,
                 numbering: Callable[[list[int]], list[int]], encode: bool = False) -> None:
        super().__init__(path, evidence, keylog, media_dir, progress)
        self.shard, self.shards, self.numbering = shard, shards, numbering
        self.encode = encode  # hand flows, HTTP objects, tunnels, QUIC and TLS sessions over as JSON lines
        self.names: dict[bytes, str] | None = None  # every worker's DNS names, from the parent (with the numbers)
        self.table = _FirstFrameTable()
        self.http_objects: _Tagged[HttpObject] = _Tagged(self)
        self.stickers: _Tagged[Sticker] = _Tagged(self)
        self.tunnels: _Tagged[Tunnel] = _Tagged(self)
        self.ordered_dns = _OrderedDns(self)
        self.dns = self.ordered_dns
        self.inner = self.source
        self.source = self._owned
        self.frame = 0  # the frame the pass stands at
        self.frames = 0  # every frame of the capture (the loop counts only this worker's)
        self.sweeping = False
        self.ending = 0  # the flow whose stream is being closed (sweeps and the end of the pass)
        self.issues: PacketIssues | None = None
        self.part = _Part()

    def position(self) -> Key:
        if self.sweeping or self.frame == END:
            return self.frame, 0, self.ending
        return self.frame, 1, 0

    def _owned(self, reader: CaptureReader, issues: PacketIssues, frags: Fragments) -> Iterator[SegmentTuple]:
        """The inner source's segments this worker owns. Every frame is counted here, and the idle sweeps run
        here, before the same frames as in one process (the loop's own count covers only the frames it
        gets); the sweep sees the latest time of every worker's TCP/UDP frames before that frame."""
        self.issues = issues
        shard, shards = self.shard, self.shards
        owners: dict[tuple[bytes, int, bytes, int], int] = {}
        every = analyze.SWEEP_EVERY
        idle_ns = analyze.IDLE_S * 1_000_000_000
        last = count = 0
        for seg in self.inner(reader, issues, frags):
            count += 1
            if count % every == 0:
                self.frame = seg[0]
                self._sweep_before(last - idle_ns)
                if self.progress is not None:
                    self.progress(reader.position)
            if not seg[3]:
                continue
            if seg[1] > last:
                last = seg[1]
            ends = seg[4], seg[5], seg[6], seg[7]
            mine = owners.get(ends)
            if mine is None:
                if len(owners) >= MAX_OWNERS:
                    owners.clear()
                mine = owners[ends] = owners[(seg[6], seg[7], seg[4], seg[5])] = owner(*ends, shards)
            if mine == shard:
                self.frame = seg[0]
                yield seg
        self.frames = count
        self.frame = END

    def _sweep_before(self, before_ns: int) -> None:
        self.sweeping = True
        try:
            super()._sweep(before_ns)
        finally:
            self.sweeping = False

    def _sweep(self, before_ns: int) -> None:
        """The loop's sweeps (at its own counts) are left out: :meth:`_owned` sweeps at the whole count."""

    def _end_connection(self, flow: FlowState) -> None:
        self.ending = flow.number
        try:
            super()._end_connection(flow)
        finally:
            self.ending = 0

    def _records(self, result: AnalysisResult) -> list[Record]:
        """Renumber the flows and the records built so far, build the QUIC records, keep all for the
        parent (``self.part``); the records proper are made there."""
        part = self.part
        flows = self.table.all_flows()
        numbers = self.numbering([f.number for f in flows])
        ids: dict[str, str] = {}
        gaps = self.gaps
        for flow, number in zip(flows, numbers, strict=True):
            old = flow.flow_id
            if flow.number in gaps:
                part.gaps[number] = gaps[flow.number]
            flow.number = number
            ids[old] = flow.flow_id
        line = _line if self.encode else _same
        part.http = list(zip(self.http_objects.keys, (line(_renamed(r, ids)) for r in self.http_objects),
                             strict=True))
        part.stickers = list(zip(self.stickers.keys, (_renamed(r, ids) for r in self.stickers), strict=True))
        part.tunnels = list(zip(self.tunnels.keys, (line(_renamed(r, ids)) for r in self.tunnels), strict=True))
        part.tls = {ids[key]: _renamed(r, ids) for key, r in self.tls_sessions.items()}
        if self.encode:  # the parent still needs the TLS records themselves (imo evidence, their order)
            part.tls_lines = {key: encoded for key, r in part.tls.items()
                              if isinstance(encoded := _line(r), bytes)}
        for flow in flows:
            if flow.quic is not None:
                part.quic.append((flow.number, [line(r) for r in self._quic_records([flow])]))
                if flow.quic.unopened:
                    part.unopened.append((flow.number, list(flow.quic.unopened)))
                flow.quic = True  # the parent only asks whether the flow carried QUIC
            flow.conn = None
        if self.encode and self.names is not None:
            self._flow_lines(flows, self.names)
        part.flows = flows
        issues = self.issues or PacketIssues()
        part.issue_counts = {k: v for k, v in issues.counts.items() if k != "quic_unopened"}
        part.issue_examples = {k: v for k, v in issues.examples.items() if k != "quic_unopened"}
        part.info, part.packets, part.ip_packets = result.info, self.frames, result.ip_packets
        return []

    def _flow_lines(self, flows: list[FlowState], names: dict[bytes, str]) -> None:
        """The flow records' lines, made as the parent's ``_records`` would: the capture's DNS names, and the
        application the flow has after the one-flow steps (``binary``, ``quic``). The flow keeps its own
        application: the parent's cross-flow steps read it."""
        self.dns.by_address = names
        self.gaps = self.part.gaps  # by the flows' new numbers
        lines = self.part.flow_lines
        for flow in flows:
            own = flow.application
            if analyze.binary_application(flow):
                flow.application = "binary"
            line = _line(self._flow_record(flow))
            if isinstance(line, bytes):
                lines[flow.number] = flow.application, line
            flow.application = own


def _line(record: R) -> Line[R]:
    """The record's JSON line, or the record itself when it cannot be encoded here (the parent's writer then
    meets it, as it would in one process)."""
    try:
        line = record_line(record)
    except (UnicodeError, ValueError, TypeError):
        return record
    # orjson's bytes keep the buffer it wrote into (about 16 KiB for a 1.5 KB line here): a line that is kept
    # until the hand-over is copied to its own size
    return memoryview(line).tobytes()


_same: Callable[[Any], Any] = lambda record: record  # noqa: E731 - without ``encode``, the record as it is


def _renamed(record: R, ids: dict[str, str]) -> R:
    """The record with its flow id (field and the start of its provenance detail) renamed."""
    old: str = getattr(record, "flow_id")  # noqa: B009 - every record kind passed here has one
    new = ids[old]
    detail = record.source.detail or ""
    if not detail.startswith(old + " "):
        raise ValueError(f"provenance detail {detail!r} does not start with flow id {old}")
    return build_record(type(record), {**record.__dict__, "flow_id": new,
                                       "source": replace(record.source, detail=new + detail[len(old):])})


# The workers' parts are pickled with the model's two small frozen value classes (a record holds several
# TimeValue and one Provenance) made by their slot setters, at about half the dataclass pickling's cost.
def _slotted(cls: type, values: tuple[Any, ...]) -> Any:
    obj: Any = object.__new__(cls)
    for setter, value in zip(_SETTERS[cls], values, strict=True):
        setter(obj, value)
    return obj


_SLOTTED = (TimeValue, Provenance)
_SETTERS: dict[type, list[Any]] = {cls: [cls.__dict__[f.name].__set__ for f in fields(cls)] for cls in _SLOTTED}
_VALUES: dict[type, Any] = {cls: attrgetter(*(f.name for f in fields(cls))) for cls in _SLOTTED}


def _reduce_slotted(obj: Any) -> tuple[Any, ...]:
    cls = type(obj)
    return _slotted, (cls, _VALUES[cls](obj))


class _Pickler(pickle.Pickler):
    dispatch_table = {**copyreg.dispatch_table, **{cls: _reduce_slotted for cls in _SLOTTED}}


def dumps(obj: Any) -> memoryview:
    """``pickle.dumps`` with TimeValue and Provenance made by their slot setters, as a view of the stream's own
    buffer (a worker's part is sent from it, never copied)."""
    stream = io.BytesIO()
    _Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return stream.getbuffer()


def _work(shard: int, shards: int, path: Path, evidence: str, keylog: KeyLog | None, media_dir: Path | None,
          conn: Connection, positions: Any, encode: bool) -> None:
    """A worker process's body: analyse, send the part (or a one-line error)."""
    try:
        def progress(position: int) -> None:
            positions[shard] = position

        def numbering(numbers: list[int]) -> list[int]:
            conn.send(("flows", (numbers, analysis.ordered_dns.learnt)))
            kind, answer = conn.recv()
            if kind != "numbers":
                raise RuntimeError(f"unexpected message {kind!r} from the parent")
            back, analysis.names = answer
            return list(back)

        analysis = ShardAnalysis(path, evidence, keylog, media_dir, progress, shard, shards, numbering, encode)
        analysis.run()
        # the part's pickle follows the message as raw bytes: no copy of it is made for the message
        conn.send(("part", None))
        conn.send_bytes(dumps(analysis.part))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as one line, whatever it was
        text = str(exc).splitlines()[0] if str(exc) else ""
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(exc).__name__}{': ' + text if text else ''}"))
    finally:
        conn.close()
        # no clean-up of the worker's objects, and no second flush of output the parent had buffered before the
        # fork: everything the worker made went through the pipe
        os._exit(0)


# --- in the parent --------------------------------------------------------------------------------------
class _Merged(CaptureAnalysis):
    """The parent's analysis: the workers' merged state, turned into records by the one-process code."""

    def __init__(self, path: Path, evidence: str, keylog: KeyLog | None, media_dir: Path | None,
                 quic: dict[int, list[Line[QuicSession]]], flow_lines: dict[int, tuple[str | None, bytes]]) -> None:
        super().__init__(path, evidence, keylog, media_dir)
        self.quic = quic
        self.flow_lines = flow_lines

    def _flow_record(self, flow: FlowState) -> Any:  # Flow, or its line made by the worker
        made = self.flow_lines.get(flow.number)
        if made is not None and made[0] == flow.application:
            return made[1]
        return super()._flow_record(flow)

    def _quic_records(self, flows: list[FlowState]) -> list[Any]:  # QuicSession or its line
        out: list[Line[QuicSession]] = []
        for flow in flows:
            if flow.quic is not None:
                flow.application = "quic"
                out += self.quic.get(flow.number, [])
        return out


def _in_order(tagged: list[list[tuple[Key, Any]]]) -> list[Any]:
    """Records of all workers in the order one process finished them (a tag belongs to one worker)."""
    rows = [row for rows in tagged for row in rows]
    rows.sort(key=itemgetter(0))
    return [record for _key, record in rows]


def dns_names(learnt: list[list[tuple[int, bytes, str]]]) -> dict[bytes, str]:
    """Every worker's DNS answers replayed in frame order: the first name of an address wins, up to
    ``MAX_ADDRESSES`` addresses (as in one process)."""
    names: dict[bytes, str] = {}
    for _frame, address, name in sorted((row for rows in learnt for row in rows), key=itemgetter(0)):
        if address not in names and len(names) < MAX_ADDRESSES:
            names[address] = name
    return names


def merge(path: Path, evidence: str, keylog: KeyLog | None, media_dir: Path | None,
          parts: list[_Part], names: dict[bytes, str]) -> AnalysisResult:
    """The one-process result from the workers' parts (part 0 carries the capture-wide facts). Where the
    workers encoded records, the result's ``lines`` lists every record in order, as the record or its line."""
    quic: dict[int, list[Line[QuicSession]]] = {}
    flow_lines: dict[int, tuple[str | None, bytes]] = {}
    for part in parts:
        quic.update(part.quic)
        flow_lines.update(part.flow_lines)
    merged = _Merged(path, evidence, keylog, media_dir, quic, flow_lines)
    flows = sorted((f for part in parts for f in part.flows), key=lambda f: f.number)
    merged.table.finished = flows
    merged.table.count = len(flows)
    for part in parts:
        merged.tls_sessions.update(part.tls)
        merged.gaps.update(part.gaps)
    merged.http_objects = _in_order([p.http for p in parts])
    merged.stickers = _in_order([p.stickers for p in parts])
    merged.tunnels = _in_order([p.tunnels for p in parts])
    merged.dns.by_address = names
    first = parts[0]
    issues = PacketIssues(dict(first.issue_counts), {k: list(v) for k, v in first.issue_examples.items()})
    for _number, frames in sorted((row for p in parts for row in p.unopened), key=itemgetter(0)):
        for frame in frames:
            issues.add("quic_unopened", frame)
    result = AnalysisResult(info=first.info, packets=first.packets, ip_packets=sum(p.ip_packets for p in parts))
    result.warnings = list(first.info.warnings if first.info else []) + issues.messages()
    out: list[Any] = merged._records(result)  # records, and the lines workers made
    tls_lines = {id(merged.tls_sessions[key]): line for part in parts for key, line in part.tls_lines.items()}
    if tls_lines or any(isinstance(item, bytes) for item in out):
        result.lines = [tls_lines.get(id(item), item) for item in out]
        result.records = [item for item in out if not isinstance(item, bytes)]
    else:
        result.records = out
    return result


def _describe_end(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    return f"exit status {code}"


class _Workers:
    """The running workers: messages in, progress out, a one-line error when one fails."""

    def __init__(self, path: Path, processes: list[BaseProcess], conns: list[Connection], positions: Any,
                 progress: Callable[[int], None] | None) -> None:
        self.path, self.processes, self.conns = path, processes, conns
        self.positions, self.progress = positions, progress

    def gather(self, expected: str, convert: Callable[[Any], Any] | None = None) -> list[Any]:
        """One ``expected`` message from every worker (raises WorkerError when one fails or dies), each passed
        through ``convert`` as it comes (while the others still work)."""
        n = len(self.conns)
        got: dict[int, Any] = {}
        while len(got) < n:
            waiting = [k for k in range(n) if k not in got]
            ready = wait([self.conns[k] for k in waiting] + [self.processes[k].sentinel for k in waiting],
                         timeout=WAIT_S)
            if self.progress is not None:
                self.progress(sum(self.positions) // n)
            for k in waiting:
                conn = self.conns[k]
                if conn in ready or conn.poll():
                    try:
                        kind, payload = conn.recv()
                        if kind == "part":  # its pickle follows as raw bytes
                            payload = conn.recv_bytes()
                    except (EOFError, OSError):
                        self.processes[k].join(1)
                        raise self._error(k, f"ended without a result ({_describe_end(self.processes[k])})") from None
                    if kind == "error":
                        raise self._error(k, f"failed: {payload}")
                    if kind != expected:
                        raise self._error(k, f"sent {kind!r} instead of {expected!r}")
                    got[k] = payload if convert is None else convert(payload)
                elif self.processes[k].sentinel in ready and not conn.poll():
                    self.processes[k].join(1)
                    raise self._error(k, f"ended without a result ({_describe_end(self.processes[k])})")
        return [got[k] for k in range(n)]

    def _error(self, k: int, text: str) -> WorkerError:
        return WorkerError(f"{self.path}: analysis worker {k + 1} of {len(self.conns)} {text}")

    def stop(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
        for conn in self.conns:
            conn.close()


def analyze_sharded(path: Path, evidence: str, keylog: KeyLog | None, media_dir: Path | None,
                    progress: Callable[[int], None] | None, shards: int, encode: bool = False) -> AnalysisResult:
    """Analyse one capture with ``shards`` forked worker processes (the records of one process; with
    ``encode``, those no cross-flow step reads come as their JSON lines: see ``AnalysisResult.lines``)."""
    with open_capture(path):  # a file that is no capture fails here, once, with the reader's message
        pass
    ctx = multiprocessing.get_context("fork")
    positions = ctx.Array("q", shards, lock=False)
    processes: list[BaseProcess] = []
    conns: list[Connection] = []
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is copied into the workers
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    collecting = gc.isenabled()
    gc.disable()
    gc.freeze()  # the parent's objects stay out of the workers' collections (no copy-on-write of their pages)
    workers = _Workers(path, processes, conns, positions, progress)
    try:
        for shard in range(shards):
            mine, theirs = ctx.Pipe()
            process = ctx.Process(target=_work, name=f"trowel-net-{shard + 1}", daemon=True,
                                  args=(shard, shards, path, evidence, keylog, media_dir, theirs, positions, encode))
            process.start()
            theirs.close()
            processes.append(process)
            conns.append(mine)
        gc.unfreeze()
        firsts: list[tuple[list[int], list[tuple[int, bytes, str]]]] = workers.gather("flows")
        rank = {frame: n for n, frame in enumerate(sorted(f for part, _dns in firsts for f in part), 1)}
        names = dns_names([dns for _part, dns in firsts])  # the workers' flow records need them too
        for conn, (part, _dns) in zip(conns, firsts, strict=True):
            conn.send(("numbers", ([rank[f] for f in part], names if encode else None)))
        parts: list[_Part] = workers.gather("part", pickle.loads)
        if progress is not None:
            progress(sum(positions) // shards)
        return merge(path, evidence, keylog, media_dir, parts, names)
    finally:
        gc.unfreeze()
        workers.stop()
        if collecting:
            gc.enable()
