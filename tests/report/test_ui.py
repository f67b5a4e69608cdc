"""The report as the examiner's tool, in Chromium: tables over all their rows (sorting, searching, filters,
paging past 5,000 rows to the deleted records), the record page's hex view and links (examine of the imo
fixture), findings first, and bidi isolation of every evidence value on every page type of a hostile case."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.report.browser import chromium, watch
from tests.report.case_fixture import DB, IMO, t
from trowel.case.store import CaseStore
from trowel.cli.main import main
from trowel.model import Call, Provenance, State
from trowel.report.casedata import CaseData
from trowel.report.registry import write_all

Case = tuple[Path, dict[str, Any]]
LOADED = "() => Array.from(document.querySelectorAll('section.dtable')).every(s => s.dataset.loaded)"
LIVE, DELETED = 5200, 800


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def big_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A case whose imo call table has 6,000 rows: 5,200 live, then 800 deleted (ids 5,201 to 6,000), one
    minute apart, durations n % 600 s."""
    root = tmp_path_factory.mktemp("big") / "case"
    root.mkdir()
    store = CaseStore(root / "case.sqlite")
    store.set_info(case_number="BIG", examiner="x", tool="trowel", tool_version="1", display_tz="UTC")
    store.add_evidence("E1", "e.tar", "/e.tar", "tar", 1, "a" * 64, {})

    def calls() -> Iterator[Call]:
        for n in range(LIVE + DELETED):
            deleted = n >= LIVE
            src = (Provenance(evidence="E1", path=DB, page=9, offset=n, region="freeblock") if deleted
                   else Provenance(evidence="E1", path=DB, table="calls", rowid=n + 1))
            yield Call(source=src, state=State.DELETED if deleted else State.LIVE, app="imo", package=IMO, user=0,
                       peer=f"uid{n}", peer_name=f"Peer {n:05d}", direction="incoming", call_type="audio",
                       duration_s=float(n % 600), time=t(n * 60))

    store.add_many(calls())
    store.close()
    case = CaseData.open(root)
    try:
        assert write_all(case).failures == {}
    finally:
        case.close()
    return root


def _status(p: Page, section: str) -> tuple[int, int, int]:
    s = p.locator(section)
    return (int(s.locator(".t-shown").inner_text()), int(s.locator(".t-page").input_value()),
            int(s.locator(".t-pages").inner_text()))


def _ids(p: Page, section: str) -> list[int]:
    return [int(x.lstrip("#")) for x in p.locator(f"{section} tbody tr td:first-child a:first-child").all_inner_texts()]


