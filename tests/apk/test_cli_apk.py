"""`trowel apk analyze`: JSON Lines output, human output, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.apk.conftest import APKS
from trowel.cli.main import main


def test_analyze_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apk", "analyze", str(APKS / "browser.apk"), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(d["path"], d["types"], d["kind"], d["storage"]) for d in lines] == [
        ("/data/data/<pkg>/app_webhistory/history.txt", ["time", "visited_url"], "file", "internal"),
        ("/data/data/<pkg>/files/home.txt", ["visited_url"], "file", "internal"),
        ("/data/data/<pkg>/files/last_url.txt", ["visited_url"], "file", "internal"),
        ("/sdcard/Browser/bookmarks.txt", ["time", "visited_url"], "file", "external"),
    ]
    assert all(d["package"] == "com.trowel.browser" for d in lines)
    assert lines[0]["trace"] == [
        "source Ljava/lang/System;->currentTimeMillis() in "
        "Lcom/trowel/browser/BrowserClient;->onPageFinished(Landroid/webkit/WebView;Ljava/lang/String;)V",
        "Lcom/trowel/browser/BrowserClient;->onPageFinished(Landroid/webkit/WebView;Ljava/lang/String;)V",
        "sink Ljava/io/FileOutputStream;->write([B)",
    ]
    assert lines[0]["sources"][-1] == (
        "visited_url: Landroid/webkit/WebViewClient;->onPageFinished(Landroid/webkit/WebView;Ljava/lang/String;) "
        "parameter 2 in Lcom/trowel/browser/BrowserClient;->onPageFinished(Landroid/webkit/WebView;Ljava/lang/String;)V")


def test_analyze_database_json_has_tables_and_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apk", "analyze", str(APKS / "imo.apk"), "--json"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["package"] == "com.imo.android.imoim"
    assert first["path"] == "/data/data/<pkg>/databases/imofriends.db"
    assert (first["tables"], first["columns"]) == (["messages"], {"last_message": ["text_input"], "timestamp": ["time"]})


def test_analyze_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "apk", "analyze", str(APKS / "neg_uncommitted.apk")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["kind", "storage", "types", "path"]  # the header row
    assert out[1] == ("shared_prefs internal text_input                   /data/data/<pkg>/shared_prefs/draft.xml"
                      "  (editor never committed)")
    assert out[2].startswith("    trace: source Landroid/widget/EditText;->getText()")


def test_corrupt_apk_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.apk"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SystemExit) as info:
        main(["apk", "analyze", str(bad)])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("trowel: ") and err.count("\n") == 1


def test_missing_file_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["apk", "analyze", str(tmp_path / "none.apk")])
    assert info.value.code == 2


def test_time_limit_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["apk", "analyze", str(APKS / "gps.apk"), "--time-limit", "0"])
    assert info.value.code == 1
    assert capsys.readouterr().err == "trowel: analysis went over its 0 s limit\n"


def _damaged_dex_apk(tmp_path: Path) -> Path:
    """controlflow.apk with one byte of classes.dex changed and its checksum left as it was."""
    import zipfile

    with zipfile.ZipFile(APKS / "controlflow.apk") as apk:
        members = {i.filename: apk.read(i.filename) for i in apk.infolist()}
    dex = bytearray(members["classes.dex"])
    dex[200] ^= 0xFF
    bad = tmp_path / "damaged.apk"
    with zipfile.ZipFile(bad, "w") as out:
        for name, data in members.items():
            out.writestr(name, bytes(dex) if name == "classes.dex" else data)
    return bad


def test_damaged_dex_message_names_the_apk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _damaged_dex_apk(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["-q", "apk", "analyze", str(bad)])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err == (f"trowel: {bad}: classes.dex: cannot parse the DEX file (ValueError: Wrong Adler32 checksum for "
                   "DEX file!)\n")
    # examine --apk: the same reason, naming the APK, in the run's problems
    out = tmp_path / "case"
    (tmp_path / "tree" / "data" / "media" / "0").mkdir(parents=True)
    (tmp_path / "tree" / "data" / "media" / "0" / "note.txt").write_text("x\n")
    assert main(["-q", "examine", str(tmp_path / "tree"), "--apk", str(bad), "--out", str(out)]) == 1
    reason = f"{bad}: APK analysis failed: {bad}: classes.dex: cannot parse the DEX file (ValueError: Wrong " \
             "Adler32 checksum for DEX file!)"
    assert f"  - {reason}" in capsys.readouterr().err.splitlines()
