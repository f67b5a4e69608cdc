"""Engine limits and the transfer of instructions that the test apps do not cover."""

from __future__ import annotations

from tests.apk.conftest import APKS
from trowel.aed.build import analyse_guarded
from trowel.apk.engine import MAX_CONTEXTS, MAX_WIDENINGS, Engine, Limits, argument_registers, join_states
from trowel.apk.heap import widen_strs
from trowel.apk.ir import AppIR, Block, ClassInfo, Instr, Method, split_params
from trowel.apk.predict import analyse_apk
from trowel.apk.tags import EMPTY, Tag


def test_time_and_memory_limits_are_recorded_not_raised() -> None:
    timed_out = analyse_guarded(str(APKS / "gps.apk"), time_limit=0.0)
    assert (timed_out.status, timed_out.error) == ("timeout", "analysis went over its 0 s limit")
    assert timed_out.predictions == []
    no_memory = analyse_guarded(str(APKS / "gps.apk"), memory_limit=1 << 20)
    assert no_memory.status == "memory" and no_memory.error == "analysis went over its 1 MiB limit"


def test_argument_registers_skip_wide_halves() -> None:
    assert argument_registers((0, 1, 2, 3), "Ljava/lang/String;J", False) == [0, 1, 2]
    assert argument_registers((4, 5, 6), "DI", True) == [4, 6]


def test_join_states() -> None:
    a = {1: Tag(strs=frozenset({"a"}))}
    b = {1: Tag(strs=frozenset({"b"})), 2: EMPTY}
    assert join_states(a, b) == {1: Tag(strs=frozenset({"a", "b"})), 2: EMPTY}


def _method(instrs: list[Instr], blocks: list[Block], registers: int = 4) -> Method:
    m = Method("La/A;", "m", "", "Ljava/lang/Object;", True, registers, 0, instrs, blocks)
    return m


def test_branches_join_and_arrays_fields_arithmetic_carry_tags() -> None:
    # v0 = "x" or "y" (two branches), v1 = array holding v0, static field := v1, v2 = field, v3 = -v2
    instrs = [
        Instr("if-eqz", (0,), targets=(3,)),
        Instr("const-string", (0,), ref="x"),
        Instr("goto", (), targets=(4,)),
        Instr("const-string", (0,), ref="y"),
        Instr("new-array", (1, 0), ref="[Ljava/lang/String;"),
        Instr("aput-object", (0, 1, 2)),
        Instr("sput-object", (1,), ref="La/A;->f:[Ljava/lang/String;"),
        Instr("sget-object", (2,), ref="La/A;->f:[Ljava/lang/String;"),
        Instr("return-object", (2,)),
    ]
    blocks = [Block(0, 1, [1, 2]), Block(1, 3, [3]), Block(3, 4, [3]), Block(4, 9, [])]
    method = _method(instrs, blocks)
    app = AppIR("a", None, None, classes={"La/A;": ClassInfo("La/A;", "Ljava/lang/Object;", methods={"m": method})})
    engine = Engine(app, limits=Limits())
    ret, _ = engine.call(method, (), ())
    assert ret.strs == {"x", "y"}
    assert engine.fields["La/A;->f:[Ljava/lang/String;"].strs == {"x", "y"}
    arithmetic = [Instr("neg-long", (0, 2))]
    state = {2: Tag(ev=frozenset({"time"}), strs=frozenset({"<timestamp>"}))}
    engine.step(method, 0, arithmetic[0], state, ())
    assert state[0] == Tag(ev=frozenset({"time"}))


def test_recursion_is_cut_by_the_call_stack() -> None:
    call_self = Instr("invoke-static", (), ref="La/A;->m()Ljava/lang/Object;")
    instrs = [call_self, Instr("move-result-object", (0,)), Instr("return-object", (0,))]
    method = _method(instrs, [Block(0, 3, [])])
    app = AppIR("a", None, None, classes={"La/A;": ClassInfo("La/A;", "Ljava/lang/Object;",
                                                            methods={"m()Ljava/lang/Object;": method})})
    engine = Engine(app)
    ret, _ = engine.call(method, (), ())
    assert ret == EMPTY
    assert engine.stats.calls == 1


def _activity(methods: dict[str, Method]) -> AppIR:
    from trowel.apk.ir import Component

    info = ClassInfo("La/A;", "Landroid/app/Activity;", methods=methods, fields={"f:Ljava/lang/String;"})
    return AppIR("a", None, None, classes={"La/A;": info}, components=[Component("activity", "La/A;")])


def _straight(name: str, params: str, instrs: list[Instr], registers: int, static: bool = False) -> Method:
    ins = len(split_params(params)) + (0 if static else 1)
    return Method("La/A;", name, params, "V", static, registers, ins, instrs, [Block(0, len(instrs), [])])


