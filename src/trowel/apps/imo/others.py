"""The rest of imofriends.db: account types, key material (marked sensitive, raw values kept), stickers,
settings and the known tables of little evidentiary value (generic rows of the imo app, times decided by
plausibility per declared time column)."""

from __future__ import annotations

from collections.abc import Iterator

from trowel.apps.imo.fields import as_text
from trowel.apps.imo.scope import APP, Scope
from trowel.apps.imo.spec import TIME_COLUMNS
from trowel.apps.imo.times import first_time, joined, when
from trowel.apps.rows import Row
from trowel.model import Account, GenericRow, KeyMaterial, Record, TimeValue

KEY_TABLES = ("encrypt_device_identify", "privacy_encrypt_device", "secret_keys", "encrypt_secret_key")
STICKER_TABLES = ("sticker", "stickers_pack", "favorite_expression")
SETTING_TABLES = ("friend_settings", "bg_preference")


def map_account_type(scope: Scope, row: Row) -> Iterator[Record]:
    yield Account(**scope.common(row), account_id=as_text(row.get("buid")),
                  note=f"account type {as_text(row.get('account_type'))} (account_type)")


def map_key(scope: Scope, row: Row) -> Iterator[Record]:
    """Key material: nothing decoded, every value kept raw, ``sensitive`` true."""
    owner = as_text(row.get("uid"))
    device = as_text(row.get("udid")) or as_text(row.get("device_id"))
    name = as_text(row.get("x3dh_key")) or as_text(row.get("eid"))
    time, time_note, extra = first_time(scope, row, ("offline_ts",), "key")
    yield KeyMaterial(**scope.common(row), owner=owner, device=device, key_name=name, sensitive=True, time=time,
                      note=joined(f"end-to-end encryption key material ({row.table}): sensitive, kept raw",
                                  time_note), store=row.table)
    yield from extra


def map_generic(scope: Scope, row: Row) -> Iterator[Record]:
    """Stickers, settings and other known tables: a generic row of the imo app with its category."""
    table = row.table
    category = "sticker" if table in STICKER_TABLES else "setting" if table in SETTING_TABLES else "app_data"
    times: dict[str, TimeValue] = {}
    extra: list[Record] = []
    for column in TIME_COLUMNS.get(table, {}):
        if row.values.get(column) in (None, 0, "", "0"):
            continue
        time, _note, found = when(scope, row, column, table)
        if time is not None:
            times[column] = time
        extra.extend(found)
    first = next((t for t in times.values() if t.unix_ns is not None), None)
    common = scope.common(row)
    values = common.pop("raw")
    yield GenericRow(**common, container="sqlite", table=table, values=values, time_fields=times, time=first,
                     evidence_types={"*": [f"{APP}:{category}"]})
    yield from extra
