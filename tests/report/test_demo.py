"""The demo case (imo extraction with deleted rows and a WAL, the imo-like APK, an imo capture) examined end to
end by scripts/demo.py and opened in Chromium: what the report shows matches case.sqlite."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from tests.report.browser import chromium, watch

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


def _demo_run(build_dir: Path) -> int:
    spec = importlib.util.spec_from_file_location("trowel_demo", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return int(module.run(build_dir))


def test_demo_report_in_chromium(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _demo_run(tmp_path) == 0
    out = capsys.readouterr().out
    case = tmp_path / "case"
    index = case / "report" / "index.html"
    assert out.strip().splitlines()[-1] == f"report: {index}"
    db = sqlite3.connect(case / "case.sqlite")
    kinds = dict(db.execute("SELECT kind, count(*) FROM records GROUP BY kind").fetchall())
    assert kinds["message"] > 0 and kinds["evidence_prediction"] > 0 and kinds["sticker"] > 0
    deleted_messages = db.execute("SELECT count(*) FROM records WHERE kind = 'message' AND state != 'live'").fetchone()[0]
    assert deleted_messages > 0
    conversations: Counter[tuple[str, str]] = Counter()
    for app, text in db.execute("SELECT app, json FROM records WHERE kind = 'message'"):
        conversations[(app, json.loads(text).get("conversation") or "(no conversation)")] += 1
    timeline_lines = len((case / "timeline.jsonl").read_text(encoding="utf-8").splitlines())
    with chromium() as browser:
        w = watch(browser)
        p = w.page
        p.goto(index.as_uri())
        shown = {row.get_attribute("data-kind"): int(row.locator("td.count").inner_text())
                 for row in p.locator("#counts tbody tr").all()}
        assert shown == {**kinds, "file": db.execute("SELECT count(*) FROM files").fetchone()[0]}
        assert p.locator("#inputs td.ok").count() == 3  # extraction, capture, APK: unchanged
        w.shot("demo-case")
        chat_pages = sorted((case / "report").glob("app*-chat*.html"))
        assert len(chat_pages) == len(conversations)
        seen_messages = 0
        seen_deleted = 0
        for page in chat_pages:
            p.goto(page.as_uri())
            seen_messages += p.locator("li.msg").count()
            seen_deleted += p.locator("li.msg.state-deleted, li.msg.state-orphaned").count()
        assert seen_messages == kinds["message"]
        assert seen_deleted == deleted_messages
        p.goto((case / "report" / "timeline.html").as_uri())
        p.wait_for_selector("#tl-body tr")
        assert int(p.locator("#tl-total").inner_text()) == timeline_lines
        p.goto((case / "report" / "network.html").as_uri())
        assert p.locator("figure.sticker").count() == kinds["sticker"]
        w.shot("demo-network")
        p.goto((case / "report" / "evidence-map.html").as_uri())
        assert p.locator("section.emap").count() >= 1
        w.shot("demo-evidence-map")
        assert w.problems() == []
        assert all(u.startswith("file://") for u in w.requests)
