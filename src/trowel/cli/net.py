"""`trowel net analyze CAPTURE`: flows, HTTP objects, TLS sessions, imo chat, stickers and calls from one
packet capture (pcap or pcapng)."""

from __future__ import annotations

import argparse
import gc
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from trowel.cli.common import progress_bar, record_line, warn

JSON_BATCH = 512  # records per write

EPILOG = """\
examples:
  trowel net analyze capture.pcapng
  trowel net analyze capture.pcapng --keylog sslkeys.txt --out net1     # decrypt TLS 1.2, carve objects
  trowel net analyze capture.pcapng --json > records.jsonl

output (text):
  a first line with the capture's frame counts, then the records per kind (kind, count), then one line
  per record (flows, HTTP objects, TLS and QUIC sessions, tunnels, stickers, imo sessions, calls):
  start (UTC)   when the record begins (first packet, request, hello)
  end (UTC)     when it ends (last packet, end of the response); - when not known
  kind          flow, http_object, tls_session, quic_session, tunnel, sticker, imo_session, call_session,
                warning
  detail        addresses client -> server and what was seen; a flow or peer that never answered is
                marked "UNANSWERED"; a call's peer is "connected" or "tried, unanswered"; a QUIC session
                shows version, SNI, ALPN, JA4 and the client's first destination connection ID (0-RTT and
                retry when seen); a tunnel shows the proxy, the CONNECT target, the answer, what ran inside
                and the tunnelled bytes each way
  Times are the capture's own clock, in UTC. Warnings follow on stderr.

output (--json): one object per record with every field (flow, http_object, tls_session, quic_session,
  tunnel, sticker, imo_session, call_session), as stored by examine.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("net", help="analyse packet captures",
                            epilog="example:\n  trowel net analyze capture.pcapng --keylog sslkeys.txt\n")
    group = parser.add_subparsers(dest="net_command", metavar="SUBCOMMAND", parser_class=type(parser))
    analyze = group.add_parser("analyze", help="flows, HTTP objects, TLS, imo chat/stickers/calls of a capture",
                               description="Flows, HTTP objects, TLS sessions, imo chat, stickers and calls of one "
                                           "packet capture (pcap or pcapng).", epilog=EPILOG)
    analyze.add_argument("capture", help="pcap or pcapng file (recognised by content)")
    analyze.add_argument("--keylog", help="NSS key log file (SSLKEYLOGFILE) to decrypt TLS 1.2 sessions")
    analyze.add_argument("--out", help="folder for carved objects (DIR/media/<sha256>) and DIR/records.jsonl")
    analyze.add_argument("--json", action="store_true", help="JSON Lines, one record per line")
    analyze.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                         help="processes to analyse with (default: the machine's processors, at most 4; a "
                              "capture under 32 MiB always uses 1); the records are the same for any N")
    analyze.set_defaults(handler=run_analyze)
    parser.set_defaults(handler=lambda _args: _usage(parser))


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a number of processes (1 or more): {text!r}")
    return value


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    sys.stderr.write("trowel: choose a subcommand (analyze)\n")
    return 2


def run_analyze(args: argparse.Namespace) -> int:
    from trowel.net import KeyLog, analyze_capture

    capture = Path(args.capture)
    keylog = KeyLog.load(Path(args.keylog)) if args.keylog else None
    out = Path(args.out) if args.out else None
    media = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        media = out / "media"
    size = capture.stat().st_size if capture.is_file() else 0
    with progress_bar(f"analyse {capture.name}", total=size, bytes_=True) as bar:
        done = {"at": 0}

        def progress(position: int) -> None:
            bar.advance(position - done["at"])
            done["at"] = position

        result = analyze_capture(capture, evidence="", keylog=keylog, media_dir=media, progress=progress,
                                 jobs=args.jobs, encode=out is not None or args.json)
    # The analysis leaves hundreds of thousands of live objects (records, flows) that this command keeps to
    # the end: without this, the collector's next full collection (at the latest the one when the
    # interpreter exits) scans them all once more, about 5-7% of the run. Frozen objects are still freed by
    # reference counting; only cyclic garbage left from the pass stays until the process ends.
    gc.freeze()
    stream = open(out / "records.jsonl", "wb") if out is not None else None  # noqa: SIM115
    counts: Counter[str] = Counter()
    lines: list[tuple[str, str, str, str]] = []
    batch: list[bytes] = []  # JSON lines as UTF-8, encoded once for both outputs and written in chunks

    def flush() -> None:
        data = b"".join(batch)
        batch.clear()
        if stream is not None:
            stream.write(data)
        if args.json:
            _write_stdout(data)

    try:
        # worker processes hand over many records as their JSON lines already (bytes items)
        for item in result.output():
            if stream is not None or args.json:
                batch.append(item if isinstance(item, bytes) else record_line(item))
                if len(batch) >= JSON_BATCH:
                    flush()
            if not args.json:
                row = orjson.loads(item) if isinstance(item, bytes) else item.to_json()
                counts[row["kind"]] += 1
                detail = _detail(row)
                if detail is not None:
                    lines.append((_utc(_start(row)), _utc(_end(row)), row["kind"], detail))
        flush()
    finally:
        if stream is not None:
            stream.close()
    if not args.json:
        write = sys.stdout.write
        write(f"{capture}: {result.packets} frames, {result.ip_packets} TCP/UDP\n")
        write(f"{'kind':<14} {'count':>7}\n")
        for kind, n in sorted(counts.items()):
            write(f"{kind:<14} {n:>7}\n")
        write(f"{'start (UTC)':<24} {'end (UTC)':<24} {'kind':<12} detail\n")
        for start, end, kind, detail in sorted(lines, key=lambda line: line[0]):
            write(f"{start:<24} {end:<24} {kind:<12} {detail}\n")
    for text in result.warnings:
        warn(f"{capture.name}: {text}")
    return 0


def _write_stdout(data: bytes) -> None:
    """UTF-8 JSON Lines to stdout: straight to its byte layer when it has one (no decoding and encoding again
    of the text), else as text."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    sys.stdout.flush()  # whatever text was written before goes first
    buffer.write(data)


