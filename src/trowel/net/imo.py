"""imo traffic: chat sessions over TCP and call sessions over UDP.

Chat (TCP), only on positive evidence: a TLS connection is imo when its server name (SNI) or its certificate
(CN or SAN) falls under ``imo.im`` (1.0), or, sending no server name, goes to an address a DNS answer gave for
an imo name (0.8). A 5223/5228 connection that is not TLS is imo's binary protocol when it goes to a server
that presented imo TLS or whose address was resolved from an imo name (0.9), or when the client tried 443,
5223 and 5228 on one server in that order (imo's port fallback, 0.6). Other apps use these ports too
(Google's push service on 5228, XMPP on 5223): payload sizes (multiples of 16) are reported, never enough.
Consecutive sessions of one client that change transport or port record the switch.

Calls (UDP): a flow is imo call traffic when it matches nDPI's published byte patterns, or when 10-byte
pings (second byte 02, 4-byte little-endian counter at offset 2) are echoed by 10-byte pongs (second byte
03) carrying the same counter. The client endpoint (address and port) is the one shared by the call's flows.
Within one call (activity with less than ``CALL_IDLE_S`` seconds of silence), the first flow answered by the
other side is the relay; a later answered flow is the direct peer-to-peer path; flows that got no answer
are failed direct attempts, which still show the address the client tried. The pings of all the call's
flows share one clock (counter minus capture time stays constant), which ties them together.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from trowel.model import Provenance, TimeValue, build_record
from trowel.net.flows import FlowState
from trowel.net.records import CallSession, ImoSession, TlsSession
from trowel.net.tls import cert_matches, host_in_domain

IMO_DOMAINS = ("imo.im",)
IMO_BINARY_PORTS = (5223, 5228)
CALL_IDLE_S = 120
SAME_CLOCK_MS = 250.0
StampFn = Callable[[int], TimeValue]


def is_imo_tls(session: TlsSession) -> str | None:
    """Why a TLS session is imo's (SNI or certificate), or None."""
    if session.sni and any(host_in_domain(session.sni, d) for d in IMO_DOMAINS):
        return f"server name {session.sni}"
    if session.certificates:
        leaf = session.certificates[0]
        if any(cert_matches(leaf, d) for d in IMO_DOMAINS):
            return f"certificate {leaf.get('common_name')}"
    return None


SEQUENCE_WINDOW_S = 120  # 443 -> 5223 -> 5228 to one server within this time: imo's port fallback


def _imo_name(name: str | None) -> bool:
    return bool(name) and any(host_in_domain(name or "", d) for d in IMO_DOMAINS)


def _binary_evidence(flow: FlowState, tls_servers: set[bytes], names: dict[bytes, str],
                     by_client: dict[bytes, list[FlowState]]) -> list[tuple[str, float]]:
    """(reason, confidence) pairs that positively tie a 5223/5228 connection to imo."""
    out: list[tuple[str, float]] = []
    if flow.b in tls_servers:
        out.append((f"port {flow.bp} to a server that presented imo TLS", 0.9))
    name = names.get(flow.b)
    if _imo_name(name):
        out.append((f"server address resolved from {name}", 0.9))
    window = SEQUENCE_WINDOW_S * 1_000_000_000
    mine = [f for f in by_client.get(flow.a, []) if f.b == flow.b and abs(f.first_ts - flow.first_ts) <= window]
    first = {port: min((f.first_ts for f in mine if f.bp == port), default=None) for port in (443, 5223, 5228)}
    t443, t5223, t5228 = first[443], first[5223], first[5228]
    if t443 is not None and t5223 is not None and t5228 is not None and t443 <= t5223 <= t5228:
        out.append(("one client tried 443, then 5223, then 5228 on one server (imo's port fallback)", 0.6))
    return out


