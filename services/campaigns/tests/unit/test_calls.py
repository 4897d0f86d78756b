"""Effective calls, the day's lines, the leaderboard and the audit draw."""
from __future__ import annotations

from datetime import date

import pytest

from campaigns.domain.calls import Quota, day_lines, effective, signatures_close, working_day
from campaigns.domain.plan import progress
from campaigns.domain.reports import audit_day, iso_week, leaderboard

WEDNESDAY = date(2026, 12, 2)


@pytest.mark.parametrize("seconds", range(30, 91))
def test_effective_exactly_from_sixty_seconds(seconds):
    assert effective(seconds) is (seconds >= 60)


def call(staff: str, seconds: int, branch: str = "B1", outcome: str = "no_answer",
         product=None, n=[0]) -> dict:
    n[0] += 1
    return {"_id": f"k{n[0]:04d}", "at": n[0], "customer_id": f"C{n[0]}", "branch": branch,
            "staff_id": staff, "seconds": seconds, "effective": effective(seconds),
            "outcome": outcome, "product": product}


def test_day_lines_per_staff_then_branch_against_quota():
    calls = [call("A", 60), call("A", 59), call("B", 90), call("C", 61, branch="B2")]
    lines = day_lines(calls, ["B1", "B2"], WEDNESDAY, Quota(2, {"B2": 3}))
    assert [(l["branch"], l["staff_id"], l["effective"], l["quota"], l["met"]) for l in lines] == [
        ("B1", "A", 1, None, None), ("B1", "B", 1, None, None), ("B1", None, 2, 2, True),
        ("B2", "C", 1, None, None), ("B2", None, 1, 3, False)]


def test_weekends_and_holidays_have_no_quota():
    assert not working_day(date(2026, 12, 5)) and working_day(WEDNESDAY)
    assert Quota(10).of("B1", date(2026, 12, 6)) == 0
    assert Quota(10).of("B1", WEDNESDAY, [WEDNESDAY]) == 0


def test_both_signatures_close_the_day():
    assert not signatures_close({"supervisor": {"by": "S"}})
    assert signatures_close({"supervisor": {"by": "S"}, "president": {"by": "P"}})


def test_leaderboard_ranks_staff_and_branches_deterministically():
    calls = [call("A", 70, outcome="interested", product="TD"), call("B", 70),
             call("B", 70, outcome="interested"), call("C", 10, branch="B2")]
    board = leaderboard(calls)
    assert [(r["rank"], r["staff_id"], r["effective"], r["interested"], r["conversions"])
            for r in board] == [(1, "B", 2, 1, 0), (2, "A", 1, 1, 1), (3, "C", 0, 0, 0),
                                (1, None, 3, 2, 1), (2, None, 0, 0, 0)]
    assert leaderboard(list(reversed(calls))) == board


def test_iso_week():
    assert iso_week("2026-W49") == (date(2026, 11, 30), date(2026, 12, 6))
    with pytest.raises(ValueError):
        iso_week("49")


def test_audit_day_is_a_working_day_reproducible_from_the_seed():
    drawn = {audit_day("2026-12", "B1", str(seed)) for seed in range(40)}
    assert len(drawn) > 5 and all(d.month == 12 and working_day(d) for d in drawn)
    assert audit_day("2026-12", "B1", "s") == audit_day("2026-12", "B1", "s")


def test_progress_counts_reached_and_latest_outcomes():
    lists = {"A": ["C1", "C2"], "B": ["C3"]}
    made = [{"_id": "1", "at": 1, "customer_id": "C1", "effective": False, "outcome": "callback"},
            {"_id": "2", "at": 2, "customer_id": "C1", "effective": True, "outcome": "interested"},
            {"_id": "3", "at": 3, "customer_id": "C3", "effective": False, "outcome": "no_answer"},
            {"_id": "4", "at": 4, "customer_id": "X", "effective": True, "outcome": "interested"}]
    got = progress(lists, made)
    assert (got["customers"], got["called"], got["reached"], got["ratio"]) == (3, 2, 1, 0.3333)
    assert got["outcomes"]["interested"] == 1 and got["outcomes"]["no_answer"] == 1
    assert got["staff"] == {"A": {"customers": 2, "called": 1, "reached": 1},
                            "B": {"customers": 1, "called": 1, "reached": 0}}
