from datetime import date

import pytest

from reporting.domain.periods import just_closed, parse_period, quarter_of


@pytest.mark.parametrize("text, start, end", [
    ("2026Q4", date(2026, 10, 1), date(2027, 1, 1)),
    ("2026q1", date(2026, 1, 1), date(2026, 4, 1)),
    ("2026-11", date(2026, 11, 1), date(2026, 12, 1)),
    ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
    ("2026", date(2026, 1, 1), date(2027, 1, 1)),
])
def test_periods(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2026Q5", "2026-13", "26", "", "Q4"])
def test_bad_periods(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_closed_after_its_last_day_and_current_quarter():
    q4 = parse_period("2026Q4")
    assert not q4.closed(date(2026, 12, 31)) and q4.closed(date(2027, 1, 1))
    assert quarter_of(date(2026, 12, 2)) == q4


def test_the_periods_just_closed_are_the_previous_quarter_and_month():
    assert [p.label for p in just_closed(date(2026, 12, 2))] == ["2026Q3", "2026-11"]
    assert [p.label for p in just_closed(date(2027, 1, 1))] == ["2026Q4", "2026-12"]
