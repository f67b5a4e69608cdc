"""Opcode families, argument registers and register-state helpers of the data-flow engine."""

from __future__ import annotations

import os
from functools import lru_cache

from trowel.apk.heap import widen_strs
from trowel.apk.ir import split_params
from trowel.apk.tags import EMPTY, Tag

State = dict[int, Tag]


FAMILIES: dict[str, str] = {}


def family_of(op: str) -> str:
    """The transfer-rule family of a Dalvik opcode name (computed once per name)."""
    prefixes = (
        ("invoke", "invoke"), ("move-result", "move-result"), ("const-string", "const-string"),
        ("const-class", "const-class"), ("const-wide", "clear"), ("const", "const-int"), ("move-exception", "clear"), ("new-array", "clear"),
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


def new_family(op: str) -> str:
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


def int_constant(lit: int | None) -> Tag:
    """``const`` literals that matter: 0 and 1 (booleans, null; decide constant branches) and resource ids
    (``0x7f......``, resolved by ``getString``); any other number carries nothing."""
    if lit in (0, 1):
        return Tag(refl=frozenset({f"int:{lit}"}))
    if lit is not None and 0x7F000000 <= lit <= 0x7FFFFFFF:
        return Tag(refl=frozenset({f"resid:{lit}"}))
    return EMPTY


def call_arg(tag: Tag) -> Tag:
    """Argument tags as summary keys: boolean constants are dropped (fewer contexts per method)."""
    if not any(r.startswith("int:") for r in tag.refl):
        return tag
    return tag.replace(refl=frozenset(r for r in tag.refl if not r.startswith("int:")))


def widen_state(old: State, new: State) -> State:
    """A loop that keeps growing a string: its patterns collapse around one ``<unknown>``."""
    out = dict(new)
    for reg, tag in new.items():
        before = old.get(reg)
        if before is not None and tag.strs != before.strs and before.strs:
            out[reg] = tag.replace(strs=widen_strs(before.strs, tag.strs))
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
