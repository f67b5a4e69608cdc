"""Generator of record files with known timestamp fields (fixtures for the field-inference tests).

Each builder returns the records and the truth: (offset, format, width, byteorder) of every timestamp
field. Times advance irregularly from START (2023-11-14 22:13:20 UTC) like message logs do; other fields
are ids, flags and random payload.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

START = 1_700_000_000  # Unix seconds
GPS_OFFSET = 315_964_800 - 18  # Unix - GPS seconds in 2023 (18 leap seconds)


@dataclass(frozen=True)
class Truth:
    offset: int
    format: str
    width: int
    byteorder: str


def times(n: int, seed: int) -> list[int]:
    """Unix nanoseconds, strictly increasing by 1 s .. 10 min with sub-second parts."""
    rng = random.Random(seed)
    out, t = [], START * 10**9
    for _ in range(n):
        t += rng.randint(1, 600) * 10**9 + rng.randint(0, 999_999) * 1000
        out.append(t)
    return out


def fixed_le(n: int = 300, seed: int = 1) -> tuple[list[bytes], list[Truth]]:
    """32-byte records: u32 id, int64 LE Unix ms, u16 flags, random, u32 LE Unix seconds at 20, random."""
    rng = random.Random(seed)
    records = []
    for i, t in enumerate(times(n, seed)):
        rec = struct.pack("<I", i + 1000) + struct.pack("<q", t // 10**6) + struct.pack("<H", rng.choice((0, 1, 3)))
        rec += rng.randbytes(6) + struct.pack("<I", t // 10**9 - rng.randint(0, 5)) + rng.randbytes(8)
        records.append(rec)
    return records, [Truth(4, "unix_ms", 8, "little"), Truth(20, "unix_s", 4, "little")]


def fixed_be(n: int = 300, seed: int = 2) -> tuple[list[bytes], list[Truth]]:
    """24-byte records: u32 BE GPS seconds, u32 BE counter, int64 BE Unix ns, random."""
    rng = random.Random(seed)
    records = []
    for i, t in enumerate(times(n, seed)):
        rec = struct.pack(">I", t // 10**9 - GPS_OFFSET) + struct.pack(">I", 7 * i) + struct.pack(">q", t)
        rec += rng.randbytes(8)
        records.append(rec)
    return records, [Truth(0, "gps", 4, "big"), Truth(8, "unix_ns", 8, "big")]


def variable(n: int = 300, seed: int = 3) -> tuple[list[bytes], list[Truth]]:
    """Variable-length records: u16 length, int64 LE Unix us at 2, text payload, u32 LE Unix s at the end."""
    rng = random.Random(seed)
    records = []
    for t in times(n, seed):
        text = "".join(rng.choice("abcdefghij klmnop") for _ in range(rng.randint(3, 40))).encode()
        body = struct.pack("<q", t // 1000) + text + struct.pack("<I", t // 10**9)
        records.append(struct.pack("<H", len(body) + 2) + body)
    return records, [Truth(2, "unix_us", 8, "little"), Truth(-4, "unix_s", 4, "little")]


def anchored_blob(seed: int = 4) -> tuple[bytes, bytes, int]:
    """A blob of messages 'hello <n>' each preceded by an int64 LE Unix ms stamp; returns (data, anchor,
    relative offset of the stamp to the anchor text)."""
    rng = random.Random(seed)
    parts = []
    for t in times(50, seed):
        parts.append(rng.randbytes(rng.randint(5, 30)))
        parts.append(struct.pack("<q", t // 10**6) + b"\x00\x01" + b"hello there " + str(rng.randint(0, 9)).encode())
    return b"".join(parts), b"hello there", -10
