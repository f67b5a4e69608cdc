"""The data-flow engine: tags through every Dalvik instruction, across calls, threads and components.

Intraprocedural: a worklist over basic blocks; the state maps registers to tags (register ``-1`` holds the
last call result); states are joined where control flow meets, a branch on a known constant takes one side,
and strings growing in a loop are widened. Interprocedural: a call into app code analyses the callee with
the tags of its arguments and remembers the result, and the sink events of its call tree, per (method,
argument tags); contexts per method are bounded (joined, then frozen); a method already on the call stack
is skipped (recursion cut). Fields (per receiver class), heap objects (per allocation site) and intent
extras are global (:mod:`trowel.apk.heap`); the analysis repeats over the roots (:mod:`trowel.apk.entrypoints`)
until they stop changing, and the last complete round's sink events are the result. Per-app budgets (CPU,
steps, memory) end exact analysis with a note. Calls into library code are answered by
:mod:`trowel.apk.library` from the catalog.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from trowel.apk.catalog import ApiEntry, Catalog, default_catalog
from trowel.apk.heap import Globals
from trowel.apk.ir import AppIR, Block, Instr, Method, parse_method_ref
from trowel.apk.opcodes import (
    FAMILIES,
    State,
    argument_registers,
    call_arg,
    current_rss,
    int_constant,
    join_states,
    new_family,
    widen_state,
)
from trowel.apk.tags import EMPTY, Tag, join_all
from trowel.errors import TrowelError

MAX_DEPTH = 40
MAX_TARGETS = 8
MAX_ROUNDS = 8
MAX_BLOCK_VISITS = 12
WIDEN_VISITS = 3  # visits of one block before the string patterns growing in a loop are widened
MAX_CONTEXTS = 6  # distinct argument tags per method before its arguments are joined (k-limiting)
MAX_WIDENINGS = 6  # joined contexts per method before the method is answered as "any"
CHECK_EVERY = 2048
DEFAULT_BUDGET_SECONDS = 40.0  # CPU seconds of one app (from the start of its loading) before "any"
DEFAULT_BUDGET_STEPS = 40_000_000
DEFAULT_BUDGET_MEMORY = 900 << 20

Summary = tuple[Tag, Tag, frozenset[str], frozenset["SinkEvent"]]

# Library classes whose instances are tracked per allocation site (builders, collections, streams).
TRACKED_ALLOCATIONS = (
    "Ljava/lang/StringBuilder;", "Ljava/lang/StringBuffer;", "Ljava/util/", "Ljava/io/", "Lorg/json/",
    "Landroid/content/ContentValues;", "Landroid/os/Bundle;",
)
_CONST_BRANCHES = {"if-eqz": lambda v: v == 0, "if-nez": lambda v: v != 0, "if-ltz": lambda v: v < 0,
                   "if-gez": lambda v: v >= 0, "if-gtz": lambda v: v > 0, "if-lez": lambda v: v <= 0}


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
    """Hard limits (the app fails) and budgets (the rest of the app is answered as "any", with a note)."""

    seconds: float | None = None
    memory_bytes: int | None = None
    budget_seconds: float | None = DEFAULT_BUDGET_SECONDS  # CPU seconds counted from ``cpu_started``
    budget_steps: int | None = DEFAULT_BUDGET_STEPS
    budget_memory_bytes: int | None = DEFAULT_BUDGET_MEMORY  # resident memory, see memory_budget()
    cpu_started: float | None = None  # process CPU time when the app's analysis began (loading included)


def memory_budget(limits: Limits, loaded: int | None) -> int | None:
    """Resident memory at which exact analysis ends: the configured budget, or 512 MiB above what the loaded
    app already takes when that is higher, and never above 0.85 x the hard limit."""
    budget = limits.budget_memory_bytes
    if budget is not None and loaded is not None:
        budget = max(budget, loaded + (512 << 20))
    if limits.memory_bytes is not None:
        budget = min(budget or limits.memory_bytes, int(limits.memory_bytes * 0.85))
    return budget


@dataclass
class Stats:
    steps: int = 0
    calls: int = 0
    rounds: int = 0
    methods_analysed: int = 0
    converged: bool = False
    widened_methods: int = 0  # methods whose arguments were widened for good after too many contexts
    budget_calls: int = 0  # calls answered as "any" after the app's budget was spent


@dataclass
class Engine:
    app: AppIR
    catalog: Catalog = field(default_factory=default_catalog)
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        self.globals = Globals()
        self.committed: set[str] = set()
        self.events: set[SinkEvent] = set()  # of the last complete round (the final state decides)
        self._round_events: set[SinkEvent] = set()
        self._event_stack: list[set[SinkEvent]] = []
        self.memo: dict[tuple[str, tuple[Tag, ...]], Summary] = {}
        self._contexts: dict[str, int] = {}
        self._joined: dict[str, tuple[Tag, ...]] = {}
        self._frozen: dict[str, tuple[Tag, ...]] = {}  # methods whose arguments are widened for good
        self.instantiated: set[str] = set()  # app classes created (new-instance, const-class) in reached code
        self.touched: set[str] = set()  # app classes whose static members reached code uses
        self.analysed: set[str] = set()
        self.notes: list[str] = []
        self.degraded: str | None = None  # why the app's budget ended exact analysis
        self.stats = Stats()
        self._started = time.monotonic()
        self._cpu_started = self.limits.cpu_started if self.limits.cpu_started is not None else time.process_time()
        if not self.app.bundled:
            self.app.bundled = self.catalog.bundled
        self._memory_budget = memory_budget(self.limits, current_rss())
        self._is_app: dict[str, bool] = {}
        self._class_cache: dict[str, set[str]] = {}
        self._ref_cache: dict[str, tuple[str, str, str, str]] = {}
        self._children: dict[str, list[str]] | None = None
        self._rows_cache: dict[tuple[str, str, str], tuple[list[ApiEntry], ...]] = {}
        self._block_starts: dict[str, dict[int, int]] = {}
        self._field_keys: dict[str, str] = {}
        self._methods: dict[str, Method] = {m.sig: m for m in self.app.methods()}
        self._by_class_name: dict[tuple[str, str], list[Method]] = {}
        self.invoked_names: set[str] = set()
        for m in self._methods.values():
            self._by_class_name.setdefault((m.class_name, m.name), []).append(m)
            for ins in m.instrs:
                if ins.op.startswith("invoke") and ins.ref:
                    self.invoked_names.add(ins.ref.partition("->")[2].partition("(")[0])

    @property
    def fields(self) -> dict[str, Tag]:
        """Every field's value (all receiver slots joined), for tests and reports."""
        out: dict[str, Tag] = {}
        for ref, slots in self.globals.fields.items():
            out[ref] = join_all(list(slots.values()))
        return out

    def is_app(self, class_name: str) -> bool:
        cached = self._is_app.get(class_name)
        if cached is None:
            cached = self._is_app[class_name] = self.app.is_app(class_name)
        return cached

    # ----- driver -------------------------------------------------------------------------------------
    def run(self) -> None:
        """Analyse the reachable code until fields, extras and heap objects stop changing. Roots are the
        manifest components' callbacks, then those of every app class that reached code instantiates."""
        from trowel.apk.entrypoints import class_roots, component_classes

        for _round in range(MAX_ROUNDS):
            self.stats.rounds += 1
            before = self.globals.version
            if self.globals.changed:  # forget only the summaries that read a global changed since they were made
                stale = self.globals.changed
                self.memo = {k: v for k, v in self.memo.items() if not (v[2] & stale)}
                self.globals.changed = set()
            self.analysed.clear()
            self._round_events = set()
            components = component_classes(self.app, self.is_app)
            done: set[str] = set()
            pending = list(components)
            while pending:
                cls = pending.pop(0)
                if cls in done:
                    continue
                done.add(cls)
                for method, args in class_roots(self, cls, cls in components):
                    self.check_limits()
                    self.call(method, args, ())
                if not pending:
                    pending = sorted((self.instantiated | self.touched) - done)
            if self.degraded:
                self.events |= self._round_events  # an interrupted round adds to the last complete one
                break
            self.events = self._round_events
            if self.globals.version == before:
                self.stats.converged = True
                break

    def default_args(self, method: Method) -> tuple[Tag, ...]:
        count = len(method.param_types) + (0 if method.is_static else 1)
        if method.is_static:
            return (EMPTY,) * count
        return (Tag(cls=frozenset({method.class_name})),) + (EMPTY,) * (count - 1)

    # ----- globals and events ---------------------------------------------------------------------------
    def field_key(self, ref: str) -> str:
        """A field reference named through a subclass (``Sub;->f``, as javac writes it) -> its declaring class."""
        key = self._field_keys.get(ref)
        if key is None:
            cls, _, member = ref.partition("->")
            member = member.replace(" ", ":", 1)
            key = ref
            for current in self.app.ancestors(cls):
                info = self.app.classes.get(current)
                if info is not None and member in info.fields:
                    key = f"{current}->{member}"
                    break
            self._field_keys[ref] = key
        return key

    def write_field(self, ref: str, tag: Tag, receiver: Tag | None = None) -> None:
        ref = self.field_key(ref)
        classes = frozenset(c for c in receiver.cls if self.is_app(c)) if receiver is not None else frozenset()
        self.globals.write_field(ref, classes, tag)

    def read_field(self, ref: str, receiver: Tag | None = None) -> Tag:
        ref = self.field_key(ref)
        classes = frozenset(c for c in receiver.cls if self.is_app(c)) if receiver is not None else frozenset()
        return self.globals.read_field(ref, classes)

    def read_global(self, key: str) -> None:
        """Note that the summary being computed depends on a global (a field slot, "extras", a heap object)."""
        self.globals.read(key)

    def put_extra(self, key: str, tag: Tag) -> None:
        self.globals.put_extra(key, tag)

    def emit(self, event: SinkEvent) -> None:
        (self._event_stack[-1] if self._event_stack else self._round_events).add(event)

    def commit(self, editors: frozenset[str]) -> None:
        """Editors that reach commit()/apply() (used when grouping, never read by the analysis)."""
        self.committed |= editors

    def check_limits(self, memory: bool = True) -> None:
        """Hard limits raise :class:`AnalysisLimit`; spent budgets switch the rest of the app to "any"."""
        if self.limits.seconds is not None and time.monotonic() - self._started > self.limits.seconds:
            raise AnalysisLimit("timeout", f"analysis went over its {self.limits.seconds:g} s limit")
        rss = current_rss() if memory else None
        if rss is not None:
            if self.limits.memory_bytes is not None and rss > self.limits.memory_bytes:
                raise AnalysisLimit("memory", f"analysis went over its {self.limits.memory_bytes >> 20} MiB limit")
            budget = self._memory_budget
            if budget is not None and rss > budget and not self.degraded:
                self._degrade(f"memory budget ({rss >> 20} MiB resident, budget {budget >> 20} MiB)")
                self.memo.clear()
        if self.degraded:
            return
        if self.limits.budget_steps is not None and self.stats.steps > self.limits.budget_steps:
            self._degrade(f"step budget ({self.limits.budget_steps:,} steps)")
        elif self.limits.budget_seconds is not None and \
                time.process_time() - self._cpu_started > self.limits.budget_seconds:
            self._degrade(f"CPU budget ({self.limits.budget_seconds:g} s)")

    def _degrade(self, why: str) -> None:
        self.degraded = why
        self.notes.append(f"the app's {why} was spent: calls not yet analysed were answered as \"any\" "
                          "(their evidence passes to their result, their own writes are not predicted)")

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
            if info is None or not self.is_app(current):
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
        for dynamic in sorted(c for c in receiver.cls if self.is_app(c) and class_name in self.classes_for(c)):
            target = self.resolve(dynamic, name, params, ret)
            if target and target not in targets:
                targets.append(target)
        if targets:
            return targets[:MAX_TARGETS]
        target = self.resolve(class_name, name, params, ret)
        if target:
            targets.append(target)
        if self.is_app(class_name):
            for sub in self.subclasses(class_name):
                info = self.app.classes[sub]
                override = info.methods.get(f"{name}({params}){ret}")
                if override is not None and override.instrs and override not in targets:
                    targets.append(override)
        return targets[:MAX_TARGETS]

    # ----- interprocedural ----------------------------------------------------------------------------
    def call(self, method: Method, args: tuple[Tag, ...], stack: tuple[str, ...]) -> tuple[Tag, Tag]:
        """Analyse ``method`` with argument tags; returns (return tag, final tag of ``this``).

        Contexts are bounded: after ``MAX_CONTEXTS`` distinct argument tags a method's contexts are joined;
        after ``MAX_WIDENINGS`` joined ones its arguments are frozen (widened for good): one summary answers
        every later call, whose own evidence passes to the result. Its writes stay predicted."""
        if method.sig in stack or len(stack) >= MAX_DEPTH or not method.instrs:
            return EMPTY, EMPTY
        sig = method.sig
        args = tuple(call_arg(a) for a in args)
        extra = EMPTY
        frozen = self._frozen.get(sig)
        if frozen is not None:
            extra = join_all([a.data_only() for a in args])
            args = frozen
        key = (sig, args)
        cached = self.memo.get(key)
        if cached is None and frozen is None and sig in self._joined:
            args = self._join_context(sig, args)  # this method has had many contexts: one joined context
            key = (sig, args)
            cached = self.memo.get(key)
        if cached is None and frozen is None and not self.degraded:
            contexts = self._contexts[sig] = self._contexts.get(sig, 0) + 1
            if contexts > MAX_CONTEXTS:
                args = self._join_context(sig, args)
                if contexts > MAX_CONTEXTS + MAX_WIDENINGS:
                    self._frozen[sig] = args
                    self.stats.widened_methods += 1
                    self.notes.append(f"{sig}: more than {MAX_CONTEXTS + MAX_WIDENINGS} argument contexts, "
                                      "its arguments widened for good (one summary for every later call)")
                key = (sig, args)
                cached = self.memo.get(key)
        if cached is not None:
            self.globals.add_reads(cached[2])
            self.emit_all(cached[3])
            self.analysed.add(sig)
            return cached[0].join(extra), cached[1]
        if self.degraded:
            return self._any_answer(sig, args)
        self.check_limits(memory=self.stats.calls % 64 == 0)
        if self.degraded:
            return self._any_answer(sig, args)
        self.memo[key] = (EMPTY, EMPTY, frozenset(), frozenset())  # a re-entrant call sees no effect yet
        self.stats.calls += 1
        if sig not in self.analysed:
            self.analysed.add(sig)
            self.stats.methods_analysed += 1
        self.globals.push()
        self._event_stack.append(set())
        try:
            ret, this_out = self.intraprocedural(method, args, (*stack, sig))
        finally:
            reads = self.globals.pop()
            events = frozenset(self._event_stack.pop())
        self.emit_all(events)
        self.memo[key] = (ret, this_out, reads, events)
        return ret.join(extra), this_out

    def emit_all(self, events: frozenset[SinkEvent]) -> None:
        if events:
            (self._event_stack[-1] if self._event_stack else self._round_events).update(events)

    def _join_context(self, sig: str, args: tuple[Tag, ...]) -> tuple[Tag, ...]:
        old = self._joined.get(sig)
        joined = args if old is None else tuple(a.join(b) for a, b in zip(old, args, strict=False))
        self._joined[sig] = joined
        return joined

    def _any_answer(self, sig: str, args: tuple[Tag, ...]) -> tuple[Tag, Tag]:
        """A method not analysed: the evidence of its arguments passes to its result."""
        if self.degraded:
            self.stats.budget_calls += 1
        return join_all([a.data_only() for a in args]), EMPTY

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
                family = FAMILIES.get(ins.op) or new_family(ins.op)
                if family == "control":
                    continue
                if family == "return":
                    if ins.regs:
                        ret = ret.join(state.get(ins.regs[0], EMPTY))
                    if this_reg is not None:
                        this_out = this_out.join(state.get(this_reg, EMPTY))
                    continue
                self.step(method, index, ins, state, stack, family)
            for succ in self._successors(method, block, state):
                old = states.get(succ)
                merged = state if old is None else join_states(old, state)
                if old is not None and visits.get(succ, 0) >= WIDEN_VISITS and merged != old:
                    merged = widen_state(old, merged)
                if old is None or merged != old:
                    states[succ] = merged
                    work.append(succ)
        return ret, this_out

    def _successors(self, method: Method, block: Block, state: State) -> list[int]:
        """Successor blocks; a branch on a known constant (``const/4 v0, 0; if-eqz v0``) takes one side."""
        last = method.instrs[block.end - 1]
        decide = _CONST_BRANCHES.get(last.op)
        if decide is None or not last.regs or not last.targets:
            return block.succs
        refl = state.get(last.regs[0], EMPTY).refl
        values = {int(r[4:]) for r in refl if r.startswith("int:")}
        if not values or len(values) != len(refl):
            return block.succs
        outcomes = {decide(v) for v in values}
        if len(outcomes) != 1:
            return block.succs
        starts = self._block_starts.get(method.sig)
        if starts is None:
            starts = self._block_starts[method.sig] = {b.start: i for i, b in enumerate(method.blocks)}
        target = starts.get(last.targets[0]) if outcomes.pop() else starts.get(block.end)
        handlers = [s for s in block.succs if method.blocks[s].start not in (last.targets[0], block.end)]
        return ([target] if target is not None else []) + handlers

    def step(self, method: Method, index: int, ins: Instr, state: State, stack: tuple[str, ...],
             family: str | None = None) -> None:
        """The transfer function of one instruction (dispatched on the opcode's family)."""
        family = family or FAMILIES.get(ins.op) or new_family(ins.op)
        regs = ins.regs
        if family == "invoke":
            state[-1] = self.invoke(method, index, ins, state, stack)
        elif family == "move-result":
            state[regs[0]] = state.pop(-1, EMPTY)
        elif family == "const-string":
            state[regs[0]] = Tag(strs=frozenset({ins.ref or ""}))
        elif family == "const-class":
            if ins.ref and self.is_app(ins.ref):
                self.instantiated.add(ins.ref)
            state[regs[0]] = Tag(refl=frozenset({f"class:{ins.ref}"}))
        elif family == "const-int":
            state[regs[0]] = int_constant(ins.lit)
        elif family == "clear":
            state.pop(regs[0], None)
        elif family == "move":
            state[regs[0]] = state.get(regs[1], EMPTY)
        elif family == "new-instance":
            ref = ins.ref or ""
            initial = frozenset({""}) if ref in ("Ljava/lang/StringBuilder;", "Ljava/lang/StringBuffer;") else frozenset()
            objs = frozenset({f"new@{method.sig}@{index}"}) if ref.startswith(TRACKED_ALLOCATIONS) else frozenset()
            if self.is_app(ref):
                self.instantiated.add(ref)
            state[regs[0]] = Tag(strs=initial, cls=frozenset({ref}), objs=objs)
        elif family == "filled-new-array":
            state[-1] = join_all([state.get(r, EMPTY) for r in regs])
        elif family == "aget":
            state[regs[0]] = state.get(regs[1], EMPTY)
        elif family == "aput":
            state[regs[1]] = state.get(regs[1], EMPTY).join(state.get(regs[0], EMPTY))
        elif family == "get":
            ref = ins.ref or ""
            receiver = state.get(regs[1], EMPTY) if ins.op.startswith("iget") and len(regs) > 1 else None
            if receiver is None:
                self._touch(ref)
            state[regs[0]] = self.read_field(ref, receiver) or self.library_constant(ins.ref)
        elif family == "put":
            ref = ins.ref or ""
            receiver = state.get(regs[1], EMPTY) if ins.op.startswith("iput") and len(regs) > 1 else None
            if receiver is None:
                self._touch(ref)
            self.write_field(ref, state.get(regs[0], EMPTY), receiver)
        elif family == "data" and regs:
            # arithmetic, comparisons and conversions: the data flows, the string/file identity does not
            sources = regs[1:] if len(regs) > 1 and not ins.op.endswith("/2addr") else regs
            state[regs[0]] = join_all([state.get(r, EMPTY).data_only() for r in sources])

    def _touch(self, ref: str) -> None:
        owner = ref.partition("->")[0]
        if owner not in self.touched and self.is_app(owner):
            self.touched.add(owner)

    # ----- lambdas (invoke-custom) ---------------------------------------------------------------------
    def make_lambda(self, method: Method, index: int, ins: Instr, state: State) -> Tag:
        from trowel.apk.lambdas import make_lambda

        return make_lambda(self, method, index, ins, state)

    def call_lambdas(self, target: Tag, args: list[Tag], stack: tuple[str, ...]) -> Tag:
        from trowel.apk.lambdas import call_lambdas

        return call_lambdas(self, target, args, stack)

    def library_constant(self, ref: str | None) -> Tag:
        from trowel.apk.library import constant_field

        return constant_field(ref)

    def invoke(self, method: Method, index: int, ins: Instr, state: State, stack: tuple[str, ...]) -> Tag:
        ref = ins.ref or ""
        parsed = self._ref_cache.get(ref)
        if parsed is None:
            parsed = self._ref_cache[ref] = parse_method_ref(ref)
        cls, name, params, ret_type = parsed
        if ins.op.startswith("invoke-custom"):
            return self.make_lambda(method, index, ins, state)
        static = ins.op.startswith("invoke-static")
        arg_regs = argument_registers(ins.regs, params, static)
        args = tuple(state.get(r, EMPTY) for r in arg_regs)
        receiver = args[0] if args and not static else EMPTY
        if static and cls not in self.touched and self.is_app(cls):
            self.touched.add(cls)
        targets = self.dispatch(ins.op, cls, name, params, ret_type, receiver) if self.is_app(cls) else []
        if not targets and any(r.startswith("lambda:") for r in receiver.refl):
            return self.call_lambdas(receiver, list(args[1:]), stack)
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

        return library_call(self, method, index, cls, name, params, args, arg_regs, state, stack, static, ret_type)