def test_widen_strs_collapses_a_growing_pattern() -> None:
    assert widen_strs(frozenset({"a"}), frozenset({"a", "a:<unknown>"})) == {"a", "a<unknown>"}
    assert widen_strs(frozenset({"a", "a<unknown>"}), frozenset({"a", "a<unknown>", "a<unknown>:x"})) == {
        "a", "a<unknown>"}
    assert widen_strs(frozenset({"x.db"}), frozenset({"x.db", "y.db"})) == {"x.db", "y.db"}  # no common prefix


def test_a_field_growing_every_round_is_widened_and_the_fixpoint_settles() -> None:
    ref = "La/A;->f:Ljava/lang/String;"
    sb = "Ljava/lang/StringBuilder;"
    grow = _straight("grow", "", [
        Instr("sget-object", (0,), ref=ref),
        Instr("new-instance", (1,), ref=sb),
        Instr("invoke-direct", (1,), ref=f"{sb}-><init>()V"),
        Instr("invoke-virtual", (1, 0), ref=f"{sb}->append(Ljava/lang/String;){sb}"),
        Instr("const-string", (2,), ref=":x"),
        Instr("invoke-virtual", (1, 2), ref=f"{sb}->append(Ljava/lang/String;){sb}"),
        Instr("invoke-virtual", (1,), ref=f"{sb}->toString()Ljava/lang/String;"),
        Instr("move-result-object", (0,)),
        Instr("sput-object", (0,), ref=ref),
        Instr("return-void"),
    ], 3, static=True)
    on_create = _straight("onCreate", "Landroid/os/Bundle;", [
        Instr("const-string", (0,), ref="a"),
        Instr("sput-object", (0,), ref=ref),
        Instr("invoke-static", (), ref="La/A;->grow()V"),
        Instr("return-void"),
    ], 3)
    engine = Engine(_activity({"grow()V": grow, "onCreate(Landroid/os/Bundle;)V": on_create}))
    engine.run()
    assert engine.stats.converged and engine.stats.rounds == 4
    assert engine.fields[ref].strs == {"a", "a:x", "a:x:x", "a:x:x<unknown>"}


def test_contexts_per_method_are_bounded_then_widened_for_good() -> None:
    target = _straight("use", "Ljava/lang/String;", [Instr("return-void")], 2, static=True)
    calls: list[Instr] = []
    for number in range(30):
        calls += [Instr("const-string", (0,), ref=f"name{number}"),
                  Instr("invoke-static", (0,), ref="La/A;->use(Ljava/lang/String;)V")]
    on_create = _straight("onCreate", "Landroid/os/Bundle;", [*calls, Instr("return-void")], 3)
    engine = Engine(_activity({"use(Ljava/lang/String;)V": target, "onCreate(Landroid/os/Bundle;)V": on_create}))
    engine.run()
    contexts = [key for key in engine.memo if key[0] == "La/A;->use(Ljava/lang/String;)V"]
    assert len(contexts) == MAX_CONTEXTS + MAX_WIDENINGS + 1  # the last joined context is the frozen one
    assert engine.stats.widened_methods == 1
    assert engine.notes == ["La/A;->use(Ljava/lang/String;)V: more than 12 argument contexts, its arguments "
                            "widened for good (one summary for every later call)"]
    frozen = engine._frozen["La/A;->use(Ljava/lang/String;)V"]
    assert frozen[0].strs == {f"name{n}" for n in range(6, 13)}  # contexts 7..13 joined (6 exact before)
    assert len(engine.memo) == len(contexts) + 1  # later calls (14..30) reuse the frozen summary


def test_the_step_budget_widens_the_rest_of_the_app_with_a_note() -> None:
    result = analyse_apk(APKS / "gps.apk", Limits(budget_steps=5))
    # the first callback was analysed before the budget check; the helper's constructor (the database name)
    # was not: its database is reported as unresolved, never as a guessed name
    assert result.status == "ok"
    assert [p.path for p in result.predictions] == ["/data/data/<pkg>/files/track.log",
                                                    "/data/data/<pkg>/shared_prefs/gps_prefs.xml"]
    assert [p.path for p in result.unresolved] == ["/data/data/<pkg>/databases/<unknown>"]
    assert result.warnings[:1] == ["the app's step budget (5 steps) was spent: calls not yet analysed were answered as "
                               "\"any\" (their evidence passes to their result, their own writes are not predicted)"]


