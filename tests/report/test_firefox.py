"""The HTML report in Debian's Firefox ESR, opened from the file system and driven over WebDriver BiDi
(tests/report/firefox_bidi.py): the report's external scripts run under its CSP with Firefox's strict file://
origin policy (timeline rows rendered, counts equal case.sqlite, display zone, search and filters, timeline data
in several parts), nothing fails in the console, nothing is fetched from outside file://, and the hostile payloads
execute nothing. A control page first proves the watchers do see a foreign request, a console error and a CSP
block, so their silence on the report means something. Screenshots go to test-artifacts/firefox-*.png."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.report.case_fixture import DB
from tests.report.conftest import PAYLOAD
from tests.report.firefox_bidi import BiDiError, Firefox, firefox

Case = tuple[Path, dict[str, Any]]
PROBE = ("({pwned: window.__pwned === undefined ? null : window.__pwned,"
         " js: document.querySelectorAll('a[href^=\"javascript\" i], [onerror], [onload], iframe, object, embed,"
         " base, svg, textarea').length,"
         " foreign: Array.from(document.querySelectorAll('img, audio, video, script, link'))"
         ".map(e => e.src || e.href).filter(u => u && !u.startsWith('file://')).length,"
         " inline: Array.from(document.scripts).filter(s => !s.src).length,"
         " csp: window.__cspViolations})")
CLEAN: dict[str, object] = {"pwned": None, "js": 0, "foreign": 0, "inline": 0, "csp": []}


@pytest.fixture(scope="module")
def ff() -> Iterator[Firefox]:
    with firefox() as browser:
        yield browser


def url(root: Path, page: str) -> str:
    return (root / "report" / page).as_uri()


def text(ff: Firefox, selector: str) -> str:
    value = ff.evaluate(f"document.querySelector({json.dumps(selector)}).textContent")
    assert isinstance(value, str)
    return value


def select(ff: Firefox, selector: str, *, value: str | None = None, label: str | None = None) -> None:
    """Choose an option (by value or shown text) and fire the change event a user's choice fires."""
    ff.evaluate(f"""(s => {{
        const o = Array.from(s.options).find(o => {json.dumps(value)} !== null ? o.value === {json.dumps(value)}
                                                   : o.textContent.trim() === {json.dumps(label)});
        s.value = o.value; s.dispatchEvent(new Event('change', {{bubbles: true}})); return o.value;
    }})(document.querySelector({json.dumps(selector)}))""")


def type_into(ff: Firefox, selector: str, keys: str) -> None:
    """Focus a field and type into it with real key events (BiDi input.performActions)."""
    ff.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
    actions = [a for ch in keys for a in ({"type": "keyDown", "value": ch}, {"type": "keyUp", "value": ch})]
    ff.send("input.performActions", {"context": ff.context,
                                     "actions": [{"type": "key", "id": "keyboard", "actions": actions}]})
    ff.send("input.releaseActions", {"context": ff.context})


def clean(ff: Firefox) -> None:
    ff.drain()
    assert ff.problems() == []
    assert ff.evaluate("window.__cspViolations") == []


