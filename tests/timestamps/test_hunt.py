"""Hunt: values planted in random data are all found at the right offsets, in every format, width and
byte order the scanner knows; chunk boundaries do not hide a value; the input is never written."""

from __future__ import annotations

import hashlib
import io
import random
import struct
from pathlib import Path

import pytest

from trowel.errors import UsageError
from trowel.model.values import Clock
from trowel.timestamps import all_formats, hunt
from trowel.timestamps.hunt import Hit
from trowel.timestamps.huntspec import HuntSpec, build_specs

T = 1_746_371_930_064_939_000  # 2025-05-04T15:18:50.064939Z
AFTER, BEFORE = T - 60 * 10**9, T + 60 * 10**9
SLOT = 48


def spec_bytes(spec: HuntSpec, t: int) -> tuple[bytes, int]:
    """The stored bytes of instant ``t`` for a spec, and the instant they decode to (truncation)."""
    fmt = spec.fmt
    raw = fmt.encode_raw(t)
    if spec.mode == "float":
        assert isinstance(raw, float)
        data = struct.pack("<d" if spec.order == "little" else ">d", raw)
    elif isinstance(raw, int):
        data = raw.to_bytes(spec.width, spec.order, signed=spec.signed)  # type: ignore[arg-type]
    else:
        assert isinstance(raw, bytes)
        data = raw
    return data, fmt.decode_raw(spec.raw_of(data)).unix_ns


def planted_blob(seed: int = 7) -> tuple[bytes, list[tuple[int, HuntSpec, int]]]:
    specs, notes = build_specs(all_formats(), AFTER, BEFORE)
    assert not notes, notes
    rng = random.Random(seed)
    blob = bytearray(rng.randbytes(SLOT * (len(specs) + 2)))
    planted = []
    for i, spec in enumerate(specs):
        offset = SLOT * (i + 1) + rng.randint(0, 7)  # mostly unaligned
        data, instant = spec_bytes(spec, T)
        blob[offset:offset + len(data)] = data
        planted.append((offset, spec, instant))
    return bytes(blob), planted


def assert_found(hits: list[Hit], planted: list[tuple[int, HuntSpec, int]]) -> None:
    index = {(h.offset, h.format, h.width, h.byteorder): h for h in hits}
    missing = []
    for offset, spec, instant in planted:
        hit = index.get((offset, spec.fmt.name, spec.width, spec.order))
        if hit is None or hit.unix_ns != instant:
            missing.append((offset, spec.label))
    assert not missing, missing


def test_every_spec_family_is_hunted() -> None:
    specs, _ = build_specs(all_formats(), AFTER, BEFORE)
    labels = {s.label for s in specs}
    for expected in ("unix_s/4le", "unix_s/4be", "unix_s/8le", "unix_s/8be", "unix_ms/6be", "unix_ms/8le",
                     "filetime_le/8le", "filetime_be/8be", "ole_le/8le", "ole_be/8be",
                     "biome_hex/8le", "biome_hex/8be", "dos_le/4le", "fat_date_time/4le", "exfat/4be",
                     "dvr/4be", "bitdate/4le", "dttm/4be", "gsm/7be", "systemtime/16le", "unix_hex_be/4be",
                     "nokia/4be", "nokia_plus1_le/4le", "apfs/8le", "ntp64/8be", "pcap_le/8le", "tai64n/12be"):
        assert expected in labels
    assert len(specs) >= 140


def test_planted_values_found_in_every_format_and_order() -> None:
    blob, planted = planted_blob()
    hits = list(hunt(blob, AFTER, BEFORE))
    assert_found(hits, planted)
    assert all(AFTER <= h.unix_ns <= BEFORE for h in hits)
    assert [h.offset for h in hits] == sorted(h.offset for h in hits)


def test_chunk_boundaries_and_files(tmp_path: Path) -> None:
    blob, planted = planted_blob(seed=8)
    path = tmp_path / "evidence.bin"
    path.write_bytes(blob)
    digest = hashlib.sha256(blob).hexdigest()
    for chunk in (61, 512, 4099):  # every value straddles some chunk boundary at one of these sizes
        hits = list(hunt(path, AFTER, BEFORE, chunk_size=chunk))
        assert_found(hits, planted)
        assert len(hits) == len({(h.offset, h.format, h.width, h.byteorder) for h in hits})  # no duplicates
        assert len(list(hunt(blob, AFTER, BEFORE, chunk_size=chunk))) == len(hits)
    parallel = list(hunt(path, AFTER, BEFORE, chunk_size=4099, jobs=2))
    assert parallel == list(hunt(path, AFTER, BEFORE, chunk_size=4099))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_selected_formats_and_fields() -> None:
    data = bytes(13) + struct.pack("<q", T // 10**6) + bytes(3) + struct.pack(">I", T // 10**9) + bytes(5)
    hits = list(hunt(data, AFTER, BEFORE, formats=["unix_ms", "Unix Seconds"]))
    got = {(h.offset, h.format, h.width, h.byteorder) for h in hits}
    assert (13, "unix_ms", 8, "little") in got and (13, "unix_ms", 6, "little") in got
    assert (24, "unix_s", 4, "big") in got
    assert {h.format for h in hits} <= {"unix_ms", "unix_s"}
    hit = next(h for h in hits if h.offset == 24 and h.width == 4)
    assert hit.unix_ns == T // 10**9 * 10**9 and hit.data == struct.pack(">I", T // 10**9)
    assert hit.clock is Clock.UTC
    assert hit.to_json()["utc"] == "2025-05-04T15:18:50.000000Z" and hit.to_json()["offset_hex"] == "0x18"


def test_local_clock_bitfield_hit() -> None:
    data = b"\xff" * 5 + bytes.fromhex("597aa45a") + b"\xff" * 5
    hits = [h for h in hunt(data, "2025-05-04T15:00:00", "2025-05-04T16:00:00", formats=["dos_le"])]
    assert [(h.offset, h.clock) for h in hits] == [(5, Clock.LOCAL)]


def test_two_byte_day_counts() -> None:
    midnight = 20_212 * 86_400 * 10**9
    data = b"\x01\x02\x03" + struct.pack("<H", 20_212) + b"\x09" + struct.pack(">H", 20_212)
    hits = {(h.offset, h.byteorder) for h in hunt(data, midnight - 10**9, midnight + 10**9, formats=["unix_days"])}
    assert hits == {(3, "little"), (6, "big")}


def test_bad_window() -> None:
    with pytest.raises(UsageError):
        list(hunt(b"1234", BEFORE, AFTER))
    assert list(hunt(b"", AFTER, BEFORE)) == []
    assert list(hunt(b"\x01", AFTER, BEFORE)) == []


class _Trickle:
    """A stream that returns at most 5 bytes per read and has no readinto."""

    def __init__(self, data: bytes) -> None:
        self._data, self._pos = data, 0

    def read(self, size: int = -1) -> bytes:
        size = 5 if size < 0 else min(size, 5)
        out = self._data[self._pos:self._pos + size]
        self._pos += len(out)
        return out


def test_streams_with_short_reads() -> None:
    blob, planted = planted_blob(seed=9)
    hits = list(hunt(_Trickle(blob), AFTER, BEFORE, chunk_size=1000))  # type: ignore[arg-type]
    assert_found(hits, planted)
    assert hits == list(hunt(io.BytesIO(blob), AFTER, BEFORE, chunk_size=1000))
