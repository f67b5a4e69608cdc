"""Packet-capture analysis: reading pcap/pcapng, flows, TCP reassembly, HTTP objects, TLS metadata and
decryption, imo chat sessions, stickers and call sessions.

Public entry points: :func:`analyze_capture` (one capture into records) and :class:`KeyLog` (an NSS key
log for TLS 1.2 decryption). Record kinds live in :mod:`trowel.net.records`.
"""

from trowel.net.analyze import AnalysisResult, analyze_capture
from trowel.net.records import NET_KINDS, CallSession, Flow, HttpObject, ImoSession, Sticker, TlsSession
from trowel.net.tlscrypto import KeyLog

__all__ = ["NET_KINDS", "AnalysisResult", "CallSession", "Flow", "HttpObject", "ImoSession", "KeyLog", "Sticker",
           "TlsSession", "analyze_capture"]
