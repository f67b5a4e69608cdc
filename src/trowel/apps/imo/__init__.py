"""The imo messenger (com.imo.android.imoim, imo HD, imo Lite): spec registration."""

from __future__ import annotations

from trowel.apps.imo.parser import extract
from trowel.apps.imo.spec import APP_PATHS, EXTERNAL_PATHS, PACKAGES, RELATED_PATHS, SAME_SCHEMA, TABLES
from trowel.apps.registry import AppSpec, register_app

SPEC = register_app(AppSpec(
    name="imo", packages=PACKAGES, app_paths=APP_PATHS, external_paths=EXTERNAL_PATHS, tables=TABLES,
    extract=extract, related_paths=RELATED_PATHS, same_schema=SAME_SCHEMA,
    description="imo.im messenger: account, contacts, messages, calls, stories, media; live and deleted",
))

__all__ = ["SPEC"]
