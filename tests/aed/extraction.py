"""Generator of a small device extraction for AED matching: app files of the test apps, two Android users,
external storage, dynamic file names, an installed APK and apps the AED does not know."""

from __future__ import annotations

import os
from pathlib import Path

APKS = Path(__file__).resolve().parents[1] / "fixtures" / "apks"
MTIME = 1_700_000_000

FILES: dict[str, bytes] = {
    "data/data/com.trowel.gps/shared_prefs/gps_prefs.xml": b"<map><string name='lat'>52.1</string></map>",
    "data/data/com.trowel.gps/databases/tracks.db": b"SQLite format 3\x00",
    "data/data/com.trowel.gps/files/track.log": b"52.1,1700000000000\n",
    "data/data/com.trowel.gps/files/other.txt": b"not predicted",
    "data/user/10/com.trowel.gps/databases/tracks.db": b"SQLite format 3\x00",
    "sdcard/Browser/bookmarks.txt": b"https://example.org/\t1700000000000\n",
    "storage/emulated/0/Android/data/com.trowel.external/files/gps.txt": b"4.9\n",
    "data/data/com.trowel.dynamic/files/notes/0f8fad5b-d9cb-469f-a165-70867728950e.txt": b"a note",
    "data/data/com.trowel.dynamic/cache/loc_1700000000000.json": b"52.1",
    "data/data/com.trowel.dynamic/cache/other.json": b"{}",
    "data/data/com.trowel.neg.uncommitted/shared_prefs/draft.xml": b"<map/>",
    "data/data/com.imo.android.imoim/databases/imofriends.db": b"SQLite format 3\x00",
    "data/data/com.trowel.thread/files/exec.txt": b"1700000000000",
    "data/data/com.unknown.app/files/x.txt": b"x",
    "data/app/com.other.app-1/base.apk": b"PK\x05\x06" + b"\x00" * 18,
}
EMBEDDED_APK = "data/app/~~Yc2lfQ==/com.trowel.gps-R3hx1Q==/base.apk"


def build(root: Path, embed_apk: bool = True) -> None:
    """Write the extraction under ``root`` (the gps APK is copied in as an installed app)."""
    files = dict(FILES)
    if embed_apk:
        files[EMBEDDED_APK] = (APKS / "gps.apk").read_bytes()
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        os.utime(target, (MTIME, MTIME))
