"""TCP reassembly: each direction of a connection becomes an ordered byte stream handed to a consumer.

Rules (the same for every stream, so that a result can be explained in court):
- Sequence numbers are unwrapped against the next expected byte, so streams over 4 GiB stay in order.
- **First wins**: a byte, once received, is never replaced. A retransmission or an overlapping segment only
  contributes the bytes not seen before (bytes already delivered are counted as retransmitted; a segment
  overlapping a waiting out-of-order segment is cut around it).
- Out-of-order segments wait until the hole before them is filled. When more than ``MAX_PENDING`` bytes
  wait, when the connection ends, or at the end of the capture, the hole is given up: the consumer gets a
  gap marker with the number of missing bytes, and the stream continues after it.
- Without a SYN in the capture, the first data segment seen starts the stream.
"""

from __future__ import annotations

import bisect
from typing import Protocol

MASK = 0xFFFFFFFF
WRAP = 1 << 32
MAX_PENDING = 8 << 20
MAX_PENDING_SEGMENTS = 4096
FIN = 0x01
SYN = 0x02
RST = 0x04


class StreamConsumer(Protocol):
    """Receives the reassembled bytes of both directions (0: from the initiator, 1: towards it)."""

    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None: ...

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None: ...

    def close(self, ts_ns: int) -> None: ...


class HalfStream:
    """One direction of a TCP connection."""

    __slots__ = ("base", "next", "starts", "pending", "pending_bytes", "fin", "gaps", "gap_bytes",
                 "retransmitted", "delivered", "direction", "consumer")

    def __init__(self, direction: int, consumer: StreamConsumer) -> None:
        self.direction = direction
        self.consumer = consumer
        self.base: int | None = None
        self.next = 0
        self.starts: list[int] = []  # sorted start offsets of waiting segments
        self.pending: dict[int, tuple[bytes, int, int]] = {}  # start -> (bytes, ts, frame)
        self.pending_bytes = 0
        self.fin: int | None = None
        self.gaps = 0
        self.gap_bytes = 0
        self.retransmitted = 0
        self.delivered = 0

    def _rel(self, seq: int) -> int:
        assert self.base is not None
        rel32 = (seq - self.base) & MASK
        cand = (self.next & ~MASK) | rel32
        if cand - self.next > WRAP // 2:
            cand -= WRAP
        elif self.next - cand > WRAP // 2:
            cand += WRAP
        return cand

    def segment(self, seq: int, flags: int, payload: bytes, ts: int, frame: int) -> None:
        base = self.base
        if payload and base is not None and not flags & SYN and not self.starts:
            nxt = self.next
            if (nxt & MASK) == ((seq - base) & MASK):  # the next expected byte: the common case
                self.next = nxt + len(payload)
                self.delivered += len(payload)
                self.consumer.data(self.direction, payload, ts, frame)
                if flags & FIN:
                    self.fin = self.next
                return
        if flags & SYN:
            if self.base is None:
                self.base = (seq + 1) & MASK
            seq = (seq + 1) & MASK
        if payload:
            if self.base is None:
                self.base = seq
            rel = self._rel(seq)
            self._add(rel, payload, ts, frame)
            if flags & FIN:
                self.fin = rel + len(payload)
        elif flags & FIN and self.base is not None:
            self.fin = self._rel(seq)

    def _add(self, rel: int, payload: bytes, ts: int, frame: int) -> None:
        end = rel + len(payload)
        if end <= self.next:
            self.retransmitted += len(payload)
            return
        if rel < self.next:
            self.retransmitted += self.next - rel
            payload = payload[self.next - rel:]
            rel = self.next
        if rel == self.next and not (self.starts and self.starts[0] < end):
            self._deliver(payload, ts, frame)
            if self.starts:
                self._drain()
            return
        self._insert(rel, payload, ts, frame)
        self._drain()
        if self.pending_bytes > MAX_PENDING or len(self.starts) > MAX_PENDING_SEGMENTS:
            self._skip_gap(ts, frame)

    def _insert(self, rel: int, payload: bytes, ts: int, frame: int) -> None:
        """Keep only the bytes of ``payload`` that no waiting segment holds (first wins)."""
        end = rel + len(payload)
        i = bisect.bisect_right(self.starts, rel) - 1
        if i < 0:
            i = 0
        cursor = rel
        pieces: list[tuple[int, int]] = []
        while i < len(self.starts) and cursor < end:
            s = self.starts[i]
            e = s + len(self.pending[s][0])
            if e <= cursor:
                i += 1
                continue
            if s >= end:
                break
            if s > cursor:
                pieces.append((cursor, s))
            self.retransmitted += min(e, end) - max(s, cursor)
            cursor = max(cursor, e)
            i += 1
        if cursor < end:
            pieces.append((cursor, end))
        for s, e in pieces:
            bisect.insort(self.starts, s)
            self.pending[s] = (payload[s - rel:e - rel], ts, frame)
            self.pending_bytes += e - s

    def _deliver(self, payload: bytes, ts: int, frame: int) -> None:
        self.next += len(payload)
        self.delivered += len(payload)
        self.consumer.data(self.direction, payload, ts, frame)

    def _drain(self) -> None:
        while self.starts and self.starts[0] <= self.next:
            s = self.starts.pop(0)
            payload, ts, frame = self.pending.pop(s)
            self.pending_bytes -= len(payload)
            e = s + len(payload)
            if e <= self.next:
                self.retransmitted += len(payload)
                continue
            self._deliver(payload[self.next - s:], ts, frame)

    def _skip_gap(self, ts: int, frame: int) -> None:
        """Give up the hole before the first waiting segment: a gap marker, then the waiting bytes."""
        if not self.starts:
            return
        missing = self.starts[0] - self.next
        if missing > 0:
            self.gaps += 1
            self.gap_bytes += missing
            self.next += missing
            self.consumer.gap(self.direction, missing, ts, frame)
        self._drain()

    def finish(self, ts: int, frame: int) -> None:
        """End of the connection or of the capture: give up every remaining hole."""
        while self.starts:
            self._skip_gap(ts, frame)
        if self.fin is not None and self.fin > self.next:
            missing = self.fin - self.next
            self.gaps += 1
            self.gap_bytes += missing
            self.next = self.fin
            self.consumer.gap(self.direction, missing, ts, frame)


