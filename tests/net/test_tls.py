"""TLS: hello parsing, certificates, JA3/JA3S/JA4 per the published specifications, PRF, decryption."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures.net import tlsmaterial as tm
from tests.net.conftest import by_kind
from trowel.errors import CaptureError
from trowel.net import AnalysisResult, KeyLog, analyze_capture
from trowel.net.tls import (
    JA4_VERSIONS,
    ClientHello,
    ServerHello,
    describe_certificate,
    is_grease,
    ja3,
    ja4,
    ja4_alpn,
    ja4_from_parts,
    parse_client_hello,
)
from trowel.net.tlscrypto import prf


def test_grease_values() -> None:
    assert [v for v in range(0x10000) if is_grease(v)] == [0x0A0A + 0x1010 * i for i in range(16)]


def _hello() -> ClientHello:
    rec = tm.client_hello("imo.im", ["http/1.1"])
    return parse_client_hello(rec[5 + 4:])


def test_client_hello_fields() -> None:
    hello = _hello()
    assert hello.sni == "imo.im"
    assert hello.alpn == ["http/1.1"]
    assert hello.ciphers == tm.CH_CIPHERS
    assert hello.supported_versions == [0x0303]
    assert hello.signature_algorithms == tm.CH_SIGALGS


def test_ja3_excludes_grease() -> None:
    text, digest = ja3(_hello())
    assert text == "771,49199-49200-49171-156-47,0-23-65281-10-11-35-16-13-43,29-23-24,0"
    assert digest == hashlib.md5(text.encode()).hexdigest() == "d2dd57d5c3c8cef2a887840fd5ffb448"


def test_ja4_of_the_fixture_hello() -> None:
    fingerprint, raw = ja4(_hello())
    assert raw == "t12d0509h1_002f,009c,c013,c02f,c030_000a,000b,000d,0017,0023,002b,ff01_0403,0804,0401"
    b = hashlib.sha256(b"002f,009c,c013,c02f,c030").hexdigest()[:12]
    c = hashlib.sha256(b"000a,000b,000d,0017,0023,002b,ff01_0403,0804,0401").hexdigest()[:12]
    assert fingerprint == f"t12d0509h1_{b}_{c}"


def test_ja4_published_example() -> None:
    """The example in FoxIO's JA4 technical details (a Chrome hello): t13d1516h2_8daaf6152771_..."""
    ciphers = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014, 0x009C,
               0x009D, 0x002F, 0x0035]
    exts = [0x001B, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002D, 0x000D, 0x0005, 0x0023, 0x0012, 0x002B, 0xFF01,
            0x000B, 0x000A, 0x0015]
    sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    fingerprint, _raw = ja4_from_parts("13", True, ciphers, exts, "h2", sigs)
    assert fingerprint == "t13d1516h2_8daaf6152771_e5627efa2ab1"


def test_ja4_second_published_example() -> None:
    """A browser hello published with its JA4_r: t13d1516h2_8daaf6152771_d8a2da3f94cd."""
    raw_b = "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9"
    raw_c = "0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01"
    sigs = "0403,0804,0401,0503,0805,0501,0806,0601"
    ciphers = [int(x, 16) for x in raw_b.split(",")]
    exts = [int(x, 16) for x in raw_c.split(",")] + [0x0000, 0x0010]
    fingerprint, raw = ja4_from_parts("13", True, ciphers, exts, "h2", [int(x, 16) for x in sigs.split(",")])
    assert raw == f"t13d1516h2_{raw_b}_{raw_c}_{sigs}"
    assert fingerprint == "t13d1516h2_8daaf6152771_d8a2da3f94cd"


def test_ja4_alpn_rules() -> None:
    assert ja4_alpn(None) == "00"
    assert ja4_alpn("h2") == "h2"
    assert ja4_alpn("http/1.1") == "h1"
    assert ja4_alpn("h") == "hh"
    assert ja4_alpn("\xab\xcd") == "ad"  # not alphanumeric: hex of first and last byte


