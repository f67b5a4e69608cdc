"""The owner's account and app events from imo's JSON preferences and ``accountdb.db``.

``VerificationPrefs.json`` holds the number typed at login *before* the SMS code was confirmed;
``bprefs.json`` holds ``GET_MY_PROFILE`` (a JSON string inside the JSON: the server's profile, with ``phone``),
``SIGNUP_DATE`` (first login with this number) and ``SIGNUP_TIME`` (last login on this device with this
number); ``brefs.json`` holds ``LAST_APP_OPEN_TS``. The units of these times are not documented: the unit is
chosen by plausibility and the choice is written into each event's note.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from trowel.apps.extraction import LocatedFile
from trowel.apps.imo.fields import as_text, plausible_time
from trowel.apps.imo.scope import APP, Scope
from trowel.model import Account, AppEvent, Provenance, Record

EVENTS = {
    "SIGNUP_DATE": "first login with this phone number",
    "SIGNUP_TIME": "last login on this device with this phone number",
    "LAST_APP_OPEN_TS": "the app was last opened",
}
MAX_PREFS_BYTES = 16 << 20


@dataclass
class Prefs:
    """What the preferences say about the owner's phone numbers."""

    login_phone: str | None = None
    login_source: Provenance | None = None
    profile_phone: str | None = None
    profile_source: Provenance | None = None


def load_json(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _phone(data: dict[str, Any]) -> tuple[str | None, str | None]:
    for key in ("phone", "phone_number", "phoneNumber", "verification_phone", "phone_no"):
        value = data.get(key)
        if isinstance(value, str | int) and str(value):
            return str(value), key
    for key, value in data.items():
        if "phone" in key.lower() and "cc" not in key.lower() and isinstance(value, str | int) and str(value):
            return str(value), key
    return None, None


def verification_prefs(scope: Scope, located: LocatedFile, data: dict[str, Any], prefs: Prefs) -> Iterator[Record]:
    phone, key = _phone(data)
    if phone is None:
        return
    source = Provenance(evidence=scope.evidence, path=located.path, detail=f"key {key}")
    prefs.login_phone, prefs.login_source = phone, source
    yield Account(source=source, app=APP, package=scope.package, user=scope.user, phone=phone, verified=None,
                  raw={k: v for k, v in data.items() if isinstance(v, str | int | float | bool) or v is None},
                  note="phone number typed at login, stored before the SMS code was confirmed: it may never have "
                       "been verified")


def bprefs(scope: Scope, located: LocatedFile, data: dict[str, Any], prefs: Prefs) -> Iterator[Record]:
    profile_raw = data.get("GET_MY_PROFILE")
    if profile_raw is not None:
        profile = load_json(profile_raw.encode("utf-8")) if isinstance(profile_raw, str) else (
            profile_raw if isinstance(profile_raw, dict) else None)
        source = Provenance(evidence=scope.evidence, path=located.path, detail="key GET_MY_PROFILE (JSON in JSON)")
        if profile is None:
            yield Account(source=source, app=APP, package=scope.package, user=scope.user,
                          raw={"GET_MY_PROFILE": profile_raw}, note="GET_MY_PROFILE is not a JSON object")
        else:
            phone, _ = _phone(profile)
            prefs.profile_phone, prefs.profile_source = phone, source
            uid = as_text(profile.get("uid") or profile.get("buid"))
            name = as_text(profile.get("display_name") or profile.get("name") or profile.get("alias"))
            yield Account(source=source, app=APP, package=scope.package, user=scope.user, account_id=uid, name=name,
                          phone=phone, verified=True if phone else None, raw={"GET_MY_PROFILE": profile_raw},
                          note="the account's profile as the imo server returned it")
            if uid and not scope.owner_uid:
                scope.owner_uid, scope.owner_name = uid, name
    yield from app_events(scope, located, data)


def app_events(scope: Scope, located: LocatedFile, data: dict[str, Any]) -> Iterator[Record]:
    for key, meaning in EVENTS.items():
        if key not in data:
            continue
        raw = data[key]
        time, reason = plausible_time(raw, scope.now_ns)
        yield AppEvent(source=Provenance(evidence=scope.evidence, path=located.path, detail=f"key {key}"), app=APP,
                       package=scope.package, user=scope.user, event=key, meaning=meaning, time=time,
                       raw={key: raw}, note=f"time unit {reason}")
