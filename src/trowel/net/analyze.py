"""Analysis of one capture file: read every frame once, keep flow counters, reassemble TCP streams into the
HTTP and TLS consumers, gather UDP call evidence, then build the records.

Memory stays bounded: frames come from a memory map, a TCP stream's buffers are freed when the connection
ends (both FINs or a RST) or has been idle for ``IDLE_S`` seconds of capture time, waiting out-of-order data
is capped (see ``tcp.py``), and only per-flow counters live until the end.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trowel.model import Provenance, Record, Warning, build_record
from trowel.net.capture import CaptureInfo, open_capture
from trowel.net.dns import DnsNames
from trowel.net.flows import SYN_ONLY, FlowState, FlowTable, UdpEvidence
from trowel.net.http import METHODS, HttpConnection, HttpExchange, HttpMessage, StreamSink, looks_like_http
from trowel.net.http2 import Http2Connection, looks_like_h2
from trowel.net.imo import IMO_BINARY_PORTS, call_sessions, chat_sessions
from trowel.net.packets import TCP, Fragments, PacketIssues
from trowel.net.quic import QuicFlow, looks_like_quic_initial
from trowel.net.records import Flow, HttpObject, QuicSession, Sticker, TlsSession, Tunnel, ts
from trowel.net.segments import segments
from trowel.net.sessions import exchange_records, quic_record, tls_record
from trowel.net.tcp import TcpConnection
from trowel.net.tlscrypto import KeyLog
from trowel.net.tlsstream import TlsConnection, looks_like_tls
from trowel.net.tunnel import TunnelStream

IDLE_S = 600
SWEEP_EVERY = 200_000
YOUNG_GC_EVERY = 50_000  # frames between collections of the young generations (SWEEP_EVERY is a multiple)
FULL_GC_EVERY = 1_000_000  # frames between full collections (a multiple of YOUNG_GC_EVERY)




@dataclass
class AnalysisResult:
    """Everything one capture gave: records (flows first), the reader's facts, and warning texts."""

    records: list[Record] = field(default_factory=list)
    info: CaptureInfo | None = None
    warnings: list[str] = field(default_factory=list)
    packets: int = 0
    ip_packets: int = 0
    # With ``analyze_capture(encode=True)`` and several processes: every record in order, either the record or
    # (where a worker process encoded it) its JSON line as ``record_line`` gives it; ``records`` then holds only
    # the records this process has as objects (not those it got only as lines). None otherwise (``records`` is
    # everything). ``output`` gives the one or the other.
    lines: list[Record | bytes] | None = None

    def of_kind(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]

    def output(self) -> list[Record | bytes]:
        """Every record in order, as the record or as its JSON line (see ``lines``)."""
        return self.lines if self.lines is not None else list(self.records)


class _Discard:
    """The consumer of streams that are neither HTTP nor TLS: reassembled (for the gap counts), not kept."""

    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None:
        return None

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None:
        return None

    def close(self, ts_ns: int) -> None:
        return None


_DISCARD = _Discard()


HTTP_STARTS = METHODS + (b"HTTP/1.", b"PRI * HTTP/2.0")
RECHECK = 32  # payloads per direction of an unrecognised stream still checked for an HTTP or TLS start


def _undecided(first: bytes) -> bool:
    """Too few bytes to tell: a proper prefix of an HTTP method or status line (``GE``, ``HTTP/``...)."""
    return len(first) < 8 and any(start.startswith(first) and start != first for start in HTTP_STARTS)


