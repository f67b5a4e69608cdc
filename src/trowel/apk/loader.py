"""The androguard boundary: an APK (or a bare DEX) becomes an :class:`AppIR`.

androguard 4 logs through loguru at debug level by default (tens of thousands of lines, about 1.8x slower);
its logger is disabled before anything is parsed. Only the DEX parser and the manifest reader are used, not
androguard's cross-reference analysis, which costs about three times the memory and has no edges for
callbacks anyway.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trowel.apk.callsites import call_site_targets
from trowel.apk.catalog import default_catalog
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


def load_apk(path: Path, on_identity: Callable[[tuple[str | None, str | None, str | None]], None] | None = None) -> AppIR:
    """Parse an APK (or a ``.dex`` file) into the analysis IR; a corrupt file raises :class:`ApkError`.

    ``on_identity`` gets (package, version code, version name) as soon as the manifest is read, before the
    DEX files are (so a caller can record the app even when the rest fails)."""
    silence_androguard()
    if not path.is_file():
        raise ApkError(f"{path}: not a regular file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ApkError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if data[:4] == b"dex\n":
        app = AppIR(package=path.stem, version_code=None, version_name=None, bundled=default_catalog().bundled)
        _load_dex(app, data, path.name)
        return app
    if not zipfile.is_zipfile(path):
        raise ApkError(f"{path}: not an APK (no ZIP structure) and not a DEX file")
    _check_dex_sizes(path)
    from androguard.core.apk import APK

    missing: list[str] = []
    apk: Any = None
    package: str | None = None
    plain: ManifestFacts | None = None
    try:
        apk = APK(str(path), raw=False)
        package = apk.get_package()
    except Exception as exc:  # androguard raises many exception types on hostile or unusual manifests
        plain = read_manifest_xml(path)  # e.g. a codename minSdkVersion ("VanillaIceCream") stops androguard
        package = plain.package if plain else None
        what = "package and components read from its binary XML directly" if package else "could not be read"
        missing.append(f"androguard could not read its AndroidManifest.xml ({type(exc).__name__}: {exc}); {what}")
    if (apk is not None or plain is not None) and not package:
        missing.append("its AndroidManifest.xml names no package")
    if plain is not None:
        app = AppIR(package=package or _package_from_name(path), version_code=plain.version_code,
                    version_name=plain.version_name, apk_path=str(path))
    else:
        app = AppIR(package=package or _package_from_name(path),
                    version_code=_manifest_value(apk, "get_androidversion_code"),
                    version_name=_manifest_value(apk, "get_androidversion_name"), apk_path=str(path))
    app.bundled = default_catalog().bundled
    if on_identity is not None and package:
        on_identity((package, app.version_code, app.version_name))
    if plain is not None:
        app.components.extend(plain.components(app.package))
    elif apk is not None:
        try:
            _components(app, apk)
        except Exception as exc:
            missing.append(f"the manifest components could not be read ({type(exc).__name__})")
    dexes = _dex_members(path, apk)
    if not dexes:
        raise ApkError(f"{path}: the APK holds no classes.dex" + (f" and {missing[0]}" if missing else ""))
    for problem in missing:
        app.warnings.append(f"{path.name}: {problem}: the DEX files are analysed without it"
                            + (f" (package taken as {app.package!r})" if not package else ""))
    for number, dex in enumerate(dexes, start=1):
        _load_dex(app, dex, f"{path}: classes{number if number > 1 else ''}.dex")
    return app


def read_manifest_identity(path: Path) -> tuple[str | None, str | None, str | None] | None:
    """(package, version code, version name) from the manifest only, or None when it cannot be read."""
    silence_androguard()
    if not zipfile.is_zipfile(path):
        return None
    from androguard.core.apk import APK

    try:
        apk = APK(str(path), raw=False)
        package = apk.get_package()
    except Exception:  # androguard raises many exception types on hostile manifests
        plain = read_manifest_xml(path)
        return (plain.package, plain.version_code, plain.version_name) if plain and plain.package else None
    if not package:
        return None
    return package, _manifest_value(apk, "get_androidversion_code"), _manifest_value(apk, "get_androidversion_name")


_ANDROID = "{http://schemas.android.com/apk/res/android}"
_KINDS = {"activity": "activity", "activity-alias": "activity", "service": "service", "receiver": "receiver",
          "provider": "provider"}


@dataclass
class ManifestFacts:
    """What the analysis needs from a manifest androguard's APK class refuses, read from the binary XML."""

    package: str | None
    version_code: str | None
    version_name: str | None
    names: list[tuple[str, str]]  # (kind, name as written)

    def components(self, package: str) -> list[Component]:
        out = []
        for kind, name in self.names:
            full = package + name if name.startswith(".") else name if "." in name else f"{package}.{name}"
            out.append(Component(kind, dalvik_name(full)))
        return out


