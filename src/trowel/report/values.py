"""Values for humans in the report's tables: times as time cells (shown in the display zone, UTC on hover),
lists as tags, TLS versions and cipher suites by name, certificates as a summary (subject, issuer, validity),
booleans as yes/no, other objects as key/value tags. The raw JSON stays on the record page.

A cell is JSON: null, a string, a number, ``["t", utc, ""]`` or ``["t", null, raw value, "(format: error)"]``, ``["tags", [text...]]`` or
``["kv", [[key, cell]...]]`` (see static/ui.js, which renders them with textContent only).
"""

from __future__ import annotations

import json
from typing import Any

from trowel.report.casedata import is_time

CELL_LIMIT = 300
TAG_LIMIT = 24
KV_LIMIT = 8
JSON_SAFE = 2**53

# TLS protocol versions and cipher suites by their IANA code points (facts from the TLS registries)
TLS_VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
CIPHER_SUITES = {
    0x0005: "TLS_RSA_WITH_RC4_128_SHA", 0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA", 0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA", 0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    0x00FF: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", 0x5600: "TLS_FALLBACK_SCSV",
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0x1304: "TLS_AES_128_CCM_SHA256", 0x1305: "TLS_AES_128_CCM_8_SHA256",
    0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xC024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}
VERSION_FIELDS = {"client_version", "server_version", "client_supported_versions", "tls_version"}
SUITE_FIELDS = {"cipher_suites", "server_cipher_suite", "cipher_suite", "cipher"}

# Columns per kind (field, heading); every other field is on the record page. Kinds not listed here get
# the first fields their rows carry (see generic_columns).
KIND_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "account": [("account_id", "account id"), ("name", "name"), ("phone", "phone"), ("verified", "verified")],
    "call": [("time", "time"), ("direction", "direction"), ("call_type", "type"), ("peer_name", "peer name"),
             ("peer", "peer"), ("duration_s", "duration (s)"), ("call_state", "call state")],
    "contact": [("name", "name"), ("contact_id", "id"), ("phones", "phones"), ("is_group", "group")],
    "story": [("time", "time"), ("author", "author"), ("text", "text"), ("attachments", "attachments"),
              ("note", "note")],
    "file_transfer": [("time", "time"), ("direction", "direction"), ("peer_name", "peer name"), ("peer", "peer"),
                      ("file_name", "file"), ("path", "path"), ("size", "size"), ("hash_type", "hash type"),
                      ("hash", "hash"), ("url", "URL"), ("note", "note")],
    "key_material": [("owner", "owner"), ("device", "device"), ("key_name", "key"), ("store", "store")],
    "app_event": [("time", "time"), ("event", "event"), ("meaning", "meaning")],
    "finding": [("severity", "severity"), ("time", "time"), ("finding", "finding"), ("message", "message")],
    "warning": [("stage", "stage"), ("message", "message")],
    "tls_session": [("start", "start"), ("server_ip", "server"), ("server_port", "port"), ("sni", "SNI"),
                    ("server_version", "version"), ("server_cipher_suite", "cipher suite"), ("alpn", "ALPN"),
                    ("certificates", "certificates"), ("decrypted", "decrypted")],
    "quic_session": [("start", "start"), ("server_ip", "server"), ("server_port", "port"), ("sni", "SNI"),
                     ("version_name", "QUIC version"), ("alpn", "ALPN"), ("client_supported_versions", "TLS versions")],
    "flow": [("start", "start"), ("end", "end"), ("transport", "transport"), ("a_ip", "address A"),
             ("a_port", "port A"), ("b_ip", "address B"), ("b_port", "port B"), ("application", "application"),
             ("bytes_a_to_b", "bytes A→B"), ("bytes_b_to_a", "bytes B→A")],
    "generic_row": [("time", "time"), ("container", "container"), ("table", "table"), ("values", "values")],
}
SEVERITY_RANK = {"warning": 0, "notice": 1, "info": 2}
_SKIP = {"id", "kind", "state", "confidence", "app", "package", "user", "source", "raw", "resolved"}


