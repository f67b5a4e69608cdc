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
import itertools
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trowel.cli.common import EXIT_OK, emit_json, fail, note, progress_bar
from trowel.cli.common import failed as report_failure
from trowel.errors import EvidenceError, TimestampError, UsageError
from trowel.model.values import JSON_SAFE_INT, Clock, iso_ns, iso_utc, ns_to_datetime
from trowel.timestamps import all_formats, get_format
from trowel.timestamps.base import LOCAL_NOTE, hex_bytes
from trowel.timestamps.batch import batch_scores, batch_supported, decode_batch, utc_micro_text
from trowel.timestamps.decoding import DEFAULT_AFTER as DECODE_AFTER
from trowel.timestamps.decoding import DEFAULT_BEFORE as DECODE_BEFORE
from trowel.timestamps.decoding import Reading, decode, decode_bytes
from trowel.timestamps.encoding import encode
from trowel.timestamps.hunt import CAP, hunt
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
    p.add_argument("--bytes", dest="as_bytes", action="store_true",
                   help="VALUE is hex of stored bytes (as a hex editor shows them): every fixed-width format, "
                        "both byte orders")
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
    p.add_argument("--cap", type=int, default=CAP,
                   help=f"hits listed per format, the first ones in the file (default {CAP}; 0: no cap); "
                        "past it hits are counted and summarised")
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


def utc_text(unix_ns: int) -> str:
    """ISO 8601 UTC: microseconds, or all nine digits when the value has nanoseconds."""
    return iso_ns(unix_ns) if unix_ns % 1000 else iso_utc(ns_to_datetime(unix_ns))


READING_HEADER = f"{'score':<5} {'format':<22} {'utc':<30} {'clock':<5} reading"


def _reading_line(r: Reading) -> str:
    if not r.ok:
        return f"{'-':<5} {r.format:<22} {'-':<30} {r.clock.value:<5} {r.raw_text}: {r.error}"
    assert r.unix_ns is not None
    extra = f" (also {', '.join(r.also)})" if r.also else ""
    note_text = f" [{r.note}]" if r.note else ""
    return f"{r.score:<5.2f} {r.format:<22} {utc_text(r.unix_ns):<30} {r.clock.value:<5} {r.raw_text}{extra}{note_text}"


def _pasted_bytes(value: str) -> bytes | None:
    """2 to 8 bytes of hex that cannot be a decimal number (it has a letter a-f): bytes as a hex editor shows
    them, which ``decode`` also reads in both byte orders."""
    body = value.strip()
    if body[:2].lower() == "0x" or body.isdigit():
        return None
    data = hex_bytes(body)
    return data if data is not None and 2 <= len(data) <= 8 else None


def _failure_reason(value: str, readings: list[Reading], fmt: str | None) -> str:
    """One line: why a value has no reading."""
    errors = [r.error for r in readings if r.error]
    if errors:
        return f"{value!r}: {errors[0]}"
    if fmt is not None:
        return f"{value!r} is not a {fmt} value"
    return f"no reading of {value!r} falls in the window (--all shows every reading, --after/--before move it)"


def cmd_decode(args: argparse.Namespace) -> int:
    try:
        _check_format(args.format)
    except TimestampError as exc:
        raise UsageError(str(exc)) from exc
    if args.batch:
        return _decode_batch(args)
    if args.value is None:
        raise UsageError("decode needs a VALUE or --batch FILE")
    if args.as_bytes:
        data = hex_bytes(args.value)
        if data is None:
            raise UsageError(f"--bytes needs hex digits (pairs, spaces allowed), not {args.value!r}")
        readings = decode_bytes(data, format=args.format, after=args.after, before=args.before, all=args.all)
    else:
        readings = decode(args.value, format=args.format, after=args.after, before=args.before, all=args.all)
        pasted = _pasted_bytes(args.value) if args.format is None else None
        if pasted is not None:  # hex with letters, as pasted from a hex editor: the stored bytes too
            seen = {(r.format, r.unix_ns) for r in readings}
            extra = [r for r in decode_bytes(pasted, after=args.after, before=args.before, all=args.all)
                     if (r.format, r.unix_ns) not in seen]
            readings = sorted(readings + extra, key=lambda r: (-r.score, r.format))
    if args.json:
        emit_json({"input": args.value, **r.to_json()} for r in readings)
    elif readings:
        print(READING_HEADER)
        for r in readings:
            print(_reading_line(r))
    if not any(r.ok for r in readings):
        fail(_failure_reason(args.value, readings, args.format))
    return EXIT_OK


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
    if args.format is not None and not args.all and batch_supported(args.format):
        return _decode_batch_fast(args, path, after, before)
    if args.format is None and not args.all:
        return _decode_batch_ranked(args, path, after, before)
    decoded = failed = 0
    size = path.stat().st_size if path.exists() else None
    if not args.json:
        print(f"{'line':<6} {'input':<24} {READING_HEADER}")
    with progress_bar(f"decoding {path.name}", total=size) as bar:
        for number, text in _batch_values(path, args.column):
            readings = decode(text, format=args.format, after=after, before=before, all=args.all)
            ok = any(r.ok for r in readings)
            decoded += ok
            failed += not ok
            if args.json:
                emit_json([{"line": number, "input": text, "readings": [r.to_json() for r in readings]}])
            else:
                print(f"{number:<6} {text:<24} {_best_line(readings)}")
            bar.advance(len(text) + 1)
    return _batch_end(decoded, failed)


