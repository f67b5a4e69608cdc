"""HTTP CONNECT tunnels: after a proxy's 2xx answer, the bytes of both directions belong to the tunnelled
connection. They are counted and analysed as a stream of their own (TLS inside gives a ``tls_session``
record, decrypted with a key log like any other; clear HTTP/1.x or HTTP/2 inside gives ``http_object``
records), never kept as the body of an HTTP message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trowel.net.flows import FlowState
from trowel.net.http import ASCII_DIGITS, HttpConnection, HttpMessage, looks_like_http
from trowel.net.http2 import Http2Connection, looks_like_h2
from trowel.net.records import Tunnel, ts
from trowel.net.tlsstream import TlsConnection, looks_like_tls

if TYPE_CHECKING:
    from trowel.net.analyze import CaptureAnalysis


def split_target(target: str) -> tuple[str, int | None]:
    """Host and port of a CONNECT target (``host:port``, ``[v6]:port``)."""
    host, colon, port = target.rpartition(":")
    if not colon or not ASCII_DIGITS.fullmatch(port):
        return target, None
    return host.strip("[]"), int(port)


class TunnelStream:
    """The stream inside one CONNECT tunnel: counted each way, handed to a TLS or HTTP consumer."""

    def __init__(self, analysis: CaptureAnalysis, flow: FlowState, client_dir: int, request: HttpMessage,
                 response: HttpMessage) -> None:
        self.analysis = analysis
        self.flow = flow
        self.client_dir = client_dir
        self.request = request
        self.response = response
        self.bytes = [0, 0]
        self.last_ts = response.start_ts
        self.inner: TlsConnection | HttpConnection | Http2Connection | None = None
        self.kind: str | None = None
        self.host, self.port = split_target(request.target or "")

    def data(self, direction: int, payload: bytes, ts_ns: int, frame: int) -> None:
        self.bytes[direction] += len(payload)
        self.last_ts = max(self.last_ts, ts_ns)
        if self.kind is None:
            if looks_like_tls(payload[:5]):
                self.kind = "tls"
                self.inner = TlsConnection(self.analysis.keylog, self.analysis.exchange_handler(self.flow, True))
            elif looks_like_http(payload[:512]):
                self.kind = "http"
                client = direction if not payload.startswith(b"HTTP/1.") else 1 - direction
                self.inner = HttpConnection(client, self.analysis.exchange_handler(self.flow, False))
            elif looks_like_h2(payload):
                self.kind = "http2"
                self.inner = Http2Connection(direction, self.analysis.exchange_handler(self.flow, False))
            else:
                self.kind = "other"
        if self.inner is not None:
            self.inner.data(direction, payload, ts_ns, frame)

    def gap(self, direction: int, length: int, ts_ns: int, frame: int) -> None:
        self.bytes[direction] += length
        if self.inner is not None:
            self.inner.gap(direction, length, ts_ns, frame)

    def close(self, ts_ns: int) -> None:
        sni = None
        if self.inner is not None:
            self.inner.close(ts_ns)
            if isinstance(self.inner, TlsConnection):
                self.analysis.tls_done(self.flow, self.inner, tunnel=f"{self.host}:{self.port}")
                if self.inner.client_hello is not None:
                    sni = self.inner.client_hello.sni
        flow = self.flow
        if self.client_dir == 0:
            client = (flow.a_ip, flow.ap, flow.b_ip, flow.bp)
        else:
            client = (flow.b_ip, flow.bp, flow.a_ip, flow.ap)
        req, resp = self.request, self.response
        self.analysis.tunnels.append(Tunnel(
            source=self.analysis.prov(f"{flow.flow_id} frames {req.start_frame}-{flow.last_frame}"),
            flow_id=flow.flow_id, client_ip=client[0], client_port=client[1], proxy_ip=client[2],
            proxy_port=client[3], target=req.target or "", host=self.host, port=self.port, status=resp.status,
            reason=resp.reason, request_time=ts(req.start_ts), established_time=ts(resp.start_ts),
            end=ts(max(self.last_ts, flow.last_ts)), bytes_client_to_server=self.bytes[self.client_dir],
            bytes_server_to_client=self.bytes[1 - self.client_dir],
            inner_application=self.kind if self.kind != "other" else None, inner_sni=sni,
            request_headers=req.headers, response_headers=resp.headers,
        ))
