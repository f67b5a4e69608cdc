"""The examine stage: captures into the case store with their evidence ids; a bad capture is a warning."""

from __future__ import annotations

from pathlib import Path

from trowel.case.context import STAGES, ActionLog, ExamineContext, ExamineOptions
from trowel.case.examine import STAGE_MODULES
from trowel.case.store import CaseStore
from trowel.net.stage import run_network


def test_stage_registered() -> None:
    assert "trowel.net.stage" in STAGE_MODULES
    stage = STAGES["network"]
    assert stage.order == 40 and stage.run is run_network


def test_stage_stores_records(captures: Path, tmp_path: Path) -> None:
    bad = tmp_path / "in" / "bad.pcap"
    bad.parent.mkdir()
    bad.write_bytes(b"garbage")
    out = tmp_path / "case"
    out.mkdir()
    store = CaseStore(out / "case.sqlite")
    options = ExamineOptions(evidence=[], out=out, pcaps=[captures / "imo.pcap", bad])
    ctx = ExamineContext(options=options, store=store, scratch=tmp_path, log=ActionLog(store, out / "log.jsonl"),
                         inputs={"E1": Path("/elsewhere/x.tar"), "E2": captures / "imo.pcap", "E3": bad})
    assert STAGES["network"].applies(ctx)
    run_network(ctx)
    kinds = store.kinds()
    assert kinds == {"call_session": 2, "flow": 17, "http_object": 6, "imo_session": 3, "sticker": 4,
                     "tls_session": 1, "warning": 3}
    flows = list(store.records("flow"))
    assert {f["source"]["evidence"] for f in flows} == {"E2"}
    warnings = [w for w in store.records("warning") if w["source"]["evidence"] == "E3"]
    assert len(warnings) == 1 and warnings[0]["message"].startswith("capture not analysed: ")
    assert "not a packet capture" in warnings[0]["message"]
    assert len(list((out / "media").iterdir())) == 6  # 5 bodies and the gzip body as sent
    assert [a["action"] for a in store.actions()] == ["network"]
    store.close()


def test_examine_with_pcaps(tree_dir: Path, captures: Path, tmp_path: Path) -> None:
    """The whole examine run: capture records carry the evidence ids examine registered for the captures."""
    import hashlib

    from trowel.case.examine import examine

    pcap = captures / "imo.pcap"
    before = hashlib.sha256(pcap.read_bytes()).hexdigest()
    out = tmp_path / "case"
    result = examine(ExamineOptions(evidence=[tree_dir], out=out, pcaps=[pcap, captures / "truncated.pcap"]))
    assert result.ok
    assert {k: result.counts[k] for k in ("flow", "http_object", "sticker", "call_session", "imo_session")} == {
        "flow": 34, "http_object": 12, "sticker": 8, "call_session": 4, "imo_session": 6}
    store = CaseStore(out / "case.sqlite")
    ids = {r["source"]["evidence"] for r in store.records("call_session")}
    evidence = {e["id"]: e for e in store.evidence()}
    assert ids == {"E2", "E3"}
    assert evidence["E2"]["host_path"] == str(pcap.resolve())
    assert evidence["E2"]["sha256_before"] == evidence["E2"]["sha256_after"] == before
    store.close()
    assert (out / "media").is_dir() and len(list((out / "media").glob("*"))) >= 5


def test_examine_decrypts_with_keylog(tree_dir: Path, captures: Path, tmp_path: Path) -> None:
    """`examine --keylog` hands the key log to the network stage: the TLS sessions' HTTP objects come out."""
    from trowel.cli.main import main

    plain, decrypted = tmp_path / "plain", tmp_path / "decrypted"
    pcap = str(captures / "tls_decrypt.pcap")
    assert main(["-q", "examine", str(tree_dir), "--pcap", pcap, "--out", str(plain)]) == 0
    assert main(["-q", "examine", str(tree_dir), "--pcap", pcap, "--keylog",
                 str(captures / "tls_decrypt.keylog"), "--out", str(decrypted)]) == 0
    without = CaseStore(plain / "case.sqlite")
    with_keys = CaseStore(decrypted / "case.sqlite")
    assert without.count("http_object") == 0
    assert with_keys.count("http_object") == 8
    assert [e["details"]["role"] for e in with_keys.evidence()] == ["evidence", "capture", "keylog"]
    without.close()
    with_keys.close()
