"""The weekly leaderboard and the monthly audit sample (pure; domain §9).

Both are reproducible: the leaderboard orders ties by id, and the audit day is drawn
from the month's working days by a random generator seeded with (seed, branch, month),
so the same seed always names the same day and auditors can show how it was chosen.
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from .calls import working_day


def iso_week(text: str) -> tuple[date, date]:
    """'2026-W49' -> (its Monday, its Sunday)."""
    try:
        year, week = text.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"a week is written like 2026-W49, not {text!r}") from None
    return monday, monday + timedelta(days=6)


def month_days(text: str) -> list[date]:
    """'2026-12' -> every day of that month."""
    try:
        year, month = (int(part) for part in text.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise ValueError(f"a month is written like 2026-12, not {text!r}") from None
    days, day = [], first
    while day.month == first.month:
        days.append(day)
        day += timedelta(days=1)
    return days


def converted(call: Mapping[str, Any]) -> bool:
    """A conversion: the customer was interested in a named product."""
    return call.get("outcome") == "interested" and bool(call.get("product"))


def leaderboard(calls: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Per staff member (with their branch) and per branch (staff_id None): effective
    calls, interested outcomes, conversions; ranked by effective calls, then interested,
    then conversions, then id; staff and branches ranked separately."""
    staff: dict[tuple, dict] = defaultdict(_tally)
    branches: dict[str, dict] = defaultdict(_tally)
    for call in calls:
        for tally in (staff[(call["branch"], call["staff_id"])], branches[call["branch"]]):
            tally["calls"] += 1
            tally["effective"] += bool(call.get("effective"))
            tally["interested"] += call.get("outcome") == "interested"
            tally["conversions"] += converted(call)
    people = [{"branch": b, "staff_id": s, **t} for (b, s), t in staff.items()]
    teams = [{"branch": b, "staff_id": None, **t} for b, t in branches.items()]
    return _ranked(people, "staff_id") + _ranked(teams, "branch")


def _tally() -> dict:
    return {"calls": 0, "effective": 0, "interested": 0, "conversions": 0}


def _ranked(rows: list[dict], key: str) -> list[dict]:
    rows.sort(key=lambda r: (-r["effective"], -r["interested"], -r["conversions"],
                             r[key], r["branch"]))
    return [{"rank": n, **row} for n, row in enumerate(rows, 1)]


def audit_day(month: str, branch: str, seed: str, holidays: Iterable[date] = ()) -> date:
    """One working day of the month, drawn reproducibly from (seed, branch, month)."""
    days = [d for d in month_days(month) if working_day(d, holidays)]
    if not days:
        raise ValueError(f"{month} has no working day")
    return random.Random(f"{seed}|{branch}|{month}").choice(days)
