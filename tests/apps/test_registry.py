from __future__ import annotations

import pkgutil
from collections.abc import Iterator

import pytest

import trowel.apps
from trowel.apps.extraction import glob_regex, matches
from trowel.apps.registry import APPS, SPEC_MODULES, AppSpec, load_specs, register_app
from trowel.model import Record


def _nothing(_data: object) -> Iterator[Record]:
    return iter(())


def test_every_spec_package_is_registered() -> None:
    load_specs()
    packages = {m.name for m in pkgutil.iter_modules(trowel.apps.__path__) if m.ispkg}
    assert packages == {"imo"}
    assert {f"trowel.apps.{p}" for p in packages} <= set(SPEC_MODULES)
    assert set(APPS) == {"imo"}
    assert APPS["imo"].packages == ("com.imo.android.imoim", "com.imo.android.imous", "com.imo.android.imoimlite")


def test_registry_refuses_duplicates() -> None:
    load_specs()
    with pytest.raises(ValueError, match="registered twice"):
        register_app(AppSpec("imo", ("x.y.z",), (), (), (), _nothing))
    with pytest.raises(ValueError, match="claimed by app specs 'imo' and 'other'"):
        register_app(AppSpec("other", ("com.imo.android.imous",), (), (), (), _nothing))
    assert "other" not in APPS


def test_spec_declares_tables_columns_and_time_formats() -> None:
    spec = load_specs()["imo"]
    messages = spec.table("messages")
    assert messages.identity == ("buid", "timestamp")
    assert messages.columns["timestamp"].time_format == "unix_ns"
    assert spec.table("call_timestamps").columns["time"].time_format == "unix_plausible"  # ns or ms: per value
    assert {t.name for t in spec.database_tables("databases/accountdb.db")} == {"account"}
    assert len(spec.tables) == 64  # the 63 tables of a current imofriends.db and accountdb.db's account
    assert spec.schema_of("databases/imofriends_1234.db") == spec.schema_of("databases/imo") == \
        "databases/imofriends.db"
    assert spec.schema_of("databases/other.db") is None


def test_globs() -> None:
    assert glob_regex("files/**/sticker*/**").match("files/a/b/stickers/p/1.zip")
    assert glob_regex("DCIM/imo/**").match("DCIM/imo/x.jpg")
    assert not glob_regex("DCIM/imo/**").match("DCIM/imoX/x.jpg")
    assert not glob_regex("files/*.json").match("files/a/b.json")
    assert matches("databases/imofriends.db-wal", ("databases/imofriends.db",))
    assert matches("Android/data/com.imo.android.imous/files/a", ("Android/data/{package}/**",),
                   "com.imo.android.imous")
    assert not matches("Android/data/com.other/files/a", ("Android/data/{package}/**",), "com.imo.android.imous")


def test_apps_stage_is_registered_for_examine() -> None:
    import trowel.apps.stage  # noqa: F401
    from trowel.case.context import STAGES
    from trowel.case.examine import STAGE_MODULES

    assert "trowel.apps.stage" in STAGE_MODULES
    assert (STAGES["apps"].name, STAGES["apps"].order) == ("apps", 30)
