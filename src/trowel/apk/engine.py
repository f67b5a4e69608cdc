"""The data-flow engine: tags through every Dalvik instruction, across calls, threads and components.

Intraprocedural: a worklist over basic blocks; the state maps registers to tags (register ``-1`` holds the
last call result); states are joined where control flow meets. Interprocedural: a call into app code
analyses the callee with the tags of its arguments and remembers the result per (method, argument tags); a
method already on the call stack is skipped (recursion cut). Fields (instance and static, keyed by field
reference) and intent extras (keyed by name) are global; the analysis repeats over all roots until they
stop changing. Calls into library code are answered by :mod:`trowel.apk.library` from the catalog.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import lru_cache

from trowel.apk.catalog import ApiEntry, Catalog, default_catalog
from trowel.apk.ir import AppIR, Instr, Method, is_library, parse_method_ref, split_params
from trowel.apk.tags import EMPTY, Tag, join_all
from trowel.errors import TrowelError

MAX_DEPTH = 40
MAX_TARGETS = 8
MAX_ROUNDS = 8
MAX_BLOCK_VISITS = 12
CHECK_EVERY = 2048

State = dict[int, Tag]


class AnalysisLimit(TrowelError):
    """The analysis of one app went over its time or memory budget."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SinkEvent:
    """Evidence reaching a write into a file, a preferences file or a database."""

    file_kind: str  # file | shared_prefs | database
    path: str
    types: frozenset[str]
    trace: tuple[str, ...]
    sources: frozenset[str]
    tables: frozenset[str] = frozenset()
    columns: frozenset[tuple[str, str]] = frozenset()  # (column or preference key, evidence type)
    editors: frozenset[str] = frozenset()


@dataclass
class Limits:
    seconds: float | None = None
    memory_bytes: int | None = None


@dataclass
class Stats:
    steps: int = 0
    calls: int = 0
    rounds: int = 0
    methods_analysed: int = 0
    converged: bool = False


