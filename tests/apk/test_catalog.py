"""The catalog data files: EviHunter's published rows are all there; every summary op has a handler."""

from __future__ import annotations

from trowel.apk.catalog import Catalog
from trowel.apk.library import OPS


def _origin_count(catalog: Catalog, table: str, origin: str) -> int:
    return sum(1 for rows in catalog.entries[table].values() for e in rows if e.origin == origin)


def test_published_catalog_is_complete() -> None:
    catalog = Catalog()
    assert _origin_count(catalog, "source", "evihunter") == 69
    assert _origin_count(catalog, "sink", "evihunter") == 87
    assert _origin_count(catalog, "dynamic_path", "evihunter") == 39


def test_rows_are_well_formed() -> None:
    catalog = Catalog()
    for table in ("source", "sink", "dynamic_path", "summary"):
        for rows in catalog.entries[table].values():
            for entry in rows:
                assert entry.cls.startswith("L") and entry.cls.endswith(";"), entry
                assert " " not in entry.params
    kinds = {e.kind for rows in catalog.entries["source"].values() for e in rows}
    assert kinds == {"return_value", "callback_parameter", "method_argument", "constructor"}
    sink_kinds = {e.value for rows in catalog.entries["sink"].values() for e in rows}
    assert sink_kinds == {"file", "database", "shared_prefs"}
    parts = {e.value for rows in catalog.entries["dynamic_path"].values() for e in rows}
    assert parts == {"<uuid>", "<intent>", "<timestamp>"}
    ops = {e.value for rows in catalog.entries["summary"].values() for e in rows}
    assert ops <= set(OPS)
    assert set(OPS) - ops == set()


def test_find_matches_through_the_framework_hierarchy() -> None:
    catalog = Catalog()
    classes = catalog.expand({"Lcom/ex/Main;", "Landroid/app/Activity;"})
    assert "Landroid/content/Context;" in classes
    found = catalog.find("summary", classes, "openFileOutput", "Ljava/lang/String;I")
    assert [e.value for e in found] == ["file_output"]
    sinks = catalog.find("sink", {"Landroid/database/sqlite/SQLiteDatabase;"}, "insert",
                         "Ljava/lang/String;Ljava/lang/String;Landroid/content/ContentValues;")
    assert [(e.value, e.args, e.table_arg) for e in sinks] == [("database", (3,), "1")]
    callbacks = catalog.find("source", {"Landroid/webkit/WebViewClient;"}, "onPageFinished",
                             "Landroid/webkit/WebView;Ljava/lang/String;")
    assert [(e.kind, e.value, e.args) for e in callbacks] == [("callback_parameter", "visited_url", (2,))]
