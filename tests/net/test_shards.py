"""``analyze_capture(jobs=N)`` / ``net analyze --jobs N``: forked workers give exactly the records of one
process (every field, the order, flow ids, warnings, media files) on every capture the tests have; a worker
that raises or is killed gives a one-line error and no hang; small captures stay in one process."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.net.make_more import link_captures, messenger_capture
from trowel.cli.main import main
from trowel.model import Record
from trowel.model.jsonl import record_line
from trowel.net import analyze, shards
from trowel.net.analyze import AnalysisResult, analyze_capture
from trowel.net.shards import ShardAnalysis, WorkerError, default_jobs, owner, shard_count
from trowel.net.tlscrypto import KeyLog

LIVE = Path(__file__).resolve().parents[1] / "fixtures" / "net" / "live"


@pytest.fixture
def no_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every capture, however small, goes to the workers (the forked workers inherit the patch)."""
    monkeypatch.setattr(shards, "MIN_SIZE", 0)


def _media(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def _outcome(path: Path, keylog: KeyLog | None, jobs: int, root: Path) -> tuple[Any, ...]:
    media = root / f"jobs{jobs}" / path.name / "media"  # records name the folder: always "media"
    result = analyze_capture(path, evidence="E7", keylog=keylog, media_dir=media, jobs=jobs)
    return ([r.to_json() for r in result.records], result.warnings, result.packets, result.ip_packets,
            result.info, _media(media))


ENCODED_KINDS = {"http_object", "tls_session", "quic_session", "tunnel"}  # what workers hand over as lines


def _encoded(path: Path, keylog: KeyLog | None, jobs: int) -> tuple[bytes, list[dict[str, Any]]]:
    """The JSON Lines of ``encode=True`` (workers hand records over as lines) and the records kept as objects."""
    result = analyze_capture(path, evidence="E7", keylog=keylog, jobs=jobs, encode=True)
    if jobs == 1:
        assert result.lines is None
    else:  # every HTTP object, TLS and QUIC session and tunnel came as its line, and every flow but those the
        # imo sessions claimed (the parent makes those again); nothing else did
        lines = [item for item in result.output() if isinstance(item, bytes)]
        kinds = [json.loads(line)["kind"] for line in lines]
        assert set(kinds) <= ENCODED_KINDS | {"flow"}
        one = analyze_capture(path, keylog=keylog).records
        assert len(kinds) - kinds.count("flow") == sum(1 for r in one if r.kind in ENCODED_KINDS)
        remade = [item.to_json()["application"] for item in result.output() if isinstance(item, Record)
                  and item.kind == "flow"]
        assert all(app.startswith("imo-") for app in remade)
        assert kinds.count("flow") + len(remade) == sum(1 for r in one if r.kind == "flow")
    text = b"".join(item if isinstance(item, bytes) else record_line(item) for item in result.output())
    objects = [r.to_json() for r in result.records]
    assert all(isinstance(r, Record) for r in result.records)
    if result.lines is not None:  # every record left as an object is among the records kept (TLS sessions are
        # kept as objects and handed over as lines too: the imo evidence reads them)
        kept = {id(r) for r in result.records}
        assert all(id(r) in kept for r in result.lines if isinstance(r, Record))
    return text, objects


def _same_with_jobs(path: Path, root: Path, keylog: KeyLog | None = None) -> AnalysisResult:
    one = _outcome(path, keylog, 1, root)
    lines, _objects = _encoded(path, keylog, 1)
    assert lines == b"".join(record_line(r) for r in analyze_capture(path, evidence="E7", keylog=keylog).records)
    for jobs in (2, 3):
        assert _outcome(path, keylog, jobs, root) == one, f"{path.name} with {jobs} processes"
        assert _encoded(path, keylog, jobs)[0] == lines, f"{path.name} encoded by {jobs} processes"
    return analyze_capture(path, keylog=keylog, jobs=1)


def _keylog(path: Path) -> KeyLog | None:
    log = path.with_suffix(".keylog")
    return KeyLog.load(log) if log.exists() else None


@pytest.mark.usefixtures("no_threshold")
@pytest.mark.parametrize("name", sorted(p.name for p in LIVE.glob("*.pcap")))
def test_live_captures(name: str, tmp_path: Path) -> None:
    """Real clients: HTTP/1.1, HTTP/2, TLS 1.2 and 1.3 decrypted with their key logs (0-RTT, KeyUpdate, a
    CONNECT tunnel), QUIC v1 and draft-29."""
    result = _same_with_jobs(LIVE / name, tmp_path, _keylog(LIVE / name))
    assert result.records


@pytest.mark.usefixtures("no_threshold")
def test_generated_captures(captures: Path, tmp_path: Path) -> None:
    """imo chat, stickers and calls; IPv6 over SLL2 (big-endian, nanoseconds); pcapng with three interfaces;
    TCP edge cases; a truncated file; TLS 1.2 decrypted."""
    names = sorted(p.name for p in captures.iterdir() if p.suffix in (".pcap", ".pcapng"))
    assert {"imo.pcap", "ipv6_sll2.pcap", "two_ifaces.pcapng", "tcp_edge.pcap", "truncated.pcap",
            "tls_decrypt.pcap"} <= set(names)
    for name in names:
        result = _same_with_jobs(captures / name, tmp_path, _keylog(captures / name))
        if name == "imo.pcap":
            kinds = [r.kind for r in result.records]
            assert kinds.count("imo_session") == 3 and kinds.count("call_session") == 2
            assert kinds.count("sticker") == 4 and kinds.count("flow") == 17
        if name == "truncated.pcap":
            assert any("truncated capture" in w for w in result.warnings)


@pytest.mark.usefixtures("no_threshold")
def test_link_types_fragments_and_messengers(tmp_path: Path) -> None:
    """The real HTTP capture in every link type, IPv4 and IPv6 fragments (reassembled in every worker, the
    datagram analysed by its flow's), a USB capture; then the messenger capture (DNS names, the 443 -> 5223 ->
    5228 fallback of one client, whose three flows land in different workers)."""
    (tmp_path / "links").mkdir()
    paths = link_captures(tmp_path / "links")
    assert len(paths) >= 16
    for path in paths.values():
        _same_with_jobs(path, tmp_path)
    path = messenger_capture(tmp_path)
    result = _same_with_jobs(path, tmp_path)
    flows = {(r.to_json()["b_ip"], r.to_json()["b_port"]): r.to_json() for r in result.records if r.kind == "flow"}
    fallback = [flows[("192.0.2.99", port)] for port in (443, 5223, 5228)]
    for jobs in (2, 3):  # the evidence crosses workers: the parent must tie them together
        homes = {owner(bytes(map(int, f["a_ip"].split("."))), f["a_port"], bytes(map(int, f["b_ip"].split("."))),
                       f["b_port"], jobs) for f in fallback}
        assert len(homes) > 1, jobs
    imo = [r.to_json() for r in result.records if r.kind == "imo_session"]
    assert any("443, then 5223, then 5228" in s["reason"] for s in imo)


@pytest.mark.usefixtures("no_threshold")
def test_idle_sweeps_during_the_pass(monkeypatch: pytest.MonkeyPatch, captures: Path, tmp_path: Path) -> None:
    """Streams closed by the idle sweep mid-pass (a sweep every 20 frames, idle after 0 s: every stream not
    touched by the latest frame): the same records, in the same order, as one process."""
    monkeypatch.setattr(analyze, "YOUNG_GC_EVERY", 10)
    monkeypatch.setattr(analyze, "SWEEP_EVERY", 20)
    monkeypatch.setattr(analyze, "IDLE_S", 0)
    for path in (captures / "imo.pcap", captures / "tls_decrypt.pcap", LIVE / "h2.pcap", LIVE / "tls13.pcap"):
        _same_with_jobs(path, tmp_path, _keylog(path))


def test_threshold_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = tmp_path / "small.pcap"
    small.write_bytes((LIVE / "http_live.pcap").read_bytes())
    assert default_jobs() == max(1, min(len(os.sched_getaffinity(0)), 4))
    assert shard_count(small, 4) == 1 and shard_count(small, None) == 1  # under 32 MiB: one process
    assert shard_count(tmp_path / "missing.pcap", 4) == 1

    def refuse(*_args: object) -> AnalysisResult:
        raise AssertionError("a small capture must not start workers")

    monkeypatch.setattr(shards, "analyze_sharded", refuse)
    assert analyze_capture(small, jobs=4).packets == analyze_capture(small, jobs=1).packets
    monkeypatch.setattr(shards, "MIN_SIZE", 0)
    assert shard_count(small, 4) == 4 and shard_count(small, 1) == 1 and shard_count(small, None) == default_jobs()


def test_owner_is_symmetric_and_fixed() -> None:
    a, b = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 80])
    assert owner(a, 50000, b, 80, 3) == owner(b, 80, a, 50000, 3)
    # CRC-32 of the smaller endpoint then the larger one: the same in every process (never the salted hash())
    assert owner(a, 50000, b, 80, 7) == zlib.crc32(a + (50000).to_bytes(2, "big") + b + (80).to_bytes(2, "big")) % 7
    spread = {owner(a, port, b, 80, 4) for port in range(50000, 50040)}
    assert spread == {0, 1, 2, 3}