class TcpConnection:
    """Both directions of one TCP connection feeding one consumer."""

    __slots__ = ("halves", "consumer", "closed", "fins", "last_ts", "last_frame")

    def __init__(self, consumer: StreamConsumer) -> None:
        self.consumer = consumer
        self.halves = (HalfStream(0, consumer), HalfStream(1, consumer))
        self.closed = False
        self.fins = [False, False]
        self.last_ts = 0
        self.last_frame = 0

    def segment(self, direction: int, seq: int, flags: int, payload: bytes, ts: int, frame: int) -> bool:
        """Feed one segment; True when the connection is over (both FINs, or a RST)."""
        self.last_ts = ts
        self.last_frame = frame
        half = self.halves[direction]
        if not flags & 0x07:  # no SYN, FIN or RST: the common cases are handled here, as HalfStream.segment would
            if not payload:  # a bare acknowledgement changes nothing in the stream
                return False
            base = half.base
            if base is not None and not half.starts and (half.next & MASK) == ((seq - base) & MASK):
                size = len(payload)  # in order, nothing waiting: straight to the consumer
                half.next += size
                half.delivered += size
                half.consumer.data(direction, payload, ts, frame)
                return False
        half.segment(seq, flags, payload, ts, frame)
        if flags & FIN:
            self.fins[direction] = True
        return bool(flags & RST) or (self.fins[0] and self.fins[1])

    def finish(self, ts: int | None = None) -> None:
        if self.closed:
            return
        self.closed = True
        when = self.last_ts if ts is None else ts
        for half in self.halves:
            half.finish(when, self.last_frame)
        self.consumer.close(when)

    @property
    def gaps(self) -> int:
        return self.halves[0].gaps + self.halves[1].gaps

    @property
    def gap_bytes(self) -> int:
        return self.halves[0].gap_bytes + self.halves[1].gap_bytes

    @property
    def retransmitted(self) -> int:
        return self.halves[0].retransmitted + self.halves[1].retransmitted