def test_prf_sha256_vector() -> None:
    """The TLS 1.2 PRF (SHA-256) test vector published on the IETF TLS list."""
    out = prf(bytes.fromhex("9bbe436ba940f017b17652849a71db35"), b"test label",
              bytes.fromhex("a0ba9f936cda311827a6f796ffd5198c"), 100, "sha256")
    assert out.hex().startswith("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a")
    assert out.hex().endswith("fff70187347b66")


def test_certificate_fields(captures: Path, imo_result: AnalysisResult, manifest: dict[str, Any]) -> None:
    sessions = by_kind(imo_result, "tls_session")
    assert len(sessions) == 1
    s = sessions[0]
    assert (s["client_ip"], s["server_ip"], s["server_port"], s["sni"]) == ("192.168.1.10", "161.202.10.20", 443,
                                                                            "imo.im")
    assert s["server_cipher_suite"] == 0xC02F
    assert s["server_cipher_suite_name"] == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    assert s["ja3s_string"] == "771,49199,65281-23-11"
    assert s["ja3s"] == hashlib.md5(b"771,49199,65281-23-11").hexdigest()
    assert s["ja3"] == "d2dd57d5c3c8cef2a887840fd5ffb448"
    leaf, ca = s["certificates"]
    assert leaf["sha256"] == manifest["imo_cert_sha256"]
    assert ca["sha256"] == manifest["ca_cert_sha256"]
    assert leaf["common_name"] == "*.imo.im"
    assert leaf["organisation"] == "PageBites Inc."
    assert leaf["subject"] == "CN=*.imo.im,O=PageBites Inc.,C=US"
    assert leaf["issuer"] == "CN=Test Trust RSA CA 2018,O=Test Trust CA Org,C=US"
    assert leaf["sans"] == ["*.imo.im", "imo.im"]
    assert leaf["not_before"]["utc"] == "2018-06-01T00:00:00.000000Z"
    assert leaf["not_after"]["utc"] == "2018-06-21T00:00:00.000000Z"
    assert leaf["valid_days"] == 20.0
    assert s["bytes_client_to_server"] > 0 and s["bytes_server_to_client"] > 0


def test_damaged_certificate_is_reported() -> None:
    info = describe_certificate(b"\x30\x03\x02\x01\x00")
    assert info["sha256"] == hashlib.sha256(b"\x30\x03\x02\x01\x00").hexdigest()
    assert info["error"].startswith("certificate cannot be read")