def test_the_final_round_decides_a_path_resolved_late_replaces_the_early_one() -> None:
    """onCreate writes to a file named by a field that only onPause (analysed after it) sets: the first
    round sees no name (<unknown>), the second the real one; only the second survives."""
    ref = "La/A;->f:Ljava/lang/String;"
    on_create = _straight("onCreate", "Landroid/os/Bundle;", [
        Instr("sget-object", (0,), ref=ref),
        Instr("const/4", (1,), lit=0),
        Instr("invoke-virtual", (4, 0, 1), ref="La/A;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;"),
        Instr("move-result-object", (0,)),
        Instr("invoke-static", (), ref="Ljava/lang/System;->currentTimeMillis()J"),
        Instr("move-result-wide", (1,)),
        Instr("invoke-static", (1, 2), ref="Ljava/lang/String;->valueOf(J)Ljava/lang/String;"),
        Instr("move-result-object", (1,)),
        Instr("invoke-virtual", (1,), ref="Ljava/lang/String;->getBytes()[B"),
        Instr("move-result-object", (1,)),
        Instr("invoke-virtual", (0, 1), ref="Ljava/io/FileOutputStream;->write([B)V"),
        Instr("return-void"),
    ], 5)
    on_pause = _straight("onPause", "", [
        Instr("const-string", (0,), ref="late.txt"),
        Instr("sput-object", (0,), ref=ref),
        Instr("return-void"),
    ], 2)
    engine = Engine(_activity({"onCreate(Landroid/os/Bundle;)V": on_create, "onPause()V": on_pause}))
    engine.run()
    assert engine.stats.rounds == 2
    assert {(e.path, e.types) for e in engine.events} == {("/data/data/<pkg>/files/late.txt", frozenset({"time"}))}


def test_memory_budget() -> None:
    from trowel.apk.engine import memory_budget

    mib = 1 << 20
    assert memory_budget(Limits(), 100 * mib) == 900 * mib
    assert memory_budget(Limits(), 700 * mib) == 1212 * mib  # a big app: 512 MiB above what loading took
    assert memory_budget(Limits(memory_bytes=1536 * mib), 900 * mib) == int(1536 * mib * 0.85)
    assert memory_budget(Limits(budget_memory_bytes=None), 100 * mib) is None


def test_a_string_from_an_unmodelled_library_call_is_unknown_text() -> None:
    method = _straight("m", "", [Instr("return-void")], 4)
    engine = Engine(_activity({"m()V": method}))
    state = {1: Tag(ev=frozenset({"contact"}))}
    engine.step(method, 0, Instr("invoke-interface", (1, 2), ref="Landroid/database/Cursor;->getString(I)Ljava/lang/String;"),
                state, ())
    assert state[-1] == Tag(ev=frozenset({"contact"}), strs=frozenset({"<unknown>"}))
    engine.step(method, 0, Instr("invoke-interface", (1, 2), ref="Landroid/database/Cursor;->getLong(I)J"), state, ())
    assert state[-1] == Tag(ev=frozenset({"contact"}))  # not a string: no text


def test_a_component_inherits_the_callbacks_of_its_app_base_class() -> None:
    """The manifest names only the subclass; onCreate is declared in its (never instantiated) base class."""
    from trowel.apk.entrypoints import class_roots
    from trowel.apk.ir import Component

    on_create = Method("La/Base;", "onCreate", "Landroid/os/Bundle;", "V", False, 5, 2, [
        Instr("const-string", (0,), ref="base.txt"),
        Instr("const/4", (1,), lit=0),
        Instr("invoke-virtual", (3, 0, 1), ref="La/Base;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;"),
        Instr("move-result-object", (0,)),
        Instr("invoke-static", (), ref="Ljava/lang/System;->currentTimeMillis()J"),
        Instr("move-result-wide", (1,)),
        Instr("invoke-static", (1, 2), ref="Ljava/lang/String;->valueOf(J)Ljava/lang/String;"),
        Instr("move-result-object", (1,)),
        Instr("invoke-virtual", (1,), ref="Ljava/lang/String;->getBytes()[B"),
        Instr("move-result-object", (1,)),
        Instr("invoke-virtual", (0, 1), ref="Ljava/io/FileOutputStream;->write([B)V"),
        Instr("return-void"),
    ], [Block(0, 12, [])])
    base = ClassInfo("La/Base;", "Landroid/app/Activity;", methods={"onCreate(Landroid/os/Bundle;)V": on_create})
    main = ClassInfo("La/Main;", "La/Base;")
    app = AppIR("a", None, None, classes={"La/Base;": base, "La/Main;": main},
                components=[Component("activity", "La/Main;")])
    engine = Engine(app)
    roots = class_roots(engine, "La/Main;", True)
    assert [(m.sig, args[0].cls) for m, args in roots] == [
        ("La/Base;->onCreate(Landroid/os/Bundle;)V", frozenset({"La/Main;"}))]
    engine.run()
    assert {e.path for e in engine.events} == {"/data/data/<pkg>/files/base.txt"}
