"""Engine limits and the transfer of instructions that the test apps do not cover."""

from __future__ import annotations

from tests.apk.conftest import APKS
from trowel.aed.build import analyse_guarded
from trowel.apk.engine import Engine, Limits, argument_registers, join_states
from trowel.apk.ir import AppIR, Block, ClassInfo, Instr, Method
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