def test_watchers_see_foreign_requests_console_errors_and_csp_blocks(ff: Firefox, tmp_path: Path) -> None:
    """Positive control under the report's own CSP: an inline script is blocked (and recorded), an external
    same-folder file:// script runs, its console.error and an uncaught error are seen, an http:// image is
    blocked (and recorded); on a page without a CSP the http:// image request is seen."""
    csp = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
           "base-uri 'none'; form-action 'none'")
    (tmp_path / "ok.js").write_text(
        "window.__external = 1; console.error('control error');\n"
        "var i = document.createElement('img'); i.src = 'data:,x'; document.body.appendChild(i);\n"
        "setTimeout(function () { throw new Error('control uncaught'); }, 0);\n", encoding="utf-8")
    (tmp_path / "control.html").write_text(
        f'<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<body><script>window.__inline = 1</script><img src="http://127.0.0.1:9/control.png">'
        '<script src="ok.js"></script></body>', encoding="utf-8")
    ff.reset_events()
    ff.navigate((tmp_path / "control.html").as_uri())
    ff.drain(0.5)
    assert ff.evaluate("[window.__inline === undefined, window.__external]") == [True, 1]
    violations = ff.evaluate("window.__cspViolations")
    assert any(v.startswith("script-src") and v.endswith(" inline") for v in violations), violations
    assert any(v.startswith("img-src") and "127.0.0.1:9" in v for v in violations), violations
    problems = ff.problems()
    assert "console javascript/error: Error: control uncaught" in problems, problems
    assert "console console/error: control error" in problems, problems
    # the CSP stops the http:// image before any request exists; without a CSP the request watcher sees it
    assert not any(p.startswith("request http") for p in problems), problems
    with socket.socket() as listener:  # a port Firefox does not ban (9 is on its blocked-ports list)
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        (tmp_path / "open.html").write_text(f'<!doctype html><img src="http://127.0.0.1:{port}/open.png">',
                                            encoding="utf-8")
        ff.reset_events()
        ff.navigate((tmp_path / "open.html").as_uri())
        ff.drain(0.5)
    assert f"request http://127.0.0.1:{port}/open.png" in ff.problems()
    # Firefox's strict file:// origin policy is in force (the automation default would relax it)
    assert ff.evaluate("fetch('ok.js').then(() => 'read', () => 'refused')") == "refused"
    ff.drain(0.3)
    assert any("CORS request not http" in p for p in ff.problems())
    ff.reset_events()


def test_case_page_counts_and_zone(ff: Firefox, built_case: Case) -> None:
    root, _ = built_case
    db = sqlite3.connect(root / "case.sqlite")
    kinds = dict(db.execute("SELECT kind, count(*) FROM records GROUP BY kind").fetchall())
    files = db.execute("SELECT count(*) FROM files").fetchone()[0]
    ff.reset_events()
    ff.evaluate("(() => { try { localStorage.clear(); } catch (e) {} })()")
    ff.navigate(url(root, "index.html"))
    shown = ff.evaluate("Object.fromEntries(Array.from(document.querySelectorAll('#counts tbody tr'))"
                        ".map(r => [r.dataset.kind, Number(r.querySelector('td.count').textContent)]))")
    assert shown == {**kinds, "file": files}
    assert text(ff, "#fact-case-number") == "CASE-7"
    assert text(ff, "#fact-tool") == "trowel 9.9.9"
    # zone.js ran: the selector lists the browser's IANA zones, defaulting to the case's zone
    zones = ff.evaluate("Array.from(document.querySelectorAll('#zone-select option')).map(o => o.value)")
    assert len(zones) > 300 and "Asia/Tokyo" in zones and "UTC" in zones
    assert ff.evaluate("document.getElementById('zone-select').value") == "Europe/Berlin"
    ff.screenshot("firefox-case")
    ff.navigate(url(root, "app2.html"))
    call = "section.dtable[data-kind='call'] time.t"
    ff.wait_for(f"document.querySelector({json.dumps(call)})")
    assert text(ff, call) == "2023-11-14 23:46:40.000000 GMT+1"
    assert ff.evaluate(f"document.querySelector({json.dumps(call)}).title") == "UTC 2023-11-14T22:46:40.000000Z"
    select(ff, "#zone-select", value="America/New_York")
    assert text(ff, call) == "2023-11-14 17:46:40.000000 EST"
    ff.navigate(url(root, "app2.html"))  # the choice is remembered for this page
    ff.wait_for(f"document.querySelector({json.dumps(call)})")
    assert text(ff, call) == "2023-11-14 17:46:40.000000 EST"
    # Under Firefox's strict file:// origin policy every file is its own (opaque) origin with its own
    # localStorage, so a page opened directly starts in the case's zone (Chromium shares one storage) ...
    ff.navigate(url(root, "app2-chat2.html"))
    assert ff.evaluate("document.getElementById('zone-select').value") == "Europe/Berlin"
    assert text(ff, "li.msg time.t") == "2023-11-14 23:13:20.000000 GMT+1"
    # ... and a link followed from a page carries that page's zone (?zone=...) to the next one.
    ff.navigate(url(root, "app2.html"))
    followed = ff.evaluate(
        "(() => { const a = document.querySelector('a[href^=\"app2-chat2.html\"]');"
        " const stop = e => e.preventDefault(); window.addEventListener('click', stop);"
        " a.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));"
        " window.removeEventListener('click', stop); return a.href; })()")
    assert followed.endswith("app2-chat2.html?zone=America%2FNew_York")
    ff.navigate(followed)
    assert ff.evaluate("document.getElementById('zone-select').value") == "America/New_York"
    assert text(ff, "li.msg time.t") == "2023-11-14 17:13:20.000000 EST"
    assert ff.evaluate("document.querySelectorAll('li.msg').length") == int(text(ff, "#thread-count")) == 8
    assert ff.evaluate("document.querySelectorAll('li.msg.state-deleted').length") == 1
    ff.screenshot("firefox-chat")
    select(ff, "#zone-select", value="Europe/Berlin")
    clean(ff)