@dataclass
class Engine:
    app: AppIR
    catalog: Catalog = field(default_factory=default_catalog)
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        self.fields: dict[str, Tag] = {}
        self.extras: dict[str, Tag] = {}
        self.committed: set[str] = set()
        self.events: set[SinkEvent] = set()
        self.version = 0
        # (method, argument tags) -> (return tag, final tag of this, globals read, transitively)
        self.memo: dict[tuple[str, tuple[Tag, ...]], tuple[Tag, Tag, frozenset[str]]] = {}
        self.changed: set[str] = set()  # globals (field refs, "extras") changed in the current round
        self._reads: list[set[str]] = []
        self.analysed: set[str] = set()
        self.stats = Stats()
        self._started = time.monotonic()
        self._class_cache: dict[str, set[str]] = {}
        self._ref_cache: dict[str, tuple[str, str, str, str]] = {}
        self._children: dict[str, list[str]] | None = None
        self._rows_cache: dict[tuple[str, str, str], tuple[list[ApiEntry], ...]] = {}
        self._methods: dict[str, Method] = {m.sig: m for m in self.app.methods()}
        self._by_class_name: dict[tuple[str, str], list[Method]] = {}
        for m in self._methods.values():
            self._by_class_name.setdefault((m.class_name, m.name), []).append(m)

    # ----- driver -------------------------------------------------------------------------------------
    def run(self) -> None:
        """Analyse every root until fields, extras and commits stop changing."""
        from trowel.apk.entrypoints import roots

        ordered = roots(self.app, self.catalog)
        for _round in range(MAX_ROUNDS):
            self.stats.rounds += 1
            before = self.version
            if self.changed:  # forget only the summaries that read a global changed since they were made
                stale = self.changed
                self.memo = {k: v for k, v in self.memo.items() if not (v[2] & stale)}
                self.changed = set()
            self.analysed.clear()
            for method, args in ordered:
                self.check_limits()
                self.call(method, args, ())
            for method in self.app.methods():
                if method.sig not in self.analysed and method.instrs:
                    self.call(method, self.default_args(method), ())
            if self.version == before:
                self.stats.converged = True
                break

    def default_args(self, method: Method) -> tuple[Tag, ...]:
        count = len(method.param_types) + (0 if method.is_static else 1)
        if method.is_static:
            return (EMPTY,) * count
        return (Tag(cls=frozenset({method.class_name})),) + (EMPTY,) * (count - 1)

    # ----- globals ------------------------------------------------------------------------------------
    def write_field(self, ref: str, tag: Tag) -> None:
        old = self.fields.get(ref, EMPTY)
        new = old.join(tag)
        if new != old:
            self.fields[ref] = new
            self.changed.add(ref)
            self.version += 1

    def put_extra(self, key: str, tag: Tag) -> None:
        old = self.extras.get(key, EMPTY)
        new = old.join(tag)
        if new != old:
            self.extras[key] = new
            self.changed.add("extras")
            self.version += 1

    def read_global(self, key: str) -> None:
        """Note that the summary being computed depends on a global (a field reference or "extras")."""
        if self._reads:
            self._reads[-1].add(key)

    def commit(self, editors: frozenset[str]) -> None:
        """Editors that reach commit()/apply() (used when grouping, never read by the analysis)."""
        self.committed |= editors

    def check_limits(self) -> None:
        if self.limits.seconds is not None and time.monotonic() - self._started > self.limits.seconds:
            raise AnalysisLimit("timeout", f"analysis went over its {self.limits.seconds:g} s limit")
        if self.limits.memory_bytes is not None:
            rss = current_rss()
            if rss is not None and rss > self.limits.memory_bytes:
                raise AnalysisLimit("memory", f"analysis went over its {self.limits.memory_bytes >> 20} MiB limit")

    # ----- class hierarchy ----------------------------------------------------------------------------
    def classes_for(self, class_name: str) -> set[str]:
        """The class, its supertypes in the app, and their framework supertypes (for catalog matching)."""
        cached = self._class_cache.get(class_name)
        if cached is None:
            cached = self.catalog.expand(self.app.supertypes(class_name))
            self._class_cache[class_name] = cached
        return cached

    def subclasses(self, class_name: str) -> list[str]:
        """App classes that extend or implement ``class_name`` (index built once per app)."""
        if self._children is None:
            children: dict[str, list[str]] = {}
            for name in sorted(self.app.classes):
                for parent in self.app.supertypes(name):
                    if parent != name:
                        children.setdefault(parent, []).append(name)
            self._children = children
        return self._children.get(class_name, [])

    def catalog_rows(self, cls: str, name: str, params: str) -> tuple[list[ApiEntry], ...]:
        """(summaries, dynamic path parts, sources, sinks) of a library call, cached per call target."""
        key = (cls, name, params)
        rows = self._rows_cache.get(key)
        if rows is None:
            classes = self.classes_for(cls)
            rows = tuple(self.catalog.find(table, classes, name, params)
                         for table in ("summary", "dynamic_path", "source", "sink"))
            self._rows_cache[key] = rows
        return rows

    def resolve(self, class_name: str, name: str, params: str, ret: str) -> Method | None:
        """The app method a call on ``class_name`` lands on (walking up app superclasses)."""
        for current in self.app.ancestors(class_name):
            info = self.app.classes.get(current)
            if info is None or is_library(current):
                return None
            method = info.methods.get(f"{name}({params}){ret}")
            if method is not None:
                return method if method.instrs else None
        return None

    def by_name(self, class_name: str, name: str) -> list[Method]:
        """App methods called ``name`` on the class or its app superclasses (for callbacks and reflection)."""
        for current in self.app.ancestors(class_name):
            found = [m for m in self._by_class_name.get((current, name), []) if m.instrs]
            if found:
                return found
        return []

    def dispatch(self, op: str, class_name: str, name: str, params: str, ret: str, receiver: Tag) -> list[Method]:
        if op.startswith(("invoke-static", "invoke-direct", "invoke-super")):
            target = self.resolve(class_name, name, params, ret)
            return [target] if target else []
        targets: list[Method] = []
        for dynamic in sorted(c for c in receiver.cls if c in self.app.classes and not is_library(c)):
            target = self.resolve(dynamic, name, params, ret)
            if target and target not in targets:
                targets.append(target)
        if targets:
            return targets[:MAX_TARGETS]
        target = self.resolve(class_name, name, params, ret)
        if target:
            targets.append(target)
        if class_name in self.app.classes and not is_library(class_name):
            for sub in self.subclasses(class_name):
                info = self.app.classes[sub]
                override = info.methods.get(f"{name}({params}){ret}")
                if override is not None and override.instrs and override not in targets:
                    targets.append(override)
        return targets[:MAX_TARGETS]

    # ----- interprocedural ----------------------------------------------------------------------------
    def call(self, method: Method, args: tuple[Tag, ...], stack: tuple[str, ...]) -> tuple[Tag, Tag]:
        """Analyse ``method`` with argument tags; returns (return tag, final tag of ``this``)."""
        if method.sig in stack or len(stack) >= MAX_DEPTH or not method.instrs:
            return EMPTY, EMPTY
        key = (method.sig, args)
        cached = self.memo.get(key)
        if cached is not None:
            if self._reads:
                self._reads[-1] |= cached[2]
            self.analysed.add(method.sig)
            return cached[0], cached[1]
        self.memo[key] = (EMPTY, EMPTY, frozenset())  # a re-entrant call through another path sees no effect yet
        self.stats.calls += 1
        if method.sig not in self.analysed:
            self.analysed.add(method.sig)
            self.stats.methods_analysed += 1
        self._reads.append(set())
        try:
            ret, this_out = self.intraprocedural(method, args, (*stack, method.sig))
        finally:
            reads = self._reads.pop()
        if self._reads:
            self._reads[-1] |= reads
        self.memo[key] = (ret, this_out, frozenset(reads))
        return ret, this_out

    # ----- intraprocedural ----------------------------------------------------------------------------
    def intraprocedural(self, method: Method, args: tuple[Tag, ...], stack: tuple[str, ...]) -> tuple[Tag, Tag]:
        param_regs = method.param_registers()
        init: State = {reg: tag for reg, tag in zip(param_regs, args, strict=False) if tag or tag.origins}
        this_reg = None if method.is_static else param_regs[0]
        states: dict[int, State] = {0: init}
        visits: dict[int, int] = {}
        work = [0]
        ret = EMPTY
        this_out = EMPTY
        while work:
            number = work.pop()
            visits[number] = visits.get(number, 0) + 1
            if visits[number] > MAX_BLOCK_VISITS:
                continue
            block = method.blocks[number]
            state = dict(states[number])
            for index in range(block.start, block.end):
                ins = method.instrs[index]
                self.stats.steps += 1
                if self.stats.steps % CHECK_EVERY == 0:
                    self.check_limits()
                family = FAMILIES.get(ins.op) or _new_family(ins.op)
                if family == "control":
                    continue
                if family == "return":
                    if ins.regs:
                        ret = ret.join(state.get(ins.regs[0], EMPTY))
                    if this_reg is not None:
                        this_out = this_out.join(state.get(this_reg, EMPTY))
                    continue
                self.step(method, index, ins, state, stack, family)
            for succ in block.succs:
                old = states.get(succ)
                merged = state if old is None else join_states(old, state)
                if old is None or merged != old:
                    states[succ] = merged
                    work.append(succ)
        return ret, this_out

    def step(self, method: Method, index: int, ins: Instr, state: State, stack: tuple[str, ...],
             family: str | None = None) -> None:
        """The transfer function of one instruction (dispatched on the opcode's family)."""
        family = family or FAMILIES.get(ins.op) or _new_family(ins.op)
        regs = ins.regs
        if family == "invoke":
            state[-1] = self.invoke(method, index, ins, state, stack)
        elif family == "move-result":
            state[regs[0]] = state.pop(-1, EMPTY)
        elif family == "const-string":
            state[regs[0]] = Tag(strs=frozenset({ins.ref or ""}))
        elif family == "const-class":
            state[regs[0]] = Tag(refl=frozenset({f"class:{ins.ref}"}))
        elif family == "clear":
            state.pop(regs[0], None)
        elif family == "move":
            state[regs[0]] = state.get(regs[1], EMPTY)
        elif family == "new-instance":
            initial = frozenset({""}) if ins.ref in ("Ljava/lang/StringBuilder;", "Ljava/lang/StringBuffer;") else frozenset()
            state[regs[0]] = Tag(strs=initial, cls=frozenset({ins.ref or ""}))
        elif family == "filled-new-array":
            state[-1] = join_all([state.get(r, EMPTY) for r in regs])
        elif family == "aget":
            state[regs[0]] = state.get(regs[1], EMPTY)
        elif family == "aput":
            state[regs[1]] = state.get(regs[1], EMPTY).join(state.get(regs[0], EMPTY))
        elif family == "get":
            ref = ins.ref or ""
            self.read_global(ref)
            state[regs[0]] = self.fields.get(ref, EMPTY) or self.library_constant(ins.ref)
        elif family == "put":
            self.write_field(ins.ref or "", state.get(regs[0], EMPTY))
        elif family == "data" and regs:
            # arithmetic, comparisons and conversions: the data flows, the string/file identity does not
            sources = regs[1:] if len(regs) > 1 and not ins.op.endswith("/2addr") else regs
            state[regs[0]] = join_all([state.get(r, EMPTY).data_only() for r in sources])

    def library_constant(self, ref: str | None) -> Tag:
        from trowel.apk.library import constant_field

        return constant_field(ref)

    def invoke(self, method: Method, index: int, ins: Instr, state: State, stack: tuple[str, ...]) -> Tag:
        ref = ins.ref or ""
        parsed = self._ref_cache.get(ref)
        if parsed is None:
            parsed = self._ref_cache[ref] = parse_method_ref(ref)
        cls, name, params, ret_type = parsed
        static = ins.op.startswith("invoke-static")
        arg_regs = argument_registers(ins.regs, params, static)
        args = tuple(state.get(r, EMPTY) for r in arg_regs)
        receiver = args[0] if args and not static else EMPTY
        targets = self.dispatch(ins.op, cls, name, params, ret_type, receiver) if not is_library(cls) else []
        if targets:
            ret = EMPTY
            this_out = EMPTY
            for target in targets:
                got, out = self.call(target, args, stack)
                ret = ret.join(got)
                this_out = this_out.join(out)
            if not static and this_out and arg_regs:
                state[arg_regs[0]] = state.get(arg_regs[0], EMPTY).join(this_out)
            return ret
        from trowel.apk.library import library_call

        return library_call(self, method, index, cls, name, params, args, arg_regs, state, stack, static)


