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


def test_wider_catalog_bundled_libraries_and_library_files() -> None:
    catalog = Catalog()
    evidence = {e.value for rows in catalog.entries["source"].values() for e in rows}
    assert evidence == {"location", "time", "text_input", "visited_url", "device_id", "phone_number", "clipboard",
                        "account", "sms", "installed_apps", "photo", "recording"}
    assert len(catalog.libraries) == 78 and len(set(catalog.bundled)) == 78
    assert all(p.startswith("L") and p.endswith("/") for p in catalog.bundled)
    assert "Landroid/" not in catalog.bundled and "Lcom/android/" not in catalog.bundled  # framework namespaces
    files = sorted((f.cls, f.name, f.path, sorted(f.types)) for rows in catalog.library_files.values() for f in rows)
    assert files == [
        ("Lcom/google/android/gcm/GCMRegistrar;", "register",
         "/data/data/<pkg>/shared_prefs/com.google.android.gcm.xml", ["device_id", "time"]),
        ("Lcom/google/android/gms/analytics/GoogleAnalytics;", "getInstance", "/data/data/<pkg>/files/gaClientId",
         ["device_id"]),
        ("Lorg/acra/ACRA;", "init", "/data/data/<pkg>/app_ACRA-unapproved/<timestamp>.stacktrace", ["time"]),
    ]