def test_timeline_search_filters_zone_and_record(ff: Firefox, built_case: Case) -> None:
    root, _ = built_case
    total = len((root / "timeline.jsonl").read_text(encoding="utf-8").splitlines())
    ff.reset_events()
    ff.navigate(url(root, "timeline.html"))
    ff.wait_for("document.querySelectorAll('#tl-body tr').length > 0")
    assert ff.evaluate("document.querySelectorAll('#tl-body tr').length") == total == 25
    assert int(text(ff, "#tl-total")) == 25 and int(text(ff, "#tl-shown")) == 25
    first = "#tl-body tr:first-child"
    assert text(ff, f"{first} td.utc") == "2023-11-14T20:50:00.000000Z"
    assert text(ff, f"{first} td.time") == "2023-11-14 21:50:00.000000 GMT+1"  # Europe/Berlin default
    type_into(ff, "#f-search", "hello 3")
    ff.wait_for("document.getElementById('tl-shown').textContent === '1'")  # the search is debounced
    assert "hello 3" in text(ff, f"{first} td.what")
    ff.evaluate("document.getElementById('f-reset').click()")
    assert text(ff, "#tl-shown") == "25"
    select(ff, "#f-kind", label="message")
    assert text(ff, "#tl-shown") == "9"
    select(ff, "#f-state", label="deleted")
    assert text(ff, "#tl-shown") == "1"
    select(ff, "#f-state", label="all")
    ff.evaluate("""(() => { const f = document.getElementById('f-from'), t = document.getElementById('f-to');
        f.value = '2023-11-14T23:14:00'; t.value = '2023-11-14T23:16:20';  // wall time in Europe/Berlin
        t.dispatchEvent(new Event('change', {bubbles: true})); return [f.value, t.value]; })()""")
    assert text(ff, "#tl-shown") == "3"  # 22:14:00Z .. 22:16:20Z
    select(ff, "#f-app", label="imo")
    assert text(ff, "#tl-shown") == "3"
    ff.evaluate("document.getElementById('f-reset').click()")
    assert text(ff, "#tl-shown") == "25"
    select(ff, "#zone-select", value="Asia/Tokyo")
    assert text(ff, f"{first} td.time") == "2023-11-15 05:50:00.000000 GMT+9"
    assert text(ff, f"{first} td.utc") == "2023-11-14T20:50:00.000000Z"
    select(ff, "#zone-select", value="UTC")
    assert text(ff, f"{first} td.time") == "2023-11-14 20:50:00.000000 UTC"
    select(ff, "#zone-select", value="Europe/Berlin")
    select(ff, "#f-kind", label="call")
    assert text(ff, "#tl-shown") == "2"
    ff.screenshot("firefox-timeline")
    ff.evaluate("document.querySelector('#tl-body a.src').click()")  # follow a call to its source
    ff.wait_for("document.querySelector(\"#rec-source-table tr[data-field='rowid']\")")
    assert text(ff, "#rec-source-table tr[data-field='table'] td") == "calls"
    assert text(ff, "#rec-source-table tr[data-field='path'] td") == DB
    ff.screenshot("firefox-record")
    clean(ff)


