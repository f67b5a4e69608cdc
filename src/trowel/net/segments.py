"""The frames of a capture as flat transport-segment tuples, the form the analysis loop consumes.

Two sources give the same tuples:

- :func:`decoded_segments` reads any capture through :class:`CaptureReader` and :func:`decode` (the
  reference: every link type, pcapng, fragments, damaged frames);
- :func:`pcap_segments` reads a classic pcap file in one loop: the record header, and for the common case
  (an IPv4 packet without options or fragmentation carrying TCP or UDP under Ethernet, Linux cooked
  capture or raw IP) the IP and transport headers, are unpacked inline with no per-frame objects but the
  tuple itself. Every other frame (IPv6, VLAN, fragments, IP options, damaged or short headers, other
  link types) goes through :func:`decode`, so the result, the issue counts and the warnings are the
  reference's (``tests/net/test_segments.py`` compares both on the committed captures).

A tuple is ``(frame, ts_ns, orig_len, proto, src, sport, dst, dport, payload, flags, seq, cut)``; ``proto``
is 0 for a frame that carries no TCP/UDP segment (the other fields are then empty).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from trowel.net.capture import MAX_RECORD, PCAP_MAGICS, RELEASE_EVERY, CaptureReader
from trowel.net.packets import (
    LINK_ETHERNET,
    LINK_IPV4,
    LINK_RAW,
    LINK_SLL,
    LINK_SLL2,
    Fragments,
    PacketIssues,
    decode,
)

SegmentTuple = tuple[int, int, int, int, bytes, int, bytes, int, bytes, int, int, int]

# link type -> (offset of the 2-byte ethertype or -1 for raw IP, offset of the IP header)
_FAST_LINKS: dict[int, tuple[int, int]] = {LINK_ETHERNET: (12, 14), LINK_SLL: (14, 16), LINK_SLL2: (0, 20),
                                           LINK_IPV4: (-1, 0), **{raw: (-1, 0) for raw in LINK_RAW}}
_IPV4_FIELDS = "BxHxxHxB2x4s4s"  # version/IHL, total length, flags+offset, protocol, source, destination
_TCP_FIELDS = "HHIxxxxBB"  # ports, sequence, data offset, flags

_UDP = struct.Struct("!HHH").unpack_from
_NONE = (0, b"", 0, b"", 0, b"", 0, 0, 0)


def decoded_segments(reader: CaptureReader, issues: PacketIssues, frags: Fragments) -> Iterator[SegmentTuple]:
    """Any capture, frame by frame through :func:`decode` (the reference path)."""
    for frame, ts_ns, linktype, data, orig_len, _iface in reader:
        seg = decode(linktype, data, frame, issues, frags)
        if seg is None:
            yield (frame, ts_ns, orig_len, *_NONE)
        else:
            proto, src, sport, dst, dport, payload, flags, seq, _ack, cut = seg
            yield frame, ts_ns, orig_len, proto, src, sport, dst, dport, payload, flags, seq, cut


def segments(reader: CaptureReader, issues: PacketIssues, frags: Fragments) -> Iterator[SegmentTuple]:
    """The fastest source that reads this capture: :func:`pcap_segments` for classic pcap, else the reference."""
    if reader.info.format == "pcap":
        return pcap_segments(reader, issues, frags)
    return decoded_segments(reader, issues, frags)


def pcap_segments(reader: CaptureReader, issues: PacketIssues,  # noqa: C901 - one flat loop on purpose
                  frags: Fragments) -> Iterator[SegmentTuple]:
    """A classic pcap file's frames in one loop (the same tuples, issues and warnings as the reference)."""
    buf = reader._map
    info = reader.info
    size = len(buf)
    if size < 24:
        info.warnings.append(f"file ends inside the pcap header ({size} of 24 bytes)")
        return
    order, scale = PCAP_MAGICS[bytes(buf[:4])]
    _vmaj, _vmin, _zone, _sig, snaplen, network = struct.unpack_from(order + "HHiIII", buf, 4)
    linktype = network & 0x0FFFFFFF
    info.interfaces.append({"id": 0, "linktype": linktype, "snaplen": snaplen})
    unpack = struct.Struct(order + "IIII").unpack_from
    etype_at, ip_at = _FAST_LINKS.get(linktype, (-2, 0))
    fast = etype_at > -2
    raw = etype_at == -1
    # the ethertype (unless raw IP) and the IPv4 header's version/length, total length, flags and fragment
    # offset, protocol, source and destination, in one unpack
    ip_format = ("!" if raw else f"!H{max(0, ip_at - etype_at - 2)}x") + _IPV4_FIELDS
    ip_header = struct.Struct(ip_format).unpack_from
    # ... and with them the transport header's first 14 bytes: TCP ports, sequence, data offset and flags, or
    # the UDP ports and length (the high half of where TCP has its sequence number), when the frame holds them
    ip_transport = struct.Struct(ip_format + _TCP_FIELDS).unpack_from
    tcp_at = ip_at + 20
    both_at = tcp_at + 14  # frame length from which the one unpack reads inside the frame
    tcp_min = tcp_at + 20
    udp_payload_at = tcp_at + 8
    min_ip = ip_at + 20
    pos = 24
    frame = 0
    next_release = RELEASE_EVERY
    while pos < size:
        reader._pos = pos
        if pos >= next_release:
            reader._release(pos)
            next_release = pos + RELEASE_EVERY
        if pos + 16 > size:
            info.warnings.append(f"file ends inside a record header at offset {pos} (truncated capture)")
            break
        sec, frac, incl, orig = unpack(buf, pos)
        if incl > MAX_RECORD:
            info.warnings.append(f"record at offset {pos} claims {incl} bytes: damaged, reading stops here")
            break
        end = pos + 16 + incl
        if end > size:
            info.warnings.append(f"file ends inside frame {frame + 1} at offset {pos} ({size - pos - 16} of {incl} "
                                 "bytes; truncated capture)")
            break
        frame += 1
        start = pos + 16  # the frame's first byte in the map; the fast path reads headers in place
        pos = end
        ts_ns = sec * 1_000_000_000 + frac * scale
        if fast and incl >= min_ip:
            if incl >= both_at:
                if raw:
                    vihl, total, frag, proto, src, dst, sport, dport, seq, doff, flags = ip_transport(buf, start)
                    etype = 0x0800
                else:
                    etype, vihl, total, frag, proto, src, dst, sport, dport, seq, doff, flags = ip_transport(
                        buf, start + etype_at)
            else:
                sport = -1  # the transport header is read below if the frame holds enough of it
                if raw:
                    vihl, total, frag, proto, src, dst = ip_header(buf, start)
                    etype = 0x0800
                else:
                    etype, vihl, total, frag, proto, src, dst = ip_header(buf, start + etype_at)
            if etype == 0x0800 and vihl == 0x45 and total >= 20 and not frag & 0x3FFF:
                stop = ip_at + total
                if stop > incl:
                    stop = incl
                if proto == 6 and stop >= tcp_min:  # then incl >= both_at: the TCP fields were read above
                    hlen = (doff >> 4) * 4
                    if hlen >= 20 and tcp_at + hlen <= stop:
                        cut = ip_at + total - stop
                        if cut:
                            issues.add("snap_cut", frame)
                        yield (frame, ts_ns, orig, 6, src, sport, dst, dport,
                               buf[start + tcp_at + hlen:start + stop], flags, seq, cut)
                        continue
                elif proto == 17 and stop >= udp_payload_at:
                    if sport < 0:
                        sport, dport, ulen = _UDP(buf, start + tcp_at)
                    else:
                        ulen = seq >> 16
                    cut = ip_at + total - stop
                    if cut:
                        issues.add("snap_cut", frame)
                    if ulen >= 8 and tcp_at + ulen < stop:
                        stop = tcp_at + ulen
                    yield (frame, ts_ns, orig, 17, src, sport, dst, dport,
                           buf[start + udp_payload_at:start + stop], 0, 0, cut)
                    continue
        data = buf[start:end]
        seg = decode(linktype, data, frame, issues, frags)
        if seg is None:
            yield (frame, ts_ns, orig, *_NONE)
        else:
            proto, src, sport, dst, dport, payload, flags, seq, _ack, cut = seg
            yield frame, ts_ns, orig, proto, src, sport, dst, dport, payload, flags, seq, cut
    reader._pos = pos
    info.packets = frame
