"""Who maintains whom, against the real broker and database (issue 7)."""
from __future__ import annotations

import pytest

from tests.assignment.helpers import (add_manager, assignments, backlog, customer_ids,
                                      eventually, managers)
from tests.assignment.people import person, unique_branch

pytestmark = pytest.mark.integration


def publish_all(stack, records):
    for record in records:
        stack.publish(record)
    stack.drain()
    return customer_ids(stack, records)


def test_band_decides_role_and_mass_gets_nobody(stack):
    b = unique_branch("BR")
    for mid, role in (("W", "wealth_manager"), ("F", "financial_manager"),
                      ("D", "branch_director"), ("S", "branch_staff")):
        add_manager(stack, f"{b}-{mid}", role, b)
    records = {"private": person(b, 3_000_000), "financial": person(b, 500_000),
               "branch": person(b, 150_000), "staff": person(b, 70_000, birth="1985-05-05"),
               "old": person(b, 70_000, birth="1950-05-05"), "mass": person(b, 10_000)}
    ids = publish_all(stack, list(records.values()))
    cid = {k: ids[r["external_id"]] for k, r in records.items()}
    got = eventually(lambda: (a := assignments(stack, b)) and len(a) >= 4 and a, 30)
    assert {k: got[cid[k]]["manager_id"] for k in ("private", "financial", "branch", "staff")} \
        == {"private": f"{b}-W", "financial": f"{b}-F", "branch": f"{b}-D", "staff": f"{b}-S"}
    assert got[cid["financial"]]["role"] == "financial_manager"
    assert got[cid["private"]]["tier"] == "private"
    assert cid["old"] not in got and cid["mass"] not in got  # 60+ at 70k and mass: nobody
    assert not backlog(stack, b)


def test_least_loaded_spreads_evenly(stack):
    b = unique_branch("LL")
    for i in range(3):
        add_manager(stack, f"{b}-{i}", "financial_manager", b, capacity=10)
    publish_all(stack, [person(b, 400_000) for _ in range(9)])
    loads = eventually(lambda: (m := managers(stack, b)) and
                       sum(x["load"] for x in m.values()) == 9 and m, 30)
    assert sorted(x["load"] for x in loads.values()) == [3, 3, 3]
    exported = assignments(stack, b)
    assert {mid: sum(a["manager_id"] == mid for a in exported.values()) for mid in loads} == \
        {mid: 3 for mid in loads}


def test_first_registrant_keeps_prospect_while_there_is_room(stack):
    b = unique_branch("FR")
    add_manager(stack, f"{b}-REG", "financial_manager", b, capacity=2)
    add_manager(stack, f"{b}-OTHER", "financial_manager", b, capacity=10)
    first = [person(b, 300_000, registered_by=f"{b}-REG") for _ in range(2)]
    ids = publish_all(stack, first[:1])
    ids.update(publish_all(stack, first[1:]))  # REG now busier: least-loaded would pick OTHER
    late = person(b, 300_000, registered_by=f"{b}-REG")
    ids.update(publish_all(stack, [late]))
    got = eventually(lambda: (a := assignments(stack, b)) and len(a) == 3 and a, 30)
    assert [got[ids[r["external_id"]]]["manager_id"] for r in first] == [f"{b}-REG"] * 2
    assert got[ids[late["external_id"]]]["manager_id"] == f"{b}-OTHER"  # registrant is full


def test_upgrade_keeps_maintainer_and_customer_choice_moves(stack):
    b = unique_branch("UP")
    add_manager(stack, f"{b}-FM", "financial_manager", b)
    add_manager(stack, f"{b}-WM", "wealth_manager", b)
    record = person(b, 500_000)
    cid = publish_all(stack, [record])[record["external_id"]]
    assert eventually(lambda: assignments(stack, b).get(cid))["manager_id"] == f"{b}-FM"
    events = stack.subscribe("assignment.events", "customer.assigned")
    try:
        stack.publish({**record, "financials": {"avg_daily_assets": 3_500_000,
                                                "has_relationship": True}})
        stack.drain()
        eventually(lambda: any(t["customer_id"] == cid and t["tier"] == "private"
                               for t in stack.crm_json("export", "tiers")), 60)
        now = assignments(stack, b)[cid]
        assert (now["manager_id"], now["tier"]) == (f"{b}-FM", "private")
        stack.crm("assign", cid, f"{b}-WM", "--reason", "customer-choice")
        events.assert_none_before(  # no forced migration on upgrade, before the chosen move
            marker=lambda e: e["customer_id"] == cid and e["reason"] == "customer-choice",
            unwanted=lambda e: e["customer_id"] == cid)
    finally:
        events.close()
    after = assignments(stack, b)[cid]
    assert (after["manager_id"], after["reason"]) == (f"{b}-WM", "customer-choice")
    loads = {m: x["load"] for m, x in managers(stack, b).items()}
    assert loads == {f"{b}-FM": 0, f"{b}-WM": 1}
    history = stack.crm_json("assignments", "history", cid, "--json")
    assert [h["manager_id"] for h in history] == [f"{b}-FM", f"{b}-WM"]
