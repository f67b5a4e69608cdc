"""Every record kind the network analysis makes is written byte for byte as the reference encoder writes it
(the original per-field ``to_jsonable`` conversion and ``json.dumps``; see tests/model/test_json_bytes.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.model.test_json_bytes import emitted, reference_line
from trowel.net import KeyLog, analyze_capture

LIVE = Path(__file__).parent.parent / "fixtures" / "net" / "live"


def test_every_net_record_is_the_reference_bytes(captures: Path) -> None:
    kinds: Counter[str] = Counter()
    paths = sorted(LIVE.glob("*.pcap")) + sorted(captures.glob("*.pcap"))
    for path in paths:
        keylog = path.with_suffix(".keylog")
        result = analyze_capture(path, evidence="E1", keylog=KeyLog.load(keylog) if keylog.exists() else None)
        for record in result.records:
            assert emitted(record) == reference_line(record), (path.name, record.kind)
            kinds[record.kind] += 1
    assert kinds == {"flow": 68, "http_object": 45, "tls_session": 16, "imo_session": 11, "sticker": 9,
                     "quic_session": 7, "warning": 5, "call_session": 4, "tunnel": 1}
