"""Operator text refused clearly before it reaches the database."""
from __future__ import annotations

import pytest

from campaigns.domain.segment import criteria
from campaigns.domain.texts import text, texts


def test_storable_text_passes_unchanged():
    assert text("二星 BJ01", "name") == "二星 BJ01" and text(None, "note") is None
    assert texts(["A", "B"], "staff") == ["A", "B"] and texts(None, "staff") is None


@pytest.mark.parametrize("value, limit", [("bad \ud800 text", 100), ("x" * 129, 128)])
def test_unstorable_or_overlong_text_is_a_value_error_naming_the_argument(value, limit):
    with pytest.raises(ValueError, match="^owner: "):
        text(value, "owner", limit)


@pytest.mark.parametrize("kwargs", [{"maturing_within": 10 ** 9},
                                    {"min_balance": "1e999999999"}, {"min_balance": "-5"}])
def test_criteria_out_of_range_are_refused(kwargs):
    with pytest.raises(ValueError):
        criteria("B1", **kwargs)