def read_manifest_xml(path: Path) -> ManifestFacts | None:
    """Package, versions and components straight from ``AndroidManifest.xml`` (None when unreadable)."""
    try:
        from androguard.core.axml import AXMLPrinter

        with zipfile.ZipFile(path) as archive:
            data = archive.read("AndroidManifest.xml")
        root = AXMLPrinter(data).get_xml_obj()
        if root is None:
            return None
        names: list[tuple[str, str]] = []
        for element in root.iter():
            tag = element.tag if isinstance(element.tag, str) else ""
            name = element.get(f"{_ANDROID}name")
            if tag in _KINDS and name:
                names.append((_KINDS[tag], name))
            elif tag == "application" and name:
                names.append(("application", name))
        return ManifestFacts(root.get("package") or None, root.get(f"{_ANDROID}versionCode"),
                             root.get(f"{_ANDROID}versionName"), sorted(set(names), key=names.index))
    except Exception:  # a manifest that is not binary XML at all
        return None


def _package_from_name(path: Path) -> str:
    """A stand-in package name when the manifest has none: the file name without ``.apk``."""
    return path.stem


def _manifest_value(apk: Any, getter: str) -> str | None:
    if apk is None:
        return None
    try:
        return _str(getattr(apk, getter)())
    except Exception:  # an unusual attribute value (a codename where a number is expected...)
        return None


def _dex_members(path: Path, apk: Any) -> list[bytes]:
    """The DEX files: from androguard when it read the APK, else straight from the ZIP (classes*.dex)."""
    if apk is not None:
        try:
            return list(apk.get_all_dex())
        except Exception as exc:
            if not isinstance(exc, (ValueError, KeyError, OSError, zipfile.BadZipFile)):
                raise ApkError(f"{path}: cannot read the DEX files ({type(exc).__name__}: {exc})") from exc
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted((n for n in archive.namelist() if re.fullmatch(r"classes\d*\.dex", n)),
                           key=lambda n: (len(n), n))
            return [archive.read(n) for n in names]
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
        raise ApkError(f"{path}: cannot read the DEX files ({exc})") from exc


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
    sites: dict[int, str] | None = None

    def call_site(index: int) -> str | None:
        nonlocal sites
        if sites is None:
            sites = call_site_targets(data, lambda i: _method_ref(dex, i))
        return sites.get(index)

    own = app.own_prefix()
    for cls in classes:
        name = cls.get_name()
        if name in app.classes:
            continue
        summarised = name.startswith(app.bundled) and not name.startswith(own)  # a bundled library class
        interfaces = [i.replace(" ", "") for i in (cls.get_interfaces() or [])]
        info = ClassInfo(name=name, superclass=cls.get_superclassname() or None, interfaces=interfaces)
        try:
            info.fields = {f"{f.get_name()}:{f.get_descriptor()}".replace(" ", "") for f in cls.get_fields()}
        except Exception as exc:
            app.warnings.append(f"{label}: {name}: fields cannot be decoded ({type(exc).__name__})")
        for encoded in cls.get_methods():
            try:
                method = _method(name, encoded, app.strings, call_site, decode=not summarised)
            except Exception as exc:
                app.warnings.append(f"{label}: {name}->{encoded.get_name()}: cannot decode ({type(exc).__name__})")
                continue
            info.methods[f"{method.name}({method.params}){method.ret}"] = method
        app.classes[name] = info


