"""The fuzz suite's short budget (inside ``make test``): property tests with hypothesis over the archive
readers, names and timestamp decoding, and a short mutation campaign over every reader in child processes
with a memory limit and a timeout. ``make fuzz`` runs the long campaign."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import warnings
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trowel.errors import TrowelError
from trowel.evidence import EntryKind, open_evidence
from trowel.evidence.names import json_safe, raw_hex, shown_name
from trowel.timestamps import decode

REPO = Path(__file__).resolve().parents[2]
SETTINGS = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

names = st.binary(min_size=0, max_size=40).map(lambda b: b.decode("utf-8", "surrogateescape"))
contents = st.binary(max_size=300)
# what zipfile can write as a member name: no lone surrogates, and no NUL (it cuts a name at its first NUL)
MEMBER_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
flips = st.lists(st.tuples(st.integers(min_value=0, max_value=1 << 16), st.integers(min_value=0, max_value=7)),
                 max_size=6)


def _read_all(path: Path) -> tuple[int, list[str]]:
    """List and hash everything; only TrowelError may come out. Returns (entries, warnings)."""
    try:
        source = open_evidence(path)
    except TrowelError as exc:
        assert str(path) in str(exc)
        return 0, [str(exc)]
    with source:
        count = 0
        for entry in source.entries():
            count += 1
            if entry.kind is EntryKind.FILE and entry.readable:
                try:
                    source.hash_entry(entry)
                except TrowelError as exc:
                    assert str(path) in str(exc)
        return count, list(source.warnings)


def _flip(data: bytes, where: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for at, bit in where:
        if out:
            out[at % len(out)] ^= 1 << bit
    return bytes(out)


@SETTINGS
@given(members=st.lists(st.tuples(names, contents), min_size=1, max_size=6), where=flips,
       mode=st.sampled_from(["w", "w:gz", "w:bz2", "w:xz"]))
def test_tar_reader_properties(members: list[tuple[str, bytes]],
                               where: list[tuple[int, int]], mode: str) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT, encoding="utf-8",  # type: ignore[call-overload]
                      errors="surrogateescape") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with tempfile.TemporaryDirectory(prefix="trowel-prop-") as folder:
        path = Path(folder) / "x.tar"
        path.write_bytes(_flip(buf.getvalue(), where))
        count, warnings = _read_all(path)
    if not where:  # undamaged: every member is listed (names of any shape included)
        assert count == len(members), (members, warnings)


@SETTINGS
@given(members=st.lists(st.tuples(st.text(MEMBER_CHARS, min_size=1, max_size=20), contents), min_size=1, max_size=6),
       where=flips)
def test_zip_reader_properties(members: list[tuple[str, bytes]], where: list[tuple[int, int]]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are part of what is generated
        for name, data in members:
            zf.writestr(name, data)
    with tempfile.TemporaryDirectory(prefix="trowel-prop-") as folder:
        path = Path(folder) / "x.zip"
        path.write_bytes(_flip(buf.getvalue(), where))
        count, _ = _read_all(path)
    if not where:
        assert count == len(members)


@SETTINGS
@given(raw=st.binary(max_size=60))
def test_any_name_is_shown_escaped_and_kept_as_hex(raw: bytes) -> None:
    name = raw.decode("utf-8", "surrogateescape")
    shown = shown_name(name)
    shown.encode("utf-8")  # always encodable
    assert json.loads(json_safe(json.dumps({"p": name}, ensure_ascii=False)))["p"] == shown
    hexed = raw_hex(name)
    if hexed is not None:
        assert bytes.fromhex(hexed) == raw
    else:
        assert shown == name == raw.decode("utf-8")


@SETTINGS
@given(text=st.text(max_size=40) | st.integers().map(str) | st.binary(max_size=12).map(lambda b: b.hex()))
def test_timestamp_decode_of_any_text_never_raises(text: str) -> None:
    try:
        readings = decode(text)
    except TrowelError:
        return
    for reading in readings:
        json.dumps(reading.to_json())


def test_mutation_campaign_short_budget() -> None:
    """Every reader: its seeds and two mutated inputs, each in a child with a memory limit and a timeout."""
    env = dict(os.environ, PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}")
    proc = subprocess.run([sys.executable, "-m", "tests.fuzz.campaign", "--runs", "2", "--timeout", "60", "--json"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=600, check=False)
    summaries = json.loads(proc.stdout.splitlines()[-1])
    by_reader = {s["reader"]: s for s in summaries}
    assert set(by_reader) == {"sqlite", "wal", "journal", "pcap", "pcapng", "apk", "dex", "zip", "tar", "ab", "sparse",
                              "ext4", "e01", "prefs-xml", "prefs-json", "timestamp"}
    for reader, summary in by_reader.items():
        assert summary["runs"] >= 3, reader
        assert summary["failures"] == [], (reader, summary["failures"])
    assert proc.returncode == 0
