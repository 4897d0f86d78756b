"""Batch decisions of assignment (domain.unit, domain.batch, domain.roster): pure."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from assignment.dependencies import AssignmentPolicy
from assignment.domain import roster
from assignment.domain.batch import customers_named, plan_events, relevant
from assignment.domain.manager import Manager
from assignment.domain.roles import BAND_ROLES
from assignment.domain.unit import Unit
from assignment.plugins.strategies import FirstRegistrant, LeastLoaded, RoundRobin, Sticky

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
FM = "financial_manager"


def policy(per_tier=None) -> AssignmentPolicy:
    strategies = {s.name: s for s in (LeastLoaded(), RoundRobin(), FirstRegistrant(), Sticky())}
    return AssignmentPolicy("service_band", BAND_ROLES, strategies,
                            per_tier or {"*": "least_loaded"}, 800)


def m(mid, load=0, capacity=2, role=FM, branch="B1", active=True):
    return Manager(id=mid, load=load, capacity=capacity, role=role, branch=branch,
                   active=active)


def ev(cid, n, current="financial", direction="new", branch="B1", **kw):
    return {"event_id": f"E{n}", "customer_id": cid, "scheme": "service_band",
            "previous": None, "current": current, "direction": direction, "branch": branch,
            "registered_by": None, "display": {"name": "李*"}, **kw}


def assigned(cid, mid, tier="financial", branch="B1", role=FM):
    return {"_id": cid, "manager_id": mid, "role": role, "tier": tier, "branch": branch,
            "reason": "x", "display": {}}


def unit(managers, assignments=(), backlog=(), erased=()):
    return Unit({a["_id"]: a for a in assignments}, list(managers),
                {b["_id"]: b for b in backlog}, set(erased), T0)


def loads_match(u: Unit) -> None:
    """The invariant a commit keeps: load == customers assigned, never above capacity."""
    counted = Counter(a["manager_id"] for a in u.assignments.values() if a)
    for mid, manager in u.managers.items():
        assert manager.load == counted.get(mid, 0), mid
        assert manager.load <= manager.capacity or not manager.active


def test_capacity_respected_across_a_batch_and_the_rest_waits():
    u = unit([m("A"), m("B")])
    plan_events(u, [ev(f"C{n}", n) for n in range(7)], policy())
    assert {mid: x.load for mid, x in u.managers.items()} == {"A": 2, "B": 2}
    loads_match(u)
    waiting = {cid for cid, row in u.backlog.items() if row}
    assert waiting == {"C4", "C5", "C6"}
    assert {u.backlog[c]["reason"] for c in waiting} == {"no maintainer with room"}
    assert len(u.announcements) == 4 and len({a.key for a in u.announcements}) == 4


def test_least_loaded_counts_seats_taken_earlier_in_the_batch():
    u = unit([m("A", capacity=10), m("B", capacity=10)])
    plan_events(u, [ev(f"C{n}", n) for n in range(4)], policy())
    assert [u.assignments[f"C{n}"]["manager_id"] for n in range(4)] == ["A", "B", "A", "B"]


def test_same_customer_twice_in_a_batch_is_seated_once():
    u = unit([m("A"), m("B")])
    plan_events(u, [ev("C1", 1), ev("C1", 2, current="private", direction="up")], policy())
    assert u.assignments["C1"]["manager_id"] == "A" and u.assignments["C1"]["tier"] == "private"
    assert u.managers["A"].load == 1 and u.managers["B"].load == 0
    assert len(u.announcements) == 1


def test_same_customer_seated_then_released_frees_its_seat_in_the_batch():
    u = unit([m("A", capacity=1)])
    plan_events(u, [ev("C1", 1), ev("C1", 2, current="mass", direction="down"), ev("C2", 3)],
                policy())
    assert u.assignments["C1"] is None and u.assignments["C2"]["manager_id"] == "A"
    loads_match(u)
    assert [a.payload["manager_id"] for a in u.announcements] == ["A", None, "A"]


def test_erased_customer_is_not_seated():
    u = unit([m("A")], erased={"C1"})
    plan_events(u, [ev("C1", 1)], policy())
    assert not u.assignments.get("C1") and not u.announcements


def test_merge_releases_absorbed_and_survivor_inherits_its_maintainer():
    u = unit([m("A", load=1)], assignments=[assigned("OLD", "A")])
    removed = ev("OLD", 1, current=None, direction="removed", merged_into="NEW")
    assert customers_named([removed]) == ["OLD", "NEW"]
    plan_events(u, [removed], policy())
    assert u.assignments["OLD"] is None and u.assignments["NEW"]["manager_id"] == "A"
    assert u.managers["A"].load == 1
    loads_match(u)


def test_erasure_removal_is_left_to_the_erasure_handler():
    gone = ev("C1", 1, current=None, direction="removed", reason="erased")
    assert relevant([gone, ev("C2", 2), {**ev("C3", 3), "scheme": "star"}],
                    "service_band") == [ev("C2", 2)]


def test_leavers_customers_move_then_wait_released_from_the_leaver():
    team = [m("L", load=3, capacity=3), m("A", load=1, capacity=2)]
    u = unit(team, assignments=[assigned("C1", "L"), assigned("C2", "L"),
                                assigned("C3", "L"), assigned("X", "A")])
    assert roster.deactivate(u, "L", policy(), "deactivate:L") == {"moved": 1, "backlog": 2}
    assert u.managers["L"] == replace(team[0], active=False, load=0)
    assert u.assignments["C1"]["manager_id"] == "A"
    for cid in ("C2", "C3"):
        assert u.assignments[cid] is None  # no longer assigned to the leaver
        assert u.backlog[cid]["previous_manager_id"] == "L"
    loads_match(u)
    assert [(a.payload["customer_id"], a.payload["previous_manager_id"])
            for a in u.announcements] == [("C1", "L")]


def test_backlog_drain_announces_the_leaver_as_previous_and_stops_on_a_full_team():
    waiting = [{"_id": f"W{n}", "branch": "B1", "tier": "financial", "roles": [FM],
                "reason": "no maintainer with room", "since": T0,
                **({"previous_manager_id": "L"} if n == 0 else {})} for n in range(3)]
    u = unit([m("A", capacity=1)], backlog=waiting)
    assert roster.drain(u, waiting, policy()) == 1
    assert u.assignments["W0"]["manager_id"] == "A" and u.backlog["W0"] is None
    assert u.announcements[0].payload["previous_manager_id"] == "L"
    assert u.backlog["W1"] and u.backlog["W2"]
    loads_match(u)


def test_downgrade_without_room_keeps_active_maintainer_while_waiting():
    u = unit([m("A", load=1, capacity=1), m("D", capacity=0, role="branch_director")],
             assignments=[assigned("C1", "A")])
    plan_events(u, [ev("C1", 1, current="branch", direction="down")], policy())
    assert u.assignments["C1"]["manager_id"] == "A" and u.backlog["C1"]
    loads_match(u)


def test_manual_assignment_respects_capacity_and_moves_the_seat():
    u = unit([m("A", load=1, capacity=1), m("B", load=0, capacity=1)],
             assignments=[assigned("C1", "A")])
    with pytest.raises(ValueError, match="at capacity"):
        roster.assign_manually(u, "C2", "A", "customer-choice")
    assert roster.assign_manually(u, "C1", "B", "customer-choice")["changed"] is True
    assert u.managers["A"].load == 0 and u.managers["B"].load == 1
    loads_match(u)
