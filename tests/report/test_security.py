"""Hostile evidence: HTML/JS payloads planted in every displayed field (case number, examiner, input names,
names, texts, conversation ids, senders, file paths, URLs, app names, generic field names) must show as text,
never run, never fetch. Proven in Chromium on every page of the report and every record view."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.report.browser import chromium, watch
from tests.report.conftest import PAYLOAD

Case = tuple[Path, dict[str, Any]]
PROBE = ("() => ({pwned: window.__pwned === undefined ? null : window.__pwned,"
         " js: document.querySelectorAll('a[href^=\"javascript\" i], [onerror], [onload], iframe, object, embed,"
         " base, svg, textarea').length,"
         " foreign: Array.from(document.querySelectorAll('img, audio, video, script, link'))"
         ".map(e => e.src || e.href).filter(u => u && !u.startsWith('file://')).length,"
         " inline: Array.from(document.scripts).filter(s => !s.src).length})")


LOADED = "() => Array.from(document.querySelectorAll('section.dtable')).every(s => s.dataset.loaded)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_pages_hold_no_live_payload_markup(hostile_case: Case) -> None:
    root, _ = hostile_case
    pages = sorted((root / "report").glob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>" not in html and not re.search(r"<script(?![^>]*\bsrc=\"(static|data)/)", html), page.name
        assert not re.search(r"""href\s*=\s*["']?\s*javascript""", html, re.I), page.name
        assert not re.search(r"""\son[a-z]+\s*=\s*["']""", html, re.I), page.name  # no live event handlers
        assert "Content-Security-Policy" in html and "default-src 'none'" in html
    for data in (root / "report" / "data").glob("*.js"):
        text = data.read_text(encoding="utf-8")  # strict: valid UTF-8 (record chunks keep non-ASCII text)
        assert "<" not in text and ">" not in text and "&" not in text, data.name


def test_payloads_never_execute_or_fetch(browser: Browser, hostile_case: Case) -> None:
    root, _ = hostile_case
    w = watch(browser)
    p = w.page
    pages = sorted((root / "report").glob("*.html"))
    for page in pages:
        p.goto(page.as_uri())
        p.wait_for_load_state("load")
        p.wait_for_function(LOADED)
        probe = p.evaluate(PROBE)
        assert probe == {"pwned": None, "js": 0, "foreign": 0, "inline": 0}, (page.name, probe)
    # the payload is shown as text, exactly as stored
    p.goto((root / "report" / "app2-chat2.html").as_uri())
    texts = p.locator("li.msg .text").all_inner_texts()
    assert any(PAYLOAD.replace("\u202e", "") in t.replace("\u202e", "") for t in texts)
    assert p.locator("li.msg .badge.bidi").count() >= 1
    assert p.locator("h1 bdi.name").inner_text().startswith("Alice<script>")
    # a right-to-left override in one name cannot reorder its neighbours: every evidence run is isolated
    assert p.locator("header nav a bdi").count() == 2
    assert p.locator("header nav a").first.evaluate("a => getComputedStyle(a).unicodeBidi") == "isolate"
    assert p.locator("li.msg a.src").count() == 8
    assert p.locator("li.msg a.src bdi").count() >= 16  # evidence and path (and table) each in their own isolate
    w.shot("report-hostile-chat")
    # every record view, and the timeline with a search that renders payload rows
    db = sqlite3.connect(root / "case.sqlite")
    ids = [r[0] for r in db.execute("SELECT id FROM records ORDER BY id")]
    p.goto((root / "report" / "record.html").as_uri() + f"#{ids[0]}")
    for rid in ids:
        p.evaluate(f"() => {{ window.location.hash = '{rid}'; }}")
        expect(p.locator("#rec-id")).to_have_text(str(rid))
        expect(p.locator("#rec-json")).not_to_be_empty()
        assert p.evaluate(PROBE) == {"pwned": None, "js": 0, "foreign": 0, "inline": 0}
    w.shot("report-hostile-record")
    p.goto((root / "report" / "timeline.html").as_uri())
    p.fill("#f-search", "onerror")
    expect(p.locator("#tl-shown")).not_to_have_text("0")
    assert int(p.locator("#tl-shown").inner_text()) >= 15
    assert p.evaluate(PROBE) == {"pwned": None, "js": 0, "foreign": 0, "inline": 0}
    assert "<script>window.__pwned=1</script>" in p.locator("#tl-body").inner_text()
    w.shot("report-hostile-timeline")
    p.wait_for_timeout(300)  # give any injected timer or image error a chance to fire
    assert p.evaluate("() => window.__pwned === undefined")
    assert w.problems() == []
    assert all(u.startswith("file://") for u in w.requests)
    assert not any("127.0.0.1" in u for u in w.requests)
