"""The small internal representation the data-flow engine works on.

androguard's objects are large and order-dependent; the loader copies what the analysis needs into these
plain, picklable dataclasses: per method the instructions (opcode name, registers, one reference, one
literal, branch targets) grouped into basic blocks, per class the superclass and interfaces, and per app
the manifest components and the string constants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# Framework namespaces: a class under these that the app does NOT define is the phone's own code (summarised).
# A class the app defines there is the app's code (malware often ships its own code under android.*).
LIBRARY_PREFIXES = (
    "Landroid/", "Ljava/", "Ljavax/", "Landroidx/", "Lkotlin/", "Lkotlinx/", "Lcom/google/android/",
    "Ldalvik/", "Lorg/json/", "Lorg/apache/", "Lorg/w3c/", "Lorg/xml/", "Lsun/", "Lcom/android/",
)

_PARAM = re.compile(r"\[*(?:L[^;]+;|[ZBSCIJFDV])")


@lru_cache(maxsize=65536)
def is_library(class_name: str) -> bool:
    """True for framework and support-library namespaces (android.*, java.*, androidx.*, kotlin.* ...).

    Only a name test: whether a class the app defines is analysed is :meth:`AppIR.is_app`."""
    return class_name.startswith(LIBRARY_PREFIXES)


def split_params(params: str) -> list[str]:
    """``Ljava/lang/String;IJ`` -> ``['Ljava/lang/String;', 'I', 'J']``."""
    return _PARAM.findall(params.replace(" ", ""))


def parse_method_ref(ref: str) -> tuple[str, str, str, str]:
    """``Lx;->name(params)ret`` -> (class, name, params, return type), spaces removed."""
    ref = ref.replace(" ", "")
    cls, _, rest = ref.partition("->")
    name, _, sig = rest.partition("(")
    params, _, ret = sig.partition(")")
    return cls, name, params, ret


def java_name(class_name: str) -> str:
    """``Lcom/ex/Main;`` -> ``com.ex.Main``."""
    return class_name[1:-1].replace("/", ".") if class_name.startswith("L") else class_name


def dalvik_name(java: str) -> str:
    """``com.ex.Main`` -> ``Lcom/ex/Main;``."""
    return "L" + java.replace(".", "/") + ";"


@dataclass(frozen=True, slots=True)
class Instr:
    """One Dalvik instruction: ``op`` is the opcode name (``invoke-virtual/range``, ``iget-object``...)."""

    op: str
    regs: tuple[int, ...] = ()
    ref: str | None = None  # method, field, type or string reference
    lit: int | None = None
    targets: tuple[int, ...] = ()  # instruction indices this one may branch to


@dataclass(slots=True)
class Block:
    start: int
    end: int  # exclusive
    succs: list[int] = field(default_factory=list)  # indices of successor blocks


@dataclass(slots=True)
class Method:
    class_name: str
    name: str
    params: str  # parameter descriptors, no spaces
    ret: str
    is_static: bool
    registers: int
    ins: int
    instrs: list[Instr] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    flags: int = 0  # DEX access flags (0x2 private, 0x8 static, 0x1000 synthetic)

    @property
    def is_private(self) -> bool:
        return bool(self.flags & 0x2)

    @property
    def sig(self) -> str:
        return f"{self.class_name}->{self.name}({self.params}){self.ret}"

    @property
    def param_types(self) -> list[str]:
        return split_params(self.params)

    def param_registers(self) -> list[int]:
        """The register of each argument, ``this`` first for instance methods."""
        regs: list[int] = []
        reg = self.registers - self.ins
        if not self.is_static:
            regs.append(reg)
            reg += 1
        for ptype in self.param_types:
            regs.append(reg)
            reg += 2 if ptype in ("J", "D") else 1
        return regs


@dataclass(slots=True)
class ClassInfo:
    name: str
    superclass: str | None
    interfaces: list[str] = field(default_factory=list)
    methods: dict[str, Method] = field(default_factory=dict)  # name(params)ret -> method
    fields: set[str] = field(default_factory=set)  # declared fields, "name:type"


@dataclass(slots=True)
class Component:
    kind: str  # activity | service | receiver | provider | application
    name: str  # Dalvik class name


@dataclass(slots=True)
class AppIR:
    package: str
    version_code: str | None
    version_name: str | None
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    components: list[Component] = field(default_factory=list)
    strings: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    bundled: tuple[str, ...] = ()  # class-name prefixes of libraries the app bundles (summarised, not analysed)
    apk_path: str | None = None  # for resources read on demand (string resources of getString(resId))
    resource_strings: dict[int, str] | None = None

    def is_app(self, class_name: str) -> bool:
        """True for code the app ships and trowel analyses: defined in its DEX and not a bundled library
        (a bundled library under the app's own package is the app's code)."""
        if class_name not in self.classes:
            return False
        return not class_name.startswith(self.bundled) or class_name.startswith(self.own_prefix())

    def own_prefix(self) -> str:
        return "L" + self.package.replace(".", "/") + "/" if self.package else "\0"

    def methods(self) -> list[Method]:
        return [m for c in self.classes.values() for m in c.methods.values()]

    def instruction_count(self) -> int:
        return sum(len(m.instrs) for m in self.methods())

    def ancestors(self, class_name: str) -> list[str]:
        """The class, its app superclasses, then the first library ancestor (cycles cut)."""
        chain: list[str] = []
        current: str | None = class_name
        while current and current not in chain:
            chain.append(current)
            info = self.classes.get(current)
            current = info.superclass if info else None
        return chain

    def supertypes(self, class_name: str) -> set[str]:
        """Every class and interface the class extends or implements, as far as the app declares them."""
        seen: set[str] = set()
        pending = [class_name]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            info = self.classes.get(current)
            if info:
                if info.superclass:
                    pending.append(info.superclass)
                pending.extend(info.interfaces)
        return seen

    def subclasses(self, class_name: str) -> list[str]:
        return [c.name for c in self.classes.values() if c.name != class_name and class_name in self.supertypes(c.name)]
