"""The groups service under the reliability scenarios of the others: SIGKILLed mid-stream
and restarted, its database stopped mid-stream, and golden-customer events delivered
twice. Each time the groups end exactly as they should: one group per controlling pair,
each announced as formed once (by event_id), nothing parked.
CI size: CRM_FAULT_SIZE pairs / 10 (at least 10)."""
from __future__ import annotations

import os
import signal
import time

import pytest
from stdnum.cn import uscc as stdnum_uscc

from contracts.batches import batch_key
from tests.faults.population import fault_size

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def uscc(n: int) -> str:
    base = f"9144030{n:010d}"
    return base + stdnum_uscc.calc_check_digit(base)


def pairs(scenario: int, count: int) -> list[dict]:
    """2 * count organisations of a scenario: each even one controls the next."""
    out = []
    for i in range(count):
        a, b = scenario * 100_000 + 2 * i, scenario * 100_000 + 2 * i + 1
        for n, rel in ((a, [{"type": "controls", "target": {"uscc": uscc(b)}}]), (b, [])):
            out.append({"source": f"gft{scenario}", "external_id": str(n),
                        "kind": "organization", "name": f"故障测试{n}号公司",
                        "organization": {"uscc": uscc(n)}, "branch": f"GF{scenario}",
                        "relations": rel, "credit": {"limit": "1000000", "as_of": "2026-09-30"}})
    return out


def grouped(stack, scenario: int) -> list[frozenset]:
    ext = {c["customer_id"]: c["members"][0]["external_id"]
           for c in stack.crm_json("export", "clusters")
           if c["members"] and c["members"][0]["source"] == f"gft{scenario}"}
    return [frozenset(ext[m] for m in g["members"])
            for g in stack.crm_json("groups", "list", "--json")
            if any(m in ext for m in g["members"])]


def expected(scenario: int, count: int) -> set[frozenset]:
    base = scenario * 100_000
    return {frozenset({str(base + 2 * i), str(base + 2 * i + 1)}) for i in range(count)}


def check(stack, scenario: int, count: int, changes) -> None:
    """The scenario's groups are exactly its pairs, each formed once (one event id, however
    often it was delivered), and nothing is parked."""
    stack.drain(timeout=600)
    found = grouped(stack, scenario)
    assert len(found) == len(set(found)) == count and set(found) == expected(scenario, count)
    mine = {g["group_id"] for g in stack.crm_json("groups", "list", "--json")
            if g["members"] and g["members"][0] in _ids(stack, scenario)}
    formed: dict[str, set] = {}
    for event in changes.wait_for(len(mine), lambda e: e["change"] == "formed"
                                  and e["group_id"] in mine):
        formed.setdefault(event["group_id"], set()).add(event["event_id"])
    assert set(formed) == mine and all(len(ids) == 1 for ids in formed.values())
    assert stack.crm_json("parked", "list", "groups", "--json") == []


def _ids(stack, scenario: int) -> set[str]:
    return {c["customer_id"] for c in stack.crm_json("export", "clusters")
            if c["members"] and c["members"][0]["source"] == f"gft{scenario}"}


def size() -> int:
    return max(10, fault_size() // 10)


def run_fault(stack, scenario: int, count: int, fault) -> None:
    """Run `fault()`, start what died (`make up` semantics), then check the scenario."""
    changes = stack.subscribe("groups.events", "group.changed")
    try:
        fault()
        stack.up()
        check(stack, scenario, count, changes)
    finally:
        changes.close()


def test_groups_killed_mid_stream(stack):
    count = size()
    records = pairs(1, count)

    def kill() -> None:
        stack.publish_many(records[:count])
        time.sleep(1.5)
        assert stack.signal_service("groups", signal.SIGKILL) is not None
        stack.publish_many(records[count:])

    run_fault(stack, 1, count, kill)


def test_groups_database_down_mid_stream(stack):
    count = size()

    def outage() -> None:
        stack.publish_many(pairs(2, count))
        time.sleep(2)
        stack.stop_db()
        time.sleep(float(os.environ.get("CRM_FAULT_DB_DOWN", "15")))
        stack.start_db()
        time.sleep(5)

    run_fault(stack, 2, count, outage)


def test_golden_customer_events_delivered_twice_change_nothing(stack):
    count = size()
    stack.publish_many(pairs(3, count))
    stack.drain(timeout=600)
    before = stack.crm_json("groups", "list", "--json")
    db = stack.db("groups")
    try:
        parties = list(db["parties"].find({"branch": "GF3"}))
    finally:
        db.client.close()
    assert len(parties) == 2 * count
    changes = stack.subscribe("groups.events", "group.changed")
    try:
        # dedup's events for these customers delivered a second time, then a new pair whose
        # group forming marks that the groups service has handled everything before it
        stack.publish_many([registered(p) for p in parties],
                           routing_key=batch_key("customer.registered"), exchange="dedup.events")
        stack.publish_many(pairs(4, 1))
        ours = {g["group_id"] for g in before}
        changes.assert_none_before(
            lambda e: e["change"] == "formed" and e["group_id"] not in ours,
            lambda e: e["group_id"] in ours)
    finally:
        changes.close()
    stack.drain(timeout=300)
    assert [g for g in stack.crm_json("groups", "list", "--json") if g["group_id"] in ours] \
        == before


def registered(party: dict) -> dict:
    """customer.registered as dedup sent it for this party (same revision, same data)."""
    return {"event_id": f"redelivered-{party['_id']}", "occurred_at": "2026-12-01T00:00:00+00:00",
            "schema_version": "1", "correlation_id": "redelivery", "record_id": "x:y",
            "customer": {"customer_id": party["_id"], "kind": party["kind"],
                         "branch": party["branch"], "revision": party["revision"],
                         "display": {"name": party.get("name")},
                         "organization": party.get("organization"),
                         "relations": party["relations"], "party_keys": party["party_keys"],
                         "credit": party.get("credit")}}