def _fails(path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> str:
    """Worker 2 of 3 raises, or is killed, after its pass: before the flow numbers are exchanged ("early"),
    or after them, while the other workers send their parts ("late")."""
    original = ShardAnalysis._records

    def broken(self: ShardAnalysis, result: AnalysisResult) -> list[Any]:
        if self.shard == 1:
            if how == "raise":
                raise ValueError("broken on purpose\nsecond line")
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            numbering = self.numbering

            def numbers_then_death(firsts: list[int]) -> list[int]:
                numbering(firsts)
                os.kill(os.getpid(), signal.SIGKILL)
                return []

            self.numbering = numbers_then_death
        return original(self, result)

    monkeypatch.setattr(shards, "MIN_SIZE", 0)
    monkeypatch.setattr(ShardAnalysis, "_records", broken)
    started = time.monotonic()
    with pytest.raises(WorkerError) as exc:
        analyze_capture(path, jobs=3)
    assert time.monotonic() - started < 30  # never a hang
    assert multiprocessing.active_children() == []  # the other workers were stopped
    return str(exc.value)


def test_worker_that_raises(captures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _fails(captures / "imo.pcap", monkeypatch, "raise")
    assert text == f"{captures / 'imo.pcap'}: analysis worker 2 of 3 failed: ValueError: broken on purpose"


@pytest.mark.parametrize("how", ["kill", "kill-late"])
def test_worker_that_is_killed(captures: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    text = _fails(captures / "imo.pcap", monkeypatch, how)
    assert text == f"{captures / 'imo.pcap'}: analysis worker 2 of 3 ended without a result (killed by SIGKILL)"


def test_not_a_capture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shards, "MIN_SIZE", 0)
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"garbage" * 100)
    with pytest.raises(Exception, match="not a packet capture") as exc:
        analyze_capture(bad, jobs=2)
    assert type(exc.value).__name__ == "CaptureError"
    assert multiprocessing.active_children() == []


@pytest.mark.usefixtures("no_threshold")
def test_cli_jobs(captures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pcap, keylog = str(captures / "tls_decrypt.pcap"), str(captures / "tls_decrypt.keylog")
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        assert main(["--quiet", "net", "analyze", pcap, "--keylog", keylog, "--out", str(out), "--json",
                     "--jobs", jobs]) == 0
        outputs.append((capsys.readouterr().out, (out / "records.jsonl").read_text(), _media(out / "media")))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][0].splitlines()) == 20 and len(outputs[0][2]) == 8
    texts = []  # the text listing with --out: rows of the records the workers handed over as lines
    for jobs in ("1", "2"):
        out = tmp_path / f"text{jobs}"
        assert main(["--quiet", "net", "analyze", pcap, "--keylog", keylog, "--out", str(out), "--jobs", jobs]) == 0
        texts.append((capsys.readouterr().out, (out / "records.jsonl").read_text()))
    assert texts[0] == texts[1] and texts[0][1] == outputs[0][1]
    listing = texts[0][0].splitlines()
    kinds = [json.loads(line)["kind"] for line in outputs[0][1].splitlines()]
    assert kinds.count("http_object") == 8 and kinds.count("tls_session") == 4
    for kind in ("http_object", "tls_session"):  # a count line, then one row per record
        assert f"{kind:<14} {kinds.count(kind):>7}" in listing
        assert sum(f" {kind} " in line for line in listing) == kinds.count(kind)
    assert [json.loads(line)["kind"] for line in outputs[0][0].splitlines()].count("flow") == 4
    with pytest.raises(SystemExit) as exc:
        main(["--quiet", "net", "analyze", pcap, "--jobs", "0"])
    assert exc.value.code == 2
    assert "not a number of processes" in capsys.readouterr().err


