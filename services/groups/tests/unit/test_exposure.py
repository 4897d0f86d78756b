"""Exposure, limit, lead branch and warnings (pure), and the plan's events."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import jsonschema

from contracts import names
from contracts.export import json_schemas
from contracts.schemas import build_event
from groups.dependencies import limits_from
from groups.domain.exposure import crossings, exposure, lead_branch, quarter_end
from groups.domain.grouping import Component, reconcile
from groups.domain.party import absorbed, apply_snapshot
from groups.domain.plan import plan_groups
from groups.domain.ports import Tie

LIMITS = limits_from({"net_capital": "1000000", "limit_share": "0.15",
                      "warning_levels": [0.8, 1.0], "escalation_amount": "140000"})
TODAY = date(2026, 12, 2)


def party(cid, branch, history=(), limit=None, outstanding=None):
    return {"_id": cid, "branch": branch, "credit_history": list(history),
            "credit": {"limit": limit, "outstanding": outstanding}}


def test_limit_and_exposure():
    assert LIMITS.limit == Decimal("150000.00")
    assert exposure([party("A", "B1", limit="100.00", outstanding="150.00"),
                     party("B", "B2", limit="50.00"), party("C", "B3")]) == Decimal("200.00")


def test_quarter_end():
    assert quarter_end(TODAY) == date(2026, 9, 30)
    assert quarter_end(date(2026, 1, 5)) == date(2025, 12, 31)
    assert quarter_end(date(2026, 3, 31)) == date(2025, 12, 31)


def test_lead_branch_is_the_largest_outstanding_at_the_quarter_end():
    a = party("A", "BJ", [{"as_of": "2026-09-30", "outstanding": "50.00", "branch": "BJ"}],
              outstanding="50.00")
    b = party("B", "SH", [{"as_of": "2026-09-30", "outstanding": "80.00", "branch": "SH"},
                          {"as_of": "2026-11-30", "outstanding": "10.00", "branch": "SH"}],
              outstanding="10.00")
    c = party("C", "GZ", [{"as_of": "2026-11-30", "outstanding": "900.00", "branch": "GZ"}],
              outstanding="900.00")
    assert lead_branch([a, b, c], TODAY) == "SH"          # after the quarter end: no say
    b_paid = {**b, "credit": {"outstanding": "0.00"}}
    assert lead_branch([a, b_paid, c], TODAY) == "BJ"     # none left: the next one
    assert lead_branch([c], TODAY) == "GZ"                # no quarter-end figures: today's
    assert lead_branch([party("D", "X")], TODAY) is None


def test_warnings_fire_once_per_upward_crossing():
    reached, new = crossings(Decimal("125000"), LIMITS, [])
    assert reached == ["80%"] and [n for n, _, _ in new] == ["80%"]
    reached, new = crossings(Decimal("160000"), LIMITS, reached)
    assert reached == ["80%", "escalation", "100%"] and [n for n, _, _ in new] == \
        ["escalation", "100%"]
    assert crossings(Decimal("160000"), LIMITS, reached)[1] == []
    assert crossings(Decimal("10"), LIMITS, reached) == ([], [])


def test_plan_events_validate_against_their_json_schemas():
    parties = {"A": party("A", "BJ", limit="100000.00"), "B": party("B", "SH", limit="30000.00")}
    outcomes, _ = reconcile([], [Component(["A", "B"], [Tie("A", "B", "control", "A controls B")])])
    plan = plan_groups(outcomes, [], [], parties, LIMITS, TODAY)
    assert [p["change"] for _, p in plan.changed] == ["formed"]
    assert [p["level"] for _, p in plan.warnings] == ["80%"]
    docs = json_schemas()
    for event_type, rows in ((names.GROUP_CHANGED, plan.changed),
                             (names.GROUP_LIMIT_WARNING, plan.warnings)):
        for _, payload in rows:
            jsonschema.validate(build_event(event_type, payload), docs[event_type])
    again = plan_groups(*reconcile(plan.rows, [Component(["A", "B"], [])]), plan.rows,
                        parties, LIMITS, TODAY)
    assert again.changed == [] and again.warnings == []


def test_snapshots_are_applied_in_revision_order_and_keep_credit_history():
    first = apply_snapshot({"customer_id": "A", "revision": 2, "branch": "BJ",
                            "credit": {"outstanding": "5.00", "as_of": "2026-09-30"}}, None)
    assert apply_snapshot({"customer_id": "A", "revision": 1}, first) is None
    later = apply_snapshot({"customer_id": "A", "revision": 3, "branch": "SH",
                            "credit": {"outstanding": "7.00", "as_of": "2026-11-30"}}, first)
    assert [h["branch"] for h in later["credit_history"]] == ["BJ", "SH"]
    gone = absorbed("A", "S", later)
    assert not gone["active"] and apply_snapshot({"customer_id": "A", "revision": 9}, gone) is None
