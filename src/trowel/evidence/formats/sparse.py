"""Android sparse images (``img2simg`` / fastboot format), expanded on the fly, never written out.

File header (28 bytes, little endian): magic 0xED26FF3A, major 1, minor, file-header size, chunk-header size,
block size, total blocks, total chunks, image checksum. Each chunk header (12 bytes): type, reserved, size
in output blocks, total size in input bytes (header included). Types: RAW (0xCAC1, the blocks follow), FILL
(0xCAC2, a 4-byte pattern repeated), DONT_CARE (0xCAC3, nothing stored; reads as zeros, as ``simg2img``
writes it), CRC32 (0xCAC4, the CRC-32 of all output so far; it covers no output itself). CRC32 chunks are
checked on open in one streamed pass (a mismatch is a clear error); img2simg does not write them.

:class:`SparseImage` indexes the chunks once (a few bytes per chunk) and answers positioned reads from the
host file, so a multi-gigabyte partition is read through pytsk3 with bounded memory and no scratch copy.
"""

from __future__ import annotations

import bisect
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from trowel.errors import EvidenceError
from trowel.evidence.base import PositionalStream
from trowel.evidence.detect import Format, register_format
from trowel.evidence.formats.disk_image import DiskImageSource, StreamImage

MAGIC = 0xED26FF3A
MAGIC_BYTES = struct.pack("<I", MAGIC)
FILE_HEADER = struct.Struct("<IHHHHIIII")
CHUNK_HEADER = struct.Struct("<HHII")
RAW, FILL, DONT_CARE, CRC32 = 0xCAC1, 0xCAC2, 0xCAC3, 0xCAC4
MAX_OUTPUT_BYTES = 1 << 44  # 16 TiB: a header claiming more is hostile
MAX_CHUNKS = 2_000_000  # img2simg writes thousands; the index costs ~100 bytes per chunk


@dataclass(frozen=True, slots=True)
class Chunk:
    """One output range: ``out_offset``..+``length`` comes from ``in_offset`` (RAW) or ``fill`` (FILL/DONT_CARE)."""

    out_offset: int
    length: int
    kind: int
    in_offset: int = 0
    fill: bytes = b"\0\0\0\0"


@dataclass(frozen=True, slots=True)
class SparseHeader:
    major: int
    minor: int
    block_size: int
    total_blocks: int
    total_chunks: int
    image_checksum: int


def read_index(path: Path, label: str) -> tuple[SparseHeader, list[Chunk], list[tuple[int, int]]]:
    """Parse the header and every chunk header; raise a clear error on any inconsistency.

    Returns the header, the output chunks, and each CRC32 chunk as (output bytes it covers, stored value)."""
    chunks: list[Chunk] = []
    crcs: list[tuple[int, int]] = []
    try:
        with open(path, "rb") as stream:
            host_size = os.fstat(stream.fileno()).st_size
            raw = stream.read(FILE_HEADER.size)
            if len(raw) < FILE_HEADER.size:
                raise EvidenceError(f"{label}: sparse image header is truncated")
            magic, major, minor, hdr_size, chunk_hdr_size, blk, blocks, n_chunks, checksum = FILE_HEADER.unpack(raw)
            if magic != MAGIC or major != 1:
                raise EvidenceError(f"{label}: not an Android sparse image version 1 (magic {magic:#x}, major {major})")
            if hdr_size < FILE_HEADER.size or chunk_hdr_size < CHUNK_HEADER.size or blk == 0 or blk % 4:
                raise EvidenceError(f"{label}: sparse image header has impossible sizes "
                                    f"(header {hdr_size}, chunk header {chunk_hdr_size}, block {blk})")
            if blk * blocks > MAX_OUTPUT_BYTES:
                raise EvidenceError(f"{label}: sparse image claims {blk * blocks} bytes, over the limit")
            if n_chunks > MAX_CHUNKS:
                raise EvidenceError(f"{label}: sparse image declares {n_chunks} chunks, over the {MAX_CHUNKS} limit")
            header = SparseHeader(major, minor, blk, blocks, n_chunks, checksum)
            pos, out_block = hdr_size, 0
            for number in range(n_chunks):
                stream.seek(pos)
                raw = stream.read(CHUNK_HEADER.size)
                if len(raw) < CHUNK_HEADER.size:
                    raise EvidenceError(f"{label}: sparse image is truncated at chunk {number} of {n_chunks}")
                kind, _reserved, size_blocks, total = CHUNK_HEADER.unpack(raw)
                data_offset = pos + chunk_hdr_size
                data_len = total - chunk_hdr_size
                length = size_blocks * blk
                if kind == RAW:
                    if data_len != length or data_offset + data_len > host_size:
                        raise EvidenceError(f"{label}: sparse RAW chunk {number} is inconsistent or truncated")
                    chunks.append(Chunk(out_block * blk, length, RAW, data_offset))
                elif kind in (FILL, CRC32):
                    if data_len != 4:
                        raise EvidenceError(f"{label}: sparse chunk {number} (type {kind:#x}) has {data_len} data bytes, not 4")
                    stream.seek(data_offset)
                    value = stream.read(4)
                    if len(value) != 4:
                        raise EvidenceError(f"{label}: sparse image is truncated at chunk {number}")
                    if kind == FILL:
                        chunks.append(Chunk(out_block * blk, length, FILL, fill=value))
                    else:
                        crcs.append((out_block * blk, struct.unpack("<I", value)[0]))
                        size_blocks = 0
                elif kind == DONT_CARE:
                    if data_len != 0:
                        raise EvidenceError(f"{label}: sparse DONT_CARE chunk {number} carries data")
                    chunks.append(Chunk(out_block * blk, length, DONT_CARE))
                else:
                    raise EvidenceError(f"{label}: sparse chunk {number} has unknown type {kind:#x}")
                out_block += size_blocks
                pos = data_offset + data_len
            if out_block != blocks:
                raise EvidenceError(f"{label}: sparse chunks cover {out_block} blocks, the header says {blocks}")
    except OSError as exc:
        raise EvidenceError(f"{label}: cannot read ({exc.strerror or exc})") from exc
    return header, [c for c in chunks if c.length], crcs