class _Dispatcher:
    """Picks the consumer of a TCP stream from its first bytes (TLS, HTTP, or counting only).

    A first segment too short to tell (``GE``) waits for the next bytes. A stream that starts with neither
    (a capture begun mid-transfer) is still watched for ``RECHECK`` payloads per direction: an HTTP message
    or a TLS record starting a later segment switches it to that consumer from there."""

    __slots__ = ("analysis", "flow", "target", "kind", "conn", "held", "rechecks")

    def __init__(self, analysis: CaptureAnalysis, flow: FlowState) -> None:
        self.analysis = analysis
        self.flow = flow
        self.target: HttpConnection | TlsConnection | Http2Connection | None = None
        self.kind: str | None = None
        self.conn: TcpConnection | None = None
        self.held: list[tuple[int, bytes, int, int]] = []  # payloads waiting for the decision
        self.rechecks = [0, 0]

    def _choose(self, direction: int, first: bytes) -> str:
        if looks_like_tls(first[:5]):
            self.target = TlsConnection(self.analysis.keylog, self.analysis.exchange_handler(self.flow, True))
            return "tls"
        if looks_like_http(first[:512]):
            client = direction if not first.startswith(b"HTTP/1.") else 1 - direction
            self.target = HttpConnection(client, self.analysis.exchange_handler(self.flow, False),
                                         on_tunnel=self.analysis.tunnel_handler(self.flow, client))
            return "http"
        if looks_like_h2(first):
            self.target = Http2Connection(direction, self.analysis.exchange_handler(self.flow, False))
            return "http2"
        return "other"

    def _hand_over(self) -> None:
        if self.conn is not None:  # later bytes go straight to the chosen consumer
            sink = self.target if self.target is not None else _DISCARD
            for half in self.conn.halves:
                half.consumer = sink

    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None:
        if self.kind is None:
            held = [p for d, p, _t, _f in self.held if d == direction]
            first = b"".join(held) + payload
            if _undecided(first[:8]) and len(self.held) < 8:
                self.held.append((direction, payload, ts_ns, frame))
                return
            self.kind = self._choose(direction, first)
            self.flow.application = self.kind if self.kind != "other" else None
            waiting, self.held = self.held, []
            if self.kind != "other":
                self._hand_over()
            if self.target is not None:
                for d, p, t, f in waiting:
                    self.target.data(d, p, t, f)
        elif self.kind == "other":
            self.rechecks[direction] += 1
            if looks_like_tls(payload[:5]) or looks_like_http(payload[:512]) or looks_like_h2(payload):
                self.kind = self._choose(direction, payload)
                self.flow.application = self.kind
                self._hand_over()
            elif min(self.rechecks) >= RECHECK or max(self.rechecks) >= 4 * RECHECK:
                self._hand_over()  # give up: count only
        if self.target is not None:
            self.target.data(direction, payload, ts_ns, frame)

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None:
        if self.target is not None:
            self.target.gap(direction, length, ts_ns, frame)

    def close(self, ts_ns: int) -> None:
        if self.kind is None:  # the stream ended while still undecided (a few bytes of a method name)
            self.kind = "other"
            self.held = []
        if self.target is not None:
            self.target.close(ts_ns)
            if isinstance(self.target, TlsConnection):
                self.analysis.tls_done(self.flow, self.target)
            _unlink(self.target)
        self.target = None
        self.conn = None  # the connection points at this dispatcher (its consumer), and this at it


def _unlink(sink: object) -> None:
    """Break the reference cycles of a closed stream's consumers (an HTTP connection and its readers point at
    each other), down through TLS, tunnels and nested HTTP, so that reference counting frees them as soon as
    the stream ends: the cycle collector then has nothing of them to find (it took a tenth of the pass)."""
    while sink is not None:
        if isinstance(sink, TlsConnection | TunnelStream):
            sink = sink.inner
        elif isinstance(sink, HttpConnection):
            sink.readers = {}
            sink = sink.tunnel
        else:
            return


