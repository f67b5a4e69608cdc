"""The androguard boundary: an APK (or a bare DEX) becomes an :class:`AppIR`.

androguard 4 logs through loguru at debug level by default (tens of thousands of lines, about 1.8x slower);
its logger is disabled before anything is parsed. Only the DEX parser and the manifest reader are used, not
androguard's cross-reference analysis, which costs about three times the memory and has no edges for
callbacks anyway.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from trowel.apk.ir import AppIR, Block, ClassInfo, Component, Instr, Method, dalvik_name
from trowel.errors import ApkError

_SILENCED = {"done": False}
MAX_DEX_BYTES = 512 << 20
MAX_RATIO = 200

# Opcodes after which control does not fall through to the next instruction.
_NO_FALLTHROUGH = ("goto", "return", "throw")


def silence_androguard() -> None:
    """Turn off androguard's loguru output (once per process)."""
    if _SILENCED["done"]:
        return
    from loguru import logger

    logger.remove()
    logger.disable("androguard")
    _SILENCED["done"] = True


def load_apk(path: Path) -> AppIR:
    """Parse an APK (or a ``.dex`` file) into the analysis IR; a corrupt file raises :class:`ApkError`."""
    silence_androguard()
    if not path.is_file():
        raise ApkError(f"{path}: not a regular file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ApkError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if data[:4] == b"dex\n":
        app = AppIR(package=path.stem, version_code=None, version_name=None)
        _load_dex(app, data, path.name)
        return app
    if not zipfile.is_zipfile(path):
        raise ApkError(f"{path}: not an APK (no ZIP structure) and not a DEX file")
    _check_dex_sizes(path)
    from androguard.core.apk import APK

    try:
        apk = APK(str(path), raw=False)
        package = apk.get_package()
    except Exception as exc:  # androguard raises many exception types on hostile input
        raise ApkError(f"{path}: cannot read the APK ({type(exc).__name__}: {exc})") from exc
    if not package:
        raise ApkError(f"{path}: the APK has no readable AndroidManifest.xml package name")
    app = AppIR(package=package, version_code=_str(apk.get_androidversion_code()),
                version_name=_str(apk.get_androidversion_name()))
    _components(app, apk)
    try:
        dexes = list(apk.get_all_dex())
    except Exception as exc:
        raise ApkError(f"{path}: cannot read the DEX files ({type(exc).__name__}: {exc})") from exc
    if not dexes:
        raise ApkError(f"{path}: the APK holds no classes.dex")
    for number, dex in enumerate(dexes, start=1):
        _load_dex(app, dex, f"classes{number if number > 1 else ''}.dex")
    return app


def _check_dex_sizes(path: Path) -> None:
    """Refuse DEX members that claim more than ``MAX_DEX_BYTES`` or expand over ``MAX_RATIO`` (zip bombs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if i.filename.startswith("classes") and i.filename.endswith(".dex")]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ApkError(f"{path}: cannot read the ZIP directory ({exc})") from exc
    total = sum(i.file_size for i in members)
    if total > MAX_DEX_BYTES:
        raise ApkError(f"{path}: DEX files claim {total} bytes, over the {MAX_DEX_BYTES} byte limit")
    for info in members:
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise ApkError(f"{path}: {info.filename} expands {info.file_size // info.compress_size}x (zip bomb?)")


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _components(app: AppIR, apk: Any) -> None:
    def full(name: str) -> str:
        if name.startswith("."):
            name = app.package + name
        elif "." not in name:
            name = f"{app.package}.{name}"
        return dalvik_name(name)

    for kind, names in (("activity", apk.get_activities()), ("service", apk.get_services()),
                        ("receiver", apk.get_receivers()), ("provider", apk.get_providers())):
        for name in sorted(set(names)):
            app.components.append(Component(kind, full(name)))
    try:
        application = apk.get_attribute_value("application", "name")
    except Exception:  # a manifest without an application name attribute
        application = None
    if application:
        app.components.append(Component("application", full(application)))


def _load_dex(app: AppIR, data: bytes, label: str) -> None:
    from androguard.core.dex import DEX

    try:
        dex = DEX(data)
        classes = list(dex.get_classes())
    except Exception as exc:
        raise ApkError(f"{label}: cannot parse the DEX file ({type(exc).__name__}: {exc})") from exc
    for cls in classes:
        name = cls.get_name()
        if name in app.classes:
            continue
        interfaces = [i.replace(" ", "") for i in (cls.get_interfaces() or [])]
        info = ClassInfo(name=name, superclass=cls.get_superclassname() or None, interfaces=interfaces)
        for encoded in cls.get_methods():
            try:
                method = _method(name, encoded, app.strings)
            except Exception as exc:
                app.warnings.append(f"{label}: {name}->{encoded.get_name()}: cannot decode ({type(exc).__name__})")
                continue
            info.methods[f"{method.name}({method.params}){method.ret}"] = method
        app.classes[name] = info


def _method(class_name: str, encoded: Any, strings: set[str]) -> Method:
    descriptor = encoded.get_descriptor().replace(" ", "")
    params, _, ret = descriptor[1:].partition(")")
    flags = encoded.get_access_flags()
    code = encoded.get_code()
    method = Method(class_name=class_name, name=encoded.get_name(), params=params, ret=ret,
                    is_static=bool(flags & 0x8), registers=code.get_registers_size() if code else 0,
                    ins=code.get_ins_size() if code else 0)
    if code is None:
        return method
    offsets: list[int] = []  # code-unit address of each instruction
    raw: list[Any] = []
    address = 0
    payloads: dict[int, Any] = {}
    for ins in encoded.get_instructions():
        name = ins.get_name()
        if name.endswith("-payload") or type(ins).__name__ in ("PackedSwitch", "SparseSwitch", "FillArrayData"):
            payloads[address] = ins
        else:
            offsets.append(address)
            raw.append(ins)
        address += ins.get_length() // 2
    index_of = {addr: i for i, addr in enumerate(offsets)}
    for i, ins in enumerate(raw):
        method.instrs.append(_instr(ins, offsets[i], index_of, payloads, strings))
    _blocks(method, code, index_of)
    return method


def _instr(ins: Any, address: int, index_of: dict[int, int], payloads: dict[int, Any], strings: set[str]) -> Instr:
    op = ins.get_name()
    regs: list[int] = []
    ref: str | None = None
    lit: int | None = None
    offset: int | None = None
    for operand in ins.get_operands():
        kind = int(operand[0])
        if kind == 0:
            regs.append(int(operand[1]))
        elif kind == 1:
            lit = int(operand[1])
        elif kind == 3:
            offset = int(operand[1])
        elif kind >= 256:
            ref = str(operand[-1])
    if op.endswith("/range") and len(regs) == 2 and op.startswith(("invoke", "filled-new-array")):
        regs = list(range(regs[0], regs[1] + 1))
    if op.startswith("const-string"):
        ref = ins.get_raw_string() if hasattr(ins, "get_raw_string") else ref
        if ref is not None:
            strings.add(ref)
    targets: list[int] = []
    if offset is not None:
        dest = address + offset
        if op.startswith(("packed-switch", "sparse-switch")):
            payload = payloads.get(dest)
            if payload is not None:
                for rel in payload.get_targets():
                    if address + rel in index_of:
                        targets.append(index_of[address + rel])
        elif op.startswith(("goto", "if-")) and dest in index_of:
            targets.append(index_of[dest])
    return Instr(op=op, regs=tuple(regs), ref=ref, lit=lit, targets=tuple(targets))


def _blocks(method: Method, code: Any, index_of: dict[int, int]) -> None:
    instrs = method.instrs
    count = len(instrs)
    if count == 0:
        return
    leaders = {0}
    handlers: set[int] = set()
    ranges: list[tuple[int, int]] = []
    try:
        for item in code.get_tries() or []:
            start, end = item.get_start_addr(), item.get_start_addr() + item.get_insn_count()
            ranges.append((start, end))
        handler_list = code.get_handlers()
        for handler in handler_list.get_list() if handler_list else []:
            for pair in handler.get_handlers():
                handlers.add(pair.get_addr())
            catch_all = getattr(handler, "catch_all_addr", None)  # only set when the handler has a catch-all
            if catch_all is not None and catch_all >= 0:
                handlers.add(catch_all)
    except (AttributeError, TypeError):
        ranges, handlers = [], set()
    address_of = {i: a for a, i in index_of.items()}
    handler_idx = sorted(index_of[a] for a in handlers if a in index_of)
    leaders.update(handler_idx)
    try_idx = [(index_of.get(s), e) for s, e in ranges]
    for start, _ in try_idx:
        if start is not None:
            leaders.add(start)
    for i, ins in enumerate(instrs):
        leaders.update(ins.targets)
        if (ins.targets or ins.op.startswith(_NO_FALLTHROUGH)) and i + 1 < count:
            leaders.add(i + 1)
        for _, end in ranges:
            if address_of[i] == end:
                leaders.add(i)
    starts = sorted(leader for leader in leaders if leader < count)
    block_of: dict[int, int] = {}
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else count
        method.blocks.append(Block(start, end))
        block_of[start] = number
    for block in method.blocks:
        last = instrs[block.end - 1]
        succ: list[int] = [block_of[t] for t in last.targets if t in block_of]
        if not last.op.startswith(_NO_FALLTHROUGH) and block.end < count:
            succ.append(block_of[block.end])
        first_addr, last_addr = address_of[block.start], address_of[block.end - 1]
        if any(s <= last_addr and first_addr < e for s, e in ranges):
            succ.extend(block_of[h] for h in handler_idx if h in block_of)
        block.succs = sorted(set(succ))