def test_table_over_all_rows_sort_search_filter_page(browser: Browser, big_table: Path) -> None:
    w = watch(browser)
    p = w.page
    p.goto((big_table / "report" / "app1.html").as_uri())
    p.wait_for_function(LOADED)
    calls = "section.dtable[data-kind='call']"
    assert sorted(f.name for f in (big_table / "report" / "data").glob("table-*.js")) == [
        "table-t0-0.js", "table-t0-1.js"]  # 6,000 rows in parts of 5,000
    assert _status(p, calls) == (6000, 1, 60)
    assert p.locator(f"{calls} tbody tr").count() == 100
    assert _ids(p, calls)[:3] == [1, 2, 3]
    # paging past 5,000 rows: page 53 begins with row 5,201, the first deleted call
    p.locator(f"{calls} .t-page").fill("53")
    p.locator(f"{calls} .t-page").dispatch_event("change")
    assert _ids(p, calls)[0] == LIVE + 1
    first = p.locator(f"{calls} tbody tr").first
    assert first.get_attribute("class") == "state-deleted"
    assert first.locator(".badge.state-deleted").inner_text() == "deleted"
    p.locator(f"{calls} .t-last").click()
    assert _status(p, calls)[1:] == (60, 60) and _ids(p, calls)[-1] == 6000
    # the deleted-only toggle and the state filter
    p.locator(f"{calls} .f-deleted").check()
    assert _status(p, calls) == (DELETED, 1, 8)
    assert _ids(p, calls)[0] == LIVE + 1
    p.locator(f"{calls} .f-deleted").uncheck()
    p.locator(f"{calls} .f-state").select_option("live")
    assert _status(p, calls)[0] == LIVE
    p.locator(f"{calls} .f-state").select_option("")
    # sorting: by # descending (a deleted call first), by duration (numeric), by peer name (text)
    head = p.locator(f"{calls} thead th[data-col='id']")
    head.click()
    head.click()
    assert head.get_attribute("aria-sort") == "descending"
    assert _ids(p, calls)[:2] == [6000, 5999]
    p.locator(f"{calls} thead th[data-field='duration_s']").click()
    durations = [float(x) for x in p.locator(f"{calls} tbody tr td:nth-child(8)").all_inner_texts()]
    assert durations[:10] == [0.0] * 10 and _ids(p, calls)[:10] == [1 + 600 * k for k in range(10)]
    p.locator(f"{calls} thead th[data-field='peer_name']").click()
    p.locator(f"{calls} thead th[data-field='peer_name']").click()
    assert p.locator(f"{calls} tbody tr").first.locator("td:nth-child(6)").inner_text() == "Peer 05999"
    # searching: by text (debounced) and by #id, over every part
    p.locator(f"{calls} .f-search").fill("peer 05990")
    expect(p.locator(f"{calls} .t-shown")).to_have_text("1")
    assert _ids(p, calls) == [5991]
    p.locator(f"{calls} .f-search").fill("#5555")
    expect(p.locator(f"{calls} .t-shown")).to_have_text("1")
    p.locator(f"{calls} .f-reset").click()
    expect(p.locator(f"{calls} .t-shown")).to_have_text("6000")
    # the time range (wall time of the display zone, UTC here): calls 5,400 to 5,409 (one a minute)
    start = 1_700_000_000 + 5400 * 60  # BASE of case_fixture.t
    wall = [datetime.fromtimestamp(start + k, UTC).strftime("%Y-%m-%dT%H:%M:%S") for k in (0, 9 * 60)]
    p.locator(f"{calls} .f-from").fill(wall[0])
    p.locator(f"{calls} .f-to").fill(wall[1])
    p.locator(f"{calls} .f-to").dispatch_event("change")
    expect(p.locator(f"{calls} .t-shown")).to_have_text("10")
    assert _ids(p, calls) == list(range(5410, 5400, -1))  # Reset clears the filters; the sort (peer name, down) stays
    # times for humans: the display zone in the cell, UTC on hover; booleans and numbers never broken
    cell = p.locator(f"{calls} tbody tr").first.locator("time.t")
    utc = datetime.fromtimestamp(start + 9 * 60, UTC).strftime("%Y-%m-%dT%H:%M:%S")  # the first row: call 5,410
    assert cell.get_attribute("title") == f"UTC {utc}.000000Z"
    assert cell.inner_text() == f"{utc.replace('T', ' ')}.000000 UTC"
    assert p.locator(f"{calls} tbody td.num").first.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    w.shot("report-big-table")
    assert w.problems() == []


@pytest.fixture(scope="module")
def imo_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.fixtures.imo.generate import build_extraction

    base = tmp_path_factory.mktemp("imocase")
    build_extraction(base / "ext")
    assert main(["-q", "examine", str(base / "ext"), "--out", str(base / "case"), "--case-number", "I-1"]) == 0
    return base / "case"


def _record(root: Path, where: str) -> dict[str, Any]:
    db = sqlite3.connect(root / "case.sqlite")
    rid, text = db.execute(f"SELECT id, json FROM records WHERE {where} ORDER BY id LIMIT 1").fetchone()
    return {**json.loads(text), "id": rid}


