"""The ``messages`` table of a large imofriends.db mapped and encoded on every CPU, output unchanged.

Only the per-row work is spread: worker processes each read a range of live rows (by rowid) from the live
scratch copy, map them with :func:`messages.map_message`, and encode the records into one JSON Lines block;
the parent hands the blocks over in range order. Everything that needs all rows keeps the
single-process order. A light pass over (buid, timestamp), run by a worker while the parent waits for the
recovery engine, counts the rows and runs the rowid-order check, whose state at each range start goes to the
range's worker so it reports exactly the findings the single pass would. Workers send back the live rows whose
identity matches a recovered row, and the parent checks them off in rowid order as the single pass does;
attachment references and story replies come back per range and are merged in range order; the recovered rows
are mapped afterwards in the parent, as before.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

from trowel.apps.blocks import BlockWriter, EncodedBlock, summary_key
from trowel.apps.dedupe import DeletedRows
from trowel.apps.imo import messages
from trowel.apps.imo.scope import Scope
from trowel.apps.rows import DatabaseCopy, Row
from trowel.errors import TrowelError
from trowel.model import Record
from trowel.model.jsonl import record_line, record_text

TABLE = "messages"
Key = tuple[Any, ...]
Range = tuple[int | None, int | None, dict[str, tuple[int, int]]]  # (after rowid, up to rowid, order state)
Plan = tuple[list[Range], int]
RangeResult = tuple[EncodedBlock, dict[str, list[str]], dict[str, list[tuple[Row, str | None]]], list[str], list[Row]]

_WORKER: dict[str, Any] = {}
EARLY_BYTES = 256 << 20  # finished blocks that may wait while the parent still runs the recovery engine
POLL_S = 0.5  # how often a wait for a worker's answer checks that no worker died
MAX_DEATHS = 8  # worker processes that may die (and their tasks be mapped again) before the run gives up
SPOOL_PREFIX = "trowel-blocks-"
SPOOL_ROOM = 1 << 30  # free bytes a spool folder's file system must have (blocks in flight: about 150 MB)


def worker_count() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    """``fork`` when this process runs no other thread (cheapest start, and the workers stay children of this
    process, so their time and memory count in its RUSAGE_CHILDREN); ``forkserver`` otherwise (a progress bar's
    refresh thread may hold a lock at the moment of a fork)."""
    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _start(live: Path, columns: dict[str, list[str]], wanted: list[str], evidence: str, path: str,
           spool: Path | None, starts: Any) -> None:
    with starts.get_lock():  # a worker started after the first ones replaces one that died
        starts.value += 1
    _WORKER.update(db=DatabaseCopy.reader(live, columns, evidence, path), wanted=wanted, spool=spool,
                   blocks=itertools.count())


def spool_folder(scratch: Path) -> Path | None:
    """Where workers leave their blocks: a new folder in /dev/shm (memory) when it has room for a few, else in
    ``scratch``; None when neither can be made (blocks then travel through the pipe). Folders that a killed
    trowel left in /dev/shm (their process is gone) are removed first: they would hold memory until a reboot."""
    _remove_orphans(Path("/dev/shm"))
    for root in (Path("/dev/shm"), scratch):
        try:
            room = os.statvfs(root)
            if room.f_bavail * room.f_frsize < SPOOL_ROOM:
                continue
            return Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", dir=root))
        except OSError:
            continue
    return None


def _remove_orphans(root: Path) -> None:
    try:
        folders = list(root.glob(f"{SPOOL_PREFIX}*-*"))
    except OSError:
        return
    for folder in folders:
        pid = folder.name[len(SPOOL_PREFIX):].partition("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and Path("/proc/self").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _plan(range_rows: int, now_ns: int) -> Plan:
    """The light pass: ranges of ``range_rows`` live rows with the rowid-order check's state at their start
    (two columns read as plain tuples: no row objects)."""
    db: DatabaseCopy = _WORKER["db"]
    order = messages.OrderCheck(Scope(evidence=db.evidence, package="", user=None, db_path=db.path, now_ns=now_ns))
    ranges: list[Range] = []
    after: int | None = None
    last_rowid: int | None = None
    count = 0
    start_state = dict(order.latest)
    use = db.present(TABLE, ["buid", "timestamp"]) or []
    at_buid = use.index("buid") if "buid" in use else None
    at_stamp = use.index("timestamp") if "timestamp" in use else None
    advance = order.advance
    for values in db.live_values(TABLE, use):
        if count and count % range_rows == 0:
            ranges.append((after, last_rowid, start_state))
            after = last_rowid
            start_state = dict(order.latest)
        count += 1
        last_rowid = values[-1]
        if last_rowid is not None:
            advance(last_rowid, None if at_buid is None else values[at_buid],
                    None if at_stamp is None else values[at_stamp])
    if count:
        ranges.append((after, None, start_state))
    db.warnings.clear()  # the ranges' own reads report what is wrong with the table
    return ranges, count


def _map_range(template: Scope, identity: tuple[str, ...], keys: set[Key] | None, task: Range) -> RangeResult:
    """Map and encode one range of live rows exactly as the single-process loop does (and, unless ``keys`` is
    None, pick out the live rows whose identity matches a recovered row); the block goes into a spool file
    when the pool has a spool folder and the file can be written, else it travels in memory."""
    spool: Path | None = _WORKER["spool"]
    if spool is not None:
        path = spool / f"{os.getpid()}-{next(_WORKER['blocks'])}"
        try:
            return _map_into(path, template, identity, keys, task)
        except OSError:  # e.g. a full /dev/shm
            path.unlink(missing_ok=True)
    return _map_into(None, template, identity, keys, task)


def _map_into(path: Path | None, template: Scope, identity: tuple[str, ...], keys: set[Key] | None,
              task: Range) -> RangeResult:
    after, upto, latest = task
    scope = dataclasses.replace(template, attachment_refs={}, replies={})
    db: DatabaseCopy = _WORKER["db"]
    db.warnings.clear()
    order = messages.OrderCheck(scope)
    order.latest = latest
    writer = BlockWriter(path, record_line, record_text)
    counts: dict[tuple[str, str, int | None, str, str], int] = {}
    matches: list[Row] = []
    key_of = DeletedRows(identity).key
    mapper, check, add = messages.map_message, order.check, writer.add
    try:
        for row in db.live_rows(TABLE, _WORKER["wanted"], after=after, upto=upto):
            if keys and key_of(row) in keys:
                matches.append(row)
            for record in mapper(scope, row):
                add(record)
                key = summary_key(record)
                counts[key] = counts.get(key, 0) + 1
            finding = check(row)
            if finding is not None:
                add(finding)
                key = summary_key(finding)
                counts[key] = counts.get(key, 0) + 1
        block = writer.finish(counts)
    except BaseException:
        writer.abandon()
        raise
    return block, scope.attachment_refs, scope.replies, list(db.warnings), matches


class MessagePool:
    """Worker processes for one imofriends.db, started before the recovery engine runs.

    The light pass starts at once; when it ends, ranges are mapped at once too, with the names of the live
    friends only, while the parent still runs the recovery engine: as many as ``EARLY_BYTES`` of finished blocks
    can wait for it. A recovered friend may add a name; the parent uses those early blocks only when the names it
    ends up with are exactly those (otherwise they are thrown away and every range is mapped again), and it
    checks recovered rows off against their live rows itself.
    """

    def __init__(self, db: DatabaseCopy, wanted: list[str], range_rows: int, early: Scope) -> None:
        self.workers = worker_count()
        self.early = dataclasses.replace(early, attachment_refs={}, replies={})
        self.started: list[tuple[Range, AsyncResult[RangeResult]]] = []
        self.lock = threading.Lock()  # self.started, self.ranges, self.early_bytes, self.taking
        self.ranges: list[Range] = []
        self.early_bytes = 0
        self.taking = True
        context = multiprocessing.get_context(start_method())
        self.spool = spool_folder(db.db.parent)
        self.starts = context.Value("i", 0)
        self.deaths = 0
        self.range_rows = max(1, range_rows)
        self.pool: Pool = context.Pool(self.workers, initializer=_start,
                                       initargs=(db.live_copy, db.tables(), wanted, db.evidence, db.path, self.spool,
                                                 self.starts))
        self.plan: AsyncResult[Plan] = self.pool.apply_async(_plan, (self.range_rows, self.early.now_ns),
                                                             callback=self._early)

    def _early(self, plan: Plan) -> None:
        """Runs in the pool's result thread as soon as the light pass ends (before ``plan.get()`` returns)."""
        with self.lock:
            self.ranges = plan[0]
            for _ in range(2 * self.workers):
                self._next_early()

    def _next_early(self) -> None:
        """One more early range, while the parent has not taken over and the finished ones fit the budget (lock
        held)."""
        if self.taking and self.early_bytes < EARLY_BYTES and len(self.started) < len(self.ranges):
            task = self.ranges[len(self.started)]
            self.started.append((task, self.pool.apply_async(_map_range, (self.early, (), None, task),
                                                             callback=self._early_done)))

    def _early_done(self, result: RangeResult) -> None:
        with self.lock:
            self.early_bytes += result[0].size or len(result[0].text)
            self._next_early()

    def _died(self) -> bool:
        """Whether a worker process died since last asked (killed, out of memory): the pool starts another one
        but never answers for the task the dead one held. Raises when they keep dying."""
        with self.starts.get_lock():
            deaths = self.starts.value - self.workers
        if deaths <= self.deaths:
            return False
        self.deaths = deaths
        if deaths > MAX_DEATHS:
            raise TrowelError(f"{deaths} worker processes died while mapping messages (out of memory?)")
        return True

    def _plan(self) -> Plan:
        while not self.plan.ready():
            self.plan.wait(POLL_S)
            if not self.plan.ready() and self._died():
                # no early ranges: they would wait
                self.plan = self.pool.apply_async(_plan, (self.range_rows, self.early.now_ns))
        return self.plan.get()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()
        if self.spool is not None:
            shutil.rmtree(self.spool, ignore_errors=True)

    def map_messages(self, scope: Scope, db: DatabaseCopy, found: DeletedRows | None, order: messages.OrderCheck,
                     wanted: list[str], sink: Callable[[EncodedBlock], None]) -> Iterator[Record]:
        """The ``messages`` table as the single-process loop maps it, live rows as blocks handed to ``sink``."""
        ranges, count = self._plan()
        with self.lock:
            self.taking = False
            started = list(self.started)
        template = dataclasses.replace(scope, attachment_refs={}, replies={})
        identity = found.identity if found else ()
        keys: set[Key] = set(found.keyed) if found else set()
        pending: deque[tuple[Range, AsyncResult[RangeResult], bool]] = deque()
        if scope.names == self.early.names and scope.owner_uid == self.early.owner_uid \
                and scope.owner_name == self.early.owner_name:
            pending.extend((task, result, True) for task, result in started)
        else:
            for _task, result in started:  # mapped with names that turned out incomplete: not used
                if result.ready() and result.successful():
                    result.get()[0].discard()  # those still running leave their files to close()
        queued = iter(ranges[len(pending):])

        def submit() -> None:
            for task in queued:
                pending.append((task, self.pool.apply_async(_map_range, (template, identity, keys, task)), False))
                return

        while len(pending) < 2 * self.workers and len(pending) < len(ranges):
            submit()
        while pending:
            while not pending[0][1].ready():
                pending[0][1].wait(POLL_S)
                if not pending[0][1].ready() and self._died():  # one of the unanswered tasks is lost: all again
                    pending = deque((task, result, early) if result.ready() else
                                    (task, self.pool.apply_async(_map_range, (template, identity, keys, task)), False)
                                    for task, result, early in pending)
            task, result, early = pending.popleft()
            block, refs, replies, warnings, matches = result.get()
            submit()
            if found and early:
                _check_off(db, found, wanted, task[0], task[1])
            elif found:
                for row in matches:
                    found.seen_live(row)
            for path, items in refs.items():
                scope.attachment_refs.setdefault(path, []).extend(items)
            for story, items_ in replies.items():
                scope.replies.setdefault(story, []).extend(items_)
            db.warnings.extend(warnings)
            if block.records:
                sink(block)
            block.discard()
        scope.live_counts[TABLE] = count
        if found:
            for row in found.remaining():
                yield from messages.map_message(scope, row)
                finding = order.check(row)
                if finding is not None:
                    yield finding


def _check_off(db: DatabaseCopy, found: DeletedRows, wanted: list[str], after: int | None, upto: int | None) -> None:
    """The single pass's ``seen_live`` calls for one range: the full live row of every identity that matches."""
    if not found.keyed or not found.identity:
        return
    for row in db.live_rows(TABLE, list(found.identity), after=after, upto=upto):
        if found.keyed and found.key(row) in found.keyed and row.rowid is not None:
            for full in db.live_rows(TABLE, wanted, after=row.rowid - 1, upto=row.rowid):
                found.seen_live(full)
