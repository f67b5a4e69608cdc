"""The exact AED of every test app: paths, types, kinds, tables/columns/keys, committed flags."""

from __future__ import annotations

import hashlib
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.apk.conftest import APKS, APP_NAMES
from trowel.apk.predict import AppAnalysis, Prediction, group_events, storage_of

I = "/data/data/<pkg>"  # noqa: E741 - short name keeps the table below readable

# name -> (package, [(kind, path, types, extra)])
EXPECTED: dict[str, tuple[str, list[tuple[str, str, list[str], dict[str, Any]]]]] = {
    "gps": ("com.trowel.gps", [
        ("database", f"{I}/databases/tracks.db", ["location", "time"],
         {"tables": ["track"], "columns": {"latitude": ["location"], "recorded_at": ["time"]}}),
        ("file", f"{I}/files/track.log", ["location", "time"], {}),
        ("shared_prefs", f"{I}/shared_prefs/gps_prefs.xml", ["location", "time"],
         {"keys": {"lat": ["location"], "time": ["time"]}, "committed": True}),
    ]),
    "browser": ("com.trowel.browser", [
        ("file", f"{I}/app_webhistory/history.txt", ["time", "visited_url"], {}),
        ("file", f"{I}/files/home.txt", ["visited_url"], {}),
        ("file", f"{I}/files/last_url.txt", ["visited_url"], {}),
        ("file", "/sdcard/Browser/bookmarks.txt", ["time", "visited_url"], {}),
    ]),
    "im": ("com.trowel.im", [
        ("database", f"{I}/databases/chat.db", ["text_input", "time"],
         {"tables": ["messages"], "columns": {"body": ["text_input"], "sent_at": ["time"]}}),
    ]),
    "imo": ("com.imo.android.imoim", [
        ("database", f"{I}/databases/imofriends.db", ["text_input", "time"],
         {"tables": ["messages"], "columns": {"last_message": ["text_input"], "timestamp": ["time"]}}),
        ("file", f"{I}/files/imo_prefs.json", ["text_input", "time"], {}),
    ]),
    "callback": ("com.trowel.callback", [("file", f"{I}/files/where.txt", ["location"], {})]),
    "thread": ("com.trowel.thread", [
        ("file", f"{I}/app_worker/draft.txt", ["text_input"], {}),  # Thread subclass: start() -> run()
        ("file", f"{I}/files/note.txt", ["text_input"], {}),
        ("file", f"{I}/files/exec.txt", ["time"], {}),  # time-only predictions come last
    ]),
    "asynctask": ("com.trowel.asynctask", [("file", f"{I}/files/result.txt", ["text_input", "time"], {})]),
    "handler": ("com.trowel.handler", [
        ("file", f"{I}/files/posted.txt", ["location"], {}),
        ("file", f"{I}/files/message.txt", ["time"], {}),
    ]),
    "reflection": ("com.trowel.reflection", [("file", f"{I}/files/reflected.txt", ["text_input"], {})]),
    "intent": ("com.trowel.intent", [("file", f"{I}/files/received.txt", ["location"], {})]),
    "getprefs": ("com.trowel.getprefs", [
        ("shared_prefs", f"{I}/shared_prefs/Main.xml", ["time"], {"keys": {"last_open": ["time"]}, "committed": True}),
    ]),
    "defprefs": ("com.trowel.defprefs", [
        ("shared_prefs", f"{I}/shared_prefs/<pkg>_preferences.xml", ["text_input"],
         {"keys": {"draft": ["text_input"]}, "committed": True}),
    ]),
    "external": ("com.trowel.external", [
        ("file", "/sdcard/Android/data/<pkg>/files/gps.txt", ["location"], {}),
        ("file", "/sdcard/Download/trip.log", ["time"], {}),
    ]),
    "dynamic": ("com.trowel.dynamic", [
        ("file", f"{I}/cache/loc_<timestamp>.json", ["location"], {}),
        ("file", f"{I}/files/notes/<uuid>.txt", ["text_input"], {}),
        ("file", f"{I}/files/<intent>", ["time"], {}),
    ]),
    "controlflow": ("com.trowel.controlflow", [
        # the loop appends an unknown number of digits: the prefix alone and the prefix + <unknown>
        ("file", f"{I}/cache/depth_", ["location"], {}),
        ("file", f"{I}/cache/depth_<unknown>", ["location"], {}),
        ("file", f"{I}/files/a.txt", ["location", "time"], {}),  # packed-switch case 0
        ("file", f"{I}/files/b.txt", ["location", "time"], {}),  # packed-switch case 1
        ("file", f"{I}/files/c.txt", ["location", "time"], {}),  # sparse-switch case 100
        ("file", f"{I}/files/d.txt", ["location", "time"], {}),  # default
        ("file", f"{I}/files/error.log", ["time"], {}),  # written by the exception handler
    ]),
    "sqlraw": ("com.trowel.sqlraw", [
        ("database", f"{I}/databases/device.db", ["device_id"], {"tables": ["log"], "columns": {"imei": ["device_id"]}}),
        ("database", f"{I}/databases/notes.db", ["text_input", "time"], {"tables": ["notes"], "columns": {}}),
    ]),
    # one app per cause found on real apps (issue 12)
    "exscope": ("com.trowel.exscope", [  # exception edges only from the try range's own blocks: no SQL-named db
        ("database", f"{I}/databases/fixes.db", ["location"], {"tables": ["fix"], "columns": {"lat": ["location"]}}),
    ]),
    "heapbuilder": ("com.trowel.heapbuilder", [  # StringBuffer in a static field: appends through an alias
        ("file", f"{I}/files/ids.txt", ["device_id"], {}),
    ]),
    "siblings": ("com.trowel.siblings", [  # base-class editor field: each subclass keeps its own file
        ("shared_prefs", f"{I}/shared_prefs/notes.xml", ["text_input"],
         {"keys": {"draft": ["text_input"]}, "committed": True}),
        ("shared_prefs", f"{I}/shared_prefs/trip.xml", ["location"], {"keys": {"lat": ["location"]}, "committed": True}),
    ]),
    "androidpkg": ("com.android.sysupdate", [  # app code under com.android.*; bundled GCM and support classes
        ("file", f"{I}/files/imei.txt", ["device_id"], {}),
        ("shared_prefs", f"{I}/shared_prefs/com.google.android.gcm.xml", ["device_id", "time"],
         {"keys": {}, "committed": True}),
    ]),
    "unresolved": ("com.trowel.unresolved", []),  # three files whose names could not be resolved (below)
    "deadcode": ("com.trowel.deadcode", [("file", f"{I}/files/live.txt", ["text_input"], {})]),
    "lambda": ("com.trowel.lambda", [
        ("file", f"{I}/files/clip.txt", ["clipboard"], {}),  # Kotlin SuspendLambda.invokeSuspend
        ("file", f"{I}/files/custom.txt", ["location"], {}),  # invoke-custom (LambdaMetafactory) via Handler.post
        ("file", f"{I}/files/lambda.txt", ["text_input"], {}),  # D8 desugared lambda class via Thread.start
    ]),
    "names": ("com.trowel.names", [
        ("file", f"{I}/cache/trip.gpx", ["location"], {}),  # File.getName() of files/exports/trip.gpx
        ("database", f"{I}/databases/journal.db", ["location"],  # getString(R.string.journal_db) via resources.arsc
         {"tables": ["fixes"], "columns": {"lat": ["location"]}}),
        ("file", f"{I}/files/<pkg>.log", ["location"], {}),  # getPackageName() + ".log"
    ]),
    "spyware": ("com.trowel.spyware", [  # the wider catalog: contacts, call log, accounts, SMS, caller number
        ("database", f"{I}/databases/dump.db", ["account", "call_log", "contact"],
         {"tables": ["dump"], "columns": {"accounts": ["account"], "duration": ["call_log"], "number": ["contact"]}}),
        ("file", f"{I}/files/sms.txt", ["sms"], {}),
        ("file", "/sdcard/calls.txt", ["phone_number"], {}),
    ]),
    "neg_bundle": ("com.trowel.neg.bundle", []),
    "neg_sinkonly": ("com.trowel.neg.sinkonly", []),
    "neg_nosink": ("com.trowel.neg.nosink", []),
    "neg_uncommitted": ("com.trowel.neg.uncommitted", [
        ("shared_prefs", f"{I}/shared_prefs/draft.xml", ["text_input"],
         {"keys": {"text": ["text_input"]}, "committed": False}),
    ]),
}


