"""`trowel time`: decode, encode, hunt and infer timestamps (issue 5).

    trowel time decode VALUE [--format NAME] [--all] [--after D] [--before D] [--batch FILE] [--json]
    trowel time encode DATETIME [--format NAME] [--json]
    trowel time hunt FILE --after D --before D [--format NAME]... [--json]
    trowel time fields FILE [--record-size N] [--values] [--anchor TEXT --near D] [--json]
    trowel time formats [--json]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trowel.cli.common import EXIT_FAILED, EXIT_OK, emit_json, note, progress_bar
from trowel.errors import EvidenceError, TimestampError, UsageError
from trowel.timestamps import all_formats, get_format
from trowel.timestamps.decoding import Reading, decode
from trowel.timestamps.encoding import encode
from trowel.timestamps.hunt import hunt
from trowel.timestamps.infer import (
    DEFAULT_AFTER,
    DEFAULT_BEFORE,
    SQLITE_MAGIC,
    FieldGuess,
    find_anchor_fields,
    infer_blob,
    infer_sqlite,
)
from trowel.timestamps.infer import infer_fields as infer_values
from trowel.timestamps.when import parse_when

PARALLEL_BYTES = 64 << 20


def register(sub: Any) -> None:
    parser = sub.add_parser("time", help="decode, encode, hunt and infer timestamps")
    tsub = parser.add_subparsers(dest="time_command", metavar="SUBCOMMAND", parser_class=type(parser))
    parser.set_defaults(handler=lambda args: _usage(parser))

    p = tsub.add_parser("decode", help="every plausible reading of a value, ranked")
    p.add_argument("value", nargs="?", help="decimal, hex (0x... or plain), or the format's own text form")
    p.add_argument("--format", "-f", help="decode in this format only")
    p.add_argument("--all", action="store_true", help="every reading of every format, whatever its date")
    p.add_argument("--after", help="reference window start (default 1980-01-01)")
    p.add_argument("--before", help="reference window end (default 2040-01-01)")
    p.add_argument("--batch", metavar="FILE", help="decode one value per line (or a CSV column, see --column)")
    p.add_argument("--column", help="with --batch: CSV column (1-based number or header name)")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.set_defaults(handler=cmd_decode)

    p = tsub.add_parser("encode", help="a date in every format (decimal, BE hex, LE hex, text form)")
    p.add_argument("datetime", help="ISO 8601 date/time; Z, an offset (+02:00) or a zone name (Europe/Berlin)")
    p.add_argument("--format", "-f", help="encode in this format only")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.set_defaults(handler=cmd_encode)

    p = tsub.add_parser("hunt", help="every offset of a file where a value decodes into a window")
    p.add_argument("file")
    p.add_argument("--after", required=True, help="window start (ISO 8601)")
    p.add_argument("--before", required=True, help="window end (ISO 8601)")
    p.add_argument("--format", "-f", action="append", help="hunt only these formats (repeatable)")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="processes scanning the file (default: every CPU for files of 64 MiB and more, else 1)")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.set_defaults(handler=cmd_hunt)

    p = tsub.add_parser("fields", help="which fields of repeated records (or SQLite columns) hold timestamps")
    p.add_argument("file")
    p.add_argument("--record-size", type=int, help="record size in bytes (found from the data when omitted)")
    p.add_argument("--values", action="store_true", help="FILE holds one value per line (a column of values)")
    p.add_argument("--after", help="plausible window start (default 2000-01-01)")
    p.add_argument("--before", help="plausible window end (default 2040-01-01)")
    p.add_argument("--format", "-f", action="append", help="consider only these formats (repeatable)")
    p.add_argument("--anchor", help="text to find first (UTF-8 and UTF-16LE); needs --near")
    p.add_argument("--near", help="with --anchor: the date the records are known to be near")
    p.add_argument("--radius", type=int, default=256, help="with --anchor: bytes around the text (default 256)")
    p.add_argument("--days", type=int, default=2, help="with --anchor: days around --near (default 2)")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.set_defaults(handler=cmd_fields)

    p = tsub.add_parser("formats", help="every format the toolkit knows")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.set_defaults(handler=cmd_formats)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _check_format(name: str | None) -> None:
    if name is not None:
        get_format(name)  # UnknownFormat (a TimestampError) lists close matches


def _reading_line(r: Reading) -> str:
    if not r.ok:
        return f"{r.format:<22} {'-':<27} {r.raw_text}: {r.error}"
    assert r.unix_ns is not None
    utc = r.to_json()["utc"] or "-"
    extra = f" (also {', '.join(r.also)})" if r.also else ""
    note_text = f" [{r.note}]" if r.note else ""
    return f"{r.score:4.2f} {r.format:<22} {utc:<27} {r.clock.value:<5} {r.raw_text}{extra}{note_text}"


def cmd_decode(args: argparse.Namespace) -> int:
    try:
        _check_format(args.format)
    except TimestampError as exc:
        raise UsageError(str(exc)) from exc
    if args.batch:
        return _decode_batch(args)
    if args.value is None:
        raise UsageError("decode needs a VALUE or --batch FILE")
    readings = decode(args.value, format=args.format, after=args.after, before=args.before, all=args.all)
    if args.json:
        emit_json({"input": args.value, **r.to_json()} for r in readings)
    elif not readings:
        print(f"no reading of {args.value!r} falls in the window; --all shows every reading")
    else:
        for r in readings:
            print(_reading_line(r))
    return EXIT_OK if any(r.ok for r in readings) else EXIT_FAILED


def _batch_values(path: Path, column: str | None) -> Iterator[tuple[int, str]]:
    try:
        handle = path.open("r", encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise EvidenceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        if column is None:
            for number, line in enumerate(handle, 1):
                text = line.strip()
                if text:
                    yield number, text
            return
        reader = csv.reader(handle)
        if column.isdigit() and int(column) < 1:
            raise UsageError("--column numbers start at 1")
        index: int | None = int(column) - 1 if column.isdigit() else None
        for number, row in enumerate(reader, 1):
            if index is None:
                if column not in row:
                    raise UsageError(f"no column {column!r} in the CSV header")
                index = row.index(column)
                continue
            if index < len(row) and row[index].strip():
                yield number, row[index].strip()


def _decode_batch(args: argparse.Namespace) -> int:
    path = Path(args.batch)
    after = parse_when(args.after)[0] if args.after else None
    before = parse_when(args.before)[0] if args.before else None
    decoded = failed = 0
    size = path.stat().st_size if path.exists() else None
    with progress_bar(f"decoding {path.name}", total=size) as bar:
        for number, text in _batch_values(path, args.column):
            readings = decode(text, format=args.format, after=after, before=before, all=args.all)
            ok = any(r.ok for r in readings)
            decoded += ok
            failed += not ok
            if args.json:
                emit_json([{"line": number, "input": text, "readings": [r.to_json() for r in readings]}])
            else:
                best = next((r for r in readings if r.ok), readings[0] if readings else None)
                shown = _reading_line(best) if best else "no reading in the window"
                print(f"{number}\t{text}\t{shown}")
            bar.advance(len(text) + 1)
    note(f"{decoded} values decoded, {failed} without a reading")
    return EXIT_OK if decoded or not failed else EXIT_FAILED


def cmd_encode(args: argparse.Namespace) -> int:
    try:
        _check_format(args.format)
    except TimestampError as exc:
        raise UsageError(str(exc)) from exc
    rows = encode(args.datetime, format=args.format)
    if args.json:
        emit_json({"input": args.datetime, **e.to_json()} for e in rows)
    else:
        print(f"{'format':<22} {'clock':<5} {'decimal':<24} {'big-endian hex':<34} {'little-endian hex':<34} text")
        for e in rows:
            if e.error:
                print(f"{e.format:<22} {e.clock.value:<5} {e.error}")
            else:
                print(f"{e.format:<22} {e.clock.value:<5} {e.decimal or '-':<24} {e.be_hex or '-':<34} "
                      f"{e.le_hex or '-':<34} {e.text}")
    return EXIT_OK if any(e.error is None for e in rows) else EXIT_FAILED


def _jobs(requested: int | None, path: Path) -> int:
    """Processes for hunt: what was asked, else every CPU when the file is large enough to pay for them."""
    if requested is not None:
        return max(1, requested)
    return max(1, os.cpu_count() or 1) if path.stat().st_size >= PARALLEL_BYTES else 1


def cmd_hunt(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise EvidenceError(f"cannot read {path}: not a file")
    try:
        for name in args.format or []:
            get_format(name)
    except TimestampError as exc:
        raise UsageError(str(exc)) from exc
    after, before = parse_when(args.after)[0], parse_when(args.before)[0]
    skipped: list[str] = []
    count = 0
    with progress_bar(f"hunting {path.name}", total=path.stat().st_size, bytes_=True) as bar:
        for hit in hunt(path, after, before, formats=args.format, progress=bar.advance, notes=skipped,
                        jobs=_jobs(args.jobs, path)):
            count += 1
            if args.json:
                emit_json([hit.to_json()])
            else:
                data = hit.to_json()
                print(f"0x{hit.offset:08x} {hit.offset:>12} {hit.format:<18} {hit.width:>2} "
                      f"{hit.byteorder:<6} {hit.data.hex():<32} {data['utc']} {hit.clock.value} {hit.score:.2f}")
    for line in skipped:
        note(line)
    note(f"{count} hits")
    return EXIT_OK


def _guess_line(g: FieldGuess) -> str:
    where = f"offset {g.field}" if isinstance(g.field, int) else f"column {g.field}"
    layout = f"{g.width} bytes {g.byteorder}" if g.width else "value"
    also = f" (also {', '.join(g.also)})" if g.also else ""
    lsb = "" if g.lsb_fastest is None else f" lsb-fastest={'yes' if g.lsb_fastest else 'no'}"
    return (f"{g.confidence:4.2f} {where:<12} {g.format:<18} {layout:<16} share={g.share:.2f} "
            f"monotonic={g.monotonic:.2f}{lsb} {g.first_utc} .. {g.last_utc}{also}")


def cmd_fields(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EvidenceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        for name in args.format or []:
            get_format(name)
    except TimestampError as exc:
        raise UsageError(str(exc)) from exc
    record_size: int | None = None
    if args.anchor is not None:
        if not args.near:
            raise UsageError("--anchor needs --near DATE")
        guesses = find_anchor_fields(data, args.anchor, parse_when(args.near)[0], radius=args.radius,
                                     days=args.days, formats=args.format)
    elif data.startswith(SQLITE_MAGIC):
        guesses = infer_sqlite(path, args.after, args.before)
    elif args.values:
        values = [line.strip() for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]
        guesses = infer_values(columns=[values], after=args.after, before=args.before, formats=args.format)
    else:
        after = parse_when(args.after)[0] if args.after else DEFAULT_AFTER
        before = parse_when(args.before)[0] if args.before else DEFAULT_BEFORE
        record_size, guesses = infer_blob(data, after, before, args.record_size, args.format)
    if args.json:
        emit_json({"record_size": record_size, **g.to_json()} for g in guesses)
    else:
        if record_size:
            print(f"record size: {record_size} bytes")
        for g in guesses:
            print(_guess_line(g))
        if not guesses:
            print("no timestamp fields found")
    return EXIT_OK if guesses else EXIT_FAILED


def cmd_formats(args: argparse.Namespace) -> int:
    formats = all_formats()
    if args.json:
        emit_json(f.describe() for f in formats)
    else:
        for f in formats:
            order = {"little": "LE", "big": "BE"}.get(f.byteorder or "", "")
            layout = f"{f.width}B {order}".strip() if f.width else f.kind.value
            print(f"{f.name:<20} {f.clock.value:<5} {layout:<8} {f.range_label():<24} {f.display}")
    return EXIT_OK
