"""Reporting periods: a quarter (2026Q4), a month (2026-11) or a year (2026).

A period is the half-open range [start, end) of calendar days; it is closed once its
last day is over (today >= end), after which its figures are kept as first computed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date   # the first day after the period

    def closed(self, today: date) -> bool:
        return today >= self.end


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """`2026Q4`, `2026-11` or `2026` -> Period; ValueError for anything else."""
    text = str(text or "").strip()
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * quarter - 2
        return Period(f"{year}Q{quarter}", date(year, first, 1), _month_start(year, first + 3))
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"no month {month} in {text!r}")
        return Period(text, date(year, month, 1), _month_start(year, month + 1))
    if match := _YEAR.match(text):
        year = int(match[1])
        return Period(text, date(year, 1, 1), date(year + 1, 1, 1))
    raise ValueError(f"a period is a quarter (2026Q4), a month (2026-11) or a year (2026), "
                     f"not {text!r}")


def quarter_of(day: date) -> Period:
    """The quarter a day falls in (the gauges show the current one)."""
    return parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def just_closed(today: date) -> list[Period]:
    """The quarter and the month before today's: the ones to keep once closed."""
    previous = date.fromordinal(date(today.year, today.month, 1).toordinal() - 1)
    quarter_before = date.fromordinal(quarter_of(today).start.toordinal() - 1)
    return [quarter_of(quarter_before), parse_period(f"{previous.year}-{previous.month:02d}")]
