"""The case store holds names and numbers of any shape: names that are not UTF-8 shown escaped (raw bytes as
hex in the note), integers beyond 64 bits kept exactly as text."""

from __future__ import annotations

import json
from pathlib import Path

from trowel.case.store import CaseStore
from trowel.evidence.base import Entry, EntryKind
from trowel.model import Provenance, Warning

BAD = b"data/data/com.example.app/files/caf\xe9.txt".decode("utf-8", "surrogateescape")


def test_files_with_odd_names_and_huge_numbers(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "case.sqlite")
    entries = [
        (Entry(path=BAD, kind=EntryKind.FILE, size=3, link_target=BAD), None),
        (Entry(path="huge.bin", kind=EntryKind.FILE, size=10**20, mtime=2**70, inode=2**64, readable=False,
               note="claims a size"), None),
    ]
    assert store.add_files("E1", entries) == 2
    rows = {r["path"]: r for r in store.files()}
    odd = rows["data/data/com.example.app/files/caf\\xe9.txt"]
    assert odd["note"] == "name is not valid UTF-8; raw bytes (hex): " + BAD.encode("utf-8", "surrogateescape").hex()
    assert odd["link_target"] == "data/data/com.example.app/files/caf\\xe9.txt" and odd["package"] == "com.example.app"
    huge = rows["huge.bin"]
    assert huge["size"] is None and huge["mtime_ns"] is None and huge["inode"] is None
    assert huge["note"] == ("claims a size; beyond 64 bits, kept as text: size 100000000000000000000, "
                            f"mtime_ns {2**70}, inode {2**64}")
    store.close()


def test_records_with_odd_names_are_stored_escaped(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "case.sqlite")
    store.add(Warning(source=Provenance(evidence="E1", path=BAD), message=f"cannot read {BAD}", stage="x"))
    store.add(Warning(source=Provenance(evidence="E1", path="ok.txt"), message="plain", stage="x"))
    store.flush()
    got = list(store.records("warning"))
    assert [g["source"]["path"] for g in got] == ["data/data/com.example.app/files/caf\\xe9.txt", "ok.txt"]
    assert got[0]["message"] == "cannot read data/data/com.example.app/files/caf\\xe9.txt"
    column = store.db.execute("SELECT path FROM records ORDER BY id").fetchall()
    assert column == [("data/data/com.example.app/files/caf\\xe9.txt",), ("ok.txt",)]
    text = store.db.execute("SELECT json FROM records ORDER BY id LIMIT 1").fetchone()[0]
    assert json.loads(text)["source"]["path"].endswith("caf\\xe9.txt")
    store.close()
