"""Decoding one frame down to its transport segment: link layer (Ethernet with VLAN tags, raw IPv4/IPv6,
BSD loopback, Linux cooked capture SLL and SLL2), IPv4 / IPv6 (extension headers), TCP and UDP.

Kept deliberately flat (one function, ``struct`` offsets) because it runs once per packet. Damaged frames
are counted per problem in :class:`PacketIssues` so that a million broken packets give one warning line
each, with the first frame numbers, instead of a million records.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field
from typing import NamedTuple

LINK_ETHERNET = 1
LINK_NULL = 0
LINK_LOOP = 108
LINK_RAW = (101, 12, 14)
LINK_IPV4 = 228
LINK_IPV6 = 229
LINK_SLL = 113
LINK_SLL2 = 276
LINK_NAMES = {0: "null", 1: "ethernet", 12: "raw", 14: "raw", 101: "raw", 108: "loop", 113: "linux-sll",
              228: "ipv4", 229: "ipv6", 276: "linux-sll2"}

TCP = 6
UDP = 17
_IPV6_EXT = {0, 43, 60, 135, 139, 140}

_u16 = struct.Struct("!H").unpack_from
_tcp_hdr = struct.Struct("!HHIIBB").unpack_from
_udp_hdr = struct.Struct("!HHH").unpack_from


class Segment(NamedTuple):
    """A transport segment. Addresses are packed bytes (4 or 16); ``payload`` may be shorter than the IP
    header promised when the frame was cut at the snap length (``cut`` bytes missing)."""

    proto: int
    src: bytes
    sport: int
    dst: bytes
    dport: int
    payload: bytes
    flags: int  # TCP flags (0 for UDP)
    seq: int
    ack: int
    cut: int


_new = tuple.__new__  # builds a Segment without the Python-level constructor (runs once per packet)


@dataclass
class PacketIssues:
    """Counts of damaged or unusual frames, each with the first few frame numbers as examples."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[int]] = field(default_factory=dict)

    def add(self, issue: str, frame: int) -> None:
        self.counts[issue] = self.counts.get(issue, 0) + 1
        ex = self.examples.setdefault(issue, [])
        if len(ex) < 5:
            ex.append(frame)

    def messages(self) -> list[str]:
        out = []
        for issue, n in sorted(self.counts.items()):
            frames = ", ".join(str(f) for f in self.examples[issue])
            out.append(f"{n} frame(s): {ISSUE_TEXT.get(issue, issue)} (first frames {frames})")
        return out


ISSUE_TEXT = {
    "ip_len_zero": "IPv4 total length 0 (segmentation offload); length taken from the captured bytes",
    "snap_cut": "cut at the snap length; payload incomplete",
    "ip_len_short": "IP length shorter than its header; frame ignored",
    "short_frame": "too short for its link or IP header; frame ignored",
    "bad_tcp": "TCP header damaged; frame ignored",
    "bad_udp": "UDP header damaged; frame ignored",
    "fragment": "IP fragment (fragments are not reassembled; only first fragments are read)",
    "unknown_link": "link type not supported; frame ignored",
}


def ip_text(addr: bytes) -> str:
    """Printable form of a packed IPv4 or IPv6 address."""
    return socket.inet_ntop(socket.AF_INET if len(addr) == 4 else socket.AF_INET6, addr)


def decode(linktype: int, data: bytes, frame: int, issues: PacketIssues) -> Segment | None:
    """The TCP or UDP segment a frame carries, or None (not IP, not TCP/UDP, or damaged: counted)."""
    n = len(data)
    if linktype == LINK_ETHERNET:
        if n < 14:
            issues.add("short_frame", frame)
            return None
        etype = (data[12] << 8) | data[13]
        off = 14
        while etype in (0x8100, 0x88A8, 0x9100):
            if n < off + 4:
                issues.add("short_frame", frame)
                return None
            etype = (data[off + 2] << 8) | data[off + 3]
            off += 4
    elif linktype in LINK_RAW or linktype in (LINK_IPV4, LINK_IPV6):
        if not n:
            issues.add("short_frame", frame)
            return None
        version = data[0] >> 4
        etype = 0x0800 if version == 4 else 0x86DD if version == 6 else 0
        off = 0
    elif linktype == LINK_SLL2:
        if n < 20:
            issues.add("short_frame", frame)
            return None
        etype = (data[0] << 8) | data[1]
        off = 20
    elif linktype == LINK_SLL:
        if n < 16:
            issues.add("short_frame", frame)
            return None
        etype = (data[14] << 8) | data[15]
        off = 16
    elif linktype in (LINK_NULL, LINK_LOOP):
        if n < 5:
            issues.add("short_frame", frame)
            return None
        version = data[4] >> 4
        etype = 0x0800 if version == 4 else 0x86DD if version == 6 else 0
        off = 4
    else:
        issues.add("unknown_link", frame)
        return None

    if etype == 0x0800:
        if n < off + 20:
            issues.add("short_frame", frame)
            return None
        ihl = (data[off] & 0x0F) * 4
        total = _u16(data, off + 2)[0]
        if total == 0:
            issues.add("ip_len_zero", frame)
            total = n - off
        elif total < ihl:
            issues.add("ip_len_short", frame)
            return None
        frag = _u16(data, off + 6)[0]
        if frag & 0x3FFF:
            issues.add("fragment", frame)
            if frag & 0x1FFF:
                return None
        proto = data[off + 9]
        src = data[off + 12:off + 16]
        dst = data[off + 16:off + 20]
        start = off + ihl
        end = off + total
    elif etype == 0x86DD:
        if n < off + 40:
            issues.add("short_frame", frame)
            return None
        plen = _u16(data, off + 4)[0]
        proto = data[off + 6]
        src = data[off + 8:off + 24]
        dst = data[off + 24:off + 40]
        start = off + 40
        if plen == 0:
            issues.add("ip_len_zero", frame)
            end = n
        else:
            end = start + plen
        while proto in _IPV6_EXT or proto == 44:
            if n < start + 8:
                issues.add("short_frame", frame)
                return None
            if proto == 44:
                fo = _u16(data, start + 2)[0]
                issues.add("fragment", frame)
                if fo & 0xFFF8:
                    return None
                proto = data[start]
                start += 8
            else:
                proto, start = data[start], start + (data[start + 1] + 1) * 8
    else:
        return None

    cut = 0
    if end > n:
        cut = end - n
        issues.add("snap_cut", frame)
        end = n
    if proto == TCP:
        if end < start + 20:
            issues.add("bad_tcp", frame)
            return None
        sport, dport, seq, ack, doff, flags = _tcp_hdr(data, start)
        hlen = (doff >> 4) * 4
        if hlen < 20 or start + hlen > end:
            issues.add("bad_tcp", frame)
            return None
        return _new(Segment, (TCP, src, sport, dst, dport, data[start + hlen:end], flags, seq, ack, cut))
    if proto == UDP:
        if end < start + 8:
            issues.add("bad_udp", frame)
            return None
        sport, dport, ulen = _udp_hdr(data, start)
        stop = end
        if ulen >= 8 and start + ulen < end:
            stop = start + ulen
        return _new(Segment, (UDP, src, sport, dst, dport, data[start + 8:stop], 0, 0, 0, cut))
    return None
