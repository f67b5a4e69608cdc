"""``trowel ls EVIDENCE``: the entries of any evidence source, like The Sleuth Kit's fls."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from trowel.cli.common import emit_json, fail, warn
from trowel.errors import TrowelError
from trowel.evidence import Entry, EntryKind, EvidenceSource, locate, open_evidence
from trowel.model.values import iso_utc, ns_to_datetime

EPILOG = """\
examples:
  trowel ls phone.tar
  trowel ls userdata.E01 --hash
  trowel ls backup.ab --password 1234 --json > entries.jsonl

output (text), one line per entry after a header row:
  type     f file, d directory, l link, ... (first letter of the entry kind)
  del      * when the entry is deleted (recovered from the file system), blank otherwise
  size     bytes
  mtime    modification time, UTC (- when the source keeps none)
  user     Android user the path belongs to (u0, u10, ...); - when none
  path     the path inside the evidence
  sha256   with --hash: the SHA-256 of the content (- when it cannot be read)

output (--json): one object per entry: path, entry_kind, size, deleted, mtime, atime, ctime, crtime,
  user, package, area, canonical, inode, link_target, note, sha256 (with --hash).
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("ls", help="entries of any evidence source (like fls)", epilog=EPILOG,
                            description="The entries of any evidence source trowel reads, like The Sleuth Kit's "
                                        "fls; the evidence is never modified.")
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
        if not args.json:
            sys.stdout.write(f"t d {'size':>12} {'mtime (UTC)':<27} {'user':<4} path" + ("  sha256\n" if args.hash
                                                                                          else "\n"))
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
            warn(warning)
    return 0