def _best_line(readings: list[Reading]) -> str:
    best = next((r for r in readings if r.ok), readings[0] if readings else None)
    return _reading_line(best) if best else "no reading in the window"


BLOCK_LINES = 100_000
RANKED_BLOCK_LINES = 5_000  # the JSON text of 5,000 lines of readings: some 15 MB


def _decode_batch_ranked(args: argparse.Namespace, path: Path, after: int | None, before: int | None) -> int:
    """``--batch`` over every format: ``decode_ranked`` a block of lines at a time, each line written from its
    columns (JSON) or from its best reading (text): the same bytes as ``decode`` line by line gives."""
    from trowel.timestamps.ranked import decode_ranked

    decoded = failed = 0
    size = path.stat().st_size if path.exists() else None
    if not args.json:
        print(f"{'line':<6} {'input':<24} {READING_HEADER}")
    with progress_bar(f"decoding {path.name}", total=size) as bar:
        lines = _batch_values(path, args.column)
        while block := list(itertools.islice(lines, RANKED_BLOCK_LINES)):
            texts = [text for _, text in block]
            batch = decode_ranked(texts, after=after, before=before)
            found = (batch.counts() > 0).tolist()
            decoded += sum(found)
            failed += len(found) - sum(found)
            if args.json:
                out = [f'{{"line":{number},"input":{json.dumps(text, ensure_ascii=False)},"readings":{readings}}}'
                       for (number, text), readings in zip(block, batch.readings_json(), strict=True)]
            else:
                out = []
                for i, (number, text) in enumerate(block):
                    listed = batch.listed(i)
                    if listed is None:
                        start, stop = batch.span(i)
                        listed = batch.build(start, min(stop, start + 1))
                    out.append(f"{number:<6} {text:<24} {_best_line(listed)}")
            sys.stdout.write("\n".join(out) + "\n")
            bar.advance(sum(len(t) + 1 for t in texts))
    return _batch_end(decoded, failed)


def _decode_batch_fast(args: argparse.Namespace, path: Path, after: int | None, before: int | None) -> int:
    """``--batch --format F`` for a linear format: numpy over blocks of lines; values the vectorised path
    cannot take exactly are decoded one by one, so every line is what ``decode VALUE --format F`` gives."""
    fmt = get_format(args.format)
    after_ns = after if after is not None else DECODE_AFTER
    before_ns = before if before is not None else DECODE_BEFORE
    decoded = failed = 0
    size = path.stat().st_size if path.exists() else None
    if not args.json:
        print(f"{'line':<6} {'input':<24} {READING_HEADER}")
    note_text = fmt.clock_note or (LOCAL_NOTE if fmt.clock is Clock.LOCAL else None)
    note_json = f',"note":{json.dumps(note_text, ensure_ascii=False)}' if note_text else ""
    head = f'{{"format":{json.dumps(fmt.name)},"display":{json.dumps(fmt.display)},"utc":"'
    clock = fmt.clock.value
    with progress_bar(f"decoding {path.name}", total=size) as bar:
        lines = _batch_values(path, args.column)
        while True:
            block = list(itertools.islice(lines, BLOCK_LINES))
            if not block:
                break
            texts = [text for _, text in block]
            result = decode_batch(texts, fmt.name)
            scores = batch_scores(result, texts, after_ns, before_ns)
            micro = utc_micro_text(result)
            out: list[str] = []
            for i, (number, text) in enumerate(block):
                if i in result.readings or not result.ok[i]:
                    readings = decode(text, format=fmt.name, after=after_ns, before=before_ns)
                    ok = any(r.ok for r in readings)
                    if args.json:
                        out.append(json.dumps({"line": number, "input": text, "readings": [r.to_json() for r in readings]},
                                              ensure_ascii=False, separators=(",", ":")))
                    else:
                        best = next((r for r in readings if r.ok), readings[0] if readings else None)
                        out.append(f"{number:<6} {text:<24} {_reading_line(best) if best else '-'}")
                    decoded += ok
                    failed += not ok
                    continue
                decoded += 1
                unix_ns = int(result.seconds[i]) * 1_000_000_000 + int(result.nanos[i])
                raw = int(text)
                score = round(float(scores[i]), 4)
                if args.json:
                    raw_json = f'"{raw}"' if abs(raw) >= JSON_SAFE_INT else str(raw)
                    fine = f',"utc_ns":"{iso_ns(unix_ns)}"' if unix_ns % 1000 else ""
                    out.append(f'{{"line":{number},"input":{json.dumps(text, ensure_ascii=False)},"readings":['
                               f'{head}{micro[i]}","clock":"{clock}","raw":{raw_json},"interpretation":"integer '
                               f'{raw}","unix_ns":"{unix_ns}"{fine},"score":{score!r}{note_json}}}]}}')
                else:
                    shown = iso_ns(unix_ns) if unix_ns % 1000 else micro[i]
                    extra = f" [{note_text}]" if note_text else ""
                    out.append(f"{number:<6} {text:<24} {score:<5.2f} {fmt.name:<22} {shown:<30} {clock:<5} "
                               f"integer {raw}{extra}")
            sys.stdout.write("\n".join(out) + "\n")
            bar.advance(sum(len(t) + 1 for t in texts))
    return _batch_end(decoded, failed)


