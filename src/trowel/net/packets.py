"""Decoding one frame down to its transport segment: link layer (Ethernet with VLAN tags and PPPoE, raw
IPv4/IPv6, BSD loopback/NULL, Linux cooked capture SLL and SLL2, PPP, PPP in HDLC framing, Cisco HDLC, 802.11
data frames with or without radiotap), IPv4 / IPv6 (extension headers, fragments reassembled by
:class:`Fragments`), TCP and UDP.

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
LINK_PPP = 9
LINK_PPP_HDLC = 50
LINK_PPP_WITH_DIR = 204
LINK_PPP_ETHER = 51
LINK_PPP_PPPD = 166
LINK_C_HDLC = 104
LINK_80211 = 105
LINK_RADIOTAP = 127
LINK_NAMES = {0: "null", 1: "ethernet", 9: "ppp", 12: "raw", 14: "raw", 50: "ppp-hdlc", 51: "pppoe", 101: "raw", 166: "ppp-pppd", 104: "c-hdlc",
              105: "ieee802.11", 108: "loop", 113: "linux-sll", 127: "ieee802.11-radiotap", 204: "ppp-with-dir",
              228: "ipv4", 229: "ipv6", 276: "linux-sll2"}
# names of link types that are not read, for the warning (the LINKTYPE_ registry's names)
OTHER_LINK_NAMES = {6: "IEEE802_5", 8: "SLIP", 10: "FDDI", 107: "FRELAY", 119: "PRISM_HEADER", 143: "DOCSIS",
                    147: "USER0", 163: "IEEE802_11_AVS", 187: "BLUETOOTH_HCI_H4", 189: "USB_LINUX",
                    201: "BLUETOOTH_HCI_H4_WITH_PHDR", 220: "USB_LINUX_MMAPPED", 239: "NFLOG", 253: "NETLINK"}
_PPP_ETYPE = {0x0021: 0x0800, 0x0057: 0x86DD}

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
            if issue.startswith("unknown_link:"):
                linktype = int(issue.split(":")[1])
                text = f"link type {linktype} ({link_name(linktype)}) not supported; frame ignored"
            else:
                text = ISSUE_TEXT.get(issue, issue)
            out.append(f"{n} frame(s): {text} (first frames {frames})")
        return out


ISSUE_TEXT = {
    "ip_len_zero": "IPv4 total length 0 (segmentation offload); length taken from the captured bytes",
    "snap_cut": "cut at the snap length; payload incomplete",
    "ip_len_short": "IP length shorter than its header; frame ignored",
    "short_frame": "too short for its link or IP header; frame ignored",
    "bad_tcp": "TCP header damaged; frame ignored",
    "bad_udp": "UDP header damaged; frame ignored",
    "fragment": "IP fragment (reassembled with the other fragments of its datagram)",
    "fragment_unmatched": "IP fragment whose datagram never completed (the fragments are not read)",
    "fragment_overlap": "IP fragment overlapping an earlier one (the first bytes are kept)",
    "wifi_protected": "802.11 data frame protected (encrypted); frame ignored",
    "ppp_not_ip": "PPP frame carrying no IP (link control or other protocol); frame ignored",
    "quic_unopened": "QUIC Initial packet that opens with no client's keys (the capture began after the "
                     "connection's first packet); not read",
}


def link_name(linktype: int) -> str:
    return LINK_NAMES.get(linktype) or OTHER_LINK_NAMES.get(linktype) or "not a registered link type"


MAX_DATAGRAM = 65535 + 64
MAX_PENDING = 4096


class _Datagram:
    __slots__ = ("buf", "ranges", "total", "first_frame")

    def __init__(self, frame: int) -> None:
        self.buf = bytearray()
        self.ranges: list[tuple[int, int]] = []  # byte ranges received, in arrival order
        self.total = -1  # known from the last fragment
        self.first_frame = frame


class Fragments:
    """IPv4 and IPv6 fragments waiting for the rest of their datagram (first bytes win on overlap).

    Bounded: at most ``MAX_PENDING`` datagrams wait (the oldest is given up beyond that) and a datagram
    never grows past 64 KiB. Datagrams given up or still waiting at the end are counted by :meth:`finish`."""

    def __init__(self) -> None:
        self.pending: dict[tuple[object, ...], _Datagram] = {}
        self.given_up: list[int] = []

    def add(self, key: tuple[object, ...], offset: int, more: bool, data: bytes, frame: int,
            issues: PacketIssues) -> bytes | None:
        """The whole datagram payload when this fragment completes it, else None."""
        end = offset + len(data)
        if end > MAX_DATAGRAM:
            issues.add("fragment_unmatched", frame)
            return None
        dgram = self.pending.get(key)
        if dgram is None:
            if len(self.pending) >= MAX_PENDING:
                oldest = next(iter(self.pending))
                self.given_up.append(self.pending.pop(oldest).first_frame)
            dgram = self.pending[key] = _Datagram(frame)
        if end > len(dgram.buf):
            dgram.buf.extend(bytes(end - len(dgram.buf)))
        pieces = [(offset, end)]
        for a, b in dgram.ranges:  # cut the new fragment around bytes already received
            if a < end and b > offset:
                issues.add("fragment_overlap", frame)
            pieces = [q for lo, hi in pieces for q in ((lo, min(hi, a)), (max(lo, b), hi)) if q[0] < q[1]]
        for lo, hi in pieces:
            dgram.buf[lo:hi] = data[lo - offset:hi - offset]
        dgram.ranges.append((offset, end))
        if not more:
            dgram.total = end
        if dgram.total < 0:
            return None
        reach = 0
        for a, b in sorted(dgram.ranges):
            if a > reach:
                return None
            reach = max(reach, b)
        if reach < dgram.total:
            return None
        del self.pending[key]
        return bytes(dgram.buf[:dgram.total])

    def finish(self, issues: PacketIssues) -> None:
        """Count the datagrams that never completed (one issue each, with their first frame)."""
        for frame in self.given_up + [d.first_frame for d in self.pending.values()]:
            issues.add("fragment_unmatched", frame)
        self.pending.clear()
        self.given_up = []


def ip_text(addr: bytes) -> str:
    """Printable form of a packed IPv4 or IPv6 address."""
    return socket.inet_ntop(socket.AF_INET if len(addr) == 4 else socket.AF_INET6, addr)


def _ppp(data: bytes, off: int) -> tuple[int, int]:
    """(ethertype, offset of the IP header) after a PPP header at ``off`` (address/control and protocol field
    compression allowed); ethertype 0 when the frame carries no IP."""
    if data[off + 1:off + 2] == b"\x03" and data[off] in (0xFF, 0x00, 0x01):  # address (or pppd's direction)
        off += 2
    if off >= len(data):
        return 0, off
    if data[off] & 1:  # protocol field compressed to one byte
        proto, off = data[off], off + 1
    elif off + 2 <= len(data):
        proto, off = (data[off] << 8) | data[off + 1], off + 2
    else:
        return 0, off
    return _PPP_ETYPE.get(proto, 0), off


def _wifi(data: bytes, off: int, frame: int, issues: PacketIssues) -> tuple[int, int]:
    """(ethertype, offset) of an 802.11 data frame's LLC/SNAP payload; (0, 0) for anything else."""
    n = len(data)
    if n < off + 24:
        return 0, 0
    fc0, fc1 = data[off], data[off + 1]
    if (fc0 >> 2) & 3 != 2 or fc0 & 0x40:  # not a data frame, or a null-data subtype (no payload)
        return 0, 0
    if fc1 & 0x40:
        issues.add("wifi_protected", frame)
        return 0, 0
    hlen = 24
    if fc1 & 3 == 3:
        hlen += 6  # fourth address (WDS)
    if fc0 & 0x80:
        hlen += 2  # QoS control
        if fc1 & 0x80:
            hlen += 4  # HT control
    pos = off + hlen
    if n < pos + 8 or data[pos:pos + 3] != b"\xaa\xaa\x03":
        return 0, 0
    return (data[pos + 6] << 8) | data[pos + 7], pos + 8