def test_every_fixture_app_has_an_expectation() -> None:
    assert sorted(EXPECTED) == APP_NAMES
    assert len(APP_NAMES) == 29


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exact_aed_of_app(name: str, analyses: dict[str, AppAnalysis]) -> None:
    package, expected = EXPECTED[name]
    result = analyses[name]
    assert result.status == "ok"
    assert result.package == package
    got = []
    for prediction in result.predictions:
        data = prediction.to_json()
        extra = {k: data[k] for k in ("tables", "columns", "keys", "committed") if k in data}
        got.append((data["kind"], data["path"], data["types"], extra))
        assert data["package"] == package
        assert data["storage"] == ("external" if data["path"].startswith("/sdcard") else "internal")
        assert data["trace"][0].startswith("source ") and data["trace"][-1].startswith("sink ")
    assert got == expected
    if name != "unresolved":
        assert result.unresolved == []


def test_unresolved_names_are_reported_apart_never_as_path_text(analyses: dict[str, AppAnalysis]) -> None:
    result = analyses["unresolved"]
    assert [(p.file_kind, p.path, p.types) for p in result.unresolved] == [
        ("file", "/<unknown>/trip.txt", ["text_input"]),  # a folder read from a field nothing writes
        ("database", f"{I}/databases/<unknown>", ["text_input"]),  # openOrCreateDatabase("")
        ("shared_prefs", f"{I}/shared_prefs/<unknown>.xml", ["text_input"]),  # getSharedPreferences(null)
    ]
    notes = [w for w in result.warnings if "could not be resolved" in w]
    assert [n.split(" (")[0] for n in notes] == [
        "a file whose name could not be resolved, in /<unknown>/",
        f"a database whose name could not be resolved, in {I}/databases/",
        f"a shared_prefs whose name could not be resolved, in {I}/shared_prefs/",
    ]
    assert all("trace: source Landroid/widget/EditText;->getText()" in n for n in notes)
    for analysis in analyses.values():
        for p in analysis.predictions:
            name = p.path.rsplit("/", 1)[-1]
            assert name not in ("null.xml", ".xml", "<unknown>", "<unknown>.xml") and "CREATE" not in p.path


