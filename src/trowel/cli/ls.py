"""``trowel ls EVIDENCE``: the entries of any evidence source, like The Sleuth Kit's fls."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from trowel.cli.common import fail, warn
from trowel.errors import TrowelError
from trowel.evidence import Entry, EntryKind, EvidenceSource, locate, open_evidence
from trowel.evidence.limits import ArchiveLimits, default_limits, set_run_limits
from trowel.evidence.names import json_int, raw_hex, shown_name
from trowel.model.jsonl import write_lines
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
    parser.add_argument("--max-ratio", type=float, help="compressed tar: refuse members beyond this expansion "
                        "ratio of the whole archive (default 100, env TROWEL_MAX_RATIO)")
    parser.add_argument("--max-expanded", type=int, help="refuse archive members beyond this many bytes in all "
                        "(default 512 GiB, env TROWEL_MAX_EXPANDED)")
    parser.set_defaults(handler=run)


def entry_json(source: EvidenceSource, entry: Entry, sha256: str | None, hashed: bool) -> dict[str, Any]:
    path = shown_name(entry.path)
    loc = locate(path)
    out: dict[str, Any] = {
        "kind": "file", "path": path, "entry_kind": entry.kind.value, "size": json_int(entry.size),
        "deleted": entry.deleted,
        "mtime": _iso(entry.mtime), "atime": _iso(entry.atime), "ctime": _iso(entry.ctime), "crtime": _iso(entry.crtime),
        "user": loc.user, "package": loc.package, "area": loc.area, "canonical": loc.canonical,
    }
    hexed = raw_hex(entry.path)
    if hexed is not None:
        out["path_hex"] = hexed  # the name's raw bytes: it is not valid UTF-8
    if entry.inode is not None:
        out["inode"] = json_int(entry.inode)
    if entry.link_target:
        out["link_target"] = shown_name(entry.link_target)
    if entry.note:
        out["note"] = shown_name(entry.note)
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
    base = default_limits()
    if (args.max_ratio is not None and args.max_ratio <= 0) or (args.max_expanded is not None and args.max_expanded <= 0):
        fail("--max-ratio and --max-expanded must be above 0", 2)
    if args.max_ratio is not None or args.max_expanded is not None:
        set_run_limits(ArchiveLimits(
            max_member=base.max_member, member_ratio=base.member_ratio,
            archive_ratio=args.max_ratio if args.max_ratio is not None else base.archive_ratio,
            max_total=args.max_expanded if args.max_expanded is not None else base.max_total))
    try:
        return _list(args)
    finally:
        set_run_limits(None)


def _list(args: argparse.Namespace) -> int:
    from pathlib import Path

    try:
        source = open_evidence(Path(args.evidence), args.password)
    except TrowelError as exc:
        fail(str(exc))

    def rows() -> Iterator[tuple[Entry, str | None, dict[str, Any]]]:
        for entry in source.entries():
            sha = None
            if args.hash and entry.kind is EntryKind.FILE and entry.readable:
                try:
                    sha = source.hash_entry(entry)
                except (TrowelError, OSError, EOFError, ValueError) as exc:
                    source.warnings.append(f"{shown_name(entry.path)}: cannot hash ({shown_name(str(exc))})")
            yield entry, sha, entry_json(source, entry, sha, args.hash)

    with source:
        if args.json:
            write_lines((data for _e, _s, data in rows()), sys.stdout)  # written in chunks, not line by line
        else:
            sys.stdout.write(f"t d {'size':>12} {'mtime (UTC)':<27} {'user':<4} path" + ("  sha256\n" if args.hash
                                                                                          else "\n"))
            lines: list[str] = []
            for entry, sha, data in rows():
                flag = "*" if entry.deleted else " "
                owner = f"u{data['user']}" if data["user"] is not None else "-"
                line = f"{entry.kind.value[0]} {flag} {data['size']:>12} {data['mtime'] or '-':<27} {owner:<4} {data['path']}"
                lines.append(line + (f"  {sha or '-'}\n" if args.hash else "\n"))
                if len(lines) >= 512:
                    sys.stdout.write("".join(lines))
                    lines.clear()
            sys.stdout.write("".join(lines))
        for warning in source.warnings:
            warn(shown_name(warning))
    return 0
