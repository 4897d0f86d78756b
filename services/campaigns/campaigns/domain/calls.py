"""Calls and their daily count against the quota (pure; domain §9).

A call of one minute or more is effective. Each branch makes at least `quota`
effective calls every working day (Monday to Friday, minus configured holidays); the
accounting supervisor and the branch president both sign the day's sheet, and a
signed-off day is closed: no call is added to it any more.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

EFFECTIVE_SECONDS = 60
OUTCOMES = ("interested", "not_interested", "no_answer", "callback")
ROLES = ("supervisor", "president")


def effective(seconds: int) -> bool:
    return seconds >= EFFECTIVE_SECONDS


def check_call(seconds: int, outcome: str) -> None:
    """ValueError for a call that cannot be recorded as given."""
    if seconds < 0:
        raise ValueError(f"seconds must be 0 or more, got {seconds}")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")


def working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.weekday() < 5 and day not in set(holidays)


@dataclass(frozen=True)
class Quota:
    """The daily quota: `default` effective calls per branch per working day, or the
    branch's own figure."""
    default: int = 10
    per_branch: Mapping[str, int] | None = None

    def of(self, branch: str, day: date, holidays: Iterable[date] = ()) -> int:
        if not working_day(day, holidays):
            return 0
        return int((self.per_branch or {}).get(branch, self.default))


def day_lines(calls: list[Mapping[str, Any]], branches: Iterable[str], day: date,
              quota: Quota, holidays: Iterable[date] = (),
              closed: Mapping[str, bool] | None = None) -> list[dict]:
    """`crm calls day`: per branch, one line per staff member (effective and all calls)
    then the branch's own line (staff_id None) with the quota and whether it was met."""
    lines = []
    for branch in sorted(set(branches)):
        mine = [c for c in calls if c["branch"] == branch]
        made = Counter(c["staff_id"] for c in mine)
        good = Counter(c["staff_id"] for c in mine if c["effective"])
        target = quota.of(branch, day, holidays)
        signed = bool((closed or {}).get(branch))
        for staff in sorted(made):
            lines.append({"date": day.isoformat(), "branch": branch, "staff_id": staff,
                          "effective": good[staff], "calls": made[staff], "quota": None,
                          "met": None, "signed_off": signed})
        total = sum(good.values())
        lines.append({"date": day.isoformat(), "branch": branch, "staff_id": None,
                      "effective": total, "calls": len(mine), "quota": target,
                      "met": total >= target, "signed_off": signed})
    return lines


def signatures_close(signatures: Mapping[str, Any]) -> bool:
    """Both the supervisor and the president signed: the day is closed."""
    return all(signatures.get(role) for role in ROLES)


def check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
