"""Deterministic mutations of a seed's bytes (a seeded ``random.Random`` picks 1 to 3 of them)."""

from __future__ import annotations

import random
import struct
from collections.abc import Callable

INTERESTING = [0, 1, 0x7F, 0x80, 0xFF]
INTERESTING32 = [0, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x10000, 0xFFFF]


def _offset(rng: random.Random, data: bytearray, head_bias: bool = True) -> int:
    """An offset, half of the time in the first 512 bytes (headers decide most of a reader's path)."""
    if not data:
        return 0
    if head_bias and rng.random() < 0.5:
        return rng.randrange(min(len(data), 512))
    return rng.randrange(len(data))


def flip_bits(rng: random.Random, data: bytearray) -> str:
    n = rng.choice([1, 2, 4, 8, 13])
    for _ in range(n):
        if data:
            at = _offset(rng, data)
            data[at] ^= 1 << rng.randrange(8)
    return f"flip {n} bits"


def set_byte(rng: random.Random, data: bytearray) -> str:
    if not data:
        return "set nothing"
    at = _offset(rng, data)
    data[at] = rng.choice(INTERESTING)
    return f"byte at {at}"


def set_int32(rng: random.Random, data: bytearray) -> str:
    if len(data) < 4:
        return "int32 nothing"
    at = min(_offset(rng, data), len(data) - 4)
    struct.pack_into(rng.choice(["<I", ">I"]), data, at, rng.choice(INTERESTING32))
    return f"int32 at {at}"


def truncate(rng: random.Random, data: bytearray) -> str:
    keep = rng.randrange(len(data) + 1) if data else 0
    del data[keep:]
    return f"truncate to {keep}"


def zero_run(rng: random.Random, data: bytearray) -> str:
    if not data:
        return "zero nothing"
    at = _offset(rng, data, head_bias=False)
    n = rng.choice([16, 200, 512, 4096])
    data[at:at + n] = bytes(len(data[at:at + n]))
    return f"{n} zeros at {at}"


def duplicate(rng: random.Random, data: bytearray) -> str:
    if len(data) < 2:
        return "duplicate nothing"
    start = rng.randrange(len(data))
    chunk = data[start:start + rng.randrange(1, 1024)]
    at = rng.randrange(len(data))
    data[at:at] = chunk
    return f"{len(chunk)} bytes copied to {at}"


def insert_random(rng: random.Random, data: bytearray) -> str:
    at = rng.randrange(len(data) + 1)
    data[at:at] = rng.randbytes(rng.choice([1, 7, 64, 700]))
    return f"random bytes at {at}"


def delete_chunk(rng: random.Random, data: bytearray) -> str:
    if not data:
        return "delete nothing"
    at = rng.randrange(len(data))
    n = rng.choice([1, 3, 100, 1000])
    del data[at:at + n]
    return f"delete {n} at {at}"


MUTATORS: list[Callable[[random.Random, bytearray], str]] = [
    flip_bits, set_byte, set_int32, truncate, zero_run, duplicate, insert_random, delete_chunk,
]


def mutate(seed: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A mutated copy of ``seed`` and what was done to it."""
    data = bytearray(seed)
    done = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        mutator = rng.choice(MUTATORS)
        if mutator is truncate and done:
            continue
        done.append(mutator(rng, data))
    return bytes(data), "; ".join(done)
