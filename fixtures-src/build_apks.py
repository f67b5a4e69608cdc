#!/usr/bin/env python3
"""Build trowel's test APKs from smali sources with the Debian tools (no Android SDK needed).

Each app is ``fixtures-src/apps/<name>/`` with ``AndroidManifest.xml`` and ``smali/`` (optionally ``res/``
for string resources and ``api`` holding the smali API level, 19 by default). The pipeline:
``smali assemble --api 19`` -> ``aapt package`` (against the Debian framework-res.apk) -> ``aapt add
classes.dex`` -> ``zipalign -f 4`` -> ``apksigner sign`` with a throw-away test keystore made by ``keytool``
in a temporary folder (no secret is committed). Output: ``tests/fixtures/apks/<name>.apk``.

``--large N`` also writes a generated app with N classes (and many methods each) for the benchmark.

``--stress N`` writes an interpreter-like app with N methods whose contexts multiply and whose string
patterns grow every round (the shape of apps that bundle a JavaScript engine).

Usage: python fixtures-src/build_apks.py [--out DIR] [--only NAME ...] [--large N --large-out FILE]
       [--stress N --stress-out FILE]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
DEFAULT_OUT = HERE.parent / "tests" / "fixtures" / "apks"
FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")
TOOLS = ("smali", "aapt", "zipalign", "apksigner", "keytool")
STOREPASS = "trowel-test"


def run(cmd: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"build_apks: {' '.join(cmd[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")


def check_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing or not FRAMEWORK.exists():
        raise SystemExit(f"build_apks: missing {', '.join(missing) or FRAMEWORK} (see scripts/system-deps.sh)")


def make_keystore(work: Path) -> Path:
    keystore = work / "test.jks"
    run(["keytool", "-genkeypair", "-keystore", str(keystore), "-storepass", STOREPASS, "-keypass", STOREPASS,
         "-alias", "trowel", "-keyalg", "RSA", "-keysize", "2048", "-validity", "10000",
         "-dname", "CN=trowel test apps", "-noprompt"])
    return keystore


def build_app(app_dir: Path, out: Path, keystore: Path) -> Path:
    """Assemble, package, align and sign one app; returns the APK path."""
    with tempfile.TemporaryDirectory(prefix="trowel-apk-") as tmp:
        work = Path(tmp)
        api_file = app_dir / "api"  # e.g. 26 for invoke-custom (lambdas without desugaring)
        api = api_file.read_text(encoding="ascii").strip() if api_file.exists() else "19"
        run(["smali", "assemble", "--api", api, "-o", str(work / "classes.dex"), str(app_dir / "smali")])
        unsigned = work / "unsigned.apk"
        resources = ["-S", str(app_dir / "res")] if (app_dir / "res").is_dir() else []
        run(["aapt", "package", "-f", "-M", str(app_dir / "AndroidManifest.xml"), *resources, "-I", str(FRAMEWORK),
             "-F", str(unsigned)])
        run(["aapt", "add", str(unsigned), "classes.dex"], cwd=work)
        aligned = work / "aligned.apk"
        run(["zipalign", "-f", "4", str(unsigned), str(aligned)])
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{app_dir.name}.apk"
        run(["apksigner", "sign", "--ks", str(keystore), "--ks-pass", f"pass:{STOREPASS}",
             "--v4-signing-enabled", "false", "--out", str(target), str(aligned)])
        return target


def generate_large_app(root: Path, classes: int, methods: int = 40) -> Path:
    """Write a smali app with ``classes`` classes of ``methods`` methods each, chained by calls, where
    every tenth class writes location and time into a file (so the engine has real work)."""
    pkg = "com.trowel.large"
    src = root / "smali" / "com" / "trowel" / "large"
    src.mkdir(parents=True, exist_ok=True)
    (root / "AndroidManifest.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="{pkg}">\n'
        '  <application>\n' + "".join(f'    <activity android:name=".C{c}"/>\n' for c in range(classes))
        + '  </application>\n</manifest>\n', encoding="utf-8")
    for c in range(classes):
        lines = [f".class public Lcom/trowel/large/C{c};", ".super Landroid/app/Activity;",
                 ".implements Landroid/location/LocationListener;", ""]
        lines += [".method public onLocationChanged(Landroid/location/Location;)V", "    .registers 3",
                  f"    invoke-virtual {{p0, p1}}, Lcom/trowel/large/C{c};->m0(Landroid/location/Location;)V",
                  "    return-void", ".end method", ""]
        for m in range(methods):
            nxt = (f"Lcom/trowel/large/C{c};->m{m + 1}" if m + 1 < methods
                   else f"Lcom/trowel/large/C{(c + 1) % classes};->m0")
            lines += [f".method public m{m}(Landroid/location/Location;)V", "    .registers 8",
                      "    invoke-virtual {p1}, Landroid/location/Location;->getLatitude()D",
                      "    move-result-wide v0",
                      "    new-instance v2, Ljava/lang/StringBuilder;",
                      "    invoke-direct {v2}, Ljava/lang/StringBuilder;-><init>()V",
                      f'    const-string v3, "c{c}m{m}:"',
                      "    invoke-virtual {v2, v3}, Ljava/lang/StringBuilder;->append(Ljava/lang/String;)Ljava/lang/StringBuilder;",
                      "    invoke-virtual {v2, v0, v1}, Ljava/lang/StringBuilder;->append(D)Ljava/lang/StringBuilder;",
                      "    invoke-virtual {v2}, Ljava/lang/StringBuilder;->toString()Ljava/lang/String;",
                      "    move-result-object v3",
                      "    if-eqz v3, :skip",
                      f"    invoke-virtual {{p0, p1}}, {nxt}(Landroid/location/Location;)V",
                      "    :skip"]
            if m == 0 and c % 10 == 0:
                lines += [f'    const-string v4, "log{c}.txt"', "    const/4 v5, 0x0",
                          "    invoke-virtual {p0, v4, v5}, Landroid/content/Context;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;",
                          "    move-result-object v4",
                          "    invoke-virtual {v3}, Ljava/lang/String;->getBytes()[B",
                          "    move-result-object v5",
                          "    invoke-virtual {v4, v5}, Ljava/io/FileOutputStream;->write([B)V"]
            lines += ["    return-void", ".end method", ""]
        (src / f"C{c}.smali").write_text("\n".join(lines), encoding="utf-8")
    return root


def generate_stress_app(root: Path, methods: int) -> Path:
    """Write an interpreter-like app (the shape that made the engine explode on apps bundling a JavaScript
    engine): ``methods`` static methods in one class, each called from two others with different string
    arguments (contexts multiply), each appending to a static path field (a pattern that grows every round)
    and to a ``StringBuilder`` kept in a static field; the activity writes location to the file named by
    the field and the builder's text to ``files/journal.txt``."""
    pkg = "com.trowel.stress"
    cls = "Lcom/trowel/stress/Interp;"
    src = root / "smali" / "com" / "trowel" / "stress"
    src.mkdir(parents=True, exist_ok=True)
    (root / "AndroidManifest.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="{pkg}">\n'
        '  <application><activity android:name=".Main"/></application>\n</manifest>\n', encoding="utf-8")
    sb = "Ljava/lang/StringBuilder;"
    sig = "(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;"
    lines = [f".class public {cls}", ".super Ljava/lang/Object;", "",
             ".field static path:Ljava/lang/String;", f".field static buf:{sb}", ""]
    for j in range(methods):
        first, second = (j + 1) % methods, (j * 7 + 3) % methods
        lines += [f".method public static e{j}{sig}", "    .registers 6",
                  f"    sget-object v0, {cls}->path:Ljava/lang/String;",
                  f"    new-instance v1, {sb}", f"    invoke-direct {{v1}}, {sb}-><init>()V",
                  f"    invoke-virtual {{v1, v0}}, {sb}->append(Ljava/lang/String;){sb}",
                  f"    invoke-virtual {{v1, p0}}, {sb}->append(Ljava/lang/String;){sb}",
                  f'    const-string v2, ":{j}"',
                  f"    invoke-virtual {{v1, v2}}, {sb}->append(Ljava/lang/String;){sb}",
                  f"    invoke-virtual {{v1}}, {sb}->toString()Ljava/lang/String;", "    move-result-object v0",
                  f"    sput-object v0, {cls}->path:Ljava/lang/String;",
                  f"    sget-object v3, {cls}->buf:{sb}",
                  f"    invoke-virtual {{v3, p1}}, {sb}->append(Ljava/lang/String;){sb}",
                  f'    const-string v4, "k{j}"',
                  f"    invoke-static {{p1, v4}}, {cls}->e{first}{sig}", "    move-result-object v4",
                  f"    invoke-static {{v0, v4}}, {cls}->e{second}{sig}", "    move-result-object v4",
                  "    return-object v4", ".end method", ""]
    (src / "Interp.smali").write_text("\n".join(lines), encoding="utf-8")
    main = [".class public Lcom/trowel/stress/Main;", ".super Landroid/app/Activity;",
            ".implements Landroid/location/LocationListener;", "",
            ".method public onLocationChanged(Landroid/location/Location;)V", "    .registers 8",
            f"    new-instance v0, {sb}", f"    invoke-direct {{v0}}, {sb}-><init>()V",
            f"    sput-object v0, {cls}->buf:{sb}",
            "    invoke-virtual {p1}, Landroid/location/Location;->getLatitude()D", "    move-result-wide v0",
            "    invoke-static {v0, v1}, Ljava/lang/String;->valueOf(D)Ljava/lang/String;", "    move-result-object v0",
            '    const-string v1, "start"',
            f"    invoke-static {{v1, v0}}, {cls}->e0{sig}",
            f"    sget-object v1, {cls}->path:Ljava/lang/String;",
            "    const/4 v2, 0x0",
            "    invoke-virtual {p0, v1, v2}, Lcom/trowel/stress/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;",
            "    move-result-object v1",
            "    invoke-virtual {v0}, Ljava/lang/String;->getBytes()[B", "    move-result-object v3",
            "    invoke-virtual {v1, v3}, Ljava/io/FileOutputStream;->write([B)V",
            '    const-string v1, "journal.txt"',
            "    invoke-virtual {p0, v1, v2}, Lcom/trowel/stress/Main;->openFileOutput(Ljava/lang/String;I)Ljava/io/FileOutputStream;",
            "    move-result-object v1",
            f"    sget-object v3, {cls}->buf:{sb}",
            f"    invoke-virtual {{v3}}, {sb}->toString()Ljava/lang/String;", "    move-result-object v3",
            "    invoke-virtual {v3}, Ljava/lang/String;->getBytes()[B", "    move-result-object v3",
            "    invoke-virtual {v1, v3}, Ljava/io/FileOutputStream;->write([B)V",
            "    return-void", ".end method", ""]
    (src / "Main.smali").write_text("\n".join(main), encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--only", nargs="*", default=None, help="app names to build (default: all)")
    parser.add_argument("--large", type=int, default=0, help="also build a generated app with N classes")
    parser.add_argument("--large-methods", type=int, default=40)
    parser.add_argument("--large-out", type=Path, default=Path("/tmp/trowel-large/large.apk"))
    parser.add_argument("--stress", type=int, default=0, help="also build an interpreter-like app with N methods")
    parser.add_argument("--stress-out", type=Path, default=Path("/tmp/trowel-large/stress.apk"))
    args = parser.parse_args(argv)
    check_tools()
    names = sorted(p.name for p in APPS.iterdir() if (p / "AndroidManifest.xml").exists())
    if args.only:
        names = [n for n in names if n in args.only]
    with tempfile.TemporaryDirectory(prefix="trowel-keys-") as tmp:
        keystore = make_keystore(Path(tmp))
        if not args.large and not args.stress or args.only:
            for name in names:
                built = build_app(APPS / name, args.out, keystore)
                print(f"{built} {built.stat().st_size}")
        if args.large:
            src = Path(tmp) / "large"
            generate_large_app(src, args.large, args.large_methods)
            built = build_app(src, args.large_out.parent, keystore)
            final = args.large_out
            if built != final:
                built.replace(final)
            print(f"{final} {final.stat().st_size}")
        if args.stress:
            src = Path(tmp) / "stress"
            generate_stress_app(src, args.stress)
            built = build_app(src, args.stress_out.parent, keystore)
            if built != args.stress_out:
                built.replace(args.stress_out)
            print(f"{args.stress_out} {args.stress_out.stat().st_size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
