"""``trowel imo --json`` on the fixture extraction writes exactly the bytes captured before the speed work.

``golden/fixture.jsonl`` was written by the extraction as it was before the fast paths (stamp's cached
decoder, per-class to_json, orjson, cheaper row mapping). A change of the records themselves (a new field,
another record) is a reason to rewrite it: ``python -m tests.apps.imo.test_output_bytes`` does, after a
review of the diff.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stdout
from pathlib import Path

from tests.fixtures.imo.generate import GroundTruth
from trowel.cli.main import main

GOLDEN = Path(__file__).parent / "golden" / "fixture.jsonl"


def imo_json(evidence: Path) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["-q", "imo", str(evidence), "--json"]) == 0
    return out.getvalue()


def test_json_output_is_byte_identical_to_the_captured_one(imo_truth: GroundTruth) -> None:
    assert imo_truth.root.name == "extraction"  # the evidence name is part of every record
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    actual = imo_json(imo_truth.root).splitlines()
    assert len(actual) == len(expected) == 94
    for number, (got, want) in enumerate(zip(actual, expected, strict=True), 1):
        assert got == want, f"line {number} differs"


if __name__ == "__main__":
    import tempfile

    from tests.fixtures.imo.generate import build_extraction

    with tempfile.TemporaryDirectory() as tmp:
        truth = build_extraction(Path(tmp) / "extraction")
        GOLDEN.write_text(imo_json(truth.root), encoding="utf-8")
    sys.stdout.write(f"wrote {GOLDEN}\n")
