"""Packet-capture analysis: reading pcap/pcapng, flows, TCP reassembly, HTTP/1.x and HTTP/2 objects, CONNECT
tunnels, TLS metadata and decryption (1.2 and 1.3), QUIC Initial packets, imo chat sessions, stickers and
call sessions.

Public entry points: :func:`analyze_capture` (one capture into records) and :class:`KeyLog` (an NSS key
log for TLS 1.2 and 1.3 decryption). Record kinds live in :mod:`trowel.net.records`.
"""

from trowel.net.analyze import AnalysisResult, analyze_capture
from trowel.net.records import (
    NET_KINDS,
    CallSession,
    Flow,
    HttpObject,
    ImoSession,
    QuicSession,
    Sticker,
    TlsSession,
    Tunnel,
)
from trowel.net.tlscrypto import KeyLog

__all__ = ["NET_KINDS", "AnalysisResult", "CallSession", "Flow", "HttpObject", "ImoSession", "KeyLog", "QuicSession",
           "Sticker", "TlsSession", "Tunnel", "analyze_capture"]
