"""``trowel ls EVIDENCE``: the entries of any evidence source, like The Sleuth Kit's fls."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from trowel.cli.common import emit_json, fail
from trowel.errors import TrowelError
from trowel.evidence import Entry, EntryKind, EvidenceSource, locate, open_evidence
from trowel.model.values import iso_utc, ns_to_datetime


def register(sub: Any) -> None:
    parser = sub.add_parser("ls", help="entries of any evidence source (like fls)")
    parser.add_argument("evidence", help="folder, tar, zip, Android backup, raw/ext4 image, E01 or sparse image")
    parser.add_argument("--hash", action="store_true", help="add the SHA-256 of every readable file")
    parser.add_argument("--json", action="store_true", help="JSON Lines, one entry per line")
    parser.add_argument("--password", help="password of an encrypted Android backup")
    parser.set_defaults(handler=run)


def entry_json(source: EvidenceSource, entry: Entry, sha256: str | None, hashed: bool) -> dict[str, Any]:
    loc = locate(entry.path)
    out: dict[str, Any] = {
        "kind": "file", "path": entry.path, "entry_kind": entry.kind.value, "size": entry.size,
        "deleted": entry.deleted,
        "mtime": _iso(entry.mtime), "atime": _iso(entry.atime), "ctime": _iso(entry.ctime), "crtime": _iso(entry.crtime),
        "user": loc.user, "package": loc.package, "area": loc.area, "canonical": loc.canonical,
    }
    if entry.inode is not None:
        out["inode"] = entry.inode
    if entry.link_target:
        out["link_target"] = entry.link_target
    if entry.note:
        out["note"] = entry.note
    if hashed:
        out["sha256"] = sha256
    return out


def _iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    try:
        return iso_utc(ns_to_datetime(ns))
    except OverflowError:
        return None


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    try:
        source = open_evidence(Path(args.evidence), args.password)
    except TrowelError as exc:
        fail(str(exc))
    with source:
        for entry in source.entries():
            sha = None
            if args.hash and entry.kind is EntryKind.FILE and entry.readable:
                try:
                    sha = source.hash_entry(entry)
                except (TrowelError, OSError, EOFError, ValueError) as exc:
                    source.warnings.append(f"{entry.path}: cannot hash ({exc})")
            data = entry_json(source, entry, sha, args.hash)
            if args.json:
                emit_json([data])
            else:
                flag = "*" if entry.deleted else " "
                owner = f"u{data['user']}" if data["user"] is not None else "-"
                line = f"{entry.kind.value[0]} {flag} {entry.size:>12} {data['mtime'] or '-':<27} {owner:<4} {entry.path}"
                if args.hash:
                    line += f"  {sha or '-'}"
                sys.stdout.write(line + "\n")
        for warning in source.warnings:
            sys.stderr.write(f"trowel: warning: {warning}\n")
    return 0