def generic_columns(rows: list[dict[str, Any]], limit: int = 8) -> list[tuple[str, str]]:
    """The first ``limit`` fields (other than the common ones) that the rows carry, times first."""
    seen: dict[str, bool] = {}
    for row in rows:
        for key, value in row.items():
            if key not in _SKIP and key not in seen and value not in (None, "", [], {}):
                seen[key] = is_time(value)
    ordered = [k for k, t in seen.items() if t] + [k for k, t in seen.items() if not t]
    return [(k, k.replace("_", " ")) for k in ordered[:limit]]


def columns_for(kind: str, rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    cols = KIND_COLUMNS.get(kind)
    if cols is None:
        return generic_columns(rows)
    present = {k for row in rows for k, v in row.items() if v not in (None, "", [], {})}
    kept = [c for c in cols if c[0] in present]
    return kept or cols[:3]


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= CELL_LIMIT else text[:CELL_LIMIT] + f"… ({len(text)} characters; all on the record page)"


def tls_version(value: Any) -> Any:
    if type(value) is int:
        if value & 0x0F0F == 0x0A0A and value >> 8 == value & 0xFF:
            return f"GREASE 0x{value:04x}"
        return TLS_VERSIONS.get(value, f"0x{value:04x}")
    return value


def cipher_suite(value: Any) -> Any:
    if type(value) is int:
        if value & 0x0F0F == 0x0A0A and value >> 8 == value & 0xFF:
            return f"GREASE 0x{value:04x}"
        return CIPHER_SUITES.get(value, f"0x{value:04x}")
    return value


def certificate_summary(cert: dict[str, Any]) -> str:
    """subject, issuer and validity of one certificate as the net layer describes it."""
    if cert.get("error"):
        return str(cert["error"])
    subject = cert.get("common_name") or cert.get("subject") or "?"
    issuer = cert.get("issuer_organisation") or cert.get("issuer") or "?"
    valid = f"{str(cert.get('not_before') or '?')[:10]} to {str(cert.get('not_after') or '?')[:10]}"
    return f"{subject} · issued by {issuer} · valid {valid}"


def _looks_like_certificate(value: Any) -> bool:
    return isinstance(value, dict) and ("subject" in value or "issuer" in value or
                                        ("sha256" in value and "size" in value and "error" in value))


def cell_value(field: str, value: Any) -> Any:
    """One table cell (see the module docstring) of a record field."""
    if value is None:
        return None
    if type(value) is bool:
        return "yes" if value else "no"
    if field in VERSION_FIELDS:
        value = [tls_version(v) for v in value] if isinstance(value, list) else tls_version(value)
    elif field in SUITE_FIELDS:
        value = [cipher_suite(v) for v in value] if isinstance(value, list) else cipher_suite(value)
    if type(value) is int:
        return value if -JSON_SAFE < value < JSON_SAFE else str(value)
    if type(value) is float:
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, str):
        return _text(value)
    if is_time(value):
        if value.get("utc"):
            return ["t", value["utc"], ""]
        error = f": {value['error']}" if value.get("error") else ""
        return ["t", None, _text(value.get("raw")), f"({value.get('format')}{error})"]
    if isinstance(value, list):
        tags = [certificate_summary(v) if _looks_like_certificate(v) else _text(v) for v in value[:TAG_LIMIT]]
        if len(value) > TAG_LIMIT:
            tags.append(f"… {len(value) - TAG_LIMIT} more on the record page")
        return ["tags", tags]
    if isinstance(value, dict):
        if _looks_like_certificate(value):
            return certificate_summary(value)
        pairs = [[_text(k), cell_value(str(k), v)] for k, v in list(value.items())[:KV_LIMIT]]
        if len(value) > KV_LIMIT:
            pairs.append([f"… {len(value) - KV_LIMIT} more", "on the record page"])
        return ["kv", pairs]
    return _text(value)


def sort_time(record: dict[str, Any], columns: list[tuple[str, str]]) -> str:
    """The record's time for the table's time filter: its first decoded time column (UTC text), or ""."""
    for name in [n for n, _ in columns] + ["time"]:
        value: Any = record.get(name)
        if is_time(value) and value.get("utc"):
            return str(value["utc"])
    return ""