def test_record_page_hex_view_links_and_clean_state(browser: Browser, imo_case: Path) -> None:
    log = [json.loads(x) for x in (imo_case / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    pages = next(e for e in log if e["action"] == "pages")["details"]
    assert pages == {"pages_kept": 14, "pages_left_out": 0, "page_files": 4}
    secret = _record(imo_case, "kind = 'message' AND json LIKE '%Secret plan%' AND state = 'deleted'")
    assert secret["source"]["page"] == 5 and secret["source"]["offset"] == 3836
    assert secret["source"]["region"] == "freeblock"
    w = watch(browser)
    p = w.page
    p.goto((imo_case / "report" / "record.html").as_uri() + f"#{secret['id']}")
    p.wait_for_selector("#rec-hex .cell")
    # the page image: 4,096 bytes in rows of 16; the free block of 178 bytes from 3,836 also holds the next
    # deleted message (from 3,923), so this record's bytes are 3,836 to 3,922
    assert p.locator("#rec-hex .hex-row").count() == 256
    assert p.locator("#rec-hex .cell").count() == 87
    start = p.locator("#rec-hex .cell.start")
    assert start.count() == 1 and start.inner_text() == "00"
    assert start.evaluate("e => e.parentNode.dataset.offset") == str(3836 // 16 * 16)
    note = p.locator("#rec-hex-note").inner_text()
    assert "Page 5 of the file, 4096 bytes; the record starts at offset 3836 (0xefc) and takes 87 bytes" in note
    assert "a free block of 178 bytes" in note and "starts at offset 3923, so this one ends there" in note
    db_bytes = (imo_case.parent / "ext" / "data/data/com.imo.android.imoim/databases/imofriends.db").read_bytes()
    shown = bytes(int(x, 16) for x in p.locator("#rec-hex .cell").all_inner_texts())
    assert shown == db_bytes[4 * 4096 + 3836:4 * 4096 + 3923]  # exactly the file's bytes
    assert "Secret plan 🤫".encode() in shown
    # its conversation: the chat page, at this message
    chat = p.locator("#rec-links-list a.chat-link")
    assert chat.count() == 1
    with p.expect_navigation():
        chat.click()
    p.wait_for_selector("#thread[data-loaded='true']")
    assert p.url.split("?")[0].endswith(".html") and "-chat" in p.url
    assert p.locator(f"li#m{secret['id']}.state-deleted").count() == 1
    # a live record names no page: the view says so, and a WAL copy of the same row links to the others
    live = _record(imo_case, "kind = 'message' AND state = 'live'")
    p.goto((imo_case / "report" / "record.html").as_uri() + f"#{live['id']}")
    expect(p.locator("#rec-hex-note")).to_contain_text("names no page and offset")
    db = sqlite3.connect(imo_case / "case.sqlite")
    message_id, call_id = db.execute(
        "SELECT m.id, c.id FROM records m JOIN records c ON c.evidence = m.evidence AND c.path = m.path AND"
        " c.tbl = m.tbl AND c.rowid_ = m.rowid_ WHERE m.kind = 'message' AND c.kind = 'call'").fetchone()
    p.evaluate(f"() => {{ window.location.hash = '{call_id}'; }}")
    expect(p.locator("#rec-id")).to_have_text(str(call_id))
    assert p.locator("#rec-links-list a.row-link").all_inner_texts() == [f"#{message_id}"]
    assert p.locator("#rec-links-list a.copy-link").count() == 0
    # findings: a message with a future time carries the badge, the finding lists it, the case page leads
    future = _record(imo_case, "kind = 'finding' AND json LIKE '%time_in_future%'")
    p.evaluate(f"() => {{ window.location.hash = '{future['id']}'; }}")
    expect(p.locator("#rec-id")).to_have_text(str(future["id"]))
    related = p.locator("#rec-links-list a.related-link")
    assert related.count() == 1
    related.click()
    expect(p.locator("#rec-findings-list a.badge.finding")).to_have_text("time_in_future")
    # no such record: nothing of the previous record stays
    p.evaluate("() => { window.location.hash = '999999'; }")
    expect(p.locator("#rec-missing")).to_be_visible()
    assert p.locator("#rec-body").is_hidden()
    assert p.locator("#rec-fields tbody tr").count() == 0 and p.locator("#rec-source-table tbody tr").count() == 0
    assert p.locator("#rec-json").inner_text() == "" and p.locator("#rec-hex").inner_text() == ""
    assert p.locator("#rec-links-list li").count() == 0 and p.locator("#rec-kind").inner_text() == ""
    w.shot("report-record-missing")
    p.goto((imo_case / "report" / "index.html").as_uri())
    p.wait_for_function(LOADED)
    severities = p.locator("section.dtable[data-kind='finding'] tbody tr td:nth-child(3)").all_inner_texts()
    order = {"warning": 0, "notice": 1, "info": 2}
    stored = Counter(str(s) for (s,) in db.execute(
        "SELECT json_extract(json, '$.severity') FROM records WHERE kind = 'finding'"))
    assert sum(stored.values()) >= 5 and Counter(severities) == stored  # every finding of the case
    assert [order[s] for s in severities] == sorted(order[s] for s in severities) and severities[0] == "warning"
    assert p.evaluate("() => document.querySelector('h2#findings').compareDocumentPosition("
                      "document.querySelector('#inputs')) & Node.DOCUMENT_POSITION_FOLLOWING") > 0
    assert p.locator("p.severity .badge").all_inner_texts() == [
        f"{stored[s]} {s}" for s in sorted(stored, key=lambda s: order[s])]
    assert w.problems() == []


# every text node holding a bidi control must be alone in its isolate, with the bidi badge right after it
BIDI_AUDIT = r"""() => {
  const controls = /[\u202a-\u202e\u2066-\u2069]/;
  const bad = [];
  let checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!controls.test(n.data)) continue;
    const el = n.parentElement;
    if (el.closest('select')) continue;  // option labels: isolated by the style, checked below
    checked++;
    const iso = getComputedStyle(el).unicodeBidi;
    if (iso !== 'isolate' || el.textContent !== n.data) bad.push(['shared', el.tagName, el.textContent.slice(0, 40)]);
    let next = el.nextSibling;
    while (next && next.nodeType === 3 && next.data.trim() === '') next = next.nextSibling;
    if (!(next && next.nodeType === 1 && next.matches('.badge.bidi'))) bad.push(['no badge', el.tagName, n.data.slice(0, 40)]);
  }
  for (const e of document.querySelectorAll('[title]')) {
    if (controls.test(e.title) && !e.title.endsWith('\u2069')) bad.push(['title attribute', e.tagName, e.title.slice(0, 40)]);
  }
  const t = document.title;
  let depth = 0, outside = 0;
  for (const c of t) {
    if ('\u2066\u2067\u2068'.includes(c)) depth++;
    else if (c === '\u2069') depth--;
    else if (controls.test(c) && depth <= 0) outside++;
  }
  return {checked, bad, title_end: t.endsWith('\u2069'), title_outside: outside, title_depth: depth};
}"""

# the characters of an element laid out left to right in the order they are stored (an LTR id stays intact)
IN_ORDER = r"""(el) => {
  const node = el.firstChild, xs = [];
  for (let i = 0; i < node.data.length; i++) {
    const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
    xs.push(r.getBoundingClientRect().left);
  }
  return xs.every((x, i) => i === 0 || x > xs[i - 1]);
}"""


def test_bidi_isolation_on_every_page_type(browser: Browser, hostile_case: Case) -> None:
    root, _ = hostile_case
    db = sqlite3.connect(root / "case.sqlite")
    message = db.execute("SELECT id FROM records WHERE kind = 'message' ORDER BY id LIMIT 1").fetchone()[0]
    pages = sorted(x.name for x in (root / "report").glob("*.html"))
    assert {"index.html", "app1.html", "app2.html", "app2-chat1.html", "app2-chat2.html", "timeline.html",
            "record.html", "network.html", "evidence-map.html"} <= set(pages)
    w = watch(browser)
    p = w.page
    seen = {}
    for name in pages:
        p.goto((root / "report" / name).as_uri() + (f"#{message}" if name == "record.html" else ""))
        p.wait_for_function(LOADED)
        if name == "timeline.html":
            p.wait_for_selector("#tl-loading", state="hidden")
        if name == "record.html":
            p.wait_for_selector("#rec-fields tr")
        audit = p.evaluate(BIDI_AUDIT)
        assert audit["bad"] == [], name
        assert audit["title_end"] and audit["title_outside"] == 0 and audit["title_depth"] <= 0, name
        seen[name] = audit["checked"]
    assert all(n > 0 for n in seen.values()), seen  # every page shows hostile values (and was checked)
    # every record view of the case
    p.goto((root / "report" / "record.html").as_uri() + f"#{message}")
    for (rid,) in db.execute("SELECT id FROM records ORDER BY id"):
        p.evaluate(f"() => {{ window.location.hash = '{rid}'; }}")
        expect(p.locator("#rec-id")).to_have_text(str(rid))
        p.wait_for_selector("#rec-fields tr")
        audit = p.evaluate(BIDI_AUDIT)
        assert audit["bad"] == [], rid
    # the heading of Alice's conversation: her name (holding U+202E) and her id, each in its own isolate
    p.goto((root / "report" / "app2-chat2.html").as_uri())
    ident = p.locator("h1 bdi.id")
    assert ident.inner_text() == "uid-alice" and ident.evaluate(IN_ORDER)
    assert "\u202e" in p.locator("h1 bdi.name").evaluate("e => e.textContent")
    assert p.locator("h1 .badge.bidi").count() == 1
    assert p.title().startswith("Conversation \u2068Alice") and "\u2069 (\u2068uid-alice\u2069)" in p.title()
    # the app page lists the conversation with its id in its own cell, in order
    p.goto((root / "report" / "app2.html").as_uri())
    cell = p.locator("#conversation-list bdi.id", has_text="uid-alice")
    assert cell.count() == 1 and cell.evaluate(IN_ORDER)
    # the timeline: the words after a hostile value ("… rowid 3") keep their order
    p.goto((root / "report" / "timeline.html").as_uri())
    p.wait_for_selector("#tl-loading", state="hidden")
    p.fill("#f-search", "hello 2")
    expect(p.locator("#tl-shown")).to_have_text("1")
    src = p.locator("#tl-body a.src").first
    assert src.locator("bdi").count() == 3  # evidence, path, table: each isolated from " rowid 3"
    assert src.evaluate("a => a.lastChild.data") == " rowid 3"
    assert src.evaluate("a => { const r = document.createRange(); r.selectNodeContents(a.lastChild);"
                        " const b = a.querySelectorAll('bdi')[2].getBoundingClientRect();"
                        " return r.getBoundingClientRect().left >= b.right - 1; }")
    what = p.locator("#tl-body td.what").first
    assert what.locator("bdi").count() >= 3 and what.locator(".badge.bidi").count() >= 1
    assert w.problems() == []


def test_chat_pages_link_each_other_and_the_record_view(browser: Browser, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A conversation longer than a chat page (3 messages a page here): its pages in order, linked both ways,
    and each message's record view links to the page that shows it."""
    from tests.report.case_fixture import build_case
    from trowel.report import html, pages

    monkeypatch.setattr(html, "CHAT_PAGE", 3)
    monkeypatch.setattr(pages, "CHAT_PAGE", 3)
    root = tmp_path / "case"
    build_case(root, "")
    case = CaseData.open(root)
    try:
        assert write_all(case).failures == {}
    finally:
        case.close()
    names = ["app2-chat2.html", "app2-chat2-p2.html", "app2-chat2-p3.html"]  # Alice: 8 messages
    assert all((root / "report" / n).is_file() for n in names) and not (root / "report" / "app2-chat2-p4.html").exists()
    w = watch(browser)
    p = w.page
    seen: list[str] = []
    p.goto((root / "report" / names[0]).as_uri())
    for number in range(3):
        p.wait_for_selector("#thread[data-loaded='true']")
        msgs = p.locator("li.msg")
        assert msgs.count() == (3 if number < 2 else 2)
        assert p.locator("#thread").get_attribute("start") == str(number * 3 + 1)
        assert f"Page {number + 1} of 3" in p.locator("nav.pager").first.inner_text()
        assert p.title().endswith(f" · page {number + 1} of 3 · trowel \u2068CASE-7\u2069")
        seen += [m.locator(".text").inner_text() for m in msgs.all() if m.locator(".text").count()]
        if number < 2:
            with p.expect_navigation():
                p.locator("nav.pager a.next").first.click()
    assert seen[:6] == [f"hello {n}" for n in range(6)] and "deleted secret" in seen
    with p.expect_navigation():
        p.locator("nav.pager a.prev").first.click()
    p.wait_for_selector("#thread[data-loaded='true']")
    assert p.url.split("?")[0].endswith(names[1])
    last = p.locator("li.msg").last
    rid = last.get_attribute("data-record")
    last.locator("a.src").click()
    p.wait_for_selector("#rec-links-list a.chat-link")
    assert p.locator("#rec-links-list a.chat-link").get_attribute("href") == f"{names[1]}#m{rid}"
    # a message's attachments on its record view: the photo inline, from the case's media copy
    db = sqlite3.connect(root / "case.sqlite")
    photo = db.execute("SELECT id FROM records WHERE kind = 'message' AND json LIKE '%\"photo\"%'").fetchone()[0]
    p.evaluate(f"() => {{ window.location.hash = '{photo}'; }}")
    image = p.locator("#rec-media img")
    expect(image).to_have_count(1)
    assert image.get_attribute("src", timeout=5000).startswith("../media/")
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1
    p.evaluate(f"() => {{ window.location.hash = '{rid}'; }}")
    expect(p.locator("#rec-media")).to_be_hidden()
    assert w.problems() == []


def test_timeline_sorts_and_shows_deleted_only(browser: Browser, built_case: Case) -> None:
    root, _ = built_case
    lines = [json.loads(x) for x in (root / "timeline.jsonl").read_text(encoding="utf-8").splitlines()]
    w = watch(browser)
    p = w.page
    p.goto((root / "report" / "timeline.html").as_uri())
    p.wait_for_selector("#tl-loading", state="hidden")
    p.locator("#f-deleted").check()
    expect(p.locator("#tl-shown")).to_have_text(str(sum(1 for x in lines if x.get("state") != "live")))
    assert set(p.locator("#tl-body td:nth-child(6)").all_inner_texts()) == {"deleted", "orphaned"}
    p.locator("#f-deleted").uncheck()
    utc = p.locator("#timeline th[data-col='time']").nth(1)
    utc.click()
    utc.click()  # newest first
    assert utc.get_attribute("aria-sort") == "descending"
    assert p.locator("#tl-body td.utc").first.inner_text() == max(x["datetime"] for x in lines)
    p.locator("#timeline th[data-col='kind']").click()
    kinds = p.locator("#tl-body td:nth-child(4)").all_inner_texts()
    assert kinds == sorted(kinds) and kinds[0] == min(x["kind"] for x in lines)
    assert w.problems() == []
