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

from trowel.cli.common import EXIT_OK, emit_json, note, progress_bar
from trowel.cli.common import failed as report_failure
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


DECODE_EPILOG = """\
examples:
  trowel time decode 1700000000000                    # every plausible reading, best first
  trowel time decode 597aa45a --format msdos
  trowel time decode --batch values.txt --format unix_ms
  trowel time decode --batch calls.csv --column when --json

output (text), after a header row, one line per reading:
  score    how plausible the reading is (0..1)
  format   the timestamp format (trowel time formats lists them)
  utc      the instant in UTC
  clock    utc, or local when the format stores the device's local time
  reading  how the value was read (integer, hex bytes, text), other formats giving the same instant,
           and notes
  With --batch: line, input, and the best reading of each value.
output (--json): one object per reading (input, format, display, utc, clock, raw, interpretation, unix_ns,
  score, also, note); with --batch one object per value (line, input, readings).
Exit status 1 (with the reason on stderr) when no reading is valid.
"""

ENCODE_EPILOG = """\
examples:
  trowel time encode 2025-05-04T17:18:50+02:00
  trowel time encode "2025-05-04 15:18:50" --format gps --json

output (text), after a header row, one line per format:
  format, clock, decimal, big-endian hex, little-endian hex, and the format's own text form.
output (--json): one object per format (input, format, clock, decimal, be_hex, le_hex, text, error).
"""

HUNT_EPILOG = """\
examples:
  trowel time hunt blob.bin --after 2023-01-01 --before 2024-01-01
  trowel time hunt userdata.img --after 2023-11-14 --before 2023-11-15 -f unix_ms -f filetime_le --json

output (text), after a header row, one line per hit:
  hex offset, decimal offset, format, width (bytes), byte order, the bytes in hex, UTC time, clock, score.
output (--json): one object per hit (offset, format, width, byteorder, hex, utc, clock, score, ...).
"""

FIELDS_EPILOG = """\
examples:
  trowel time fields records.bin                      # record size and timestamp fields found
  trowel time fields msgs.db                          # an SQLite database: its timestamp columns
  trowel time fields column.txt --values
  trowel time fields messages.bin --anchor "see you" --near 2023-11-15

output (text): "record size: N bytes" for records, then after a header row one line per field:
  confidence, where (offset N or column NAME), format, layout (bytes and byte order), share of values
  inside the window, share of values in order (monotonic), lsb-fastest, first .. last UTC time.
output (--json): one object per field (record_size, field, format, width, byteorder, confidence, share,
  monotonic, lsb_fastest, first_utc, last_utc, clock, also, note).
Exit status 1 (with the reason on stderr) when no field holds timestamps.
"""

FORMATS_EPILOG = """\
example:
  trowel time formats

output (text), after a header row, one line per format: name, clock (utc/local), layout (width and byte
  order, or the kind of value), the range it can hold, and its display name.
output (--json): one object per format.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser("time", help="decode, encode, hunt and infer timestamps",
                            epilog="example:\n  trowel time decode 1700000000000\n")
    tsub = parser.add_subparsers(dest="time_command", metavar="SUBCOMMAND", parser_class=type(parser))
    parser.set_defaults(handler=lambda args: _usage(parser))

    p = tsub.add_parser("decode", help="every plausible reading of a value, ranked", epilog=DECODE_EPILOG)
    p.add_argument("value", nargs="?", help="decimal, hex (0x... or plain), or the format's own text form")
    p.add_argument("--format", "-f", help="decode in this format only")
    p.add_argument("--all", action="store_true", help="every reading of every format, whatever its date")
    p.add_argument("--after", help="reference window start (default 1980-01-01)")
    p.add_argument("--before", help="reference window end (default 2040-01-01)")
    p.add_argument("--batch", metavar="FILE", help="decode one value per line (or a CSV column, see --column)")
    p.add_argument("--column", help="with --batch: CSV column (1-based number or header name)")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.set_defaults(handler=cmd_decode)

    p = tsub.add_parser("encode", help="a date in every format (decimal, BE hex, LE hex, text form)",
                        epilog=ENCODE_EPILOG)
    p.add_argument("datetime", help="ISO 8601 date/time; Z, an offset (+02:00) or a zone name (Europe/Berlin)")
    p.add_argument("--format", "-f", help="encode in this format only")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.set_defaults(handler=cmd_encode)

    p = tsub.add_parser("hunt", help="every offset of a file where a value decodes into a window",
                        epilog=HUNT_EPILOG)
    p.add_argument("file")
    p.add_argument("--after", required=True, help="window start (ISO 8601)")
    p.add_argument("--before", required=True, help="window end (ISO 8601)")
    p.add_argument("--format", "-f", action="append", help="hunt only these formats (repeatable)")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="processes scanning the file (default: every CPU for files of 64 MiB and more, else 1)")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.set_defaults(handler=cmd_hunt)

    p = tsub.add_parser("fields", help="which fields of repeated records (or SQLite columns) hold timestamps",
                        epilog=FIELDS_EPILOG)
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

    p = tsub.add_parser("formats", help="every format the toolkit knows", epilog=FORMATS_EPILOG)
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.set_defaults(handler=cmd_formats)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _check_format(name: str | None) -> None:
    if name is not None:
        get_format(name)  # UnknownFormat (a TimestampError) lists close matches


DECODE_HEADER = f"{'score':>4} {'format':<22} {'utc':<27} {'clock':<5} reading"


def _reading_line(r: Reading) -> str:
    if not r.ok:
        return f"{'-':>4} {r.format:<22} {'-':<27} {'-':<5} {r.raw_text}: {r.error}"
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
    elif readings:
        print(DECODE_HEADER)
        for r in readings:
            print(_reading_line(r))
    if any(r.ok for r in readings):
        return EXIT_OK
    errors = [r.error for r in readings if r.error]
    if args.format:
        return report_failure(f"no valid reading of {args.value!r} as {args.format}" + (f": {errors[0]}" if errors else ""))
    return report_failure(f"no reading of {args.value!r} falls in the window; --all shows every reading")


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
        if not args.json:
            print(f"line\tinput\t{DECODE_HEADER}")
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
    if decoded or not failed:
        return EXIT_OK
    return report_failure(f"none of the {failed} values of {path.name} has a valid reading")


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
    if any(e.error is None for e in rows):
        return EXIT_OK
    return report_failure(f"{args.datetime!r} cannot be encoded" + (f" as {args.format}" if args.format else "")
                  + (f": {rows[0].error}" if rows and rows[0].error else ""))


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
        if not args.json:
            print(f"{'offset':<10} {'decimal':>12} {'format':<18} {'w':>2} {'order':<6} {'bytes':<32} "
                  f"{'utc':<27} clock score")
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
        if guesses:
            print(f"{'conf':>4} {'where':<12} {'format':<18} {'layout':<16} share / monotonic / lsb-fastest / "
                  "first .. last (UTC)")
        for g in guesses:
            print(_guess_line(g))
    return EXIT_OK if guesses else report_failure(f"no timestamp fields found in {path.name}")


def cmd_formats(args: argparse.Namespace) -> int:
    formats = all_formats()
    if args.json:
        emit_json(f.describe() for f in formats)
    else:
        print(f"{'name':<20} {'clock':<5} {'layout':<8} {'range':<24} display")
        for f in formats:
            order = {"little": "LE", "big": "BE"}.get(f.byteorder or "", "")
            layout = f"{f.width}B {order}".strip() if f.width else f.kind.value
            print(f"{f.name:<20} {f.clock.value:<5} {layout:<8} {f.range_label():<24} {f.display}")
    return EXIT_OK
