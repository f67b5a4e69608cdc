"""Reading packet captures: classic pcap (both byte orders, micro- and nanosecond) and pcapng (several
sections, interfaces and link types), recognised by content, not by file name.

The reader maps the file into memory (the operating system pages it in and out, so memory stays bounded on
captures of any size) and yields one :class:`Packet` per captured frame. A truncated file or a damaged
record ends the reading with a warning; everything read before stays valid.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from trowel.errors import CaptureError

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1000),  # little endian, microseconds
    b"\xa1\xb2\xc3\xd4": (">", 1000),
    b"\x4d\x3c\xb2\xa1": ("<", 1),  # nanoseconds
    b"\xa1\xb2\x3c\x4d": (">", 1),
}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
MAX_RECORD = 1 << 26  # no link layer carries frames of 64 MiB; a bigger length means a damaged record
RELEASE_EVERY = 32 << 20  # pages already read are handed back to the OS this often (bounded resident memory)


class Packet(NamedTuple):
    """One captured frame. ``ts_ns`` is Unix nanoseconds; ``data`` the captured bytes (maybe cut at the snap
    length: ``orig_len`` is the length on the wire)."""

    frame: int
    ts_ns: int
    linktype: int
    data: bytes
    orig_len: int
    interface: int


@dataclass
class CaptureInfo:
    """What the reader learnt about the file: its format, interfaces and warnings."""

    path: str
    format: str = ""
    size: int = 0
    interfaces: list[dict[str, object]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    packets: int = 0


_new = tuple.__new__  # builds a Packet without the Python-level constructor (runs once per frame)


def sniff_format(head: bytes) -> str:
    """``pcap`` or ``pcapng`` from the first bytes; raises CaptureError for anything else."""
    if head[:4] in PCAP_MAGICS:
        return "pcap"
    if head[:4] == PCAPNG_SHB and len(head) >= 12 and head[8:12] in (b"\x4d\x3c\x2b\x1a", b"\x1a\x2b\x3c\x4d"):
        return "pcapng"
    raise CaptureError("not a packet capture (neither pcap nor pcapng magic at the start)")


class CaptureReader:
    """Iterate over the frames of one capture file. ``info`` fills in while reading."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.info = CaptureInfo(path=str(path))
        try:
            self._file: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise CaptureError(f"{path}: cannot open ({exc.strerror or exc})") from exc
        self.info.size = path.stat().st_size
        head = self._file.read(12)
        try:
            self.info.format = sniff_format(head)
        except CaptureError as exc:
            self._file.close()
            raise CaptureError(f"{path}: {exc}") from None
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        self._released = 0

    def _release(self, pos: int) -> None:
        """Drop the mapped pages before ``pos`` from this process's resident set (frames are copies)."""
        upto = pos - pos % mmap.PAGESIZE
        if upto - self._released >= RELEASE_EVERY and hasattr(self._map, "madvise"):
            self._map.madvise(mmap.MADV_DONTNEED, self._released, upto - self._released)
            self._released = upto

    def close(self) -> None:
        self._map.close()
        self._file.close()

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def position(self) -> int:
        return getattr(self, "_pos", 0)

    def __iter__(self) -> Iterator[Packet]:
        if self.info.format == "pcap":
            return self._pcap()
        return self._pcapng()

    def _warn(self, message: str) -> None:
        self.info.warnings.append(message)

    # --- classic pcap ----------------------------------------------------------------------------
    def _pcap(self) -> Iterator[Packet]:
        buf = self._map
        size = len(buf)
        if size < 24:
            self._warn(f"file ends inside the pcap header ({size} of 24 bytes)")
            return
        order, scale = PCAP_MAGICS[bytes(buf[:4])]
        _vmaj, _vmin, _zone, _sig, snaplen, network = struct.unpack_from(order + "HHiIII", buf, 4)
        linktype = network & 0x0FFFFFFF
        self.info.interfaces.append({"id": 0, "linktype": linktype, "snaplen": snaplen})
        rec = struct.Struct(order + "IIII")
        unpack = rec.unpack_from
        pos = 24
        frame = 0
        next_release = RELEASE_EVERY
        while pos < size:
            self._pos = pos
            if pos >= next_release:
                self._release(pos)
                next_release = pos + RELEASE_EVERY
            if pos + 16 > size:
                self._warn(f"file ends inside a record header at offset {pos} (truncated capture)")
                break
            sec, frac, incl, orig = unpack(buf, pos)
            if incl > MAX_RECORD:
                self._warn(f"record at offset {pos} claims {incl} bytes: damaged, reading stops here")
                break
            end = pos + 16 + incl
            if end > size:
                self._warn(f"file ends inside frame {frame + 1} at offset {pos} ({size - pos - 16} of {incl} "
                           "bytes; truncated capture)")
                break
            frame += 1
            yield _new(Packet, (frame, sec * 1_000_000_000 + frac * scale, linktype, buf[pos + 16:end], orig, 0))
            pos = end
        self._pos = pos
        self.info.packets = frame

    # --- pcapng ----------------------------------------------------------------------------------
    def _pcapng(self) -> Iterator[Packet]:
        buf = self._map
        size = len(buf)
        pos = 0
        frame = 0
        order = "<"
        ifaces: list[tuple[int, int, int, int]] = []  # linktype, ts units numerator, denominator, offset seconds
        section = -1
        next_release = RELEASE_EVERY
        while pos < size:
            self._pos = pos
            if pos >= next_release:
                self._release(pos)
                next_release = pos + RELEASE_EVERY
            if pos + 12 > size:
                self._warn(f"file ends inside a block header at offset {pos} (truncated capture)")
                break
            btype_raw = bytes(buf[pos:pos + 4])
            if btype_raw == PCAPNG_SHB:
                bom = bytes(buf[pos + 8:pos + 12])
                if bom == b"\x4d\x3c\x2b\x1a":
                    order = "<"
                elif bom == b"\x1a\x2b\x3c\x4d":
                    order = ">"
                else:
                    self._warn(f"section header at offset {pos} has no byte-order magic: reading stops here")
                    break
                ifaces = []
                section += 1
            btype, blen = struct.unpack_from(order + "II", buf, pos)
            if blen < 12 or blen % 4 or blen > MAX_RECORD:
                self._warn(f"block at offset {pos} has an impossible length {blen}: reading stops here")
                break
            if pos + blen > size:
                self._warn(f"file ends inside a block at offset {pos} ({size - pos} of {blen} bytes; truncated "
                           "capture)")
                break
            body = pos + 8
            bend = pos + blen - 4
            if btype == 1:  # interface description
                linktype, _res, snaplen = struct.unpack_from(order + "HHI", buf, body)
                num, den, offset = _iface_options(buf, body + 8, bend, order)
                ifaces.append((linktype, num, den, offset))
                self.info.interfaces.append({"id": len(ifaces) - 1, "section": section, "linktype": linktype,
                                             "snaplen": snaplen})
            elif btype == 6:  # enhanced packet
                iface, hi, lo, cap, orig = struct.unpack_from(order + "IIIII", buf, body)
                data_at = body + 20
                if iface >= len(ifaces):
                    self._warn(f"packet block at offset {pos} names interface {iface}, which is not described")
                elif data_at + cap > bend:
                    self._warn(f"packet block at offset {pos} is shorter than its captured length {cap}")
                else:
                    linktype, num, den, offset = ifaces[iface]
                    frame += 1
                    yield Packet(frame, _ts_ns((hi << 32) | lo, num, den, offset), linktype,
                                 buf[data_at:data_at + cap], orig, iface)
            elif btype == 3:  # simple packet: interface 0, no timestamp
                (orig,) = struct.unpack_from(order + "I", buf, body)
                if not ifaces:
                    self._warn(f"simple packet block at offset {pos} before any interface description")
                else:
                    cap = min(orig, bend - body - 4)
                    frame += 1
                    yield Packet(frame, 0, ifaces[0][0], buf[body + 4:body + 4 + cap], orig, 0)
            elif btype == 2:  # obsolete packet block
                iface, _drops, hi, lo, cap, orig = struct.unpack_from(order + "HHIIII", buf, body)
                data_at = body + 20
                if iface < len(ifaces) and data_at + cap <= bend:
                    linktype, num, den, offset = ifaces[iface]
                    frame += 1
                    yield Packet(frame, _ts_ns((hi << 32) | lo, num, den, offset), linktype,
                                 buf[data_at:data_at + cap], orig, iface)
            pos += blen
        self._pos = pos
        self.info.packets = frame


