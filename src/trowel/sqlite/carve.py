"""Carving records out of free bytes with a table's schema.

Two ways in:

* **header scan** — a regular expression built from the schema (header length byte, then one serial type
  per column that the column's affinity allows) finds every candidate record header in a free range; each
  is checked (header length, body fits, text decodes) and the bytes before it are tested as the cell's
  payload-length and rowid varints. When they agree the cell is intact and the rowid known; when they do
  not (a freeblock header overwrote them) the rowid is unknown.
* **header rebuild** — at a freeblock start the first 4 bytes are the freeblock header. If the record
  header began inside them, the header length (and the first serial type) are rebuilt from the schema: an
  INTEGER PRIMARY KEY column is always NULL, and otherwise the lost column's size follows from the
  freeblock's end; ambiguous values (NULL, 0 and 1 share size 0) use the live rows' profile or are reported
  lost (the record is then partial).

Everything is bounded by the free range; nothing is padded with guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trowel.errors import SqliteFormatError
from trowel.sqlite.overflow import read_chain
from trowel.sqlite.page import local_payload
from trowel.sqlite.record import (
    body_size,
    decode_record,
    decode_value,
    parse_header,
    read_varint,
    serial_size,
)
from trowel.sqlite.schema import TableSchema

_ANY = rb"(?:[\x00-\x09\x0c-\x7f]|[\x80-\xff]{1,8}[\x00-\x7f])"
_TEXTLIKE = rb"(?:[\x00\x0c-\x7f]|[\x80-\xff]{1,8}[\x00-\x7f])"
_NUMBER = rb"[\x00-\x09]"
PageGetter = Callable[[int], bytes | None]
PROFILE_MIN = 20  # live rows needed before their value kinds judge a carved candidate
NEARLY_ALL = 0.9  # a lost NULL/0/1 is taken from the live rows only when this share of them holds one value


@dataclass(slots=True)
class Carved:
    """A record carved from free bytes. ``stored`` is in stored order; lost values are None."""

    start: int
    end: int
    header: int
    table: TableSchema
    stored: list[Any]
    lost: list[int]
    rowid: int | None
    how: str  # cell (intact), header (prefix lost), rebuilt (header bytes rebuilt)
    confidence: float
    overflow: tuple[int, ...] = ()
    note: str | None = None
    guessed: bool = False  # a rebuilt serial type was derived from where the freeblock ends
    fit: float = 0.0  # share of its values whose kind the table's live rows hold in that column (carved only)

    @property
    def partial(self) -> bool:
        return bool(self.lost)


def allowed(aff: str, serial: int, is_ipk: bool) -> bool:
    """Whether a serial type is one a column of this affinity can hold (as the carver assumes)."""
    if serial in (10, 11):
        return False
    if is_ipk:
        return serial == 0
    if aff in ("INTEGER", "REAL"):
        return serial <= 9
    if aff == "TEXT":
        return serial == 0 or serial >= 12
    return True


@dataclass
class Profile:
    """What the live rows of a table hold per column (used to settle a rebuilt header's ambiguity)."""

    kinds: list[set[str]]
    small: list[dict[int | None, int]] = field(default_factory=list)  # per column: NULL/0/1 -> rows
    filled: dict[int, int] = field(default_factory=dict)  # non-NULL values in a row -> rows
    starts: list[set[str]] = field(default_factory=list)  # per column: first two characters of texts (≤ 32)

    @classmethod
    def empty(cls, n: int) -> Profile:
        return cls([set() for _ in range(n)], [{} for _ in range(n)], {}, [set() for _ in range(n)])

    rows: int = 0

    def add(self, stored: list[Any]) -> None:
        self.rows += 1
        k = len(stored) - stored.count(None)
        self.filled[k] = self.filled.get(k, 0) + 1
        small = self.small
        starts = self.starts
        for i, v in enumerate(stored[:len(self.kinds)]):
            self.kinds[i].add(_kind(v))
            if v is None or (type(v) is int and (v == 0 or v == 1)):
                small[i][v] = small[i].get(v, 0) + 1
            elif type(v) is str and len(starts[i]) < 32:
                starts[i].add(v[:2])

    def likely_empty(self, col: int) -> tuple[int, float] | None:
        """The serial type (NULL 0, 0 as 8, 1 as 9) most live rows hold in a column where those three are
        possible, with the share of rows holding it; None without live rows to learn from."""
        counts = self.small[col] if col < len(self.small) else {}
        total = sum(counts.values())
        if not total:
            return None
        value, n = max(counts.items(), key=lambda kv: (kv[1], kv[0] is None))
        return (0 if value is None else 8 + value), n / total


    def sparse_like(self, values: list[Any], lost: list[int], nonnull: int) -> bool:
        """Whether a mostly-NULL candidate looks like this table's live rows: enough live rows to tell, at
        least 5 % of them hold as few values as it does (or fewer), and each of its values lies in a column
        some live row fills. Wide tables whose rows fill a few columns (app tables of 20-30 columns with a
        handful set) give such rows; zeroed space with a stray header does not fit a profile like that."""
        if self.rows < PROFILE_MIN or nonnull < 2:
            return False
        few = sum(n for k, n in self.filled.items() if k <= nonnull)
        if 20 * few < self.rows:
            return False
        kinds = self.kinds
        for i, v in enumerate(values):
            if v is None or i in lost:
                continue
            if i >= len(kinds) or not kinds[i] - {"null"}:
                return False
        return True


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, int):
        return "zero" if v == 0 else "one" if v == 1 else "int"
    if isinstance(v, float):
        return "float"
    return "text" if isinstance(v, str) else "blob"