class SparseImage(PositionalStream):
    """The expanded image as a read-only, seekable stream (and positioned reads for pytsk3)."""

    def __init__(self, path: Path, label: str | None = None) -> None:
        super().__init__()
        self.label = label or str(path)
        self.header, self._chunks, self.crc32_values = read_index(path, self.label)
        self._starts = [c.out_offset for c in self._chunks]
        self.size = self.header.block_size * self.header.total_blocks
        self._fd = os.open(path, os.O_RDONLY)
        self._pos = 0

    def verify_crc32(self, piece: int = 4 << 20) -> list[dict[str, object]]:
        """Check every CRC32 chunk (CRC-32 of all expanded bytes before it) in one streamed pass."""
        results: list[dict[str, object]] = []
        crc = done = 0
        for covered, stored in self.crc32_values:
            while done < covered:
                data = self.read_at(done, min(piece, covered - done))
                crc = zlib.crc32(data, crc)
                done += len(data)
            results.append({"covers_bytes": covered, "stored": f"{stored:08x}", "computed": f"{crc:08x}",
                            "verified": crc == stored})
        return results

    def read_at(self, offset: int, size: int) -> bytes:
        """``size`` bytes of the expanded image from ``offset`` (fewer at its end)."""
        size = max(0, min(size, self.size - offset))
        out = bytearray()
        index = bisect.bisect_right(self._starts, offset) - 1
        while size > 0 and 0 <= index < len(self._chunks):
            chunk = self._chunks[index]
            inner = offset - chunk.out_offset
            take = min(size, chunk.length - inner)
            if chunk.kind == RAW:
                data = os.pread(self._fd, take, chunk.in_offset + inner)
                if len(data) != take:
                    raise EvidenceError(f"{self.label}: sparse image ends inside a RAW chunk")
                out += data
            else:
                shift = inner % 4
                pattern = chunk.fill[shift:] + chunk.fill[:shift]
                out += (pattern * (take // 4 + 1))[:take]
            offset += take
            size -= take
            index += 1
        return bytes(out)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        super().close()


class SparseImageSource(DiskImageSource):
    """The file systems inside an Android sparse image (expanded transparently, in memory-bounded reads)."""

    kind = "sparse-image"

    def __init__(self, path: Path) -> None:
        self.sparse = SparseImage(path)
        try:
            self.crc32_checks = self.sparse.verify_crc32()
            bad = [c for c in self.crc32_checks if not c["verified"]]
            if bad:
                raise EvidenceError(f"{path}: sparse CRC32 chunk over the first {bad[0]['covers_bytes']} bytes does not "
                                    f"match (stored {bad[0]['stored']}, computed {bad[0]['computed']}): the image is damaged")
            super().__init__(path, StreamImage(self.sparse, self.sparse.size), f"{path} (sparse image)")
        except EvidenceError:
            self.sparse.close()
            raise

    def describe(self) -> dict[str, object]:
        info = super().describe()
        head = self.sparse.header
        info["sparse"] = {"version": f"{head.major}.{head.minor}", "block_size": head.block_size,
                          "blocks": head.total_blocks, "chunks": head.total_chunks,
                          "expanded_bytes": self.sparse.size, "crc32_chunks": self.crc32_checks}
        return info

    def close(self) -> None:
        super().close()
        self.sparse.close()


register_format(Format("sparse-image", lambda head: head.startswith(MAGIC_BYTES),
                       lambda path, _pw: SparseImageSource(path)))
