"""Issue 15 item 4: assignment in batches, seats and assignments committed together.

Read from assignment's own collections, not through its RPCs: after a burst for a
small team every maintainer's `load` equals the customers assigned to them, and a
leaver whose customers nobody can take ends up with none, the customers waiting in
the backlog (not assigned to the leaver and waiting at the same time).
"""
from __future__ import annotations

from collections import Counter

import pytest

from tests.assignment.helpers import add_manager, customer_ids, eventually
from tests.assignment.people import person, unique_branch

pytestmark = pytest.mark.integration

TEAM, CAPACITY, BURST = 3, 4, 20


def state(stack, branch: str) -> tuple[dict, dict, dict]:
    """(maintainers by id, assignments by customer, backlog by customer) of a branch."""
    db = stack.db("assignment")
    try:
        managers = {m["_id"]: m for m in db["managers"].find({"branch": branch})}
        assigned = {a["_id"]: a for a in db["assignments"].find({"branch": branch})}
        waiting = {b["_id"]: b for b in db["backlog"].find({"branch": branch})}
    finally:
        db.client.close()
    return managers, assigned, waiting


def assert_loads_match(managers: dict, assigned: dict) -> None:
    counted = Counter(a["manager_id"] for a in assigned.values())
    assert {mid: m.get("load", 0) for mid, m in managers.items()} == \
        {mid: counted.get(mid, 0) for mid in managers}
    assert all(m.get("load", 0) <= m["capacity"] for m in managers.values())


def test_burst_keeps_load_equal_to_assignments_then_leaver_goes_to_backlog(stack):
    b = unique_branch("BAT")
    for i in range(TEAM):
        add_manager(stack, f"{b}-{i}", "financial_manager", b, capacity=CAPACITY)
    records = [person(b, 400_000) for _ in range(BURST)]
    stack.publish_many(records)  # one burst: batches of several customers for one team
    ids = set(customer_ids(stack, records).values())

    def settled():
        managers, assigned, waiting = state(stack, b)
        return (managers, assigned, waiting) if set(assigned) | set(waiting) == ids else None
    managers, assigned, waiting = eventually(settled, 180, 1)
    assert_loads_match(managers, assigned)
    assert len(assigned) == TEAM * CAPACITY and len(waiting) == BURST - TEAM * CAPACITY
    assert not set(assigned) & set(waiting)

    leaver = f"{b}-0"
    theirs = {cid for cid, a in assigned.items() if a["manager_id"] == leaver}
    assert len(theirs) == CAPACITY
    out = stack.crm("managers", "deactivate", leaver, "--yes").stdout
    assert f"0 customers moved, {CAPACITY} waiting" in out  # every colleague is full

    managers, assigned, waiting = state(stack, b)
    assert managers[leaver]["active"] is False and managers[leaver]["load"] == 0
    assert not any(a["manager_id"] == leaver for a in assigned.values())
    assert theirs <= set(waiting) and not theirs & set(assigned)
    assert {waiting[c].get("previous_manager_id") for c in theirs} == {leaver}
    assert_loads_match(managers, assigned)

    stack.crm("managers", "update", f"{b}-1", "--capacity", str(CAPACITY + 2))
    managers, assigned, waiting = eventually(
        lambda: (s := state(stack, b)) and len(s[1]) == (TEAM - 1) * CAPACITY + 2 and s, 60)
    assert_loads_match(managers, assigned)
    assert set(assigned) | set(waiting) == ids and not set(assigned) & set(waiting)
