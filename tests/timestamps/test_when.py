"""Reading examiners' dates (ISO 8601, offsets, zones)."""

from __future__ import annotations

import pytest

from trowel.errors import UsageError
from trowel.timestamps import arith as A
from trowel.timestamps.when import parse_when

T_S = 1_746_371_930


def test_parse_when() -> None:
    assert parse_when("2025-05-04T15:18:50.123456789Z") == (T_S * 10**9 + 123456789,) * 2
    assert parse_when("2025-05-04") == (A.epoch(2025, 5, 4),) * 2
    assert parse_when("2025-05-04 17:18:50+0200")[0] == T_S * 10**9
    with pytest.raises(UsageError):
        parse_when("yesterday")
    with pytest.raises(UsageError):
        parse_when("2025-02-30")