class SchemaCarver:
    """Carves records of one table from free ranges of page images."""

    def __init__(self, table: TableSchema, encoding: str, usable: int, page_count: int,
                 get_page: PageGetter, profile: Profile | None = None) -> None:
        self.table = table
        self.encoding = encoding
        self.usable = usable
        self.page_count = page_count
        self.get_page = get_page
        order = table.storage
        affs = table.affinities
        ipk = table.ipk_index
        self.n = len(table.columns)
        self.col_aff = [affs[c] for c in order]
        self.col_ipk = [c == ipk for c in order]
        self.profile = profile or Profile.empty(self.n)
        self.small_ok = [[allowed(a, s, ipk) for s in range(128)] for a, ipk in zip(self.col_aff, self.col_ipk,
                                                                                  strict=True)]
        # few columns, or numbers only: too little structure to trust a match without strong evidence
        self.weak = self.n <= 2 or all(a in ("INTEGER", "REAL") for a in self.col_aff)
        parts = [rb"\x00" if self.col_ipk[i] else _NUMBER if a in ("INTEGER", "REAL")
                 else _TEXTLIKE if a == "TEXT" else _ANY for i, a in enumerate(self.col_aff)]
        low = min(self.n + 1, 0x7F)
        self.regex = re.compile(b"(?=[" + re.escape(bytes([low])) + rb"-\x7f]" + b"".join(parts) + b")")

    # -- header scan -----------------------------------------------------------------------------
    def scan(self, data: bytes, lo: int, hi: int) -> list[Carved]:
        out: list[Carved] = []
        if hi - lo < self.n + 1:
            return out
        for m in self.regex.finditer(data, lo, hi):
            cand = self._at_header(data, m.start(), lo, hi)
            if cand is not None:
                out.append(cand)
        return out

    def _at_header(self, data: bytes, q: int, lo: int, hi: int) -> Carved | None:
        try:
            serials, hend = parse_header(data, q, hi)
        except SqliteFormatError:
            return None
        if len(serials) != self.n or not self._serials_ok(serials, 0):
            return None
        payload_len = hend - q + body_size(serials)
        rowid, cell_start = self._prefix(data, q, lo, payload_len)
        how = "cell" if cell_start is not None else "header"
        evidence = None
        if how == "header":
            evidence = _freeblock_header_before(data, q, min(q + payload_len, hi), lo)
        cand = self._finish(data, q, hend, serials, [], payload_len, rowid,
                            cell_start if cell_start is not None else q, hi, how,
                            lenient=evidence is not None and evidence[1])
        if cand is not None and how == "cell" and cell_start == q - 4 and _exact_freeblock(data, q - 4, cand.end):
            # the "payload length and rowid" before the header are a freeblock header that happens to read as
            # matching varints: the real ones were overwritten, the rowid is unknown
            cand.how, cand.rowid, cand.start, cand.confidence = "header", None, q, 0.85
        if cand is not None and how == "header" and (evidence is None or (self.weak and not evidence[1])):
            if self.weak:
                return None  # too little structure to trust without exact freeblock evidence
            cand.confidence *= 0.7
        return cand

    def _serials_ok(self, serials: list[int], first_col: int) -> bool:
        table = self.small_ok
        for i, s in enumerate(serials, first_col):
            if s < 128:
                if not table[i][s]:
                    return False
            elif not allowed(self.col_aff[i], s, self.col_ipk[i]):
                return False
        return True

    @staticmethod
    def _prefix(data: bytes, q: int, lo: int, payload_len: int) -> tuple[int | None, int | None]:
        """Rowid and cell start when the payload-length and rowid varints before ``q`` agree."""
        if q - 2 < lo or data[q - 1] >= 0x80:
            return None, None
        r = q - 1
        while r > lo and r > q - 9 and data[r - 1] >= 0x80:
            r -= 1
        for a in (1, 2, 3):
            s = r - a
            if s < lo:
                break
            try:
                value, end = read_varint(data, s)
            except SqliteFormatError:
                continue
            if end == r and value == payload_len:
                rowid, end2 = read_varint(data, r)
                if end2 == q:
                    return (rowid - (1 << 64) if rowid >= 1 << 63 else rowid), s
        return None, None

    def _finish(self, data: bytes, q: int, hend: int, serials: list[int], lost_serial: list[int],
                payload_len: int, rowid: int | None, start: int, hi: int, how: str,
                lenient: bool = False) -> Carved | None:
        """Decode the body (following an overflow chain if the payload spills) and judge the candidate.

        ``lenient``: the record fills a freeblock exactly (its header says so), so a record holding a single
        value is accepted too."""
        local = local_payload(payload_len, self.usable, True)
        overflow: tuple[int, ...] = ()
        note = None
        if local < payload_len:
            local_end = q + local
            if local_end + 4 <= hi:
                first = int.from_bytes(data[local_end:local_end + 4], "big")
                chain = read_chain(self.get_page, first, payload_len - local, self.usable, self.page_count)
                buf = bytes(data[q:local_end]) + chain.data
                overflow = chain.pages
                if chain.problem:
                    note = chain.problem
                end = local_end + 4
            else:
                buf = bytes(data[q:hi])
                end = hi
        else:
            end = q + payload_len
            buf = bytes(data[q:min(end, hi)])
            end = min(end, hi)
        values: list[Any] = []
        lost: list[int] = []
        pos = hend - q
        avail = len(buf)
        if how != "rebuilt" and avail == payload_len:
            try:
                values = decode_record(buf, self.encoding, strict=True)
                serials = []  # decoded in one go
            except SqliteFormatError:
                if not overflow:
                    return None
                # overflow pages reused by later data: the values on the cell's own page are intact
        local_len = min(local, avail)
        for i, s in enumerate(serials):
            size = serial_size(s)
            if i in lost_serial or pos + size > avail:
                values.append(None)
                lost.append(i)
                pos += size
                continue
            try:
                values.append(decode_value(buf, pos, s, self.encoding))
            except (UnicodeDecodeError, ValueError):
                if not overflow or pos + size <= local_len:
                    return None
                values.append(None)  # a value in overflow pages another row's data replaced
                lost.append(i)
            pos += size
        if lost and overflow:
            names = ", ".join(self.table.columns[self.table.storage[i]] for i in lost
                              if i < len(self.table.storage))
            note = _join_note(note, f"lost: {names} (in overflow pages later data reused); the other values are "
                                    "intact")
        decoded = [v for i, v in enumerate(values) if i not in lost]
        sparse = False
        if how != "cell" and (not self._natural(values, lost) or not self._like_live(values, lost)):
            return None
        if any(isinstance(v, str) and "\x00" in v and not _nul_text_ok(v) for v in decoded):
            return None  # NUL characters in runs or among control bytes: overwritten bytes, not a record's text
        if not any(v is not None and not _zeroed(v) for v in decoded):
            return None  # nothing but NULLs and zero bytes: wiped space, not a record
        if how != "cell":
            # without the cell prefix to vouch for it, a record must say something: mostly-NULL matches are
            # what zeroed space with a stray freeblock-like header looks like
            nonnull = sum(v is not None and not _zeroed(v) for v in decoded)
            # the freeblock's size vouches for the record's: only the first value may be lost (its serial type
            # was overwritten and its size, from where the freeblock ends, is ambiguous)
            exact = lenient and end == hi and (not lost or (how == "rebuilt" and lost == [0]))
            if not exact and (nonnull < min(2, self.n) or 3 * nonnull < self.n):
                if not self.profile.sparse_like(values, lost, nonnull):
                    return None
                sparse = True
        conf = {"cell": 0.95, "header": 0.85, "rebuilt": 0.7}[how]
        if sparse:
            conf *= 0.8  # few values, and the free space's layout does not vouch for the record's size
        if lost:
            conf *= 0.7
        return Carved(start, max(end, hend), q, self.table, values, lost, rowid if how == "cell" else None,
                      how, conf, overflow, note)

    def fit(self, values: list[Any], lost: list[int]) -> float:
        """How well a carved record fits the live rows of this table (settles a freed page's owner among
        tables whose schemas all accept the record: sparse rows of wide tables fit many)."""
        if not self.profile.rows:
            return 0.0
        kinds = self.profile.kinds
        starts = self.profile.starts
        good = 0.0
        for i, v in enumerate(values):
            if i in lost or i >= len(kinds):
                continue
            kind = _kind(v)
            seen = kinds[i]
            if kind in seen or (kind in ("zero", "one") and "int" in seen):
                good += 1
                if kind == "text" and i < len(starts) and v[:2] in starts[i]:
                    good += 0.5  # begins like the texts the live rows hold there
        return good / len(values) if values else 0.0

    def _natural(self, values: list[Any], lost: list[int]) -> bool:
        """Each value has the type its column's affinity stores (required when the cell prefix is gone)."""
        for i, v in enumerate(values):
            if v is None or i in lost:
                continue
            aff = self.col_aff[i]
            if aff == "TEXT" and not isinstance(v, str):
                return False
            if aff == "INTEGER" and not isinstance(v, int):
                return False
            if aff == "REAL" and not isinstance(v, float | int):
                return False
        return True

    def _like_live(self, values: list[Any], lost: list[int]) -> bool:
        """In columns whose affinity says nothing (BLOB, NUMERIC), each value is of a kind (integer, real,
        text, blob) the table's live rows hold there, when there are enough live rows to tell."""
        profile = self.profile
        if profile.rows < PROFILE_MIN:
            return True
        for i, v in enumerate(values):
            if v is None or i in lost or self.col_aff[i] not in ("BLOB", "NUMERIC"):
                continue
            seen = profile.kinds[i] - {"null"}
            if not seen:
                continue
            kind = _kind(v)
            if kind in ("zero", "one"):
                kind = "int"
            if kind not in {"int" if k in ("zero", "one") else k for k in seen}:
                return False
        return True

    # -- header rebuild at a known cell start ----------------------------------------------------
    def rebuild(self, data: bytes, o: int, hi: int, exact_end: bool, lenient: bool = False) -> Carved | None:
        """The record of a freed cell at ``o`` whose first 4 bytes are a freeblock header (``lenient``: the
        freeblock chain itself says a block starts at ``o`` and ends at ``hi``)."""
        best: Carved | None = None
        for hstart in (o + 3, o + 2):
            cand = self._rebuild_at(data, o, hstart, hi, exact_end, lenient)
            if cand is None:
                continue
            if cand.end == hi and not cand.lost:
                return cand
            # a record filling the freed cell exactly beats one that does not, even with its first value lost
            if best is None or (cand.end == hi, not cand.lost) > (best.end == hi, not best.lost):
                best = cand
        return best

    def _rebuild_at(self, data: bytes, o: int, hstart: int, hi: int, exact_end: bool,
                    lenient: bool = False) -> Carved | None:
        first = 0 if hstart == o + 3 else 1
        if first == 1 and self.n < 2:
            return None
        p = o + 4
        serials: list[int] = []
        try:
            for _ in range(self.n - first):
                b = data[p]
                if b < 0x80:
                    serials.append(b)
                    p += 1
                else:
                    value, p = read_varint(data, p)
                    serials.append(value)
        except (IndexError, SqliteFormatError):
            return None
        if p > hi or not self._serials_ok(serials, first):
            return None
        hdrlen = p - hstart
        if hdrlen >= 0x80:
            return None
        lost_serial: list[int] = []
        likely: tuple[int, float] | None = None
        if first == 1:
            rest = body_size(serials)
            if self.col_ipk[0]:
                s0 = 0
            else:
                size0 = hi - p - rest
                if size0 < 0 or not exact_end:
                    return None
                guess = self._serial_for_size(0, size0, bytes(data[p:p + size0]))
                if guess is None and size0 == 0 and self.col_aff[0] != "TEXT":
                    likely = self.profile.likely_empty(0)
                    if likely is not None and likely[1] < NEARLY_ALL:
                        likely = None  # a guess, not a finding: the value is reported lost
                    guess = likely[0] if likely is not None else None
                if guess is None:
                    lost_serial.append(0)
                    s0 = 12 + 2 * size0 if size0 else 0
                else:
                    s0 = guess
            serials.insert(0, s0)
            payload_len = hdrlen + body_size(serials)
            if payload_len >= 0x80:  # a 1-byte payload length is what put the header at o+2
                return None
        else:
            payload_len = hdrlen + body_size(serials)
        cand = self._finish(data, hstart, p, serials, lost_serial, payload_len, None, o, hi, "rebuilt", lenient)
        if cand is None:
            return None
        if lost_serial:
            cand.note = "first column's type lost with the overwritten header"
        elif likely is not None:
            shown = {0: "NULL", 8: "0", 9: "1"}[likely[0]]
            cand.note = (f"first column lost with the overwritten header (NULL, 0 or 1): {shown}, as in "
                         f"{likely[1]:.0%} of the live rows")
            cand.confidence *= likely[1]
        cand.guessed = first == 1 and not self.col_ipk[0]
        return cand

    def _serial_for_size(self, col: int, size: int, raw: bytes = b"") -> int | None:
        """The serial type of a column whose stored size is known; None when it stays ambiguous.

        ``raw`` (the value's bytes) settles TEXT against BLOB where the affinity allows both: text when the
        live rows hold text there (or nothing but NULLs) and the bytes are printable text."""
        aff = self.col_aff[col]
        every = self.profile.kinds[col] if col < len(self.profile.kinds) else set()
        kinds = every - {"null"}
        if size == 0 and aff not in ("INTEGER", "REAL", "NUMERIC") and "null" in every and kinds:
            return None  # NULL or an empty text/blob: the live rows hold both kinds there
        if size and aff in ("BLOB", "NUMERIC") and kinds <= {"text"} and _printable(raw, self.encoding):
            return 2 * size + 13
        if aff in ("INTEGER", "REAL", "NUMERIC"):
            if size == 0:
                if every == {"null"}:
                    return 0
                if every == {"zero"}:
                    return 8
                if every == {"one"}:
                    return 9
                return None
            fixed = {1: 1, 2: 2, 3: 3, 4: 4, 6: 5}.get(size)
            if fixed is not None:
                return fixed
            if size == 8:
                return 7 if aff == "REAL" or kinds == {"float"} else 6 if "float" not in kinds else None
            return 2 * size + 13 if aff == "NUMERIC" and kinds and kinds <= {"text"} else None
        if aff == "TEXT":
            return 2 * size + 13 if size or every <= {"text"} else None
        if kinds and kinds <= {"text"}:
            return 2 * size + 13
        if kinds and kinds <= {"blob"}:
            return 2 * size + 12
        return None


