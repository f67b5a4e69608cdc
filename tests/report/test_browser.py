"""The HTML report in a real browser (Chromium from Debian, driven by Playwright), opened from the file system:
counts against case.sqlite, chat threads, following a message to its source, timeline search, filters and
display zone, screenshots under test-artifacts/, and no console errors or network requests."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.report.browser import Watched, chromium, watch
from tests.report.case_fixture import DB

Case = tuple[Path, dict[str, Any]]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def url(root: Path, page: str) -> str:
    return (root / "report" / page).as_uri()


LOADED = "() => Array.from(document.querySelectorAll('section.dtable')).every(s => s.dataset.loaded)"


def _clean(w: Watched) -> None:
    assert w.problems() == []
    assert w.requests and all(u.startswith("file://") for u in w.requests)


def test_case_page_counts_match_case_sqlite(browser: Browser, built_case: Case) -> None:
    root, _ = built_case
    db = sqlite3.connect(root / "case.sqlite")
    kinds = dict(db.execute("SELECT kind, count(*) FROM records GROUP BY kind").fetchall())
    files = db.execute("SELECT count(*) FROM files").fetchone()[0]
    w = watch(browser)
    w.page.goto(url(root, "index.html"))
    shown = {row.get_attribute("data-kind"): int(row.locator("td.count").inner_text())
             for row in w.page.locator("#counts tbody tr").all()}
    assert shown == {**kinds, "file": files}
    assert w.page.locator("#fact-case-number").inner_text() == "CASE-7"
    assert w.page.locator("#fact-tool").inner_text() == "trowel 9.9.9"
    assert w.page.locator("#inputs tbody tr").count() == 2
    assert w.page.locator("#warning-count").inner_text() == "1"
    assert w.page.locator("header nav a").all_inner_texts() == [
        "Case", "com.other", "imo", "Evidence map", "Network", "Timeline"]
    w.shot("report-case")
    _clean(w)


def test_chat_thread_and_follow_message_to_source(browser: Browser, built_case: Case) -> None:
    root, facts = built_case
    w = watch(browser)
    w.page.goto(url(root, "index.html"))
    w.page.get_by_role("link", name="imo", exact=True).first.click()
    assert w.page.locator("#conversation-list tbody tr").count() == 2
    with w.page.expect_navigation():
        w.page.get_by_role("link", name="Alice", exact=True).click()
    w.page.wait_for_selector("#thread[data-loaded='true']")
    msgs = w.page.locator("li.msg")
    assert msgs.count() == int(w.page.locator("#thread-count").inner_text()) == 8
    assert w.page.locator("li.msg.dir-outgoing").count() == 4
    deleted = w.page.locator("li.msg.state-deleted")
    assert deleted.count() == 1
    assert deleted.locator(".badge").inner_text() == "deleted · freeblock"
    assert "deleted secret" in deleted.locator(".text").inner_text()
    pack = w.page.locator("li.msg", has_text="hello 2").locator("img")
    assert pack.count() == 2  # the sticker pack named by this message shows its two images
    assert [pack.nth(i).get_attribute("src") for i in range(2)] == [f"../media/{s}" for s in facts["frames"]]
    assert all(pack.nth(i).evaluate("img => img.naturalWidth") == 1 for i in range(2))
    assert w.page.locator("li.msg img").count() == 3
    photo = w.page.locator("li.msg", has_text="photo").locator("img")
    assert photo.count() == 1
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 1
    assert photo.get_attribute("src") == f"../media/{facts['photo_sha']}"
    assert w.page.locator("li.msg .tick[title='read']").count() == 4
    w.shot("report-chat")
    deleted.locator("a.src").click()
    w.page.wait_for_selector("#rec-source-table tr[data-field='region']")
    fields = {r.locator("th").inner_text(): r.locator("td").inner_text()
              for r in w.page.locator("#rec-source-table tr").all()}
    assert fields["path"] == DB and fields["page"] == "5" and fields["offset"] == "812"
    assert fields["region"] == "freeblock" and fields["state"] == "deleted" and fields["confidence"] == "0.9"
    assert fields["evidence"] == "E1 — extraction.tar"
    file_fields = {r.locator("th").inner_text(): r.locator("td").inner_text()
                   for r in w.page.locator("#rec-file-table tr").all()}
    assert file_fields["SHA-256"] == "c" * 64 and file_fields["size"] == "8192"
    assert json.loads(w.page.locator("#rec-json").inner_text())["text"] == "deleted secret"
    w.shot("report-record")
    _clean(w)


def test_timeline_search_filters_and_zone(browser: Browser, built_case: Case) -> None:
    root, _ = built_case
    total = len((root / "timeline.jsonl").read_text(encoding="utf-8").splitlines())
    w = watch(browser)
    p = w.page
    p.goto(url(root, "timeline.html"))
    p.wait_for_selector("#tl-body tr")
    assert int(p.locator("#tl-total").inner_text()) == total == 25
    assert int(p.locator("#tl-shown").inner_text()) == 25
    first = p.locator("#tl-body tr").first
    assert first.locator("td.utc").inner_text() == "2023-11-14T20:50:00.000000Z"
    assert first.locator("td.time").inner_text() == "2023-11-14 21:50:00.000000 GMT+1"  # Europe/Berlin default
    p.fill("#f-search", "hello 3")
    expect(p.locator("#tl-shown")).to_have_text("1")  # the search is debounced
    assert "hello 3" in p.locator("#tl-body tr").first.locator("td.what").inner_text()
    p.click("#f-reset")
    p.select_option("#f-kind", label="message")
    assert p.locator("#tl-shown").inner_text() == "9"
    p.select_option("#f-state", label="deleted")
    assert p.locator("#tl-shown").inner_text() == "1"
    p.select_option("#f-state", label="all")
    p.fill("#f-from", "2023-11-14T23:14:00")  # wall time in Europe/Berlin = 22:14:00Z
    p.fill("#f-to", "2023-11-14T23:16:20")
    p.locator("#f-to").dispatch_event("change")
    assert p.locator("#tl-shown").inner_text() == "3"
    p.select_option("#f-app", label="imo")
    assert p.locator("#tl-shown").inner_text() == "3"
    p.click("#f-reset")
    assert p.locator("#tl-shown").inner_text() == "25"
    p.select_option("#zone-select", "Asia/Tokyo")
    assert first.locator("td.time").inner_text() == "2023-11-15 05:50:00.000000 GMT+9"
    assert first.locator("td.utc").inner_text() == "2023-11-14T20:50:00.000000Z"
    assert first.locator("td.time").get_attribute("title") == "UTC 2023-11-14T20:50:00.000000Z"
    p.select_option("#zone-select", "UTC")
    assert first.locator("td.time").inner_text() == "2023-11-14 20:50:00.000000 UTC"
    p.select_option("#zone-select", "Europe/Berlin")
    p.select_option("#f-kind", label="call")
    assert p.locator("#tl-shown").inner_text() == "2"
    w.shot("report-timeline")
    p.locator("#tl-body a.src").first.click()
    p.wait_for_selector("#rec-source-table tr[data-field='rowid']")
    assert p.locator("#rec-source-table tr[data-field='table'] td").inner_text() == "calls"
    _clean(w)


def test_zone_choice_applies_to_every_page(browser: Browser, built_case: Case) -> None:
    root, _ = built_case
    w = watch(browser)
    p = w.page
    p.goto(url(root, "app2.html"))
    p.wait_for_function(LOADED)
    call_time = p.locator("section.dtable[data-kind='call'] time.t").first
    assert call_time.inner_text() == "2023-11-14 23:46:40.000000 GMT+1"
    assert call_time.get_attribute("title") == "UTC 2023-11-14T22:46:40.000000Z"
    p.select_option("#zone-select", "America/New_York")
    assert call_time.inner_text() == "2023-11-14 17:46:40.000000 EST"
    p.goto(url(root, "app2-chat2.html"))  # the choice is remembered
    assert p.locator("li.msg time.t").first.inner_text() == "2023-11-14 17:13:20.000000 EST"
    p.select_option("#zone-select", "Europe/Berlin")
    _clean(w)


def test_network_and_evidence_map(browser: Browser, built_case: Case) -> None:
    root, facts = built_case
    w = watch(browser)
    p = w.page
    p.goto(url(root, "network.html"))
    p.wait_for_function(LOADED)
    sticker = p.locator("figure.sticker img")
    assert sticker.count() == 1 and sticker.evaluate("img => img.naturalWidth") == 1
    assert sticker.get_attribute("src") == f"../media/{facts['sticker_sha']}"
    assert p.locator("section.dtable[data-kind='call_session'] tbody tr").count() == 1
    assert "198.51.100.7" in p.locator("section.dtable[data-kind='call_session']").inner_text()
    assert p.locator("section.dtable[data-kind='flow'] tbody tr").count() == 1
    w.shot("report-network")
    p.goto(url(root, "evidence-map.html"))
    p.wait_for_function(LOADED)
    assert p.locator("section.emap").count() == 1
    assert p.locator("section.emap h2").inner_text() == "com.imo.android.imoim"
    assert p.locator("section.emap > p .badge").all_inner_texts() == ["text_input", "time"]
    assert p.locator("section.emap section.dtable[data-kind='evidence_prediction'] tbody tr").count() == 1
    assert p.locator("section.emap section.dtable[data-kind='evidence_file'] tbody tr").count() == 1
    assert DB in p.locator("section.emap").inner_text()
    _clean(w)


def test_timeline_in_parts(browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A timeline written in several data files (7 rows each here): the first page shows, every part is loaded
    in order, and filters and search cover the rows of every part."""
    from tests.report.case_fixture import build_case
    from trowel.report import html
    from trowel.report.casedata import CaseData
    from trowel.report.registry import write_all

    monkeypatch.setattr(html, "TIMELINE_PART", 7)
    root = tmp_path / "case"
    build_case(root, "")
    case = CaseData.open(root)
    try:
        assert write_all(case).failures == {}
    finally:
        case.close()
    lines = [json.loads(x) for x in (root / "timeline.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 25
    assert sorted(p.name for p in (root / "report" / "data").glob("timeline-*.js")) == [
        f"timeline-{n}.js" for n in range(4)]
    w = watch(browser)
    p = w.page
    p.goto(url(root, "timeline.html"))
    p.wait_for_selector("#tl-loading", state="hidden")
    assert p.locator("#tl-total").inner_text() == "25" and p.locator("#tl-shown").inner_text() == "25"
    utcs = p.locator("#tl-body td.utc").all_inner_texts()
    assert utcs == [line["datetime"] for line in lines]  # every part, in time order
    p.fill("#f-search", "hello 3")
    expect(p.locator("#tl-shown")).to_have_text("1")
    p.click("#f-reset")
    p.select_option("#f-kind", label="message")
    assert p.locator("#tl-shown").inner_text() == "9"
    _clean(w)
