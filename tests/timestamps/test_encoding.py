"""encode: the timediff32 table, local wall clock for offsets and zones, out-of-range rows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from trowel.timestamps import encode

T_S = 1_746_371_930


def test_encode_timediff32_table() -> None:
    rows = {e.format: e for e in encode("2025-05-04T15:18:50.064939Z")}
    assert rows["unix_s"].decimal == str(T_S)
    assert rows["unix_s"].be_hex == "6817855a" and rows["unix_s"].le_hex == "5a851768"
    assert rows["unix_hex_le"].text == "5a851768"
    assert rows["filetime_le"].text == "aed19dd607bddb01" and rows["filetime_be"].text == "01dbbd07d69dd1ae"
    assert rows["chrome"].decimal == "13390845530064939"
    assert rows["dos_le"].text == "597aa45a" and rows["fat_date_time"].text == "a45a597a"
    assert rows["exfat"].text == "5aa47a59"
    assert rows["gsm"].text == "52504051810500"
    assert rows["nokia"].text == "d19d0f5a" and rows["nokia_plus1"].text == "d19d0f59"
    assert (rows["ole_auto"].text or "").startswith("45781.63807945531")
    assert "ga_cookie" not in rows
    assert {e.format for e in rows.values() if e.error} == {"stardate_tng", "stardate_tos"}  # ranges start 2265+


def test_encode_with_offset_writes_local_wall_clock() -> None:
    rows = {e.format: e for e in encode("2025-05-04T17:18:50+02:00")}
    assert rows["unix_s"].decimal == str(T_S)
    assert rows["dos_le"].text == "598aa45a"  # 17:18:50 local
    dt = datetime(2025, 5, 4, 17, 18, 50, tzinfo=timezone(timedelta(hours=2)))
    assert {e.format: e.text for e in encode(dt)}["dos_le"] == "598aa45a"
    zone = {e.format: e for e in encode("2025-05-04T17:18:50 Europe/Berlin")}
    assert zone["unix_s"].decimal == str(T_S)


def test_encode_out_of_range_says_so() -> None:
    rows = {e.format: e for e in encode("2200-01-01T00:00:00Z")}
    assert rows["unix_hex_be"].error and "outside the range" in rows["unix_hex_be"].error
    assert rows["unix_s"].error is None
