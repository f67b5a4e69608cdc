"""String resources (``resources.arsc``) for ``getString(resId)``: read once per app, only when needed.

The value of the default configuration is used (the one Android falls back to), else the first one. A
missing or unreadable resource table gives no value (the name stays unresolved) and one warning.
"""

from __future__ import annotations

from typing import Any

from trowel.apk.ir import AppIR

_PARSERS: dict[str, Any] = {}  # APK path -> androguard ARSC parser (None when unreadable), per process


def resource_string(app: AppIR, resource_id: int) -> str | None:
    """The default string value of ``resource_id`` in the app's resources, or None."""
    if app.resource_strings is None:
        app.resource_strings = {}
    if resource_id in app.resource_strings:
        return app.resource_strings[resource_id] or None
    value = _resolve(app, resource_id)
    app.resource_strings[resource_id] = value or ""
    return value


def _parser(app: AppIR) -> Any:
    path = app.apk_path
    if not path:
        return None
    if path not in _PARSERS:
        _PARSERS.clear()  # one app at a time
        try:
            from androguard.core.apk import APK

            _PARSERS[path] = APK(path).get_android_resources()
        except Exception as exc:  # a hostile resource table: no values, one warning
            app.warnings.append(f"resources.arsc could not be read ({type(exc).__name__}): string resources unresolved")
            _PARSERS[path] = None
    return _PARSERS[path]


def _resolve(app: AppIR, resource_id: int) -> str | None:
    arsc = _parser(app)
    if arsc is None:
        return None
    try:
        configs = arsc.get_resolved_res_configs(resource_id)
    except Exception:  # an id that is not in the table, or a malformed entry
        return None
    values = [(config, value) for config, value in configs if isinstance(value, str)]
    for config, value in values:
        if getattr(config, "get_qualifier", lambda: "")() == "":
            return str(value)
    return str(values[0][1]) if values else None