def test_timeline_in_parts(ff: Firefox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Timeline data in four files (7 rows each), loaded one after the other by script elements the page adds:
    every part loads under the CSP and the rows come out in time order."""
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
    assert len(list((root / "report" / "data").glob("timeline-*.js"))) == 4
    ff.reset_events()
    ff.navigate(url(root, "timeline.html"))
    ff.wait_for("document.getElementById('tl-loading').hidden || "
                "getComputedStyle(document.getElementById('tl-loading')).display === 'none'")
    assert text(ff, "#tl-total") == "25" and text(ff, "#tl-shown") == "25"
    utcs = ff.evaluate("Array.from(document.querySelectorAll('#tl-body td.utc')).map(td => td.textContent)")
    assert utcs == [line["datetime"] for line in lines]
    clean(ff)


def test_hostile_payloads_never_execute_or_fetch(ff: Firefox, hostile_case: Case) -> None:
    root, _ = hostile_case
    ff.reset_events()
    pages = sorted((root / "report").glob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        ff.navigate(page.as_uri())
        assert ff.evaluate(PROBE) == CLEAN, page.name
    ff.navigate(url(root, "app2-chat2.html"))
    texts = ff.evaluate("Array.from(document.querySelectorAll('li.msg .text')).map(e => e.textContent)")
    assert any(PAYLOAD.replace("\u202e", "") in t.replace("\u202e", "") for t in texts)
    assert ff.evaluate("document.querySelector('header nav a').ownerDocument.defaultView"
                       ".getComputedStyle(document.querySelector('header nav a')).unicodeBidi") == "isolate"
    ff.screenshot("firefox-hostile-chat")
    db = sqlite3.connect(root / "case.sqlite")
    ids = [r[0] for r in db.execute("SELECT id FROM records ORDER BY id")]
    ff.navigate(url(root, "record.html") + f"#{ids[0]}")
    for rid in ids:
        ff.evaluate(f"(() => {{ window.location.hash = '{rid}'; }})()")
        ff.wait_for(f"document.getElementById('rec-id').textContent === '{rid}' && "
                    "document.getElementById('rec-json').textContent !== ''")
        assert ff.evaluate(PROBE) == CLEAN, rid
    ff.navigate(url(root, "timeline.html"))
    ff.wait_for("document.querySelectorAll('#tl-body tr').length > 0")
    type_into(ff, "#f-search", "onerror")
    ff.wait_for("Number(document.getElementById('tl-shown').textContent) >= 15")
    assert "<script>window.__pwned=1</script>" in text(ff, "#tl-body")
    ff.screenshot("firefox-hostile-timeline")
    ff.drain(0.5)  # give any injected timer or image error a chance to fire
    assert ff.evaluate(PROBE) == CLEAN
    clean(ff)
    assert not any("127.0.0.1" in u for u in ff.requests())


def test_a_hung_page_hits_the_deadline(ff: Firefox, built_case: Case) -> None:
    """Every wait is time-bound: a promise that never settles fails the command after its deadline, and the
    session stays usable (the late answer, if any, is dropped)."""
    root, _ = built_case
    ff.navigate(url(root, "index.html"))
    with pytest.raises(BiDiError, match="script.evaluate: no answer in 1 s"):
        ff.evaluate("new Promise(() => {})", timeout=1.0)
    with pytest.raises(BiDiError, match="still false after 1 s"):
        ff.wait_for("false", timeout=1.0)
    ff.navigate(url(root, "index.html"))
    assert text(ff, "#fact-case-number") == "CASE-7"
