"""The one-loop classic pcap reader (``pcap_segments``) against the reference (``CaptureReader`` + ``decode``):
the same segment tuples, issue counts and warnings on every committed live capture and on the generated
link-type, fragment and damaged captures; and the same records from the whole analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.net.make_more import link_captures, read_pcap
from tests.fixtures.net.pcapwriter import PcapFile
from trowel.net import analyze_capture
from trowel.net.analyze import CaptureAnalysis
from trowel.net.capture import open_capture
from trowel.net.packets import Fragments, PacketIssues
from trowel.net.segments import decoded_segments, pcap_segments
from trowel.net.tlscrypto import KeyLog

LIVE = Path(__file__).resolve().parents[1] / "fixtures" / "net" / "live"


def _both(path: Path) -> tuple[tuple[list[tuple[object, ...]], dict[str, int], dict[str, list[int]], list[str], int],
                               ...]:
    out = []
    for source in (decoded_segments, pcap_segments):
        issues, frags = PacketIssues(), Fragments()
        with open_capture(path) as reader:
            rows = list(source(reader, issues, frags))
            out.append((rows, issues.counts, issues.examples, reader.info.warnings, reader.info.packets))
    return tuple(out)


@pytest.mark.parametrize("name", sorted(p.name for p in LIVE.glob("*.pcap")))
def test_live_captures_give_the_reference_segments(name: str) -> None:
    reference, fast = _both(LIVE / name)
    assert fast == reference
    assert fast[0] and all(row[3] for row in fast[0])  # every frame of these captures is TCP or UDP over IPv4


def test_generated_link_types_and_damage(tmp_path: Path) -> None:
    """The real HTTP capture re-framed in every link type (Ethernet, SLL, SLL2 and raw are read inline, the
    others handed over), IPv4 and IPv6 fragments, a USB capture; then cut frames, a snap-length cut, IP options
    and a truncated file."""
    paths = link_captures(tmp_path)
    assert len(paths) >= 16
    for name, path in paths.items():
        reference, fast = _both(path)
        assert fast == reference, name
    linktype, frames = read_pcap(LIVE / "http_live.pcap")
    assert linktype == 1
    cap = PcapFile(1)
    for i, (ts, frame) in enumerate(frames):
        if i % 5 == 1:
            frame = frame[:14 + 20 + 10]  # inside the TCP header
        elif i % 5 == 2:
            frame = frame[:len(frame) - 7]  # cut at a snap length: payload short of the IP length
        elif i % 5 == 3:
            frame = frame[:14] + bytes([0x46]) + frame[15:]  # an IP header claiming options
        cap.add(ts, frame)
    path = tmp_path / "damaged.pcap"
    cap.write(path)
    path.write_bytes(path.read_bytes()[:-30])  # the last record cut short
    reference, fast = _both(path)
    assert fast == reference
    assert reference[1]["snap_cut"] > 0 and reference[1]["bad_tcp"] > 0 and reference[3]


def test_analysis_records_equal_with_either_source(tmp_path: Path) -> None:
    """The whole analysis of the live TLS 1.3 and QUIC captures gives the same records from both sources."""
    for name, keys in (("tls13.pcap", "tls13.keylog"), ("quic.pcap", None), ("http_live.pcap", None)):
        keylog = KeyLog.load(LIVE / keys) if keys else None
        fast = analyze_capture(LIVE / name, keylog=keylog, media_dir=tmp_path / "a" / "media")
        ref = CaptureAnalysis(LIVE / name, keylog=keylog, media_dir=tmp_path / "b" / "media")
        ref.source = decoded_segments
        slow = ref.run()
        assert [r.to_json() for r in fast.records] == [r.to_json() for r in slow.records]
        assert fast.packets == slow.packets and fast.ip_packets == slow.ip_packets and fast.records


def test_cycle_collection_paused_during_the_pass_and_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass pauses automatic cycle collection and gives back the caller's setting; the hand-run
    collections fall on the sweep's frame counts (so idle streams are still swept every SWEEP_EVERY)."""
    import gc

    from trowel.net import analyze as an

    assert an.SWEEP_EVERY % an.YOUNG_GC_EVERY == 0 and an.FULL_GC_EVERY % an.YOUNG_GC_EVERY == 0
    seen: list[bool] = []
    original = an.CaptureAnalysis._records

    def spy(self: CaptureAnalysis, result: an.AnalysisResult) -> list[Any]:
        seen.append(gc.isenabled())
        return original(self, result)

    monkeypatch.setattr(an.CaptureAnalysis, "_records", spy)
    assert gc.isenabled()
    analyze_capture(LIVE / "quic.pcap")
    assert gc.isenabled() and seen == [False]
    gc.disable()
    try:
        analyze_capture(LIVE / "quic.pcap")
        assert not gc.isenabled() and seen == [False, False]
    finally:
        gc.enable()


def test_finished_streams_leave_no_cyclic_garbage(captures: Path) -> None:
    """Closed streams' consumers are unlinked (HTTP connection and readers, through TLS, tunnels and nested
    HTTP): the whole analysis, records and all, is freed by reference counting, with nothing left for the
    cycle collector, on every committed and generated capture."""
    import gc

    paths = sorted(LIVE.glob("*.pcap")) + sorted(captures.glob("*.pcap*"))
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for path in paths:
            keylog = path.with_suffix(".keylog")
            result = analyze_capture(path, keylog=KeyLog.load(keylog) if keylog.exists() else None)
            assert result.records
            del result
            gc.collect()
            assert gc.garbage == [], path.name
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