def chat_sessions(flows: list[FlowState], tls: dict[str, TlsSession], prov: Callable[[FlowState], Provenance],
                  stamp: StampFn, names: dict[bytes, str] | None = None) -> list[ImoSession]:
    """imo chat sessions, each only on positive evidence: TLS with an imo server name or certificate (or to
    an address resolved from an imo name); binary 5223/5228 connections to an imo server, from a client that
    just had imo TLS, or after the 443 -> 5223 -> 5228 fallback. A TLS record on 5223/5228 is TLS, not imo's
    binary protocol. Every session lists its ``reasons``; the confidence is the strongest one's."""
    names = names or {}
    found: list[tuple[FlowState, dict[str, Any]]] = []
    servers: set[bytes] = set()
    by_client: dict[bytes, list[FlowState]] = defaultdict(list)
    for flow in flows:
        if flow.proto == 6:
            by_client[flow.a].append(flow)
        session = tls.get(flow.flow_id)
        if flow.proto != 6 or session is None:
            continue
        reason = is_imo_tls(session)
        confidence = 1.0
        if reason is None and _imo_name(names.get(flow.b)) and not session.sni:
            reason, confidence = f"server address resolved from {names[flow.b]} (no server name sent)", 0.8
        if reason:
            servers.add(flow.b)
            leaf = session.certificates[0] if session.certificates else {}
            found.append((flow, {"transport": "tls", "reason": reason, "reasons": [reason],
                                 "confidence": confidence, "sni": session.sni,
                                 "certificate_subject": leaf.get("subject"),
                                 "certificate_organisation": leaf.get("organisation"),
                                 "ja3": session.ja3, "ja4": session.ja4}))
    for flow in flows:
        if flow.proto != 6 or flow.bp not in IMO_BINARY_PORTS or flow.application in ("tls", "http"):
            continue
        if flow.flow_id in tls:
            continue
        evidence = _binary_evidence(flow, servers, names, by_client)
        if not evidence:
            continue
        mult16 = flow.mult16 and flow.payload[0] + flow.payload[1] > 0
        best = max(evidence, key=lambda item: item[1])
        found.append((flow, {"transport": "binary", "confidence": best[1], "sizes_multiple_of_16": mult16,
                             "reason": best[0], "reasons": [r for r, _ in evidence]}))
    found.sort(key=lambda item: (item[0].first_ts, item[0].number))
    previous: dict[bytes, tuple[str, int]] = {}
    out = []
    for flow, facts in found:
        flow.application = "imo-tls" if facts["transport"] == "tls" else "imo-binary"
        here = (facts["transport"], flow.bp)
        before = previous.get(flow.a)
        switched = f"{before[0]}:{before[1]}" if before is not None and before != here else None
        previous[flow.a] = here
        confidence = facts.pop("confidence")
        out.append(build_record(ImoSession, {  # ImoSession(**values) without the frozen __init__
            "source": prov(flow), "raw": {}, "app": "imo", "confidence": confidence, "flow_id": flow.flow_id,
            "client_ip": flow.a_ip, "client_port": flow.ap, "server_ip": flow.b_ip, "server_port": flow.bp,
            "start": stamp(flow.first_ts), "end": stamp(flow.last_ts), "duration_s": flow.duration_ns / 1e9,
            "bytes_client_to_server": flow.payload[0], "bytes_server_to_client": flow.payload[1],
            "packets": flow.packets[0] + flow.packets[1], "switched_from": switched, **facts}))
    return out


ONE_BYTE = "two 1-byte packets with the same byte"


def is_call_flow(flow: FlowState) -> bool:
    """imo call traffic: one of nDPI's imo patterns, or pongs echoing pings. nDPI's weakest pattern (two
    1-byte packets with the same byte) is also what IPsec NAT-T keepalives (0xFF on port 4500) and other
    keepalives look like, so alone it is not enough; QUIC flows are never calls."""
    ev = flow.udp
    if ev is None or flow.quic is not None:
        return False
    strong = [name for name in ev.patterns if name != ONE_BYTE]
    return bool(strong) or ev.echoed(0) >= 2 or ev.echoed(1) >= 2


def _clock_offset_ms(flow: FlowState, side: int) -> float | None:
    ev = flow.udp
    if ev is None:
        return None
    offsets = [c - ts / 1e6 for ts, d, c in ev.pings if d == side]
    return statistics.median(offsets) if offsets else None


def _counter_rate(flow: FlowState, side: int) -> float | None:
    ev = flow.udp
    pings = [(ts, c) for ts, d, c in ev.pings if d == side] if ev else []
    if len(pings) < 2 or pings[-1][0] == pings[0][0]:
        return None
    return (pings[-1][1] - pings[0][1]) / ((pings[-1][0] - pings[0][0]) / 1e9)


def call_sessions(flows: list[FlowState], prov: Callable[[list[FlowState]], Provenance],
                  stamp: StampFn) -> list[CallSession]:
    """Group imo call flows by client endpoint and activity into call sessions."""
    calls = [f for f in flows if f.proto == 17 and is_call_flow(f)]
    for flow in calls:
        flow.application = "imo-call"
    uses: dict[tuple[bytes, int], int] = defaultdict(int)
    for flow in calls:
        uses[(flow.a, flow.ap)] += 1
        uses[(flow.b, flow.bp)] += 1
    by_client: dict[tuple[bytes, int], list[tuple[FlowState, int]]] = defaultdict(list)
    for flow in calls:
        side = 1 if uses[(flow.b, flow.bp)] > uses[(flow.a, flow.ap)] else 0
        client = (flow.a, flow.ap) if side == 0 else (flow.b, flow.bp)
        by_client[client].append((flow, side))
    out = []
    number = 0
    for client, members in sorted(by_client.items(), key=lambda kv: min(f.first_ts for f, _ in kv[1])):
        members.sort(key=lambda m: (m[0].first_ts, m[0].number))
        group: list[tuple[FlowState, int]] = []
        group_end = 0
        for flow, side in members:
            if group and flow.first_ts - group_end > CALL_IDLE_S * 1_000_000_000:
                number += 1
                out.append(_session(number, client, group, prov, stamp))
                group = []
            group.append((flow, side))
            group_end = max(group_end, flow.last_ts)
        if group:
            number += 1
            out.append(_session(number, client, group, prov, stamp))
    return out


