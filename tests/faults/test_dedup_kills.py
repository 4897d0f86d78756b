"""Dedup SIGKILLed again and again while a population with 30 % duplicates goes through.

Issue 15, fault (a). A third of the duplicated people first arrive as two records
that cannot be linked (national id only; phone only), and a third record bridges
them later, so dedup has to merge two existing customers (retire one of them) while
it is being killed. Afterwards, waiting for that result (never for a quiet window):
every record belongs to exactly one active customer and each person to one, no
absorbed customer is active, tiers and assignments exist only for active customers
(and every active customer has them), and each maintainer's `load` equals the
customers assigned to them. CI size: CRM_FAULT_SIZE records (default 300).
"""
from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from tests.faults.population import SCHEMES, Population, fault_size

pytestmark = [pytest.mark.integration, pytest.mark.faults]

KILLS = 3
DEADLINE = 300  # seconds: longer than an outbox lease (60 s) and several sweeps


def population() -> tuple[Population, list[list[dict]], dict[tuple[str, str], int]]:
    """(people, records in publishing chunks, record (source, external id) -> person).

    30 % of the records are duplicates: `k` people come as three records each (ID
    only, phone only, then the full record that bridges them), the rest as one."""
    size = fault_size()
    k = (size * 3 // 10) // 2
    pop = Population("dedup-kills", slot=11, size=size - 2 * k, branch="DK11")
    person: dict[tuple[str, str], int] = {}
    split, bridges, singles = [], [], []
    for n, full in enumerate(pop.records()):
        person[("core", full["external_id"])] = n
        if n >= k:
            singles.append(full)
            continue
        common = {kk: full[kk] for kk in ("name", "branch", "registered_by", "financials",
                                          "intent")}
        # the phone-only record registered first: it owns the customer after the merge
        only_id = {**common, "source": "dkid", "external_id": f"DK11-id-{n}",
                   "national_id": full["national_id"], "registered_at": "2024-06-01T09:00:00"}
        only_phone = {**common, "source": "dkph", "external_id": f"DK11-ph-{n}",
                      "phones": full["phones"], "registered_at": "2024-03-01T09:00:00"}
        person[("dkid", only_id["external_id"])] = person[("dkph", only_phone["external_id"])] = n
        split += [only_id, only_phone]
        bridges.append(full)
    third = -(-len(singles) // 3)
    half = -(-len(bridges) // 2)
    chunks = [split + singles[:third], bridges[:half] + singles[third:2 * third],
              bridges[half:] + singles[2 * third:]]
    return pop, chunks, person


def check(stack, pop: Population,
          person: dict[tuple[str, str], int]) -> tuple[list[str], int, int]:
    """(every way the stores disagree with the expected end state, records in exactly
    one active customer, extra customers holding a record)."""
    dedup, tiering, assignment = stack.db("dedup"), stack.db("tiering"), stack.db("assignment")
    try:
        ours = list(dedup.customers.find({"member_records.external_id": {
            "$in": [ext for _, ext in person]}}))
        ids = {c["_id"] for c in ours} | {m for c in ours for m in c.get("merged_ids") or ()}
        active = {c["_id"]: c for c in ours if c.get("active")}
        tiers = list(tiering.tiers.find({"customer_id": {"$in": list(ids)}}))
        assigned = list(assignment.assignments.find({"_id": {"$in": list(ids)}}))
        waiting = {b["_id"] for b in assignment.backlog.find({"_id": {"$in": list(ids)}})}
        managers = list(assignment.managers.find({"_id": {"$in": pop.managers}}))
        per_manager = Counter(a["manager_id"] for a in assignment.assignments.find(
            {"manager_id": {"$in": pop.managers}}))
    finally:
        for db in (dedup, tiering, assignment):
            db.client.close()
    problems: list[str] = []
    holders: dict[tuple[str, str], list[str]] = {}
    for c in active.values():
        for m in c.get("member_records") or ():
            holders.setdefault((m["source"], m["external_id"]), []).append(c["_id"])
    placed = {r: h for r, h in holders.items() if r in person}
    if len(placed) != len(person):
        problems.append(f"{len(person) - len(placed)} records in no active customer")
    if twice := [r for r, h in placed.items() if len(h) > 1]:
        problems.append(f"{len(twice)} records in several active customers: {twice[:3]}")
    customers_of = Counter(frozenset(h[0] for r, h in placed.items() if person[r] == p)
                           for p in set(person.values()))
    split = sum(1 for cs in customers_of if len(cs) > 1)
    if split:
        problems.append(f"{split} people spread over several customers")
    if len(active) != len(set(person.values())):
        problems.append(f"{len(active)} active customers for {len(set(person.values()))} people")
    absorbed = {m for c in ours for m in c.get("merged_ids") or ()} | \
        {c["_id"] for c in ours if c.get("merged_into")}
    if still := absorbed & set(active):
        problems.append(f"{len(still)} absorbed customers still active: {sorted(still)[:3]}")
    if stale := {t["customer_id"] for t in tiers} - set(active):
        problems.append(f"tiers of {len(stale)} customers that are not active: {sorted(stale)[:3]}")
    tiered = Counter(t["customer_id"] for t in tiers if t["customer_id"] in active)
    if untiered := [c for c in active if tiered[c] != len(SCHEMES)]:
        problems.append(f"{len(untiered)} active customers without their {len(SCHEMES)} tiers")
    seated = {a["_id"] for a in assigned}
    if stale := (seated | waiting) - set(active):
        problems.append(f"assignments or backlog rows of {len(stale)} inactive customers: "
                        f"{sorted(stale)[:3]}")
    if unplaced := set(active) - seated - waiting:
        problems.append(f"{len(unplaced)} active customers neither assigned nor waiting")
    for m in managers:
        if m.get("load") != per_manager[m["_id"]]:
            problems.append(f"{m['_id']}: load {m.get('load')} but "
                            f"{per_manager[m['_id']]} customers assigned")
    accounted = sum(1 for h in placed.values() if len(h) == 1)
    return problems, accounted, sum(len(h) - 1 for h in placed.values())


def leftovers(stack) -> str:
    """Pending outbox rows and parked messages of every service, for a failure."""
    out = []
    for service in ("ingestion", "dedup", "tiering", "assignment", "notification", "groups"):
        db = stack.db(service)
        try:
            pending = db.outbox.count_documents({"sent": False})
            parked = [(p.get("entrypoint"), p.get("reason")) for p in db.parked.find().limit(5)]
        finally:
            db.client.close()
        out.append(f"{service}: {pending} outbox rows pending, parked {parked}")
    return "; ".join(out)


def test_dedup_killed_while_duplicates_merge(stack):
    pop, chunks, person = population()
    pop.add_managers(stack)
    for chunk in chunks:
        stack.publish_many(chunk, user="upstream")
        time.sleep(1.5)
        assert stack.signal_service("dedup", signal.SIGKILL) is not None, "dedup not running"
        stack.up()  # restarts exactly what is not running
    deadline = time.monotonic() + DEADLINE
    while True:
        problems, accounted, duplicates = check(stack, pop, person)
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(5)
    print(f"\nscenario dedup-kills: sent {len(person)}, accounted {accounted}, "
          f"duplicates {duplicates}", flush=True)
    assert not problems, f"{problems}; {leftovers(stack)}"