def test_time_only_predictions_are_last_and_marked(analyses: dict[str, AppAnalysis]) -> None:
    thread = [p.to_json() for p in analyses["thread"].predictions]
    assert [(d["path"].rsplit("/", 1)[-1], d.get("time_only", False)) for d in thread] == [
        ("draft.txt", False), ("note.txt", False), ("exec.txt", True)]


def test_traces_follow_thread_reflection_asynctask_and_intent_edges(analyses: dict[str, AppAnalysis]) -> None:
    def trace(name: str, path_end: str) -> list[str]:
        return next(p.trace for p in analyses[name].predictions if p.path.endswith(path_end))

    note = trace("thread", "note.txt")
    assert "Lcom/trowel/thread/Main;->onCreate(Landroid/os/Bundle;)V" in note
    assert "Lcom/trowel/thread/Saver;->run()V" in note
    assert note[0] == "source Landroid/widget/EditText;->getText() in Lcom/trowel/thread/Main;->onCreate(Landroid/os/Bundle;)V"
    assert note[-1] == "sink Ljava/io/FileOutputStream;->write([B)"
    assert trace("thread", "draft.txt")[1:3] == ["Lcom/trowel/thread/Main;->onCreate(Landroid/os/Bundle;)V",
                                                 "Lcom/trowel/thread/Worker;->run()V"]
    reflected = trace("reflection", "reflected.txt")
    assert reflected[1:3] == ["Lcom/trowel/reflection/Main;->onCreate(Landroid/os/Bundle;)V",
                              "Lcom/trowel/reflection/Archiver;->save(Ljava/lang/String;)V"]
    posted = trace("asynctask", "result.txt")
    assert "Lcom/trowel/asynctask/SaveTask;->onPostExecute(Ljava/lang/Object;)V" in posted
    received = trace("intent", "received.txt")
    assert received[0].startswith("source Landroid/location/Location;->getLatitude() in Lcom/trowel/intent/Main;")
    assert received[1] == "Lcom/trowel/intent/Second;->onCreate(Landroid/os/Bundle;)V"