class CaptureAnalysis:
    """Analyse one capture. ``media_dir`` receives carved objects (None: hash only, save nothing)."""

    def __init__(self, path: Path, evidence: str = "", keylog: KeyLog | None = None, media_dir: Path | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        self.path = path
        self.path_text = str(path)
        self.evidence = evidence
        self.keylog = keylog
        self.media_dir = media_dir
        self.progress = progress
        self.table = FlowTable()
        self.http_objects: list[HttpObject] = []
        self.stickers: list[Sticker] = []
        self.tls_sessions: dict[str, TlsSession] = {}
        self.tunnels: list[Tunnel] = []
        self.dns = DnsNames()
        self.gaps: dict[int, tuple[int, int, int]] = {}  # flow number -> (gaps, gap bytes, retransmitted)
        self.source = segments  # the frames as segment tuples (tests swap in the reference decoded_segments)

    # --- provenance -------------------------------------------------------------------------------
    def prov(self, detail: str) -> Provenance:
        """``Provenance(evidence=..., path=..., detail=detail)``, made by the fast constructor (one per record)."""
        return Provenance.of_row(self.evidence, self.path_text, None, None, detail)

    def flow_prov(self, flow: FlowState) -> Provenance:
        return self.prov(f"{flow.flow_id} frames {flow.first_frame}-{flow.last_frame}")

    def flows_prov(self, flows: list[FlowState]) -> Provenance:
        return self.prov("; ".join(f"{f.flow_id} frames {f.first_frame}-{f.last_frame}" for f in flows))

    # --- stream callbacks -------------------------------------------------------------------------
    def exchange_handler(self, flow: FlowState, decrypted: bool) -> Callable[[HttpExchange], None]:
        def handle(exchange: HttpExchange) -> None:
            obj, sticker = exchange_records(self, flow, exchange, decrypted)
            self.http_objects.append(obj)
            if sticker is not None:
                self.stickers.append(sticker)
        return handle

    def tunnel_handler(self, flow: FlowState,
                       client_dir: int) -> Callable[[HttpMessage, HttpMessage], StreamSink | None]:
        def opened(request: HttpMessage, response: HttpMessage) -> StreamSink | None:
            if request.method == "CONNECT":
                flow.application = "http-connect"
                return TunnelStream(self, flow, client_dir, request, response)
            if (response.header("Upgrade") or "").strip().lower() == "h2c":
                flow.application = "http2"
                return Http2Connection(client_dir, self.exchange_handler(flow, False), upgraded=request)
            flow.application = f"http-upgrade:{(response.header('Upgrade') or '').strip().lower()}"
            return None  # another protocol (WebSocket...): its bytes are counted with the flow only
        return opened

    def tls_done(self, flow: FlowState, conn: TlsConnection, tunnel: str | None = None) -> None:
        record = tls_record(self, flow, conn, tunnel)
        if record is not None:
            self.tls_sessions[flow.flow_id] = record

    def _end_connection(self, flow: FlowState) -> None:
        conn = flow.conn
        if conn is None:
            return
        conn.finish()
        self.gaps[flow.number] = (conn.gaps, conn.gap_bytes, conn.retransmitted)
        flow.conn = None

    # --- the pass over the frames -----------------------------------------------------------------
    def run(self) -> AnalysisResult:
        """Read every frame once and build the records. Python's automatic cycle collection is paused during
        the pass (its repeated collections cost about a fifth of the pass: the pass allocates many objects)
        and run by hand instead: the young generations every ``YOUNG_GC_EVERY`` frames, everything every
        ``FULL_GC_EVERY`` frames. A finished connection's consumers are unlinked (:func:`_unlink`), so reference
        counting frees them and these collections normally find nothing (tested on every capture); they stay as
        the bound on memory should some consumer still make a cycle. The collector makes one full collection
        of the live results soon after it is enabled again (``net analyze`` freezes them instead)."""
        paused = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if paused:
                gc.enable()

    def _run(self) -> AnalysisResult:
        result = AnalysisResult()
        issues = PacketIssues()
        frags = Fragments()
        table = self.table
        lookup = table.lookup
        open_flows = table.open
        idle_ns = IDLE_S * 1_000_000_000
        with open_capture(self.path) as reader:
            result.info = reader.info
            count = 0
            ip_count = 0
            last_ts = 0
            for frame, ts_ns, orig_len, proto, src, sport, dst, dport, payload, flags, seq, cut in self.source(
                    reader, issues, frags):
                count += 1
                if count % YOUNG_GC_EVERY == 0:
                    gc.collect(1 if count % FULL_GC_EVERY else 2)
                    if count % SWEEP_EVERY == 0:
                        self._sweep(last_ts - idle_ns)
                        if self.progress is not None:
                            self.progress(reader.position)
                if not proto:
                    continue
                ip_count += 1
                if ts_ns > last_ts:
                    last_ts = ts_ns
                flow = open_flows.get((proto, src, sport, dst, dport))  # FlowTable.lookup's common case inline
                if flow is None or (flow.ended and proto == TCP and flags & 0x17 == SYN_ONLY):
                    flow, direction, _new = lookup(proto, src, sport, dst, dport, flags, ts_ns, frame)
                else:
                    direction = 0 if (flow.ap == sport and flow.a == src) else 1
                flow.packets[direction] += 1
                flow.bytes[direction] += orig_len
                size = len(payload)
                flow.payload[direction] += size + cut
                if ts_ns > flow.last_ts:
                    flow.last_ts = ts_ns
                flow.last_frame = frame
                if proto == TCP:
                    if flow.ended:
                        continue
                    conn = flow.conn
                    if conn is None:
                        dispatcher = _Dispatcher(self, flow)
                        conn = flow.conn = dispatcher.conn = TcpConnection(dispatcher)
                    if size and flow.mult16 and (size + cut) % 16:
                        flow.mult16 = False
                    if conn.segment(direction, seq, flags, payload, ts_ns, frame):
                        self._end_connection(flow)
                        flow.ended = True
                elif size:
                    ev = flow.udp
                    if ev is None:
                        ev = flow.udp = UdpEvidence()
                    ev.add(direction, payload, ts_ns)
                    if sport == 53:
                        self.dns.add(payload)
                    if payload[0] & 0x80:
                        quic = flow.quic
                        if quic is None and payload[0] & 0x40 and looks_like_quic_initial(payload):
                            quic = flow.quic = QuicFlow()
                        if quic is not None:
                            quic.datagram(direction, payload, ts_ns, frame)
            if self.progress is not None:
                self.progress(reader.position)
        for flow in table.all_flows():
            self._end_connection(flow)
        frags.finish(issues)
        for flow in table.all_flows():
            if flow.quic is not None:
                for frame_no in flow.quic.unopened:
                    issues.add("quic_unopened", frame_no)
        result.packets = count
        result.ip_packets = ip_count
        result.warnings = list(reader.info.warnings) + issues.messages()
        result.records = self._records(result)
        return result

    def _sweep(self, before_ns: int) -> None:
        """Finish TCP streams idle since before ``before_ns`` (their buffers are freed)."""
        for flow in list(self.table.open.values()):
            if flow.conn is not None and flow.last_ts < before_ns:
                self._end_connection(flow)

    # --- records ----------------------------------------------------------------------------------
    def _records(self, result: AnalysisResult) -> list[Record]:
        flows = self.table.all_flows()
        imo = chat_sessions(flows, self.tls_sessions, self.flow_prov, ts, self.dns.by_address)
        calls = call_sessions(flows, self.flows_prov, ts)
        for flow in flows:
            if binary_application(flow):
                flow.application = "binary"
        quic = self._quic_records(flows)
        out: list[Record] = [self._flow_record(f) for f in flows]
        tls_records: list[TlsSession] = sorted(self.tls_sessions.values(), key=_tls_order)
        out += tls_records
        out += quic
        out += self.tunnels
        out += self.http_objects
        out += _finish_stickers(self.stickers)
        out += imo
        out += calls
        for text in result.warnings:
            out.append(Warning(source=self.prov("capture"), message=text, stage="network"))
        return out

    def _quic_records(self, flows: list[FlowState]) -> list[QuicSession]:
        """The quic_session records, flow by flow (shards.py hands in records its workers built)."""
        quic: list[QuicSession] = []
        for flow in flows:
            if flow.quic is not None:
                flow.application = "quic"
                quic += [quic_record(self, flow, conn) for conn in flow.quic.connections]
        return quic

    def _flow_record(self, flow: FlowState) -> Flow:
        gaps, gap_bytes, retrans = self.gaps.get(flow.number, (0, 0, 0))
        return build_record(Flow, {  # Flow(**values) without the frozen __init__ (one per flow)
            "source": self.flow_prov(flow), "raw": {}, "flow_id": flow.flow_id, "transport": flow.transport,
            "a_ip": flow.a_ip, "a_port": flow.ap, "b_ip": flow.b_ip, "b_port": flow.bp, "start": ts(flow.first_ts),
            "end": ts(flow.last_ts), "duration_s": flow.duration_ns / 1e9, "packets_a_to_b": flow.packets[0],
            "packets_b_to_a": flow.packets[1], "bytes_a_to_b": flow.bytes[0], "bytes_b_to_a": flow.bytes[1],
            "payload_a_to_b": flow.payload[0], "payload_b_to_a": flow.payload[1], "application": flow.application,
            "gaps": gaps, "gap_bytes": gap_bytes, "retransmitted_bytes": retrans, "first_frame": flow.first_frame,
            "last_frame": flow.last_frame, "b_name": self.dns.by_address.get(flow.b),
        })


def binary_application(flow: FlowState) -> bool:
    """A TCP flow to an imo binary port that nothing else claimed, every payload a multiple of 16 bytes: its
    application is ``binary`` (after the imo sessions, which may claim it first)."""
    return flow.application is None and flow.proto == TCP and flow.bp in IMO_BINARY_PORTS and flow.mult16


def _tls_order(record: TlsSession) -> tuple[int, str]:
    return record.start.unix_ns or 0, record.flow_id


def _finish_stickers(stickers: list[Sticker]) -> list[Sticker]:
    """Set how often each sticker id was fetched (the app should fetch a sticker once)."""
    from dataclasses import replace

    counts: dict[str | None, int] = {}
    for sticker in stickers:
        counts[sticker.sticker_id] = counts.get(sticker.sticker_id, 0) + 1
    return [replace(s, fetch_count=counts[s.sticker_id], fetched_more_than_once=counts[s.sticker_id] > 1)
            for s in stickers]


def analyze_capture(path: Path, evidence: str = "", keylog: KeyLog | None = None, media_dir: Path | None = None,
                    progress: Callable[[int], None] | None = None, jobs: int | None = 1,
                    encode: bool = False) -> AnalysisResult:
    """Analyse one capture file into records (raises CaptureError when it is not a capture at all).

    ``jobs``: processes to use (None: the machine's, see ``shards.py``); a capture under
    ``shards.MIN_SIZE`` bytes, or ``jobs`` 1, is analysed in this process. The records are the same.
    ``encode``: the caller writes JSON Lines; worker processes may then hand over records already encoded
    (``AnalysisResult.lines``), which spares this process decoding and encoding them again."""
    if jobs != 1:
        from trowel.net.shards import analyze_sharded, shard_count

        count = shard_count(path, jobs)
        if count > 1:
            return analyze_sharded(path, evidence, keylog, media_dir, progress, count, encode)
    return CaptureAnalysis(path, evidence, keylog, media_dir, progress).run()
