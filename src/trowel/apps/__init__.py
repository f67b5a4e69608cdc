"""App specs: what each supported app leaves on an Android device, and the records made from it."""

from trowel.apps.registry import APPS, AppSpec, ColumnSpec, TableSpec, get_app, load_specs, register_app

__all__ = ["APPS", "AppSpec", "ColumnSpec", "TableSpec", "get_app", "load_specs", "register_app"]