def decode(linktype: int, data: bytes, frame: int, issues: PacketIssues,
           frags: Fragments | None = None) -> Segment | None:
    """The TCP or UDP segment a frame carries, or None (not IP, not TCP/UDP, or damaged: counted). IP
    fragments are reassembled when ``frags`` is given: the frame completing a datagram yields its segment."""
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
        if etype == 0x8864:  # PPPoE session: 6-byte header, then the PPP protocol
            if n < off + 8:
                issues.add("short_frame", frame)
                return None
            etype, off = _ppp(data, off + 6)
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
    elif linktype in (LINK_PPP, LINK_PPP_HDLC, LINK_PPP_WITH_DIR, LINK_PPP_ETHER, LINK_PPP_PPPD):
        off = 1 if linktype == LINK_PPP_WITH_DIR else 6 if linktype == LINK_PPP_ETHER else 0
        if n < off + 4:
            issues.add("short_frame", frame)
            return None
        if linktype == LINK_PPP_HDLC and data[0] in (0x0F, 0x8F):  # Cisco PPP with HDLC framing
            etype, off = (data[2] << 8) | data[3], 4
        else:
            etype, off = _ppp(data, off)
        if not etype:
            issues.add("ppp_not_ip", frame)
            return None
    elif linktype == LINK_C_HDLC:
        if n < 4:
            issues.add("short_frame", frame)
            return None
        etype, off = (data[2] << 8) | data[3], 4
    elif linktype in (LINK_RADIOTAP, LINK_80211):
        off = 0
        if linktype == LINK_RADIOTAP:
            if n < 8:
                issues.add("short_frame", frame)
                return None
            off = data[2] | (data[3] << 8)
        etype, off = _wifi(data, off, frame, issues)
    else:
        issues.add(f"unknown_link:{linktype}", frame)
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
        proto = data[off + 9]
        src = data[off + 12:off + 16]
        dst = data[off + 16:off + 20]
        start = off + ihl
        end = off + total
        if frag & 0x3FFF:
            issues.add("fragment", frame)
            if frags is None:
                if frag & 0x1FFF:
                    return None
            else:
                whole = frags.add((src, dst, _u16(data, off + 4)[0], proto), (frag & 0x1FFF) * 8,
                                  bool(frag & 0x2000), data[start:min(end, n)], frame, issues)
                if whole is None:
                    return None
                data, start, end, n = whole, 0, len(whole), len(whole)
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
                proto = data[start]
                if frags is None:
                    if fo & 0xFFF8:
                        return None
                    start += 8
                    continue
                whole = frags.add((src, dst, data[start + 4:start + 8]), fo & 0xFFF8, bool(fo & 1),
                                  data[start + 8:min(end, n)], frame, issues)
                if whole is None:
                    return None
                data, start, end, n = whole, 0, len(whole), len(whole)
                if proto in _IPV6_EXT:
                    continue
                break
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
