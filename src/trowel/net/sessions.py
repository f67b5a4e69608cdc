"""Turning finished stream exchanges into records: an HTTP body into an ``http_object`` (saved by SHA-256,
ZIP members listed) and maybe a ``sticker``; a TLS connection into a ``tls_session``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trowel.model import build_record
from trowel.net.flows import FlowState
from trowel.net.http import ASCII_DIGITS, HttpExchange
from trowel.net.objects import find_sticker, is_zip, save_media, sticker_id, zip_members
from trowel.net.quic import VERSION_NAMES, QuicConnection
from trowel.net.records import HttpObject, QuicSession, Sticker, TlsSession, ts
from trowel.net.tls import (
    CIPHER_SUITES,
    EXT_EMS,
    EXT_ETM,
    describe_certificate,
    ja3,
    ja3s,
    ja4,
)
from trowel.net.tlsstream import TlsConnection

if TYPE_CHECKING:
    from trowel.net.analyze import CaptureAnalysis


def _endpoints(flow: FlowState, client_dir: int) -> tuple[str, int, str, int]:
    if client_dir == 0:
        return flow.a_ip, flow.ap, flow.b_ip, flow.bp
    return flow.b_ip, flow.bp, flow.a_ip, flow.ap


def exchange_records(analysis: CaptureAnalysis, flow: FlowState, ex: HttpExchange,
                     decrypted: bool) -> tuple[HttpObject, Sticker | None]:
    """The http_object (and sticker, when the body is an imo sticker archive) of one HTTP exchange."""
    msg = ex.message
    req = ex.request
    host = (req.header("Host") or req.header(":authority")) if req is not None else None
    target = req.target if req is not None else None
    url = None
    if target is not None:
        if target.startswith(("http://", "https://")):
            url = target
        else:
            scheme = "https" if decrypted else "http"
            url = f"{scheme}://{host or _endpoints(flow, ex.client_dir)[2]}{target}"
    path = target.split("?", 1)[0] if target and target.startswith("/") else target
    digest, media_path = save_media(analysis.media_dir, ex.body)
    raw_digest = raw_path = None
    if ex.raw is not None:
        raw_digest, raw_path = save_media(analysis.media_dir, ex.raw)
    # a coding nobody decodes (compress, a private one) leaves the body as sent: complete, with a note
    unknown_coding = ex.decode_error is not None and ex.decode_error.endswith(" not decoded")
    complete = msg.complete and (ex.decoded_ok or unknown_coding)
    reason = msg.incomplete_reason or (ex.decode_error if not ex.decoded_ok and not unknown_coding else None)
    members: list[dict[str, object]] = []
    zip_error = None
    if is_zip(ex.body):
        members, zip_error = zip_members(ex.body)
    first = req if req is not None else msg
    frames = f"{flow.flow_id} frames {first.start_frame}-{msg.end_frame}"
    client_ip, client_port, server_ip, server_port = _endpoints(flow, ex.client_dir)
    cl = msg.header("Content-Length")
    obj = build_record(HttpObject, {  # HttpObject(**values) without the frozen __init__ (one per body)
        "source": analysis.prov(frames), "raw": {}, "flow_id": flow.flow_id, "method": req.method if req else None,
        "url": url, "host": host, "path": path, "status": ex.response.status if ex.response else None,
        "reason": ex.response.reason if ex.response else None, "content_type": msg.header("Content-Type"),
        "content_encoding": msg.header("Content-Encoding"), "transfer_encoding": msg.header("Transfer-Encoding"),
        "content_length": int(cl) if cl and ASCII_DIGITS.fullmatch(cl.strip()) else None, "size": len(ex.body),
        "wire_size": msg.wire_size, "sha256": digest, "media_path": media_path, "complete": complete,
        "incomplete_reason": reason, "request_time": ts(req.start_ts) if req else None,
        "response_time": ts(ex.response.start_ts) if ex.response else None, "end_time": ts(msg.end_ts),
        "client_ip": client_ip, "client_port": client_port, "server_ip": server_ip, "server_port": server_port,
        "decrypted": decrypted, "request_headers": req.headers if req else [],
        "response_headers": ex.response.headers if ex.response else [], "zip_members": members,
        "zip_error": zip_error, "raw_sha256": raw_digest, "raw_media_path": raw_path,
        "raw_size": len(ex.raw) if ex.raw is not None else None,
        "content_note": ex.decode_error if unknown_coding else None, "confidence": 1.0 if complete else 0.7,
    })
    sticker = None
    found = find_sticker(members) if members else None
    if found is not None and ex.response is not None:
        frames_n, frame_members = found
        sticker = Sticker(
            source=analysis.prov(frames), app="imo", sticker_id=sticker_id(url), url=url, host=host, sha256=digest,
            media_path=media_path, frames=frames_n, members=frame_members,
            complete=complete and all(m.get("complete") for m in frame_members), time=ts(ex.response.start_ts),
            flow_id=flow.flow_id, client_ip=client_ip, server_ip=server_ip,
        )
    return obj, sticker


def tls_record(analysis: CaptureAnalysis, flow: FlowState, conn: TlsConnection,
               tunnel: str | None = None) -> TlsSession | None:
    """The tls_session record of a finished TLS connection (None when no hello was seen)."""
    ch, sh = conn.client_hello, conn.server_hello
    if ch is None and sh is None:
        return None
    client_dir = conn.client_dir if conn.client_dir is not None else 0
    client_ip, client_port, server_ip, server_port = _endpoints(flow, client_dir)
    fields: dict[str, object] = {}
    if ch is not None:
        ja3_text, ja3_hash = ja3(ch)  # remembered by their inputs (never by the hello's bytes: its random and
        ja4_hash, ja4_raw = ja4(ch)  # key shares make every real ClientHello unique)
        fields.update(sni=ch.sni, alpn=ch.alpn, client_version=ch.legacy_version,
                      client_supported_versions=ch.supported_versions, cipher_suites=ch.ciphers, ja3=ja3_hash,
                      ja3_string=ja3_text, ja4=ja4_hash, ja4_raw=ja4_raw)
    if sh is not None:
        ja3s_text, ja3s_hash = ja3s(sh)
        suite = CIPHER_SUITES.get(sh.cipher)
        fields.update(server_version=sh.version, server_cipher_suite=sh.cipher,
                      server_cipher_suite_name=suite[0] if suite else None,
                      server_alpn=sh.alpn or conn.encrypted_alpn, ja3s=ja3s_hash,
                      encrypt_then_mac=sh.ext(EXT_ETM) is not None, extended_master_secret=sh.ext(EXT_EMS) is not None,
                      ja3s_string=ja3s_text)
    certs = [describe_certificate(der) for der in conn.certificates]
    return build_record(TlsSession, {  # TlsSession(**values) without the frozen __init__
        "source": analysis.flow_prov(flow), "raw": {}, "flow_id": flow.flow_id, "client_ip": client_ip,
        "client_port": client_port, "server_ip": server_ip, "server_port": server_port, "start": ts(flow.first_ts),
        "end": ts(flow.last_ts), "certificates": certs, "decrypted": conn.decrypted,
        "decryption_note": "; ".join(conn.notes + ([conn.early_note] if conn.early_note else [])) or None,
        "bytes_client_to_server": conn.dirs[client_dir].bytes,
        "bytes_server_to_client": conn.dirs[1 - client_dir].bytes, "tunnel": tunnel,
        "hello_retry": conn.hello_retry, "key_updates": conn.key_updates, "early_data_offered": conn.early_offered,
        "early_data_records": conn.early_records, **fields,
    })


EXT_EARLY_DATA = 42


def quic_record(analysis: CaptureAnalysis, flow: FlowState, conn: QuicConnection) -> QuicSession:
    """The quic_session record of one QUIC connection."""
    client_ip, client_port, server_ip, server_port = _endpoints(flow, conn.client_dir)
    fields: dict[str, object] = {}
    ch = conn.client_hello
    if ch is not None:
        ja4_hash, ja4_raw = ja4(ch, "q")
        fields.update(sni=ch.sni, alpn=ch.alpn, cipher_suites=ch.ciphers,
                      client_supported_versions=ch.supported_versions, ja4=ja4_hash, ja4_raw=ja4_raw,
                      early_data_offered=ch.ext(EXT_EARLY_DATA) is not None)
    sh = conn.server_hello
    if sh is not None:
        suite = CIPHER_SUITES.get(sh.cipher)
        fields.update(server_cipher_suite=sh.cipher, server_cipher_suite_name=suite[0] if suite else None)
    notes = list(conn.notes)
    if ch is None:
        notes.append("no complete ClientHello in the Initial packets seen")
    return build_record(QuicSession, {  # QuicSession(**values) without the frozen __init__
        "source": analysis.prov(f"{flow.flow_id} frames {conn.first_frame}-{conn.last_frame}"), "raw": {},
        "flow_id": flow.flow_id, "client_ip": client_ip, "client_port": client_port, "server_ip": server_ip,
        "server_port": server_port, "start": ts(conn.first_ts), "end": ts(conn.last_ts), "version": conn.version,
        "version_name": VERSION_NAMES.get(conn.version) or f"0x{conn.version:08x}", "original_dcid": conn.odcid.hex(),
        "client_scid": conn.client_scid.hex() if conn.client_scid is not None else None,
        "server_scid": conn.server_scid.hex() if conn.server_scid is not None else None,
        "client_hello_packets": conn.client_crypto.packets, "initial_packets_client": conn.initial_packets[0],
        "initial_packets_server": conn.initial_packets[1], "handshake_packets": sum(conn.handshake_packets),
        "zero_rtt_packets": conn.zero_rtt_packets, "retry": conn.retry, "undecryptable_initials": conn.undecryptable,
        "notes": notes, "confidence": 1.0 if ch is not None else 0.8, **fields,
    })
