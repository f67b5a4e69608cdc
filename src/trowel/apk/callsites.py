"""``invoke-custom`` call sites (Java lambdas compiled without desugaring): which method a lambda runs.

androguard does not parse call sites, so this reads them from the DEX map: each ``call_site_id_item``
points to an encoded array ``[bootstrap handle, name, method type, extra arguments...]``; for
``LambdaMetafactory`` the second extra argument is the method handle of the lambda's body. Only what the
analysis needs is read (method handles of kind invoke-static/instance/direct/interface/constructor);
anything malformed gives no entry (the call then carries data only).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

TYPE_CALL_SITE_ID = 0x0007
TYPE_METHOD_HANDLE = 0x0008
VALUE_METHOD_HANDLE = 0x16


def _uleb128(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80 or shift > 28:
            return result, pos
        shift += 7


def call_site_targets(data: bytes, method_ref: Callable[[int], str | None]) -> dict[int, str]:
    """Call site index -> the method reference its lambda runs (``Lx;->name(params)ret``)."""
    try:
        return _parse(data, method_ref)
    except (IndexError, struct.error, ValueError):
        return {}


def _parse(data: bytes, method_ref: Callable[[int], str | None]) -> dict[int, str]:
    (map_off,) = struct.unpack_from("<I", data, 0x34)
    (count,) = struct.unpack_from("<I", data, map_off)
    sections: dict[int, tuple[int, int]] = {}
    for i in range(min(count, 64)):
        kind, _, size, offset = struct.unpack_from("<HHII", data, map_off + 4 + i * 12)
        sections[kind] = (size, offset)
    if TYPE_CALL_SITE_ID not in sections or TYPE_METHOD_HANDLE not in sections:
        return {}
    handles_size, handles_off = sections[TYPE_METHOD_HANDLE]
    sites_size, sites_off = sections[TYPE_CALL_SITE_ID]
    out: dict[int, str] = {}
    for site in range(min(sites_size, 1 << 20)):
        (array_off,) = struct.unpack_from("<I", data, sites_off + site * 4)
        handles = _method_handles(data, array_off)
        if len(handles) < 2:
            continue
        index = handles[1]  # [bootstrap, implementation] for LambdaMetafactory
        if index >= handles_size:
            continue
        handle_type, _, member, _ = struct.unpack_from("<HHHH", data, handles_off + index * 8)
        if handle_type >= 4:  # 0-3 are field accessors; 4-8 invoke a method
            ref = method_ref(member)
            if ref:
                out[site] = ref
    return out


def _method_handles(data: bytes, pos: int) -> list[int]:
    """The method-handle values of one encoded array, in order."""
    size, pos = _uleb128(data, pos)
    handles: list[int] = []
    for _ in range(min(size, 64)):
        header = data[pos]
        pos += 1
        value_type, arg = header & 0x1F, header >> 5
        if value_type in (0x1C, 0x1D):  # nested array or annotation: not in lambda call sites
            return handles
        width = 0 if value_type in (0x1E, 0x1F) else arg + 1
        value = int.from_bytes(data[pos:pos + width], "little")
        pos += width
        if value_type == VALUE_METHOD_HANDLE:
            handles.append(value)
    return handles