FAMILIES: dict[str, str] = {}


def family_of(op: str) -> str:
    """The transfer-rule family of a Dalvik opcode name (computed once per name)."""
    prefixes = (
        ("invoke", "invoke"), ("move-result", "move-result"), ("const-string", "const-string"),
        ("const-class", "const-class"), ("const", "clear"), ("move-exception", "clear"), ("new-array", "clear"),
        ("array-length", "clear"), ("instance-of", "clear"), ("move", "move"), ("new-instance", "new-instance"),
        ("filled-new-array", "filled-new-array"), ("aget", "aget"), ("aput", "aput"), ("iget", "get"),
        ("sget", "get"), ("iput", "put"), ("sput", "put"), ("return", "return"),
    )
    for prefix, family in prefixes:
        if op.startswith(prefix):
            return family
    if op.startswith(("if-", "goto", "packed-switch", "sparse-switch", "throw", "monitor", "nop", "check-cast",
                      "fill-array-data")):
        return "control"
    return "data"


def _new_family(op: str) -> str:
    family = FAMILIES[op] = family_of(op)
    return family


@lru_cache(maxsize=65536)
def _param_widths(params: str) -> tuple[int, ...]:
    return tuple(2 if p in ("J", "D") else 1 for p in split_params(params))


def argument_registers(regs: tuple[int, ...], params: str, static: bool) -> list[int]:
    """The register of each argument of a call (wide values take two registers)."""
    out: list[int] = []
    position = 0
    if not static:
        if not regs:
            return out
        out.append(regs[0])
        position = 1
    for width in _param_widths(params):
        if position >= len(regs):
            break
        out.append(regs[position])
        position += width
    return out


def join_states(a: State, b: State) -> State:
    out = dict(a)
    for reg, tag in b.items():
        old = out.get(reg)
        out[reg] = tag if old is None else old.join(tag)
    return out


def current_rss() -> int | None:
    """Resident set size of this process in bytes (Linux), None elsewhere."""
    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
