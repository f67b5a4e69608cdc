"""String resources (``resources.arsc``) for ``getString(resId)``: read once per app, only when needed.

Only the default configuration's value is used (the one Android falls back to). A missing or unreadable
resource table gives no value (the name stays unresolved), never an error.
"""

from __future__ import annotations

from trowel.apk.ir import AppIR


def resource_string(app: AppIR, resource_id: int) -> str | None:
    """The default string value of ``resource_id`` in the app's resources, or None."""
    if app.resource_strings is None:
        app.resource_strings = _load(app)
    return app.resource_strings.get(resource_id)


def _load(app: AppIR) -> dict[int, str]:
    if not app.apk_path:
        return {}
    try:
        from androguard.core.apk import APK

        arsc = APK(app.apk_path).get_android_resources()
        if arsc is None:
            return {}
        out: dict[int, str] = {}
        for package in arsc.get_packages_names():
            ids = arsc.resource_keys.get(package, {}).get("string", {})
            for name, value in arsc.values.get(package, {}).get("\x00\x00", {}).get("string", []):
                rid = ids.get(name)
                if rid is not None and isinstance(value, str):
                    out[int(rid)] = value
        return out
    except Exception as exc:  # a hostile resource table: no values, one warning
        app.warnings.append(f"resources.arsc could not be read ({type(exc).__name__}): string resources unresolved")
        return {}