def _freeblock_header_before(data: bytes, q: int, end: int, lo: int) -> tuple[int, bool] | None:
    """The freeblock header that overwrote this cell's first bytes (4..12 bytes before ``q``):
    (its offset, whether its size is exactly the cell's)."""
    found = None
    for o in range(q - 4, max(lo, q - 13) - 1, -1):
        if o < 0:
            break
        nxt = (data[o] << 8) | data[o + 1]
        size = (data[o + 2] << 8) | data[o + 3]
        if size >= end - o and (nxt == 0 or nxt >= o + size):
            if size == end - o:
                return o, True
            found = found or (o, False)
    return found


def _exact_freeblock(data: bytes, o: int, end: int) -> bool:
    """Whether the 4 bytes at ``o`` read as a freeblock header whose block ends exactly at ``end``."""
    nxt = (data[o] << 8) | data[o + 1]
    size = (data[o + 2] << 8) | data[o + 3]
    return size == end - o and (nxt == 0 or nxt >= end)


def _nul_text_ok(text: str) -> bool:
    """Text with NUL characters as applications store it: single NULs between printable text."""
    if "\x00\x00" in text or text.startswith("\x00") or text.endswith("\x00"):
        return False
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text.replace("\x00", ""))


def _join_note(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b


def _printable(raw: bytes, encoding: str) -> bool:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return bool(text) and all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def _zeroed(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip("\x00")
    if isinstance(value, bytes):
        return not value.strip(b"\x00")
    return False


def select(cands: list[Carved]) -> list[Carved]:
    """Non-overlapping best candidates (intact cells first, then intact headers, then rebuilt)."""
    rank = {"cell": 3.0, "header": 2.0, "rebuilt": 1.0}
    cands.sort(key=lambda c: (-(rank[c.how] - (0.5 if c.lost else 0.0)), c.start, -c.fit))
    taken: list[tuple[int, int]] = []
    out: list[Carved] = []
    for c in cands:
        if any(c.start < b and a < c.end for a, b in taken):
            continue
        taken.append((c.start, c.end))
        out.append(c)
    out.sort(key=lambda c: c.start)
    return out


def generic_cells(data: bytes, lo: int, hi: int, encoding: str, usable: int) -> list[tuple[int, int, int, list[Any]]]:
    """Intact table-leaf cells in bytes of unknown layout, found without a schema.

    A cell is accepted only when it is self-consistent: the payload length equals header plus body, the
    header length equals its serial types, at least two columns, text decodes, and it fits the range.
    Returns (start, end, rowid, stored values). Used where no schema applies (pages of dropped tables whose
    page header is gone, e.g. freelist trunk pages).
    """
    out: list[tuple[int, int, int, list[Any]]] = []
    p = lo
    max_local = usable - 35
    while p < hi - 4:
        found = _generic_at(data, p, hi, encoding, max_local)
        if found is None:
            p += 1
            continue
        end, rowid, values = found
        out.append((p, end, rowid, values))
        p = end
    return out


def _generic_at(data: bytes, p: int, hi: int, encoding: str, max_local: int) -> tuple[int, int, list[Any]] | None:
    b = data[p]
    if b == 0:
        return None
    try:
        plen, q = read_varint(data, p)
        if plen < 3 or plen > max_local or q - p > 3:
            return None
        rowid, h = read_varint(data, q)
        if h - q > 9 or h + plen > hi:
            return None
        hsize = data[h]
        if hsize < 3 or hsize > 64 or hsize > plen:
            return None
        serials, body = parse_header(data, h, h + hsize)
    except (SqliteFormatError, IndexError):
        return None
    if len(serials) < 2 or hsize + body_size(serials) != plen:
        return None
    values: list[Any] = []
    pos = body
    for s in serials:
        try:
            values.append(decode_value(data, pos, s, encoding))
        except (UnicodeDecodeError, ValueError):
            return None
        pos += serial_size(s)
    if not any(v is not None and not _zeroed(v) for v in values):
        return None
    if any(isinstance(v, str) and "\x00" in v for v in values):
        return None
    return h + plen, (rowid - (1 << 64) if rowid >= 1 << 63 else rowid), values
