"""Seed inputs for the fuzz campaign, one set per reader, all made here by the project's own generators.

Each reader is a ``Target``: how to build its seeds (a folder per seed: the file that is mutated plus any
companions it needs), and the trowel command that reads it. Nothing third-party is used.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures import android_tree, evidence_images, hostile_archives
from tests.fixtures.net import pcapwriter

REPO = Path(__file__).resolve().parents[2]
APK_SEED = REPO / "tests" / "fixtures" / "apks" / "sqlraw.apk"  # built by fixtures-src/build_apks.py


@dataclass(frozen=True)
class Seed:
    folder: Path
    target: str  # the file (relative to ``folder``) that mutations change


@dataclass(frozen=True)
class Target:
    name: str
    build: Callable[[Path], list[Seed]]
    argv: Callable[[Path, Path], list[str]]  # (mutated file, scratch folder) -> trowel arguments
    fixup: Callable[[bytearray], None] | None = None  # after mutation (checksums fixed to get past them)


def _seed(folder: Path, name: str, data: bytes) -> Seed:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return Seed(folder, name)


# --- SQLite, WAL, rollback journal ---------------------------------------------------------------------
def _sqlite(out: Path) -> list[Seed]:
    from tests.fixtures.sqlite import generate

    seeds = []
    for name in ("mixed_ipk_single", "overflow", "pagesize_1024"):
        sc = generate.build(name, out)
        seeds.append(Seed(sc.db.parent, sc.db.name))
    return seeds


def _wal(out: Path) -> list[Seed]:
    from tests.fixtures.sqlite import generate

    sc = generate.build("wal", out)
    assert sc.wal is not None
    return [Seed(sc.db.parent, sc.wal.name)]


def _journal(out: Path) -> list[Seed]:
    from tests.fixtures.sqlite import generate

    sc = generate.build("journal_persist", out)
    assert sc.journal is not None
    return [Seed(sc.db.parent, sc.journal.name)]


def _db_of(mutated: Path) -> Path:
    """The database a mutated WAL or journal belongs to (``x.db-wal`` -> ``x.db``)."""
    return mutated.with_name(mutated.name.rsplit("-", 1)[0])


# --- captures ----------------------------------------------------------------------------------------------
def _talk() -> pcapwriter.TcpTalk:
    talk = pcapwriter.TcpTalk("10.0.0.2", 40000, "93.184.216.34", 80)
    t = talk.handshake(1_700_000_000 * 10**9)
    t = talk.send(t, 0, b"GET /a.png HTTP/1.1\r\nHost: example.org\r\n\r\n")
    body = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
    t = talk.send(t, 1, b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    talk.close(t)
    return talk


def _pcap(out: Path) -> list[Seed]:
    cap = pcapwriter.PcapFile(1)
    for ts, packet in _talk().packets:
        cap.add(ts, pcapwriter.link(1, packet))
    (out / "a").mkdir(parents=True)
    cap.write(out / "a" / "http.pcap")
    return [Seed(out / "a", "http.pcap")]


def _pcapng(out: Path) -> list[Seed]:
    cap = pcapwriter.PcapngFile([(1, 6), (1, 9)])
    for i, (ts, packet) in enumerate(_talk().packets):
        cap.add(i % 2, ts, pcapwriter.link(1, packet))
    (out / "a").mkdir(parents=True)
    cap.write(out / "a" / "http.pcapng")
    return [Seed(out / "a", "http.pcapng")]


# --- APK and DEX -------------------------------------------------------------------------------------------
def _apk(out: Path) -> list[Seed]:
    return [_seed(out / "a", "app.apk", APK_SEED.read_bytes())]


def _dex(out: Path) -> list[Seed]:
    with zipfile.ZipFile(APK_SEED) as zf:
        return [_seed(out / "a", "classes.dex", zf.read("classes.dex"))]


def fix_dex_checksums(data: bytearray) -> None:
    """Recompute the DEX header's SHA-1 signature and Adler-32 checksum (so mutations get past them)."""
    if len(data) < 0x70 or not data.startswith(b"dex\n"):
        return
    data[12:32] = hashlib.sha1(bytes(data[32:])).digest()
    struct.pack_into("<I", data, 8, zlib.adler32(bytes(data[12:])))


# --- archives and images -----------------------------------------------------------------------------------
def _tree_members() -> list[tuple[str, bytes]]:
    return sorted(android_tree.FILES.items())


def _zip(out: Path) -> list[Seed]:
    return [_seed(out / "a", "tree.zip", hostile_archives.zip_bytes(_tree_members())),
            _seed(out / "b", "stored.zip", hostile_archives.zip_bytes(_tree_members()[:5], zipfile.ZIP_STORED))]


def _tar(out: Path) -> list[Seed]:
    plain = hostile_archives.tar_bytes(_tree_members(), tarfile.PAX_FORMAT)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
        for name, data in _tree_members():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), android_tree.MTIME
            tar.addfile(info, io.BytesIO(data))
    return [_seed(out / "a", "tree.tar", plain), _seed(out / "b", "tree.tar.gz", buf.getvalue())]


def _ab(out: Path) -> list[Seed]:
    (out / "a").mkdir(parents=True)
    (out / "b").mkdir(parents=True)
    members = evidence_images.ab_members()
    evidence_images.write_ab(out / "a" / "backup.ab", members, compressed=True)
    evidence_images.write_ab(out / "b" / "plain.ab", members, compressed=False)
    return [Seed(out / "a", "backup.ab"), Seed(out / "b", "plain.ab")]


