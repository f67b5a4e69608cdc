"""Loading: the IR of a test app, corrupt input, bare DEX files."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.apk.conftest import APKS
from trowel.apk.ir import Component, is_library, java_name, parse_method_ref, split_params
from trowel.apk.loader import load_apk
from trowel.apk.predict import analyse_apk
from trowel.errors import ApkError


def test_ir_of_the_intent_app() -> None:
    app = load_apk(APKS / "intent.apk")
    assert app.package == "com.trowel.intent"
    assert (app.version_code, app.version_name) == ("1", "1.0")
    assert app.components == [Component("activity", "Lcom/trowel/intent/Main;"),
                              Component("activity", "Lcom/trowel/intent/Second;")]
    assert sorted(app.classes) == ["Lcom/trowel/intent/Main;", "Lcom/trowel/intent/Second;"]
    assert app.classes["Lcom/trowel/intent/Main;"].superclass == "Landroid/app/Activity;"
    assert {"loc", "received.txt", "network", "location"} <= app.strings
    second = app.classes["Lcom/trowel/intent/Second;"].methods["onCreate(Landroid/os/Bundle;)V"]
    assert second.param_registers() == [4, 5]
    assert [i.op for i in second.instrs[:3]] == ["invoke-super", "invoke-virtual", "move-result-object"]
    assert len(second.blocks) == 1


def test_ir_keeps_interfaces_and_branches() -> None:
    app = load_apk(APKS / "gps.apk")
    main = app.classes["Lcom/trowel/gps/Main;"]
    assert main.interfaces == ["Landroid/location/LocationListener;"]
    assert app.supertypes("Lcom/trowel/gps/Main;") == {
        "Lcom/trowel/gps/Main;", "Landroid/app/Activity;", "Landroid/location/LocationListener;"}
    large = load_apk(APKS / "thread.apk")
    assert large.ancestors("Lcom/trowel/thread/Saver;") == ["Lcom/trowel/thread/Saver;", "Ljava/lang/Object;"]


def test_bare_dex_file(tmp_path: Path) -> None:
    with zipfile.ZipFile(APKS / "callback.apk") as apk:
        dex = tmp_path / "classes.dex"
        dex.write_bytes(apk.read("classes.dex"))
    app = load_apk(dex)
    assert app.package == "classes"
    assert sorted(app.classes) == ["Lcom/trowel/callback/Main;", "Lcom/trowel/callback/Tracker;"]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"not an apk at all", b"dex\n035\x00" + b"\x00" * 40])
def test_corrupt_input_is_one_line_apk_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.apk"
    path.write_bytes(content)
    with pytest.raises(ApkError) as info:
        load_apk(path)
    assert "\n" not in str(info.value)


def test_truncated_apk(tmp_path: Path) -> None:
    data = (APKS / "gps.apk").read_bytes()
    path = tmp_path / "cut.apk"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ApkError):
        load_apk(path)


def test_zip_without_manifest(tmp_path: Path) -> None:
    path = tmp_path / "empty.apk"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ApkError, match="AndroidManifest|package"):
        load_apk(path)


def test_names() -> None:
    assert split_params("Ljava/lang/String; IJ[B[[Ljava/lang/Object;") == [
        "Ljava/lang/String;", "I", "J", "[B", "[[Ljava/lang/Object;"]
    assert parse_method_ref("La/B;->m(Ljava/lang/String; I)V") == ("La/B;", "m", "Ljava/lang/String;I", "V")
    assert java_name("Lcom/ex/Main;") == "com.ex.Main"
    assert is_library("Landroidx/core/app/X;") and is_library("Lkotlin/Unit;") and not is_library("Lcom/ex/A;")
    app = load_apk(APKS / "androidpkg.apk")
    app.bundled = ("Landroid/support/", "Lcom/google/android/gcm/")
    assert app.is_app("Lcom/android/sysupdate/UpdateService;")  # framework namespace, but the app's own code
    assert not app.is_app("Landroid/support/v4/util/DebugLog;") and not app.is_app("Landroid/app/Activity;")


def test_switch_and_exception_edges() -> None:
    app = load_apk(APKS / "controlflow.apk")
    cls = app.classes["Lcom/trowel/controlflow/Main;"]
    pick = cls.methods["pick()Ljava/lang/String;"]
    assert [(b.start, b.end, b.succs) for b in pick.blocks] == [
        (0, 2, [1, 3, 4]), (2, 3, [2, 5]), (3, 5, []), (5, 7, []), (7, 9, []), (9, 11, [])]
    handler = cls.methods["onLocationChanged(Landroid/location/Location;)V"]
    # the try range covers only invoke-static/range (index 7); its block may go on or to the catch block
    assert [(b.start, b.end, b.succs) for b in handler.blocks] == [(0, 7, [1]), (7, 8, [2, 3]), (8, 11, []),
                                                                   (11, 22, [])]
    assert handler.instrs[7].op == "invoke-static/range" and handler.instrs[7].regs == (0, 1, 2, 3, 4, 5)
    assert handler.instrs[11].op == "move-exception"


def test_zip_bomb_dex_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.apk"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00")
        zf.writestr("classes.dex", b"\x00" * (8 << 20))
    with pytest.raises(ApkError, match="zip bomb"):
        load_apk(path)


def test_mutated_dex_never_escapes_as_another_exception(tmp_path: Path) -> None:
    """Random byte changes anywhere in classes.dex: the analysis works or raises ApkError, nothing else."""
    import random
    import zlib

    from trowel.apk.predict import analyse_apk

    with zipfile.ZipFile(APKS / "controlflow.apk") as apk:
        members = {i.filename: apk.read(i.filename) for i in apk.infolist()}
    rng = random.Random(6)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(40):
        dex = bytearray(members["classes.dex"])
        for _ in range(rng.randint(1, 8)):
            dex[rng.randrange(32, len(dex))] = rng.randrange(256)
        dex[8:12] = zlib.adler32(bytes(dex[12:])).to_bytes(4, "little")  # a valid checksum: parse deeper
        path = tmp_path / "mutated.apk"
        with zipfile.ZipFile(path, "w") as out:
            for name, data in members.items():
                out.writestr(name, bytes(dex) if name == "classes.dex" else data)
        try:
            analyse_apk(path)
            outcomes["ok"] += 1
        except ApkError:
            outcomes["error"] += 1
    assert outcomes == {"ok": 17, "error": 23}


def test_exception_edges_come_only_from_the_blocks_of_their_try_range() -> None:
    app = load_apk(APKS / "exscope.apk")
    method = app.classes["Lcom/trowel/exscope/Main;"].methods["onLocationChanged(Landroid/location/Location;)V"]
    starts = {b.start: n for n, b in enumerate(method.blocks)}
    ops = [i.op for i in method.instrs]
    reopen = starts[ops.index("goto") + 1]  # the handler of the first range
    first_call = ops.index("invoke-virtual")
    sql = next(i for i, ins in enumerate(method.instrs) if ins.ref and ins.ref.endswith("execSQL(Ljava/lang/String;)V"))
    insert_handler = starts[sql + 1]
    with_handler = sorted(n for n, b in enumerate(method.blocks) if reopen in b.succs)
    assert with_handler == [starts[first_call]]  # only the block of the openOrCreateDatabase call
    assert [n for n, b in enumerate(method.blocks) if insert_handler in b.succs] == [starts[sql]]


def test_codename_min_sdk_and_unreadable_manifest_still_analyse_the_dex(tmp_path: Path) -> None:
    garbage = tmp_path / "nomanifest.apk"
    with zipfile.ZipFile(APKS / "callback.apk") as src, zipfile.ZipFile(garbage, "w") as out:
        out.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00garbage")
        out.writestr("classes.dex", src.read("classes.dex"))
    app = load_apk(garbage)
    assert app.package == "nomanifest"
    assert sorted(app.classes) == ["Lcom/trowel/callback/Main;", "Lcom/trowel/callback/Tracker;"]
    assert len(app.warnings) == 1 and "AndroidManifest.xml" in app.warnings[0] and "'nomanifest'" in app.warnings[0]


def test_codename_min_sdk_manifest_is_read_from_its_binary_xml(tmp_path: Path) -> None:
    """androguard's APK class raises on minSdkVersion="VanillaIceCream"; package and components still come."""
    manifest = (Path(__file__).resolve().parents[2] / "fixtures-src" / "apps" / "callback" / "AndroidManifest.xml")
    work = tmp_path / "src"
    work.mkdir()
    (work / "AndroidManifest.xml").write_text(
        manifest.read_text(encoding="utf-8").replace('android:minSdkVersion="19"', 'android:minSdkVersion="VanillaIceCream"'),
        encoding="utf-8")
    unsigned = tmp_path / "codename.apk"
    subprocess.run(["aapt", "package", "-f", "-M", str(work / "AndroidManifest.xml"), "-I",
                    "/usr/share/android-framework-res/framework-res.apk", "-F", str(unsigned)], check=True)
    with zipfile.ZipFile(APKS / "callback.apk") as src, zipfile.ZipFile(unsigned, "a") as out:
        out.writestr("classes.dex", src.read("classes.dex"))
    app = load_apk(unsigned)
    assert (app.package, app.version_code, app.version_name) == ("com.trowel.callback", "1", "1.0")
    assert app.components == [Component("activity", "Lcom/trowel/callback/Main;")]
    assert len(app.warnings) == 1 and "VanillaIceCream" in app.warnings[0]
    assert "package and components read from its binary XML directly" in app.warnings[0]
    result = analyse_apk(unsigned)
    assert [(p.path, p.types) for p in result.predictions] == [("/data/data/<pkg>/files/where.txt", ["location"])]