@pytest.mark.usefixtures("no_threshold")
def test_stage_passes_jobs(captures: Path, tmp_path: Path) -> None:
    """examine's network stage with 2 processes stores the records of 1."""
    from trowel.case.context import ActionLog, ExamineContext, ExamineOptions
    from trowel.case.store import CaseStore
    from trowel.net.stage import run_network

    stored = []
    for jobs in (1, 2):
        out = tmp_path / f"case{jobs}"
        out.mkdir()
        store = CaseStore(out / "case.sqlite")
        options = ExamineOptions(evidence=[], out=out, pcaps=[captures / "imo.pcap"], net_jobs=jobs)
        ctx = ExamineContext(options=options, store=store, scratch=tmp_path, log=ActionLog(store, out / "log.jsonl"),
                             inputs={"E2": captures / "imo.pcap"})
        run_network(ctx)
        stored.append({kind: list(store.records(kind)) for kind in store.kinds()})
        store.close()
    assert stored[0] == stored[1]
    assert len(stored[1]["flow"]) == 17 and len(stored[1]["imo_session"]) == 3


@pytest.mark.usefixtures("no_threshold")
def test_progress_reports_bytes_read(captures: Path) -> None:
    """The parent's bar gets the bytes read (averaged over the workers): never backwards, the whole file at
    the end, as with one process."""
    path = captures / "imo.pcap"
    seen: dict[int, list[int]] = {1: [], 3: []}
    for jobs, positions in seen.items():
        analyze_capture(path, jobs=jobs, progress=positions.append)
        assert positions == sorted(positions) and positions[-1] == path.stat().st_size
    assert len(seen[3]) >= 2


def test_worker_lines_are_their_own_size() -> None:
    """A worker keeps its JSON lines until the hand-over: each holds its own bytes only (orjson's own bytes
    kept the buffer they were written into, about ten times the line; a worker held 90 MB more at scale 0.2)."""
    import tracemalloc

    records = [r for r in analyze_capture(LIVE / "tls13.pcap", keylog=_keylog(LIVE / "tls13.pcap")).records
               if r.kind in ENCODED_KINDS | {"flow"}]
    assert len(records) >= 5
    expected = [record_line(r) for r in records]  # also fills the encoder's caches before measuring
    tracemalloc.start()
    try:
        lines = [shards._line(r) for r in records]
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(isinstance(line, bytes) for line in lines)
    assert lines == expected
    size = sum(len(line) for line in lines)  # type: ignore[arg-type]
    assert held < size + 100 * len(lines) + 4096, (held, size)
