"""`trowel net analyze CAPTURE`: flows, HTTP objects, TLS sessions, imo chat, stickers and calls from one
packet capture (pcap or pcapng)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from trowel.cli.common import emit_json, note, progress_bar


def register(sub: Any) -> None:
    parser = sub.add_parser("net", help="analyse packet captures")
    group = parser.add_subparsers(dest="net_command", metavar="SUBCOMMAND", parser_class=type(parser))
    analyze = group.add_parser("analyze", help="flows, HTTP objects, TLS, imo chat/stickers/calls of a capture")
    analyze.add_argument("capture", help="pcap or pcapng file (recognised by content)")
    analyze.add_argument("--keylog", help="NSS key log file (SSLKEYLOGFILE) to decrypt TLS 1.2 sessions")
    analyze.add_argument("--out", help="folder for carved objects (DIR/media/<sha256>) and DIR/records.jsonl")
    analyze.add_argument("--json", action="store_true", help="JSON Lines, one record per line")
    analyze.set_defaults(handler=run_analyze)
    parser.set_defaults(handler=lambda _args: _usage(parser))


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

        result = analyze_capture(capture, evidence="", keylog=keylog, media_dir=media, progress=progress)
    stream = open(out / "records.jsonl", "w", encoding="utf-8") if out is not None else None  # noqa: SIM115
    counts: Counter[str] = Counter()
    summary: list[str] = []
    try:
        for record in result.records:  # one record at a time: memory stays flat on large captures
            row = record.to_json()
            if stream is not None:
                emit_json([row], stream)
            if args.json:
                emit_json([row])
            else:
                counts[row["kind"]] += 1
                line = _summary(row)
                if line:
                    summary.append("  " + line)
    finally:
        if stream is not None:
            stream.close()
    if not args.json:
        print(f"{capture}: {result.packets} frames, {result.ip_packets} TCP/UDP")
        for kind, n in sorted(counts.items()):
            print(f"  {kind}: {n}")
        for line in summary:
            print(line)
    for text in result.warnings:
        note(f"warning: {text}")
    return 0


def _summary(data: dict[str, Any]) -> str | None:
    kind = data["kind"]
    if kind == "http_object":
        flag = "" if data["complete"] else f" PARTIAL ({data['incomplete_reason']})"
        return f"http_object {data['status']} {data['url']} {data['size']} bytes sha256 {data['sha256']}{flag}"
    if kind == "tls_session":
        return f"tls_session {data['server_ip']}:{data['server_port']} sni={data.get('sni')} ja3={data.get('ja3')} " \
               f"ja4={data.get('ja4')}"
    if kind == "sticker":
        return f"sticker {data['sticker_id']} frames={data['frames']} fetched {data['fetch_count']}x"
    if kind == "imo_session":
        return f"imo_session {data['transport']} {data['server_ip']}:{data['server_port']} ({data['reason']})"
    if kind == "call_session":
        return f"call_session {data['call_id']} relay {data['relay_ip']}:{data['relay_port']} peer " \
               f"{data['peer_ip']}:{data['peer_port']} {data['duration_s']:.1f} s"
    return None
