"""`aed build`: local process pool (--jobs 2), Dask LocalCluster, failures recorded, AED contents."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from distributed import LocalCluster

from tests.aed.conftest import APKS
from trowel.aed.build import BuildSummary, collect_apks
from trowel.aed.db import AedDatabase, AedError
from trowel.cli.main import main


def _table(db: Path) -> list[tuple[str, str, str, str]]:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT package, path, kind, types FROM predictions ORDER BY package, path").fetchall()
    con.close()
    return rows


def test_jobs_2_build_counts_and_failure(built_aed: tuple[Path, BuildSummary]) -> None:
    db, summary = built_aed
    assert (summary.apps, summary.ok, summary.failed, summary.timeout, summary.memory) == (31, 29, 2, 0, 0)
    assert summary.predictions == 52
    with AedDatabase(db, create=False) as aed:
        rows = {r.apk.rsplit("/", 1)[-1]: r for r in aed.apps()}
        assert rows["truncated.apk"].status == "failed"
        assert rows["truncated.apk"].error is not None and "not an APK" in rows["truncated.apk"].error
        assert rows["gps.apk"].status == "ok" and rows["gps.apk"].predictions == 3
        assert rows["gps.apk"].peak_rss is not None and rows["gps.apk"].peak_rss > 0
        assert len(aed.packages()) == 29
        assert rows["nodex.apk"].status == "failed" and rows["nodex.apk"].package == "com.trowel.gps"
        assert rows["nodex.apk"].version_code == "1"
        gps = aed.predictions("com.trowel.gps")
        assert [(p.path, p.types) for p in gps] == [
            ("/data/data/<pkg>/databases/tracks.db", ["location", "time"]),
            ("/data/data/<pkg>/files/track.log", ["location", "time"]),
            ("/data/data/<pkg>/shared_prefs/gps_prefs.xml", ["location", "time"]),
        ]
        assert gps[0].columns == {"latitude": ["location"], "recorded_at": ["time"]}


def test_rebuilding_replaces_rows_of_the_same_apk(tmp_path: Path) -> None:
    db = tmp_path / "aed.sqlite"
    for _ in range(2):
        assert main(["-q", "aed", "build", str(APKS / "im.apk"), "--db", str(db), "--jobs", "1"]) == 0
    assert _table(db) == [("com.trowel.im", "/data/data/<pkg>/databases/chat.db", "database", '["text_input", "time"]')]


def test_cli_json_lines_and_corrupt_warning(tmp_path: Path, corrupt_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "aed.sqlite"
    args = ["aed", "build", str(APKS / "thread.apk"), str(APKS / "neg_bundle.apk"), str(corrupt_dir),
            "--db", str(db), "--jobs", "2", "--json"]
    assert main(args) == 0
    captured = capsys.readouterr()
    lines = sorted((json.loads(x) for x in captured.out.splitlines()), key=lambda d: Path(d["apk"]).name)
    assert [(Path(d["apk"]).name, d["status"], d["package"], d["predictions"]) for d in lines] == [
        ("neg_bundle.apk", "ok", "com.trowel.neg.bundle", 0),
        ("nodex.apk", "failed", "com.trowel.gps", 0),
        ("thread.apk", "ok", "com.trowel.thread", 3),
        ("truncated.apk", "failed", None, 0),
    ]
    assert "trowel: warning: " in captured.err and "truncated.apk: failed" in captured.err


def test_dask_local_cluster_gives_the_same_aed(tmp_path: Path, built_aed: tuple[Path, BuildSummary],
                                               corrupt_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "dask.sqlite"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        assert main(["aed", "build", str(APKS), str(corrupt_dir), "--db", str(db),
                     "--scheduler", cluster.scheduler_address]) == 0
    out = capsys.readouterr().out
    assert out.startswith("apps: 31, ok: 29, failed: 2, timeout: 0, memory: 0, predictions: 52")
    assert _table(db) == _table(built_aed[0])
    with AedDatabase(db, create=False) as aed:
        failed = [(Path(r.apk).name, r.status, r.package) for r in aed.apps() if r.status != "ok"]
    assert sorted(failed) == [("nodex.apk", "failed", "com.trowel.gps"), ("truncated.apk", "failed", None)]


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["aed", "build", str(APKS / "im.apk"), "--db", str(tmp_path / "a.sqlite"),
              "--scheduler", "tcp://127.0.0.1:9", "--time-limit", "5"])
    assert info.value.code == 2


def test_collect_and_bad_inputs(tmp_path: Path) -> None:
    assert [p.name for p in collect_apks([APKS])][:3] == ["androidpkg.apk", "asynctask.apk", "browser.apk"]
    assert len(collect_apks([APKS, APKS / "gps.apk"])) == 29
    with pytest.raises(SystemExit) as info:
        main(["aed", "build", str(tmp_path / "missing"), "--db", str(tmp_path / "a.sqlite")])
    assert info.value.code == 2
    not_aed = tmp_path / "x.sqlite"
    not_aed.write_bytes(b"garbage" * 200)
    with pytest.raises(AedError):
        AedDatabase(not_aed)



def test_hung_worker_is_killed_and_the_next_app_runs() -> None:
    """The parent's backstop: a worker that never answers is killed at time limit + grace, recorded as a
    timeout, and a fresh worker takes the next app."""
    from tests.aed.stuck_worker import sleeping_worker
    from trowel.aed.build import BuildOptions, run_local

    results: list = []
    run_local([str(APKS / "callback.apk"), str(APKS / "im.apk")], BuildOptions(jobs=1, time_limit=1.0, grace=0.5),
              results.append, worker=sleeping_worker)
    assert [(Path(r.apk).name, r.status) for r in results] == [("callback.apk", "timeout"), ("im.apk", "timeout")]
    assert all(r.error.startswith("killed after ") and r.error.endswith("(limit 1 s)") for r in results)


def test_memory_hog_is_killed_and_a_crashed_worker_is_recorded() -> None:
    from tests.aed.stuck_worker import dying_worker, hungry_worker
    from trowel.aed.build import BuildOptions, run_local

    results: list = []
    run_local([str(APKS / "callback.apk")], BuildOptions(jobs=1, memory_limit=200 << 20, time_limit=60.0),
              results.append, worker=hungry_worker)
    assert [(r.status, r.error.split(" at ")[0]) for r in results] == [("memory", "killed")]
    assert results[0].error.endswith("MiB resident (limit 200 MiB)")
    crashed: list = []
    run_local([str(APKS / "im.apk")], BuildOptions(jobs=1), crashed.append, worker=dying_worker)
    assert [(r.status, r.error) for r in crashed] == [("failed", "worker process died (exit code 3)")]


def test_every_app_gets_a_fresh_worker_and_a_killed_one_keeps_the_package() -> None:
    from tests.aed.stuck_worker import identity_then_sleep_worker, pid_worker
    from trowel.aed.build import BuildOptions, run_local

    results: list = []
    apps = [str(APKS / f"{n}.apk") for n in ("callback", "im", "gps")]
    run_local(apps, BuildOptions(jobs=1), results.append, worker=pid_worker)
    assert len({r.error for r in results}) == 3 and all(r.error.startswith("pid ") for r in results)
    killed: list = []
    run_local([str(APKS / "callback.apk")], BuildOptions(jobs=1, time_limit=1.0, grace=0.5), killed.append,
              worker=identity_then_sleep_worker)
    assert [(r.status, r.package, r.version_code, r.version_name) for r in killed] == [
        ("timeout", "com.trowel.callback", "1", "1.0")]


def test_the_engine_limits_stop_a_real_analysis() -> None:
    """The cooperative limits inside the engine (what Dask workers rely on), through the real worker."""
    from trowel.aed.build import BuildOptions, run_local

    results: list = []
    run_local([str(APKS / "callback.apk")], BuildOptions(jobs=1, time_limit=0.0, grace=30.0), results.append)
    assert [(r.status, r.error) for r in results] == [("timeout", "analysis went over its 0 s limit")]


def test_exit_1_when_nothing_could_be_analysed(tmp_path: Path, corrupt_dir: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for inputs in ([str(corrupt_dir)], [str(tmp_path)]):
        with pytest.raises(SystemExit) as info:
            main(["-q", "aed", "build", *inputs, "--db", str(tmp_path / "a.sqlite"), "--jobs", "1"])
        assert info.value.code == 1
    err = capsys.readouterr().err
    assert "trowel: none of the 2 apps could be analysed (see the warnings)" in err
    assert "trowel: no APK files found in the inputs" in err
