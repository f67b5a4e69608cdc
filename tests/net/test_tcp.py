"""TCP reassembly: order, retransmission, first-wins overlaps, gaps, sequence wrap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from trowel.net import tcp
from trowel.net.tcp import HalfStream, TcpConnection


class Recorder:
    def __init__(self) -> None:
        self.parts: list[tuple[int, bytes | int]] = []
        self.closed = False

    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None:
        self.parts.append((direction, payload))

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None:
        self.parts.append((direction, length))

    def close(self, ts_ns: int) -> None:
        self.closed = True

    def stream(self, direction: int = 0) -> bytes:
        return b"".join(p for d, p in self.parts if d == direction and isinstance(p, bytes))


def feed(half: HalfStream, segments: list[tuple[int, bytes]]) -> None:
    for i, (seq, data) in enumerate(segments):
        half.segment(seq, 0x18, data, i, i)


def test_in_order_and_out_of_order() -> None:
    rec = Recorder()
    half = HalfStream(0, rec)
    half.segment(99, tcp.SYN, b"", 0, 0)
    feed(half, [(100, b"abc"), (106, b"ghi"), (103, b"def")])
    assert rec.stream() == b"abcdefghi"
    assert half.retransmitted == 0 and half.gaps == 0


def test_retransmission_counted_not_repeated() -> None:
    rec = Recorder()
    half = HalfStream(0, rec)
    half.segment(0, tcp.SYN, b"", 0, 0)
    feed(half, [(1, b"hello"), (1, b"hello"), (3, b"llo w"), (6, b" world")])
    assert rec.stream() == b"hello world"
    assert half.retransmitted == 5 + 3 + 2


def test_first_wins_against_delivered_and_waiting_bytes() -> None:
    rec = Recorder()
    half = HalfStream(0, rec)
    half.segment(0, tcp.SYN, b"", 0, 0)
    feed(half, [(1, b"AAAA"), (3, b"xxxx"), (11, b"CCCC"), (9, b"yyyyyy"), (7, b"BBBB")])
    # bytes 3-4 came first as AA; 5-6 first as xx; 9-10 first as yy; 11-14 first as CCCC
    assert rec.stream() == b"AAAAxxBByyCCCC"


def test_gap_given_up_at_finish_and_marked() -> None:
    rec = Recorder()
    conn = TcpConnection(rec)
    conn.segment(0, 100, tcp.SYN, b"", 0, 0)
    conn.segment(0, 101, 0x18, b"abc", 1, 1)
    conn.segment(0, 110, 0x18, b"xyz", 2, 2)
    conn.finish()
    assert rec.parts == [(0, b"abc"), (0, 6), (0, b"xyz")]
    assert conn.gaps == 1 and conn.gap_bytes == 6
    assert rec.closed


def test_missing_bytes_before_fin_are_a_gap() -> None:
    rec = Recorder()
    conn = TcpConnection(rec)
    conn.segment(0, 0, tcp.SYN, b"", 0, 0)
    conn.segment(0, 1, 0x18, b"abc", 1, 1)
    assert not conn.segment(0, 10, tcp.FIN | 0x10, b"", 2, 2)
    assert conn.segment(1, 500, tcp.FIN | 0x10, b"", 3, 3)  # both FINs: over
    conn.finish()
    assert rec.parts == [(0, b"abc"), (0, 6)]


def test_pending_bound_forces_gap() -> None:
    rec = Recorder()
    half = HalfStream(0, rec)
    half.segment(0, tcp.SYN, b"", 0, 0)
    tcp_module = tcp
    old = tcp_module.MAX_PENDING
    tcp_module.MAX_PENDING = 10
    try:
        feed(half, [(101, b"0123456789"), (111, b"abcdef")])
    finally:
        tcp_module.MAX_PENDING = old
    assert rec.parts == [(0, 100), (0, b"0123456789"), (0, b"abcdef")]


def test_sequence_wraps_around() -> None:
    rec = Recorder()
    half = HalfStream(0, rec)
    half.segment(0xFFFFFFF0, tcp.SYN, b"", 0, 0)
    feed(half, [(0xFFFFFFF1, b"a" * 10), (0xFFFFFFFB, b"b" * 10), (5, b"c" * 4)])
    assert rec.stream() == b"a" * 10 + b"b" * 10 + b"c" * 4


def test_no_syn_starts_at_first_data() -> None:
    rec = Recorder()
    half = HalfStream(0, rec)
    feed(half, [(5000, b"mid"), (5003, b"stream")])
    assert rec.stream() == b"midstream"


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.lists(st.integers(1, 40), min_size=1, max_size=30),
       st.randoms(use_true_random=False))
def test_any_order_with_duplicates_gives_the_stream(data: bytes, cuts: list[int], rnd: object) -> None:
    pieces = []
    pos = 0
    i = 0
    while pos < len(data):
        n = cuts[i % len(cuts)]
        pieces.append((1000 + pos, data[pos:pos + n]))
        pos += n
        i += 1
    shuffled = pieces + pieces[: len(pieces) // 2]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    rec = Recorder()
    half = HalfStream(0, rec)
    half.segment(999, tcp.SYN, b"", 0, 0)
    feed(half, shuffled)
    half.finish(0, 0)
    assert rec.stream() == data
    assert half.gaps == 0
