"""Java lambdas compiled to ``invoke-custom`` (no desugaring): the object and the call of its body.

The loader names each call site's body (:mod:`trowel.apk.callsites`). The lambda object is a tag that
refers to its site, the number of values it captured and its body; the captured values are globals
(``lambda|<site>|<position>``), so every place that runs the object (a ``Thread``, ``Handler.post``, an
executor, an interface call on it) calls the body with them, followed by the call's own arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trowel.apk.ir import Instr, Method, parse_method_ref
from trowel.apk.tags import EMPTY, Tag, join_all

if TYPE_CHECKING:
    from trowel.apk.engine import Engine
    from trowel.apk.opcodes import State


def make_lambda(engine: Engine, method: Method, index: int, ins: Instr, state: State) -> Tag:
    """``invoke-custom`` of a lambda: the object remembers its body and its captured values."""
    if not ins.ref or not ins.ref.startswith("lambda:"):
        return join_all([state.get(r, EMPTY).data_only() for r in ins.regs])
    site = f"{method.sig}@{index}"
    for position, reg in enumerate(ins.regs):
        engine.write_field(f"lambda|{site}|{position}", state.get(reg, EMPTY))
    return Tag(refl=frozenset({f"lambda:{site}|{len(ins.regs)}|{ins.ref[7:]}"}))


def call_lambdas(engine: Engine, target: Tag, args: list[Tag], stack: tuple[str, ...]) -> Tag:
    """Run the body of every lambda ``target`` may be: captured values first, then the call's arguments."""
    ret = EMPTY
    for item in sorted(r for r in target.refl if r.startswith("lambda:")):
        site, count, ref = item[7:].split("|", 2)
        cls, name, params, ret_type = parse_method_ref(ref)
        body = engine.resolve(cls, name, params, ret_type)
        if body is None:
            continue
        captured = [engine.read_field(f"lambda|{site}|{i}") for i in range(int(count))]
        needed = len(body.param_types) + (0 if body.is_static else 1)
        values = (captured + args + [EMPTY] * needed)[:needed]
        got, _ = engine.call(body, tuple(values), stack)
        ret = ret.join(got)
    return ret
