"""Shared by bench_report.py and bench_examine.py: the report's size by part, and the time until each page type
is interactive in Chromium (opened from the file system): the case page and an app page with every table's
data loaded, the longest chat page rendered, the timeline's first page and every part, and the record page of
a deleted record (fields shown)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.report.browser import chromium, watch

TARGET_S = 2.0  # issue 17: every page interactive within 2 s
LOADED = "() => Array.from(document.querySelectorAll('section.dtable')).every(s => s.dataset.loaded)"
PARTS = {"record chunks": "data/records-*.js", "record extras": "data/extra-*.js", "page images": "data/page-*.js",
         "chat data": "data/chat-*.js", "table data": "data/table-*.js", "timeline data": "data/timeline*.js",
         "pages (html)": "*.html"}


def report_sizes(report: Path) -> dict[str, float]:
    """MB per part of the report folder, and the total."""
    out = {name: sum(p.stat().st_size for p in report.glob(glob)) / 1e6 for name, glob in PARTS.items()}
    out["total"] = sum(p.stat().st_size for p in report.rglob("*") if p.is_file()) / 1e6
    return out


def _timed(page: object, url: str, ready: str, timeout: float = 600_000) -> float:
    start = time.perf_counter()
    page.goto(url, wait_until="commit")  # type: ignore[attr-defined]
    page.wait_for_function(ready, timeout=timeout)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def page_timings(case_root: Path) -> tuple[dict[str, float], list[str]]:
    """Seconds until each page type is interactive; and any console errors or non-file requests."""
    report = case_root / "report"
    chats = sorted(report.glob("app*-chat*.html"), key=lambda p: p.stat().st_size)
    db = sqlite3.connect(case_root / "case.sqlite")
    row = db.execute("SELECT id FROM records WHERE state != 'live' ORDER BY id DESC LIMIT 1").fetchone()
    deleted = row[0] if row else db.execute("SELECT max(id) FROM records").fetchone()[0]
    db.close()
    out: dict[str, float] = {}
    with chromium() as browser:
        w = watch(browser)
        p = w.page
        out["case page"] = _timed(p, (report / "index.html").as_uri(), LOADED)
        out["app page (all tables)"] = _timed(p, (report / "app1.html").as_uri(), LOADED)
        if chats:
            out[f"chat page ({chats[-1].name})"] = _timed(
                p, chats[-1].as_uri(), "() => document.getElementById('thread').dataset.loaded === 'true'")
        start = time.perf_counter()
        p.goto((report / "timeline.html").as_uri(), wait_until="commit")
        p.wait_for_selector("#tl-body tr", timeout=600_000)
        out["timeline first page"] = time.perf_counter() - start
        p.wait_for_selector("#tl-loading", state="hidden", timeout=600_000)
        out["timeline every part"] = time.perf_counter() - start
        start = time.perf_counter()
        p.locator("#f-search").evaluate("el => { el.value = 'station call'; }")
        p.evaluate("() => document.getElementById('filters').requestSubmit()")
        out["timeline search (all rows)"] = time.perf_counter() - start
        out[f"record page (#{deleted}, deleted)"] = _timed(
            p, (report / "record.html").as_uri() + f"#{deleted}",
            "() => document.querySelectorAll('#rec-fields tr').length > 0")
        problems = w.problems()
    return out, problems


def print_report_figures(case_root: Path) -> None:
    sizes = report_sizes(case_root / "report")
    print("report size: " + ", ".join(f"{k} {v:.1f} MB" for k, v in sizes.items()))
    timings, problems = page_timings(case_root)
    for name, seconds in timings.items():
        verdict = "" if name.startswith("timeline every") or "search" in name else \
            f"  (target {TARGET_S:.0f} s: {'met' if seconds <= TARGET_S else 'MISSED'})"
        print(f"  {name:40s} {seconds:6.2f} s{verdict}")
    print(f"console errors / non-file requests: {len(problems)}")