def _iface_options(buf: mmap.mmap, pos: int, end: int, order: str) -> tuple[int, int, int]:
    """Timestamp resolution (as numerator/denominator of a second) and offset from the IDB options."""
    num, den, offset = 1, 1_000_000, 0
    while pos + 4 <= end:
        code, length = struct.unpack_from(order + "HH", buf, pos)
        value = bytes(buf[pos + 4:pos + 4 + length])
        if code == 0:
            break
        if code == 9 and length >= 1:
            res = value[0]
            den = 1 << (res & 127) if res & 128 else 10 ** res
        elif code == 14 and length >= 8:
            (offset,) = struct.unpack(order + "q", value[:8])
        pos += 4 + ((length + 3) & ~3)
    return num, den, offset


def _ts_ns(units: int, num: int, den: int, offset_s: int) -> int:
    """Exact nanoseconds from a pcapng timestamp in units of num/den seconds plus the interface offset."""
    if den == 1_000_000:
        return units * 1000 + offset_s * 1_000_000_000
    if den == 1_000_000_000:
        return units + offset_s * 1_000_000_000
    return (units * num * 1_000_000_000) // den + offset_s * 1_000_000_000


def open_capture(path: Path) -> CaptureReader:
    """Open a capture for reading; raises CaptureError (one line) when it is not one."""
    if not path.is_file():
        raise CaptureError(f"{path}: no such capture file")
    return CaptureReader(path)
