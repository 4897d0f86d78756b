"""The same events delivered twice: no duplicate record, tier event, assignment or
notification.

Two kinds of duplicates: the whole intake published twice by upstream, and every
`customer.ingested` event delivered a second time to dedup (what a redelivery after
a lost ack looks like). Subscribers on `tiering.events` and `assignment.events`
count what went out. CI size: CRM_FAULT_SIZE (default 300); full size
`CRM_FAULT_SIZE=10000 make test-faults`.
"""
from __future__ import annotations

from collections import Counter

import pytest

from contracts.batches import batch_key, batch_message
from tests.faults.population import Population, fault_size, report, settle

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def test_intake_and_events_delivered_twice(stack):
    pop = Population("duplicates", slot=4, size=fault_size())
    pop.add_managers(stack)
    ingested = stack.subscribe("ingestion.events", "customer.ingested")
    tiers = stack.subscribe("tiering.events", "tier.changed")
    assigned = stack.subscribe("assignment.events", "customer.assigned")

    def mine(event: dict) -> bool:
        return event.get("branch") == pop.branch

    try:
        records = pop.records()
        stack.publish_many(records, user="upstream")
        stack.publish_many(records, user="upstream")
        settle(stack, pop)
        events = ingested.wait_for(pop.size, mine, deadline=300)
        assert len(events) == pop.size, f"{len(events)} customer.ingested for {pop.size} records"
        stack.publish_many([batch_message("customer.ingested", events)],  # a batch redelivered
                          routing_key=batch_key("customer.ingested"), exchange="ingestion.events")
        result = settle(stack, pop)
        tier_events = tiers.wait_for(lambda got: len({(e["customer_id"], e["scheme"])
                                                      for e in got}) >= 3 * pop.size,
                                     mine, deadline=300)
        assign_events = assigned.wait_for(1, mine)  # settled: the rest is queued beside it
    finally:
        for sub in (ingested, tiers, assigned):
            sub.close()
    per_tier = Counter((e["customer_id"], e["scheme"]) for e in tier_events)
    per_assign = Counter(e["customer_id"] for e in assign_events)
    result.duplicates += sum(c - 1 for c in per_tier.values()) + \
        sum(c - 1 for c in per_assign.values())
    assert len(per_tier) == 3 * pop.size, f"{len(per_tier)} tier keys for {pop.size} customers"
    assert per_assign, "no customer.assigned event seen: the subscriber saw nothing"
    report("duplicates", result)