def _small_ext4(out: Path) -> Path:
    files = {"data/data/com.example.notes/files/notes.txt": b"notes\n", "sdcard/DCIM/a.jpg": b"\xff\xd8" + bytes(200)}
    image = evidence_images.build_small_ext4(out / "fs.img", files, size=1 << 20)
    shutil.rmtree(image.with_suffix(".tree"), ignore_errors=True)
    return image


def _ext4(out: Path) -> list[Seed]:
    (out / "a").mkdir(parents=True)
    image = _small_ext4(out / "a")
    return [Seed(image.parent, image.name)]


def _sparse(out: Path) -> list[Seed]:
    (out / "src").mkdir(parents=True)
    image = _small_ext4(out / "src")
    (out / "a").mkdir()
    evidence_images.build_sparse(image, out / "a" / "fs.simg")
    return [Seed(out / "a", "fs.simg")]


def _e01(out: Path) -> list[Seed]:
    (out / "src").mkdir(parents=True)
    image = _small_ext4(out / "src")
    (out / "a").mkdir()
    segments = evidence_images.build_e01(image, out / "a" / "fs", segment_bytes=1 << 20)
    return [Seed(out / "a", segments[0].name)]


# --- app preferences ---------------------------------------------------------------------------------------
PREFS_APP = "com.example.fuzzprefs"


def _prefs_xml(out: Path) -> list[Seed]:
    rel = f"data/data/{PREFS_APP}/shared_prefs/settings.xml"
    xml = (b"<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map>\n"
           b"    <string name=\"account\">alice@example.org</string>\n"
           b"    <long name=\"last_login\" value=\"1700000000123\" />\n"
           b"    <int name=\"count\" value=\"42\" />\n    <boolean name=\"on\" value=\"true\" />\n"
           b"    <set name=\"ids\"><string>1</string><string>2</string></set>\n</map>\n")
    _seed((out / "a" / rel).parent, "settings.xml", xml)
    return [Seed(out / "a", rel)]


def _prefs_json(out: Path) -> list[Seed]:
    rel = f"data/data/{PREFS_APP}/files/state.json"
    data = json.dumps({"user": {"phone": "+31612345678", "created": 1700000000, "tags": ["a", "b"]},
                       "last_sync_ms": 1700000000123, "nested": [[1, 2], {"x": None}]}).encode()
    _seed((out / "a" / rel).parent, "state.json", data)
    return [Seed(out / "a", rel)]


def _examine_argv(mutated: Path, run_dir: Path) -> list[str]:
    """``examine`` of the extraction the mutated file sits in (<run>/data/data/<pkg>/<area>/<file>); the case
    folder beside the run folder (never inside the input)."""
    return ["examine", str(run_dir), "--out", str(run_dir.with_name(run_dir.name + "-case"))]


# --- timestamp strings -------------------------------------------------------------------------------------
TIMESTAMP_SEEDS = ["1700000000", "1700000000123", "0x6553a2e0", "133444736000000000", "2023-11-14T22:13:20Z",
                   "638356292000000000", "e0a25365", "721692800", "20231114221320"]


def _timestamps(out: Path) -> list[Seed]:
    return [_seed(out / f"s{i}", "value.txt", text.encode()) for i, text in enumerate(TIMESTAMP_SEEDS)]


def _timestamp_argv(mutated: Path, _scratch: Path) -> list[str]:
    text = mutated.read_bytes()[:200].decode("utf-8", "surrogateescape").replace("\0", "")
    return ["time", "decode", "--json", "--", text]


TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("sqlite", _sqlite, lambda f, _s: ["sqlite", "recover", str(f), "--json"]),
    Target("wal", _wal, lambda f, _s: ["sqlite", "recover", str(_db_of(f)), "--wal", str(f), "--json"]),
    Target("journal", _journal, lambda f, _s: ["sqlite", "recover", str(_db_of(f)), "--journal", str(f), "--json"]),
    Target("pcap", _pcap, lambda f, _s: ["net", "analyze", str(f), "--json"]),
    Target("pcapng", _pcapng, lambda f, _s: ["net", "analyze", str(f), "--json"]),
    Target("apk", _apk, lambda f, _s: ["apk", "analyze", str(f), "--json", "--time-limit", "10"]),
    Target("dex", _dex, lambda f, _s: ["apk", "analyze", str(f), "--json", "--time-limit", "10"], fix_dex_checksums),
    Target("zip", _zip, lambda f, _s: ["ls", "--hash", "--json", str(f)]),
    Target("tar", _tar, lambda f, _s: ["ls", "--hash", "--json", str(f)]),
    Target("ab", _ab, lambda f, _s: ["ls", "--hash", "--json", str(f)]),
    Target("sparse", _sparse, lambda f, _s: ["ls", "--hash", "--json", str(f)]),
    Target("ext4", _ext4, lambda f, _s: ["ls", "--hash", "--json", str(f)]),
    Target("e01", _e01, lambda f, _s: ["ls", "--hash", "--json", str(f)]),
    Target("prefs-xml", _prefs_xml, _examine_argv),
    Target("prefs-json", _prefs_json, _examine_argv),
    Target("timestamp", _timestamps, _timestamp_argv),
]}