def test_decryption_of_real_tls12_sessions(tls_result: AnalysisResult, manifest: dict[str, Any]) -> None:
    sessions = by_kind(tls_result, "tls_session")
    assert [s["server_cipher_suite_name"] for s in sessions] == [
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"]
    assert [s["decrypted"] for s in sessions] == [True] * 4
    assert [s["encrypt_then_mac"] for s in sessions] == [False, True, False, False]
    assert [s.get("decryption_note") for s in sessions] == [None] * 4
    objects = by_kind(tls_result, "http_object")
    assert [o["sha256"] for o in objects] == manifest["secret_objects"]
    assert all(o["decrypted"] and o["complete"] for o in objects)
    assert objects[0]["url"] == "https://chat.imo.im/secret/0.png"
    assert objects[0]["content_type"] == "image/png"


def test_without_key_log_nothing_decrypted(captures: Path) -> None:
    result = analyze_capture(captures / "tls_decrypt.pcap")
    assert by_kind(result, "http_object") == []
    assert [s["decrypted"] for s in by_kind(result, "tls_session")] == [False] * 4


def test_wrong_and_damaged_keys(captures: Path, tmp_path: Path) -> None:
    lines = (captures / "tls_decrypt.keylog").read_text().splitlines()
    keyed = [line for line in lines if line.startswith("CLIENT_RANDOM")]
    wrong = tmp_path / "wrong.keylog"
    label, rnd, secret = keyed[0].split()
    bad_secret = ("00" if secret[:2] != "00" else "11") + secret[2:]
    wrong.write_text(f"{label} {rnd} {bad_secret}\n{keyed[1]}\nnot a key line\n")
    log = KeyLog.load(wrong)
    assert len(log.master_secrets) == 2 and log.bad_lines == 1
    result = analyze_capture(captures / "tls_decrypt.pcap", keylog=log)
    notes = [s.get("decryption_note") for s in by_kind(result, "tls_session")]
    assert notes[0] is not None and "decryption stopped: authentication tag does not verify" in notes[0]
    assert notes[1] is None
    assert notes[2] == notes[3] == "the key log has no secret for this session"
    assert len(by_kind(result, "http_object")) == 2


def test_keylog_errors(tmp_path: Path) -> None:
    empty = tmp_path / "k.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(CaptureError, match="not an NSS key log file"):
        KeyLog.load(empty)
    with pytest.raises(CaptureError, match="cannot read the key log"):
        KeyLog.load(tmp_path / "missing.txt")
    tls13 = tmp_path / "13.txt"
    tls13.write_text("CLIENT_TRAFFIC_SECRET_0 " + "ab" * 32 + " " + "cd" * 32 + "\nRSA " + "01" * 8 + " "
                     + "03" * 48 + "\nCLIENT_RANDOM " + "ab" * 32 + " 123\nOTHER_LABEL ab cd\n")
    log = KeyLog.load(tls13)
    assert log.tls13 == {bytes.fromhex("ab" * 32): {"CLIENT_TRAFFIC_SECRET_0": bytes.fromhex("cd" * 32)}}
    assert log.rsa_premasters == {bytes.fromhex("01" * 8): bytes.fromhex("03" * 48)}
    assert log.other_labels == {"OTHER_LABEL": 1} and log.bad_lines == 1


def test_handshake_split_across_records() -> None:
    from trowel.net.tlsstream import TlsConnection

    hs = tm.client_hello("split.imo.im")[5:]
    records = b"".join(struct.pack("!BHH", 22, 0x0301, len(hs[i:i + 30])) + hs[i:i + 30]
                       for i in range(0, len(hs), 30))
    conn = TlsConnection(None, lambda _e: None)
    for i in range(0, len(records), 7):
        conn.data(0, records[i:i + 7], 1, 1)
    assert conn.client_hello is not None and conn.client_hello.sni == "split.imo.im"
    assert conn.client_dir == 0


def _expand_label(secret: bytes, label: bytes, length: int) -> bytes:
    """RFC 8446 HKDF-Expand-Label with the cryptography package's HKDFExpand (independent of trowel's)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

    full = b"tls13 " + label
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    return HKDFExpand(hashes.SHA256(), length, info).derive(secret)


def _seal(secret: bytes, seq: int, inner_type: int, content: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, iv = _expand_label(secret, b"key", 16), _expand_label(secret, b"iv", 12)
    plain = content + bytes([inner_type]) + bytes(3)  # with padding
    header = struct.pack("!BHH", 23, 0x0303, len(plain) + 16)
    nonce = (int.from_bytes(iv, "big") ^ seq).to_bytes(12, "big")
    return header + AESGCM(key).encrypt(nonce, plain, header)


def test_tls13_key_update_switches_the_direction() -> None:
    from trowel.net.tlscrypto import Tls13Decryptor
    from trowel.net.tlsstream import TlsConnection

    secret0 = bytes(range(32))
    secret1 = _expand_label(secret0, b"traffic upd", 32)
    request = b"GET /after-update HTTP/1.1\r\nHost: ku.example\r\n\r\n"
    records = (_seal(secret0, 0, 23, request[:20]) + _seal(secret0, 1, 22, b"\x18\x00\x00\x01\x00")
               + _seal(secret1, 0, 23, request[20:]))
    conn = TlsConnection(None, lambda _e: None)
    conn.tls13, conn.client_dir = True, 0
    conn.dirs[0].d13 = Tls13Decryptor(0x1301, secret0)
    conn.data(0, records, 1, 1)
    assert conn.notes == [] and conn.decrypted_records == 3 and conn.key_updates == 1
    assert conn.inner is not None and [m.target for m in conn.inner.requests] == ["/after-update"]


def _reference_sni(body: bytes | None) -> str | None:
    """The server_name reading as first written, through the bounds-checked cursor."""
    from trowel.net.tls import _Cursor

    if not body or len(body) < 5:
        return None
    try:
        names = _Cursor(_Cursor(body).vec(2))
        while names.left >= 3:
            ntype = names.u8()
            name = names.vec(2)
            if ntype == 0:
                return name.decode("ascii", "replace")
    except ValueError:
        return None
    return None


def _reference_alpn(body: bytes | None) -> list[str]:
    from trowel.net.tls import _Cursor

    out: list[str] = []
    if not body or len(body) < 2:
        return out
    try:
        names = _Cursor(_Cursor(body).vec(2))
        while names.left >= 1:
            out.append(names.vec(1).decode("ascii", "replace"))
    except ValueError:
        return out
    return out


@given(st.binary(max_size=40))
@settings(max_examples=400, deadline=None)
def test_sni_and_alpn_read_by_index_as_the_cursor_reads_them(tail: bytes) -> None:
    from trowel.net.tls import EXT_ALPN, EXT_SNI, parse_alpn

    sni = struct.pack("!HBH", 14, 0, 11) + b"example.org"
    alpn = b"\x00\x0c\x02h2\x08http/1.1"
    for body in (tail, sni + tail, sni[:len(tail) % len(sni)] + tail, alpn + tail, alpn[:len(tail) % 14] + tail,
                 b"\x00\x09\x01" + tail, struct.pack("!HBH", 3 + len(tail), 1, len(tail)) + tail):
        hello = ClientHello(0x0303, bytes(32), b"", [], b"\x00", [(EXT_SNI, body), (EXT_ALPN, body)])
        assert hello.sni == _reference_sni(body)
        assert parse_alpn(body) == hello.alpn == _reference_alpn(body)


def test_hkdf_expand_label_is_rfc5869_expand() -> None:
    """HKDF-Expand-Label (one HMAC block taken directly when it is enough) against cryptography's HKDFExpand."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

    from trowel.net import quic, tlscrypto

    secret = bytes(range(48))
    for name, algorithm in (("sha256", hashes.SHA256()), ("sha384", hashes.SHA384())):
        for length in (1, 12, 16, 31, 32, 33, 48, 49, 64, 80):
            for label in (b"key", b"iv", b"traffic upd", b"quic hp", b"client in"):
                info = struct.pack("!HB", length, 6 + len(label)) + b"tls13 " + label + b"\x00"
                expect = HKDFExpand(algorithm, length, info).derive(secret)
                assert tlscrypto.hkdf_expand_label(secret, label, length, name) == expect, (name, length, label)
                if name == "sha256":
                    assert quic.hkdf_expand_label(secret, label, length) == expect, (length, label)


def test_grease_set_is_every_grease_value() -> None:
    from trowel.net.tls import GREASE

    assert len(GREASE) == 16
    assert {v for v in range(0x10000) if is_grease(v)} == GREASE


_GREASE_VALUES = [0x0A0A + 0x1010 * i for i in range(16)]
_u16s = st.lists(st.integers(0, 0xFFFF), max_size=12)


def _u16_body(values: list[int], width: int) -> bytes:
    return (len(values) * 2).to_bytes(width, "big") + struct.pack(f">{len(values)}H", *values)


@st.composite
def _hellos(draw: Any) -> tuple[ClientHello, dict[str, Any]]:
    """A ClientHello (GREASE values and extension order drawn) and the plain lists its fingerprints read."""
    ciphers = draw(_u16s)
    groups = draw(_u16s)
    versions = draw(_u16s)
    sigs = draw(_u16s)
    points = draw(st.lists(st.integers(0, 255), max_size=4))
    sni = draw(st.sampled_from([None, "a.example", "imo.im"]))
    alpn = draw(st.sampled_from([[], ["h2"], ["http/1.1", "h2"], ["x"]]))
    bodies: dict[int, bytes] = {0x000A: _u16_body(groups, 2), 0x000B: bytes([len(points)]) + bytes(points),
                                0x002B: _u16_body(versions, 1), 0x000D: _u16_body(sigs, 2)}
    if sni is not None:
        name = sni.encode()
        bodies[0x0000] = struct.pack(">HBH", len(name) + 3, 0, len(name)) + name
    if alpn:
        names = b"".join(bytes([len(a)]) + a.encode() for a in alpn)
        bodies[0x0010] = len(names).to_bytes(2, "big") + names
    for t in draw(st.lists(st.integers(0, 0xFFFF).filter(lambda v: v not in bodies), max_size=6, unique=True)):
        bodies[t] = b""
    types = draw(st.permutations(sorted(bodies)))
    grease = st.sampled_from(_GREASE_VALUES)
    exts = [(t, bodies[t]) for t in types]
    for _ in range(draw(st.integers(0, 2))):
        exts.insert(draw(st.integers(0, len(exts))), (draw(grease), b""))
    mixed = list(ciphers)
    for _ in range(draw(st.integers(0, 2))):
        mixed.insert(draw(st.integers(0, len(mixed))), draw(grease))
    hello = ClientHello(draw(st.sampled_from([0x0301, 0x0303])), bytes(32), b"", mixed, b"\x00", exts)
    return hello, {"types": [t for t, _ in exts], "points": points, "sni": sni, "alpn": alpn}


def _plain(values: list[int]) -> list[int]:
    return [v for v in values if not is_grease(v)]


@settings(max_examples=300, deadline=None)
@given(_hellos(), _hellos(), st.sampled_from(["t", "q"]))
def test_remembered_fingerprints_equal_the_specification(one: Any, two: Any, transport: str) -> None:
    """JA3 and JA4 are remembered by their GREASE-free inputs: every answer, first or remembered, equals the
    fingerprint made from the specification's lists, whatever GREASE values or extension order a hello has."""
    for hello, facts in (one, two, one, two):
        fresh = parse_client_hello(_reencoded(hello))
        for h in (hello, fresh):
            text = ",".join([str(h.legacy_version), "-".join(map(str, _plain(h.ciphers))),
                             "-".join(map(str, _plain(facts["types"]))), "-".join(map(str, _plain(h.groups))),
                             "-".join(map(str, facts["points"]))])
            assert ja3(h) == (text, hashlib.md5(text.encode()).hexdigest())
            versions = _plain(h.supported_versions)
            top = max(versions) if versions else h.legacy_version
            assert ja4(h, transport) == ja4_from_parts(
                JA4_VERSIONS.get(top, "00"), facts["sni"] is not None, _plain(h.ciphers), _plain(facts["types"]),
                facts["alpn"][0] if facts["alpn"] else None, _plain(h.signature_algorithms), transport)


def _reencoded(hello: ClientHello) -> bytes:
    """The ClientHello body of a parsed hello (fields back to wire form)."""
    exts = b"".join(struct.pack(">HH", t, len(b)) + b for t, b in hello.extensions)
    return (struct.pack(">H", hello.legacy_version) + hello.random + bytes([len(hello.session_id)])
            + hello.session_id + _u16_body(hello.ciphers, 2) + bytes([len(hello.compression)]) + hello.compression
            + len(exts).to_bytes(2, "big") + exts)


def test_hello_extension_lookup_takes_the_first_of_a_type() -> None:
    """ClientHello and ServerHello index their extensions on the first lookup; the first body of a type wins,
    as in a walk over the list, and a type that is absent gives None."""
    sh = ServerHello(0x0303, bytes(32), b"", 0x1301, 0, [(43, b"\x03\x04"), (16, b"\x00\x03\x02h2"), (43, b"\x03\x03")])
    assert sh.ext(43) == b"\x03\x04" and sh.version == 0x0304 and sh.alpn == "h2" and sh.ext(0) is None
    ch = ClientHello(0x0303, bytes(32), b"", [0x1301], b"\x00", [(0, b"\x00\x05\x00\x00\x02ab"), (0, b"x")])
    assert ch.ext(0) == b"\x00\x05\x00\x00\x02ab" and ch.sni == "ab" and ch.ext(16) is None and ch.alpn == []
    assert ClientHello.sni.__doc__ is not None and "host_name" in ClientHello.sni.__doc__