def _utc(value: Any) -> str:
    """A stored time as UTC text to the millisecond (2018-06-12T10:08:20.000Z); - when absent."""
    text = value.get("utc") if isinstance(value, dict) else None
    if not isinstance(text, str) or not text:
        return "-"
    if len(text) == 27 and text.endswith("Z") and text[19] == ".":
        return text[:23] + "Z"
    return text


def _start(row: dict[str, Any]) -> Any:
    return row.get("start") or row.get("request_time") or row.get("time") or row.get("response_time")


def _end(row: dict[str, Any]) -> Any:
    return row.get("end") or row.get("end_time") or row.get("response_time")


def _flow_detail(data: dict[str, Any]) -> str:
    app = f" {data['application']}" if data.get("application") else ""
    answer = "" if data["packets_b_to_a"] else "  UNANSWERED (no packet back)"
    gaps = f" gaps={data['gaps']}" if data.get("gaps") else ""
    return (f"{data['transport']} {data['a_ip']}:{data['a_port']} -> {data['b_ip']}:{data['b_port']}{app} "
            f"packets {data['packets_a_to_b']}/{data['packets_b_to_a']} bytes {data['bytes_a_to_b']}/"
            f"{data['bytes_b_to_a']}{gaps}{answer}")


def _call_detail(data: dict[str, Any]) -> str:
    text = f"{data['call_id']} client {data['client_ip']}:{data['client_port']}"
    if data.get("relay_ip"):
        text += f" relay {data['relay_ip']}:{data['relay_port']}"
    if data.get("peer_ip"):
        state = "connected" if data.get("direct_connected") else "tried, UNANSWERED"
        text += f" peer {data['peer_ip']}:{data['peer_port']} ({state})"
    else:
        text += " no direct peer"
    text += f" {data['duration_s']:.1f} s"
    tried = [a for a in data.get("failed_direct_attempts") or []
             if (a.get("ip"), a.get("port")) != (data.get("peer_ip"), data.get("peer_port"))]
    if tried:
        text += "; also tried, UNANSWERED: " + ", ".join(f"{a.get('ip')}:{a.get('port')} ({a.get('packets')} "
                                                         "packets)" for a in tried)
    return text


def _quic_detail(data: dict[str, Any]) -> str:
    text = (f"{data['client_ip']}:{data['client_port']} -> {data['server_ip']}:{data['server_port']} "
            f"{data['version_name']} sni={data.get('sni')} alpn={','.join(data.get('alpn') or []) or None} "
            f"ja4={data.get('ja4')} dcid={data['original_dcid']}")
    if data.get("zero_rtt_packets") or data.get("early_data_offered"):
        text += f" 0-RTT ({data.get('zero_rtt_packets', 0)} packets)"
    if data.get("retry"):
        text += " retry"
    if data.get("undecryptable_initials"):
        text += f" undecryptable_initials={data['undecryptable_initials']}"
    return text


def _tunnel_detail(data: dict[str, Any]) -> str:
    inner = data.get("inner_application") or "unknown"
    sni = f" sni={data['inner_sni']}" if data.get("inner_sni") else ""
    return (f"{data['client_ip']}:{data['client_port']} -> proxy {data['proxy_ip']}:{data['proxy_port']} "
            f"CONNECT {data['target']} {data.get('status')} inner={inner}{sni} bytes "
            f"{data['bytes_client_to_server']}/{data['bytes_server_to_client']}")


def _detail(data: dict[str, Any]) -> str | None:
    kind = data["kind"]
    if kind == "flow":
        return _flow_detail(data)
    if kind == "http_object":
        flag = "" if data["complete"] else f" PARTIAL ({data['incomplete_reason']})"
        method = f"{data['method']} " if data.get("method") else ""
        return (f"{data['client_ip']} -> {data['server_ip']}:{data['server_port']} {method}{data['status']} "
                f"{data['url']} {data['size']} bytes sha256 {data['sha256']}{flag}")
    if kind == "tls_session":
        return (f"{data['client_ip']}:{data['client_port']} -> {data['server_ip']}:{data['server_port']} "
                f"sni={data.get('sni')} ja3={data.get('ja3')} ja4={data.get('ja4')}")
    if kind == "quic_session":
        return _quic_detail(data)
    if kind == "tunnel":
        return _tunnel_detail(data)
    if kind == "sticker":
        return f"{data['sticker_id']} frames={data['frames']} fetched {data['fetch_count']}x {data.get('url')}"
    if kind == "imo_session":
        return (f"{data['transport']} {data['client_ip']}:{data['client_port']} -> "
                f"{data['server_ip']}:{data['server_port']} ({data['reason']})")
    if kind == "call_session":
        return _call_detail(data)
    if kind == "warning":
        return str(data.get("message"))
    return None