def _session(number: int, client: tuple[bytes, int], group: list[tuple[FlowState, int]],
             prov: Callable[[list[FlowState]], Provenance], stamp: StampFn) -> CallSession:
    answered = [(f, s) for f, s in group if f.packets[1 - s] > 0]
    unanswered = [(f, s) for f, s in group if f.packets[1 - s] == 0]
    relay = answered[0] if answered else None
    direct = answered[1] if len(answered) > 1 else None

    def remote(item: tuple[FlowState, int]) -> tuple[str, int]:
        flow, side = item
        return (flow.b_ip, flow.bp) if side == 0 else (flow.a_ip, flow.ap)

    def counts(item: tuple[FlowState, int] | None) -> tuple[int, int]:
        if item is None:
            return 0, 0
        flow, side = item
        return flow.packets[side], flow.packets[1 - side]

    failed: list[dict[str, Any]] = []
    for flow, side in unanswered:
        ip, port = remote((flow, side))
        failed.append({"ip": ip, "port": port, "flow_id": flow.flow_id, "packets": flow.packets[side],
                       "first": stamp(flow.first_ts), "last": stamp(flow.last_ts)})
    peer: tuple[str, int] | None = remote(direct) if direct else None
    if peer is None and failed:
        tried: dict[tuple[str, int], int] = defaultdict(int)
        for attempt in failed:
            tried[(str(attempt["ip"]), int(attempt["port"]))] += int(attempt["packets"])
        peer = max(tried.items(), key=lambda kv: kv[1])[0]
    evidence = [f"all flows use client port {client[1]}"]
    offsets = {f.flow_id: _clock_offset_ms(f, s) for f, s in group}
    known = {k: v for k, v in offsets.items() if v is not None}
    relay_offset = offsets.get(relay[0].flow_id) if relay else None
    if len(known) > 1:
        spread = max(known.values()) - min(known.values())
        if spread <= SAME_CLOCK_MS:
            evidence.append(f"pings of {len(known)} flows share one counter clock (offsets within "
                            f"{spread:.1f} ms)")
        else:
            evidence.append(f"ping counter clocks differ by {spread:.1f} ms across flows")
    pings = sum(len([p for p in f.udp.pings if p[1] == s]) for f, s in group if f.udp)
    echoed = sum(f.udp.echoed(s) for f, s in group if f.udp)
    if echoed:
        evidence.append(f"{echoed} pong(s) echo the client's ping counters")
    relay_out, relay_in = counts(relay)
    direct_out, direct_in = counts(direct)
    flows = [f for f, _ in group]
    start = min(f.first_ts for f in flows)
    end = max(f.last_ts for f in flows)
    return CallSession(
        source=prov(flows), app="imo", call_id=f"call-{number}", client_ip=flows[0].a_ip if group[0][1] == 0
        else flows[0].b_ip, client_port=client[1], start=stamp(start), end=stamp(end),
        duration_s=(end - start) / 1e9,
        relay_ip=remote(relay)[0] if relay else None, relay_port=remote(relay)[1] if relay else None,
        relay_flow_id=relay[0].flow_id if relay else None,
        peer_ip=peer[0] if peer else None, peer_port=peer[1] if peer else None,
        direct_connected=direct is not None, direct_flow_id=direct[0].flow_id if direct else None,
        direct_start=stamp(direct[0].first_ts) if direct else None,
        packets_out=sum(f.packets[s] for f, s in group), packets_in=sum(f.packets[1 - s] for f, s in group),
        relay_packets_out=relay_out, relay_packets_in=relay_in, direct_packets_out=direct_out,
        direct_packets_in=direct_in, failed_direct_attempts=failed, pings=pings, pongs_echoed=echoed,
        clock_offset_ms=round(relay_offset, 3) if relay_offset is not None else None,
        counter_rate_per_s=round(rate, 3) if relay and (rate := _counter_rate(relay[0], relay[1])) else None,
        evidence=evidence,
        confidence=1.0 if any(f.udp and f.udp.patterns for f in flows) else 0.8,
    )
