"""Exact calendar and rounding arithmetic."""

from __future__ import annotations

import pytest

from trowel.timestamps import arith as A

T_S = 1_746_371_930


def test_arith_calendar() -> None:
    assert A.days_from_civil(1970, 1, 1) == 0
    assert A.civil_from_days(A.days_from_civil(2000, 2, 29)) == (2000, 2, 29)
    assert A.days_from_civil(1, 1, 1) == -719_162
    assert A.days_from_civil(0, 1, 1) == -719_528
    assert A.div_round_half_even(5, 2) == 2 and A.div_round_half_even(7, 2) == 4
    assert A.div_round_half_even(-5, 2) == -2
    assert A.decimal_text(A.parse_decimal("1.50"), 3) == "1.5"
    with pytest.raises(ValueError):
        A.civil_ns(2023, 2, 29)