def _method_ref(dex: Any, index: int) -> str | None:
    try:
        cls, name, (params, ret) = dex.get_cm_method(index)
    except (IndexError, ValueError, TypeError, AttributeError):
        return None
    return f"{cls}->{name}{params}{ret}".replace(" ", "")


def _method(class_name: str, encoded: Any, strings: set[str],
            call_site: Callable[[int], str | None] = lambda _i: None, decode: bool = True) -> Method:
    """One method; with ``decode=False`` (bundled library classes, never analysed) only its signature."""
    descriptor = encoded.get_descriptor().replace(" ", "")
    params, _, ret = descriptor[1:].partition(")")
    flags = encoded.get_access_flags()
    if not decode:
        return Method(class_name=class_name, name=encoded.get_name(), params=params, ret=ret,
                      is_static=bool(flags & 0x8), registers=0, ins=0, flags=int(flags))
    code = encoded.get_code()
    method = Method(class_name=class_name, name=encoded.get_name(), params=params, ret=ret,
                    is_static=bool(flags & 0x8), registers=code.get_registers_size() if code else 0,
                    ins=code.get_ins_size() if code else 0, flags=int(flags))
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
        instr = _instr(ins, offsets[i], index_of, payloads, strings)
        if instr.op.startswith("invoke-custom") and instr.lit is not None:
            target = call_site(instr.lit)
            instr = Instr(instr.op, instr.regs, f"lambda:{target}" if target else None, instr.lit, instr.targets)
        method.instrs.append(instr)
    _blocks(method, code, index_of)
    return method


def _instr(ins: Any, address: int, index_of: dict[int, int], payloads: dict[int, Any], strings: set[str]) -> Instr:
    op = ins.get_name()
    regs: list[int] = []
    ref: str | None = None
    lit: int | None = None
    offset: int | None = None
    for operand in ins.get_operands() or ():  # None for invoke-polymorphic
        kind = int(operand[0])
        if kind == 0:
            regs.append(int(operand[1]))
        elif kind == 1:
            lit = int(operand[1])
        elif kind == 3:
            offset = int(operand[1])
        elif kind >= 256:
            ref = str(operand[-1])
            if op.startswith("invoke-custom"):
                lit = int(operand[1])  # the call site index
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


def _try_ranges(code: Any) -> list[tuple[int, int, list[int]]]:
    """(start, end, handler addresses) of every try range, in code units; each range has its own handlers."""
    out: list[tuple[int, int, list[int]]] = []
    try:
        handler_list = code.get_handlers()
        by_offset: dict[int, list[int]] = {}
        if handler_list:
            base = handler_list.get_off()
            for handler in handler_list.get_list():
                addrs = [pair.get_addr() for pair in handler.get_handlers()]
                if handler.get_size() <= 0:  # a catch-all follows the typed handlers
                    addrs.append(handler.get_catch_all_addr())
                by_offset[handler.get_off() - base] = addrs
        for item in code.get_tries() or []:
            start = item.get_start_addr()
            out.append((start, start + item.get_insn_count(), by_offset.get(item.get_handler_off(), [])))
    except (AttributeError, TypeError, ValueError):
        return []
    return out


def _blocks(method: Method, code: Any, index_of: dict[int, int]) -> None:
    """Basic blocks; a block inside a try range gets an edge to that range's handlers only."""
    instrs = method.instrs
    count = len(instrs)
    if count == 0:
        return
    leaders = {0}
    ranges = _try_ranges(code)
    address_of = {i: a for a, i in index_of.items()}
    for start, end, handlers in ranges:
        leaders.update(index_of[a] for a in handlers if a in index_of)
        if start in index_of:
            leaders.add(index_of[start])
        if end in index_of:
            leaders.add(index_of[end])
    for i, ins in enumerate(instrs):
        leaders.update(ins.targets)
        if (ins.targets or ins.op.startswith(_NO_FALLTHROUGH)) and i + 1 < count:
            leaders.add(i + 1)
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
        first_addr = address_of[block.start]
        for start, end, handlers in ranges:
            if start <= first_addr < end:  # range ends are block leaders: the whole block is covered
                succ.extend(block_of[index_of[h]] for h in handlers if h in index_of and index_of[h] in block_of)
        block.succs = sorted(set(succ))
