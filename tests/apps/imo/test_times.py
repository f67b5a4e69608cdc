"""Units by plausibility: every stored form of one instant (2024-03-01T10:00:00Z) decodes to it, with the unit
chosen and the reason; what no unit makes plausible is kept raw."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from trowel.apps.imo.fields import to_ns
from trowel.apps.imo.spec import NS
from trowel.apps.imo.times import decide
from trowel.model import datetime_to_ns

NOW = datetime_to_ns(datetime(2026, 12, 1, tzinfo=UTC))


@pytest.mark.parametrize(("raw", "unit", "utc"), [
    (1_709_287_200, "unix_s", "2024-03-01T10:00:00.000000Z"),
    ("1709287200", "unix_s", "2024-03-01T10:00:00.000000Z"),
    (1_709_287_200.5, "unix_s", "2024-03-01T10:00:00.500000Z"),
    (1_709_287_200_123, "unix_ms", "2024-03-01T10:00:00.123000Z"),
    (1_709_287_200_500.25, "unix_ms", "2024-03-01T10:00:00.500250Z"),
    (1_709_287_200_123_456, "unix_us", "2024-03-01T10:00:00.123456Z"),
    (1_709_287_200_123_456_789, "unix_ns", "2024-03-01T10:00:00.123457Z"),
])
def test_each_unit_is_chosen_by_plausibility(raw: Any, unit: str, utc: str) -> None:
    time, note, implausible = decide(raw, NOW, None)
    assert time is not None and (time.format, time.to_json()["utc"], implausible) == (unit, utc, False)
    digits = len(str(int(float(raw))))
    assert note is not None and note.startswith(f"time unit {unit}: {digits} digits; the only Unix unit giving a date "
                                                "between 2009-01-01 and one year after the examination")


def test_documented_unit_is_taken_without_a_note_only_when_plausible() -> None:
    time, note, _ = decide(1_709_287_200_123_456_789, NOW, NS)
    assert time is not None and time.format == "unix_ns" and note is None
    time, note, _ = decide(1_709_287_200_123, NOW, NS)  # milliseconds in a column documented as nanoseconds
    assert time is not None and time.format == "unix_ms" and note is not None and note.startswith("time unit unix_ms")
    time, note, implausible = decide(4_070_908_800_000_000_000, NOW, NS)  # 2099: no unit fits; as documented
    assert time is not None and time.to_json()["utc"].startswith("2099-01-01") and not implausible
    assert note == ("time unit unix_ns as documented, although implausible (19 digits: no Unix unit gives a date "
                    "between 2009-01-01 and one year after the examination)")


@pytest.mark.parametrize(("raw", "reason"), [(12345, "5 digits: no Unix unit gives"), ("abc", "not an integer"),
                                             (-1, "1 digits: no Unix unit gives"), (float("nan"), "not an integer")])
def test_implausible_values_are_kept_raw(raw: Any, reason: str) -> None:
    time, note, implausible = decide(raw, NOW, None)
    assert time is not None and time.unix_ns is None and time.format == "unknown" and implausible
    assert note is not None and note.startswith(f"time kept raw: {reason}")


@pytest.mark.parametrize("raw", [None, 0, "", "  "])
def test_not_set(raw: Any) -> None:
    assert decide(raw, NOW, None) == (None, None, False)


def test_times_of_one_column_compare_in_nanoseconds() -> None:
    assert to_ns(1_709_287_200, NOW) == to_ns(1_709_287_200_000, NOW) == 1_709_287_200 * 10**9
    assert to_ns(12345, NOW) == 12345