def test_sources_name_every_origin(analyses: dict[str, AppAnalysis]) -> None:
    gps_db = analyses["gps"].predictions[0]
    assert gps_db.sources == [
        "location: Landroid/location/Location;->getLatitude() in Lcom/trowel/gps/Main;->onLocationChanged(Landroid/location/Location;)V",
        "location: Landroid/location/LocationListener;->onLocationChanged(Landroid/location/Location;) parameter 1 in "
        "Lcom/trowel/gps/Main;->onLocationChanged(Landroid/location/Location;)V",
        "time: Ljava/lang/System;->currentTimeMillis() in Lcom/trowel/gps/Main;->onLocationChanged(Landroid/location/Location;)V",
    ]


def test_ir_facts(analyses: dict[str, AppAnalysis]) -> None:
    gps = analyses["gps"]
    assert (gps.classes, gps.methods, gps.instructions) == (2, 6, 72)
    assert gps.sha256 == hashlib.sha256((APKS / "gps.apk").read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["gps", "browser", "dynamic", "reflection", "controlflow"])
def test_instruction_count_matches_dexdump(name: str, analyses: dict[str, AppAnalysis], tmp_path: Path) -> None:
    """Cross-check of the loader against an independent disassembler (Debian's dexdump)."""
    with zipfile.ZipFile(APKS / f"{name}.apk") as apk:
        (tmp_path / "classes.dex").write_bytes(apk.read("classes.dex"))
    out = subprocess.run(["dexdump", "-d", str(tmp_path / "classes.dex")], capture_output=True, text=True,
                         check=True).stdout
    # every instruction line, without the switch/array payload pseudo-instructions
    count = len(re.findall(r"(?m)^[0-9a-f]{6}: [0-9a-f .]+\|[0-9a-f]{4}: (?!\S+-data \()", out))
    assert analyses[name].instructions == count


def test_prediction_json_round_trip(analyses: dict[str, AppAnalysis]) -> None:
    for result in analyses.values():
        for prediction in result.predictions:
            assert Prediction.from_json(prediction.to_json()) == prediction


def test_uncommitted_and_committed_writes_of_one_file_merge_to_committed() -> None:
    from trowel.apk.engine import SinkEvent

    path = "/data/data/<pkg>/shared_prefs/a.xml"
    events = {
        SinkEvent("shared_prefs", path, frozenset({"time"}), ("source x", "sink y"), frozenset(),
                  columns=frozenset({("t", "time")}), editors=frozenset({"editor@1"})),
        SinkEvent("shared_prefs", path, frozenset({"location"}), ("source z", "sink y"), frozenset(),
                  columns=frozenset({("l", "location")}), editors=frozenset({"editor@2"})),
    }
    only_first = group_events("p", events, {"editor@1"})
    assert [(p.path, p.types, p.committed) for p in only_first] == [(path, ["time"], True)]
    none = group_events("p", events, set())
    assert [(p.types, p.committed, p.columns) for p in none] == [
        (["location", "time"], False, {"l": ["location"], "t": ["time"]})]


def test_storage_of() -> None:
    assert storage_of("/data/data/<pkg>/files/a") == "internal"
    assert storage_of("/sdcard/a") == "external"
    assert storage_of("/<unknown>") == "unknown"
