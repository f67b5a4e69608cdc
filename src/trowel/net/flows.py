"""The flow table: one entry per TCP connection or UDP 5-tuple, counted in both directions.

A flow's ``a`` side is the one that sent its first packet, or the SYN sender for TCP (when the SYN-ACK is
seen first, the roles are swapped so that ``a`` stays the connection's initiator). A new SYN on a 5-tuple
whose connection has ended starts a new flow.
"""

from __future__ import annotations

from typing import Any

from trowel.net.packets import ip_text

SYN_ONLY = 0x02
SYN_ACK = 0x12


class UdpEvidence:
    """What the imo classifier needs from a UDP flow, gathered packet by packet in bounded memory."""

    __slots__ = ("patterns", "pings", "pongs", "last_single", "relay_frames")
    MAX_COUNTERS = 20_000

    def __init__(self) -> None:
        self.patterns: dict[str, int] = {}
        self.pings: list[tuple[int, int, int]] = []  # (ts_ns, direction, counter)
        self.pongs: list[tuple[int, int, int]] = []
        self.last_single: tuple[int, int] | None = None  # (direction, byte) of the last 1-byte payload
        self.relay_frames = 0

    def add(self, direction: int, payload: bytes, ts: int) -> None:
        n = len(payload)
        if n == 1:
            if self.last_single is not None and self.last_single[1] == payload[0]:
                self._hit("two 1-byte packets with the same byte")  # imo.ONE_BYTE
            self.last_single = (direction, payload[0])
            return
        self.last_single = None
        if n == 10:
            kind = payload[1]
            if kind in (2, 3):
                counter = int.from_bytes(payload[2:6], "little")
                target = self.pings if kind == 2 else self.pongs
                if len(target) < self.MAX_COUNTERS:
                    target.append((ts, direction, counter))
                if payload[0] == 0x09 and kind == 2:
                    self._hit("10-byte packet starting 09 02")
        elif n == 11 and payload[:3] == b"\x00\x09\x03":
            self._hit("11-byte packet starting 00 09 03")
        if n >= 4 and payload[0] == 0x88 and payload[:4] == b"\x88\x49\x1a\x00":
            self.relay_frames += 1
            if n == 1099:
                self._hit("1099-byte packet starting 88 49 1a 00")

    def _hit(self, name: str) -> None:
        self.patterns[name] = self.patterns.get(name, 0) + 1

    def echoed(self, pinger: int) -> int:
        """How many pongs from the other side carry a counter that side ``pinger`` sent in a ping."""
        sent = {c for _t, d, c in self.pings if d == pinger}
        return sum(1 for _t, d, c in self.pongs if d != pinger and c in sent)


class FlowState:
    """Counters of one flow while the capture is read."""

    __slots__ = ("number", "proto", "a", "ap", "b", "bp", "first_ts", "last_ts", "packets", "bytes", "payload",
                 "first_frame", "last_frame", "application", "conn", "udp", "ended", "mult16", "quic")

    def __init__(self, number: int, proto: int, a: bytes, ap: int, b: bytes, bp: int, ts: int, frame: int) -> None:
        self.number = number
        self.proto = proto
        self.a, self.ap, self.b, self.bp = a, ap, b, bp
        self.first_ts = self.last_ts = ts
        self.first_frame = self.last_frame = frame
        self.packets = [0, 0]
        self.bytes = [0, 0]
        self.payload = [0, 0]
        self.application: str | None = None
        self.conn: Any = None  # TcpConnection while the TCP stream is open
        self.quic: Any = None  # QuicFlow when the UDP flow carries QUIC
        self.udp: UdpEvidence | None = None
        self.ended = False
        self.mult16 = True  # every TCP payload so far a multiple of 16 bytes (imo's binary protocol)

    @property
    def flow_id(self) -> str:
        return f"{'tcp' if self.proto == 6 else 'udp'}-{self.number}"

    @property
    def transport(self) -> str:
        return "tcp" if self.proto == 6 else "udp"

    @property
    def a_ip(self) -> str:
        return ip_text(self.a)

    @property
    def b_ip(self) -> str:
        return ip_text(self.b)

    @property
    def duration_ns(self) -> int:
        return self.last_ts - self.first_ts

    def swap(self) -> None:
        """Make ``b`` the initiator (the first packet seen was the answer)."""
        self.a, self.ap, self.b, self.bp = self.b, self.bp, self.a, self.ap
        self.packets.reverse()
        self.bytes.reverse()
        self.payload.reverse()


class FlowTable:
    """Finds (or opens) the flow of a segment and tells the direction (0: a to b, 1: b to a)."""

    def __init__(self) -> None:
        self.open: dict[tuple[int, bytes, int, bytes, int], FlowState] = {}
        self.finished: list[FlowState] = []
        self.count = 0

    def lookup(self, proto: int, src: bytes, sport: int, dst: bytes, dport: int, flags: int, ts: int,
               frame: int) -> tuple[FlowState, int, bool]:
        """(flow, direction, new?) for one segment."""
        key = (proto, src, sport, dst, dport)
        flow = self.open.get(key)
        if flow is not None:
            direction = 0 if (flow.a == src and flow.ap == sport) else 1
            if not (flow.ended and proto == 6 and flags & 0x17 == SYN_ONLY):
                return flow, direction, False
            self.close(flow)
        self.count += 1
        flow = FlowState(self.count, proto, src, sport, dst, dport, ts, frame)
        direction = 0
        if proto == 6 and flags & 0x12 == SYN_ACK:
            flow.swap()
            direction = 1
        self.open[key] = flow
        self.open[(proto, dst, dport, src, sport)] = flow
        return flow, direction, True

    def close(self, flow: FlowState) -> None:
        """Move a flow out of the open table (its record is written from ``finished``)."""
        for key in ((flow.proto, flow.a, flow.ap, flow.b, flow.bp), (flow.proto, flow.b, flow.bp, flow.a, flow.ap)):
            if self.open.get(key) is flow:
                del self.open[key]
        self.finished.append(flow)

    def all_flows(self) -> list[FlowState]:
        seen: dict[int, FlowState] = {f.number: f for f in self.finished}
        for flow in self.open.values():
            seen[flow.number] = flow
        return [seen[n] for n in sorted(seen)]
