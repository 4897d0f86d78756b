"""Capacity as a hard limit with several replicas, the backlog, leavers, the roster file."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.assignment.helpers import (add_manager, assignments, backlog, customer_ids,
                                      eventually, managers)
from tests.assignment.people import person, unique_branch

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def replicas(stack):
    """Two more assignment processes on the same queues (three in all)."""
    return [stack.start_replica("assignment") for _ in range(2)]


def check_loads_match_export(stack, branch):
    loads = {m: x["load"] for m, x in managers(stack, branch).items()}
    counted = Counter(a["manager_id"] for a in assignments(stack, branch).values())
    assert loads == {m: counted.get(m, 0) for m in loads}
    return loads


def test_capacity_never_exceeded_by_concurrent_replicas_then_backlog_drains(stack, replicas):
    b = unique_branch("CAP")
    for i in range(3):
        add_manager(stack, f"{b}-{i}", "financial_manager", b, capacity=5)
    records = [person(b, 250_000 + i) for i in range(30)]
    for record in records:  # published at once: the replicas assign concurrently
        stack.publish(record)
    stack.drain()
    ids = customer_ids(stack, records)
    eventually(lambda: len(assignments(stack, b)) + len(backlog(stack, b)) == 30, 60)
    loads = check_loads_match_export(stack, b)
    assert max(loads.values()) <= 5 and sum(loads.values()) == 15
    waiting = backlog(stack, b)
    assert len(waiting) == 15
    assert {w["customer_id"] for w in waiting} | set(assignments(stack, b)) == set(ids.values())
    assert {(w["role"], w["reason"]) for w in waiting} == {
        ("financial_manager", "no maintainer with room")}

    stack.crm("managers", "update", f"{b}-0", "--capacity", "8")  # raised capacity
    eventually(lambda: len(backlog(stack, b)) == 12, 60)
    add_manager(stack, f"{b}-NEW", "financial_manager", b, capacity=20)  # a new maintainer
    eventually(lambda: not backlog(stack, b), 60)
    loads = check_loads_match_export(stack, b)
    assert loads == {f"{b}-0": 8, f"{b}-1": 5, f"{b}-2": 5, f"{b}-NEW": 12}
    reasons = Counter(a["reason"] for a in assignments(stack, b).values())
    assert reasons["from backlog: capacity appeared"] == 15


def test_deactivation_redistributes_every_customer(stack, replicas):
    b = unique_branch("DEA")
    for i in range(3):
        add_manager(stack, f"{b}-{i}", "financial_manager", b, capacity=4)
    records = [person(b, 600_000) for _ in range(9)]
    for record in records:
        stack.publish(record)
    stack.drain()
    customer_ids(stack, records)
    before = eventually(lambda: (a := assignments(stack, b)) and len(a) == 9 and a, 60)
    leaving = [c for c, a in before.items() if a["manager_id"] == f"{b}-0"]
    assert len(leaving) == 3
    events = stack.subscribe("assignment.events", "customer.assigned")
    try:
        out = stack.crm("managers", "deactivate", f"{b}-0", "--yes").stdout
        got = events.wait_for(2, lambda e: e["customer_id"] in leaving)
    finally:
        events.close()
    assert "2 customers moved, 1 waiting" in out  # 2 x capacity 4 = room for 2 more
    assert len({e["customer_id"] for e in got}) == 2  # two distinct customers moved
    assert len(got) == 2 and {e["previous_manager_id"] for e in got} == {f"{b}-0"}
    assert all(e["reason"] == f"maintainer {b}-0 deactivated" for e in got)
    waiting = backlog(stack, b)
    assert len(waiting) == 1 and waiting[0]["customer_id"] in leaving

    events = stack.subscribe("assignment.events", "customer.assigned")
    try:
        add_manager(stack, f"{b}-3", "financial_manager", b, capacity=4)
        eventually(lambda: not backlog(stack, b), 60)
        last = events.wait_for(1, lambda e: e["customer_id"] in leaving)
    finally:
        events.close()
    assert [(e["manager_id"], e["previous_manager_id"]) for e in last] == [(f"{b}-3", f"{b}-0")]
    after = assignments(stack, b)
    assert len(after) == 9 and all(a["manager_id"] != f"{b}-0" for a in after.values())
    roster = managers(stack, b)
    assert roster[f"{b}-0"]["active"] is False and roster[f"{b}-0"]["load"] == 0
    assert max(m["load"] for m in roster.values()) <= 4
    check_loads_match_export(stack, b)


def test_roster_import_english_and_chinese_headers_is_idempotent(stack, tmp_path):
    b = unique_branch("IMP")
    english = tmp_path / "roster.csv"
    english.write_text(f"id,name,role,branch,capacity\n{b}-1,Li Wei,financial_manager,{b},600\n"
                       f"{b}-2,Wang Fang,branch_staff,{b},\n", encoding="utf-8")
    chinese = tmp_path / "花名册.csv"
    chinese.write_text(f"工号,姓名,角色,网点,容量\n{b}-3,张伟,理财经理,{b},700\n",
                       encoding="utf-8")
    assert "2 created, 0 updated, 0 unchanged" in stack.crm("managers", "import",
                                                            str(english)).stdout
    assert "1 created" in stack.crm("managers", "import", str(chinese)).stdout
    assert "0 created, 0 updated, 2 unchanged" in stack.crm("managers", "import",
                                                            str(english)).stdout
    assert "0 created, 0 updated, 1 unchanged" in stack.crm("managers", "import",
                                                            str(chinese)).stdout
    rows = stack.crm_json("managers", "list", "--branch", b, "--json")
    assert all(set(r) == {"id", "name", "role", "branch", "capacity", "active", "load"}
               for r in rows)
    assert {r["id"]: (r["name"], r["role"], r["capacity"], r["active"]) for r in rows} == {
        f"{b}-1": ("Li Wei", "financial_manager", 600, True),
        f"{b}-2": ("Wang Fang", "branch_staff", 800, True),  # default capacity
        f"{b}-3": ("张伟", "financial_manager", 700, True)}


def test_managers_load_reports_customers_capacity_utilization(stack):
    b = unique_branch("LD")
    add_manager(stack, f"{b}-1", "financial_manager", b, capacity=4)
    records = [person(b, 300_000) for _ in range(2)]
    for record in records:
        stack.publish(record)
    stack.drain()
    customer_ids(stack, records)
    rows = eventually(lambda: (r := stack.crm_json("managers", "load", "--branch", b, "--json"))
                      and r[0]["customers"] == 2 and r, 30)
    assert rows == [{"id": f"{b}-1", "branch": b, "role": "financial_manager", "customers": 2,
                     "capacity": 4, "utilization": "50%"}]
    table = stack.crm("managers", "load", "--branch", b).stdout
    assert f"{b}-1" in table and "50%" in table and json.dumps(rows)  # human table as well
