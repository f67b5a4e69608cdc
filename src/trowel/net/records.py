"""The record kinds that capture analysis produces: flow, http_object, tls_session, sticker, imo_session,
call_session.

Every record's ``source`` is a :class:`~trowel.model.Provenance` with the evidence id, the capture path and
``detail`` naming the frames or the TCP stream it was built from. Times are :class:`~trowel.model.TimeValue`
built from the capture's nanosecond timestamps with ``stamp(ns, "unix_ns")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from trowel.model import Record, TimeValue, record_kind

FAST_TS_MAX = 1 << 62  # 2116: far inside the unix_ns format's range (0001 .. 9999)


def ts(ns: int) -> TimeValue:
    """A capture timestamp (Unix nanoseconds) as a TimeValue. A time from 1970 to 2116 is the unix_ns format's
    decoding without the range check (the same value ``stamp`` makes); anything else goes through ``stamp``."""
    if type(ns) is int and 0 <= ns < FAST_TS_MAX:
        return TimeValue.of(ns, "unix_ns", ns)
    from trowel.timestamps import stamp  # imported here: the timestamp catalogue is not needed otherwise

    return stamp(ns, "unix_ns")


@record_kind
@dataclass(frozen=True, kw_only=True)
class Flow(Record):
    """One transport conversation (TCP connection or UDP 5-tuple). ``a`` is the side that spoke first (the
    SYN sender for TCP). Byte counts are frame lengths as captured on the wire (``orig_len``) and transport
    payload bytes, each way."""

    kind: ClassVar[str] = "flow"
    flow_id: str
    transport: str  # tcp | udp
    a_ip: str
    a_port: int
    b_ip: str
    b_port: int
    start: TimeValue
    end: TimeValue
    duration_s: float
    packets_a_to_b: int
    packets_b_to_a: int
    bytes_a_to_b: int
    bytes_b_to_a: int
    payload_a_to_b: int
    payload_b_to_a: int
    application: str | None = None  # http | tls | imo-binary | imo-call | ...
    gaps: int = 0  # TCP: missing ranges in the reassembled streams
    gap_bytes: int = 0
    retransmitted_bytes: int = 0
    first_frame: int = 0
    last_frame: int = 0
    b_name: str | None = None  # the name a DNS answer in the capture gave for b's address

    @property
    def primary_time(self) -> TimeValue | None:
        return self.start


@record_kind
@dataclass(frozen=True, kw_only=True)
class HttpObject(Record):
    """One HTTP/1.x response body (or request body), saved under ``media/`` by SHA-256 of its decoded bytes."""

    kind: ClassVar[str] = "http_object"
    flow_id: str
    method: str | None
    url: str | None
    host: str | None
    path: str | None
    status: int | None
    reason: str | None
    content_type: str | None
    content_encoding: str | None
    transfer_encoding: str | None
    content_length: int | None  # the Content-Length header as sent
    size: int  # bytes of the decoded body saved
    wire_size: int  # bytes of the body as carried (before de-chunking / decompression)
    sha256: str
    media_path: str | None
    complete: bool
    incomplete_reason: str | None
    request_time: TimeValue | None
    response_time: TimeValue | None
    end_time: TimeValue | None
    client_ip: str
    client_port: int
    server_ip: str
    server_port: int
    decrypted: bool = False  # came out of a TLS session decrypted with a key log
    request_headers: list[list[str]] = field(default_factory=list)
    response_headers: list[list[str]] = field(default_factory=list)
    zip_members: list[dict[str, Any]] = field(default_factory=list)
    zip_error: str | None = None
    # the body as carried (after de-chunking, before content decoding), kept when a content coding was undone
    raw_sha256: str | None = None
    raw_media_path: str | None = None
    raw_size: int | None = None
    content_note: str | None = None  # a content coding left as sent ("content encoding 'compress' not decoded")

    @property
    def primary_time(self) -> TimeValue | None:
        return self.response_time or self.request_time


@record_kind
@dataclass(frozen=True, kw_only=True)
class TlsSession(Record):
    """The clear parts of one TLS connection: hellos, certificates (TLS <= 1.2), fingerprints."""

    kind: ClassVar[str] = "tls_session"
    flow_id: str
    client_ip: str
    client_port: int
    server_ip: str
    server_port: int
    start: TimeValue
    end: TimeValue
    sni: str | None = None
    alpn: list[str] = field(default_factory=list)
    client_version: int | None = None  # legacy_version of the ClientHello
    client_supported_versions: list[int] = field(default_factory=list)
    cipher_suites: list[int] = field(default_factory=list)
    server_version: int | None = None  # negotiated (supported_versions extension when present)
    server_cipher_suite: int | None = None
    server_cipher_suite_name: str | None = None
    server_alpn: str | None = None
    encrypt_then_mac: bool | None = None  # RFC 7366 negotiated (matters for CBC suites)
    extended_master_secret: bool | None = None
    ja3: str | None = None
    ja3_string: str | None = None
    ja3s: str | None = None
    ja3s_string: str | None = None
    ja4: str | None = None
    ja4_raw: str | None = None
    certificates: list[dict[str, Any]] = field(default_factory=list)
    decrypted: bool = False
    decryption_note: str | None = None
    bytes_client_to_server: int = 0
    bytes_server_to_client: int = 0
    tunnel: str | None = None  # "host:port" when the session ran inside an HTTP CONNECT tunnel
    hello_retry: bool = False  # TLS 1.3 HelloRetryRequest: the client had to send a second ClientHello
    key_updates: int = 0  # TLS 1.3 KeyUpdate messages read in the decrypted streams
    early_data_offered: bool = False  # TLS 1.3 0-RTT: the ClientHello carries early_data
    early_data_records: int = 0  # 0-RTT records decrypted with CLIENT_EARLY_TRAFFIC_SECRET

    @property
    def primary_time(self) -> TimeValue | None:
        return self.start


@record_kind
@dataclass(frozen=True, kw_only=True)
class Tunnel(Record):
    """An HTTP CONNECT tunnel through a proxy: where it led, and the bytes carried each way inside it (the
    tunnelled stream is analysed as its own stream: a TLS session inside gives a tls_session record)."""

    kind: ClassVar[str] = "tunnel"
    flow_id: str
    client_ip: str
    client_port: int
    proxy_ip: str
    proxy_port: int
    target: str  # the CONNECT request target as sent
    host: str
    port: int | None
    status: int | None
    reason: str | None
    request_time: TimeValue
    established_time: TimeValue | None
    end: TimeValue
    bytes_client_to_server: int  # tunnelled bytes (after the proxy's answer)
    bytes_server_to_client: int
    inner_application: str | None = None  # tls | http | None
    inner_sni: str | None = None
    request_headers: list[list[str]] = field(default_factory=list)
    response_headers: list[list[str]] = field(default_factory=list)

    @property
    def primary_time(self) -> TimeValue | None:
        return self.request_time


@record_kind
@dataclass(frozen=True, kw_only=True)
class QuicSession(Record):
    """One QUIC connection as its Initial packets show it (decrypted with the keys every observer can derive
    from the client's first Destination Connection ID): version, connection IDs, ClientHello facts."""

    kind: ClassVar[str] = "quic_session"
    flow_id: str
    client_ip: str
    client_port: int
    server_ip: str
    server_port: int
    start: TimeValue
    end: TimeValue
    version: int
    version_name: str
    original_dcid: str  # hex: the client's first Destination Connection ID (the Initial keys come from it)
    client_scid: str | None = None
    server_scid: str | None = None
    sni: str | None = None
    alpn: list[str] = field(default_factory=list)
    cipher_suites: list[int] = field(default_factory=list)
    client_supported_versions: list[int] = field(default_factory=list)
    ja4: str | None = None
    ja4_raw: str | None = None
    client_hello_packets: int = 0  # Initial packets whose CRYPTO frames carried the ClientHello
    server_cipher_suite: int | None = None
    server_cipher_suite_name: str | None = None
    initial_packets_client: int = 0
    initial_packets_server: int = 0
    handshake_packets: int = 0
    zero_rtt_packets: int = 0
    early_data_offered: bool = False  # the ClientHello carries the early_data extension (0-RTT attempted)
    retry: bool = False
    undecryptable_initials: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def primary_time(self) -> TimeValue | None:
        return self.start


@record_kind
@dataclass(frozen=True, kw_only=True)
class Sticker(Record):
    """An imo sticker download: a ZIP archive of PNG frames ``1.png, 2.png, ...`` fetched over HTTP."""

    kind: ClassVar[str] = "sticker"
    sticker_id: str | None
    url: str | None
    host: str | None
    sha256: str
    media_path: str | None
    frames: int
    members: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True
    fetch_count: int = 1  # how many downloads of this sticker id the capture holds
    fetched_more_than_once: bool = False
    time: TimeValue | None = None
    flow_id: str = ""
    client_ip: str | None = None
    server_ip: str | None = None


@record_kind
@dataclass(frozen=True, kw_only=True)
class ImoSession(Record):
    """An imo chat connection: TLS on 443 (imo certificate or SNI) or the binary protocol on 5223/5228."""

    kind: ClassVar[str] = "imo_session"
    flow_id: str
    transport: str  # tls | binary
    client_ip: str
    client_port: int
    server_ip: str
    server_port: int
    start: TimeValue
    end: TimeValue
    duration_s: float
    bytes_client_to_server: int
    bytes_server_to_client: int
    packets: int
    reason: str  # the strongest reason it was classified as imo
    reasons: list[str] = field(default_factory=list)  # every positive piece of evidence
    sni: str | None = None
    certificate_subject: str | None = None
    certificate_organisation: str | None = None
    ja3: str | None = None
    ja4: str | None = None
    switched_from: str | None = None  # the previous session's transport and port when the client switched
    sizes_multiple_of_16: bool | None = None

    @property
    def primary_time(self) -> TimeValue | None:
        return self.start


@record_kind
@dataclass(frozen=True, kw_only=True)
class CallSession(Record):
    """An imo call: a relay flow and, when the peers reached each other, a direct peer-to-peer flow, tied by
    the client port and the ping counters (one clock; echoed back by the other side)."""

    kind: ClassVar[str] = "call_session"
    call_id: str
    client_ip: str
    client_port: int
    start: TimeValue
    end: TimeValue
    duration_s: float
    relay_ip: str | None
    relay_port: int | None
    relay_flow_id: str | None
    peer_ip: str | None  # the direct peer (connected, or only tried)
    peer_port: int | None
    direct_connected: bool
    direct_flow_id: str | None
    direct_start: TimeValue | None
    packets_out: int  # client to relay + peer
    packets_in: int
    relay_packets_out: int
    relay_packets_in: int
    direct_packets_out: int
    direct_packets_in: int
    failed_direct_attempts: list[dict[str, Any]] = field(default_factory=list)
    pings: int = 0
    pongs_echoed: int = 0
    clock_offset_ms: float | None = None  # counter minus capture time; equal across the call's flows
    counter_rate_per_s: float | None = None
    evidence: list[str] = field(default_factory=list)  # why the flows are tied together

    @property
    def primary_time(self) -> TimeValue | None:
        return self.start


NET_KINDS = ("flow", "http_object", "tls_session", "quic_session", "tunnel", "sticker", "imo_session", "call_session")