def _batch_end(decoded: int, failed: int) -> int:
    note(f"{decoded} values decoded, {failed} without a reading")
    if failed:
        fail(f"{failed} of {decoded + failed} values without a reading" if decoded + failed else "no values")
    if not decoded:
        fail("no values")
    return EXIT_OK


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
                be, le = (e.be_hex or "-").upper(), (e.le_hex or "-").upper()  # as a hex editor shows bytes
                note_text = f"  [{e.note}]" if e.note else ""
                print(f"{e.format:<22} {e.clock.value:<5} {e.decimal or '-':<24} {be:<34} {le:<34} {e.text}"
                      f"{note_text}")
    if any(e.error is None for e in rows):
        return EXIT_OK
    return report_failure(f"{args.datetime!r} cannot be encoded" + (f" as {args.format}" if args.format else "")
                          + (f": {rows[0].error}" if rows and rows[0].error else ""))


def _jobs(requested: int | None, path: Path) -> int:
    """Processes for hunt: what was asked, else every CPU when the file is large enough to pay for them."""
    if requested is not None:
        return max(1, requested)
    return max(1, os.cpu_count() or 1) if path.stat().st_size >= PARALLEL_BYTES else 1


HUNT_HEADER = (f"{'offset':<10} {'decimal':>12} {'format':<18} {'width':>5} {'order':<6} {'bytes':<32} {'utc':<30} "
               f"{'clock':<5} score")


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
                        jobs=_jobs(args.jobs, path), cap=args.cap if args.cap > 0 else None):
            count += 1
            if args.json:
                emit_json([hit.to_json()])
            else:
                if count == 1:
                    print(HUNT_HEADER)
                print(f"0x{hit.offset:08x} {hit.offset:>12} {hit.format:<18} {hit.width:>5} "
                      f"{hit.byteorder:<6} {hit.data.hex():<32} {utc_text(hit.unix_ns):<30} {hit.clock.value:<5} "
                      f"{hit.score:.2f}")
    for line in skipped:
        note(line)
    note(f"{count} hits")
    return EXIT_OK


def _guess_line(g: FieldGuess) -> str:
    where = f"offset {g.field}" if isinstance(g.field, int) else f"column {g.field}"
    layout = f"{g.width} bytes {g.byteorder}" if g.width else "value"
    also = f" (also {', '.join(g.also)})" if g.also else ""
    lsb = "" if g.lsb_fastest is None else f" lsb-fastest={'yes' if g.lsb_fastest else 'no'}"
    note_text = f" [{g.note}]" if g.note else ""
    return (f"{g.confidence:<10.2f} {where:<12} {g.format:<18} {layout:<16} share={g.share:.2f} "
            f"monotonic={g.monotonic:.2f}{lsb} {g.first_utc} .. {g.last_utc}{also}{note_text}")


FIELDS_HEADER = f"{'confidence':<10} {'field':<12} {'format':<18} {'layout':<16} evidence"


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
            if g is guesses[0]:
                print(FIELDS_HEADER)
            print(_guess_line(g))
    if not guesses:
        fail(f"no timestamp fields found in {path.name}")
    return EXIT_OK


def cmd_formats(args: argparse.Namespace) -> int:
    formats = all_formats()
    if args.json:
        emit_json(f.describe() for f in formats)
    else:
        print(f"{'name':<20} {'clock':<5} {'layout':<8} {'range':<24} display name")
        for f in formats:
            order = {"little": "LE", "big": "BE"}.get(f.byteorder or "", "")
            layout = f"{f.width}B {order}".strip() if f.width else f.kind.value
            print(f"{f.name:<20} {f.clock.value:<5} {layout:<8} {f.range_label():<24} {f.display}")
    return EXIT_OK
