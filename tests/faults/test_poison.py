"""A poison message does not block its queue: it is parked once, with its reason,
and can be replayed.

A `customer.registered` event that breaks the contract is published to
`dedup.events` twice (a redelivery); tiering must park it after a bounded number of
attempts (a contract violation: one), keep one parked row for it, and go on with
the customers published right behind it. Replaying it (still invalid) parks it
again under the same row instead of looping or doubling.
"""
from __future__ import annotations

import uuid

import pytest

from contracts.batches import batch_key
from tests.faults.population import Population, fault_size, report, settle

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def parked(stack) -> dict[str, dict]:
    return {r["id"]: r for r in stack.crm_json("parked", "list", "tiering", "--json")}


def test_poison_message_is_parked_once_and_replayable(stack):
    pop = Population("poison", slot=5, size=min(fault_size(), 100))
    pop.add_managers(stack)
    before = parked(stack)
    poison = {"event_id": str(uuid.uuid4()), "occurred_at": "2026-11-24T00:00:00+00:00",
              "schema_version": 1, "correlation_id": "poison",
              "customer": {"customer_id": 42, "revision": "many"}, "record_id": None}
    stack.publish_many([poison, poison], routing_key=batch_key("customer.registered"),
                       exchange="dedup.events")
    stack.publish_many(pop.records(), user="upstream")
    result = settle(stack, pop)
    new = {k: v for k, v in parked(stack).items() if k not in before}
    assert len(new) == 1, f"expected the poison parked once, got {list(new.values())}"
    (parked_id, row), = new.items()
    assert row["entrypoint"] == "on_registered" and "ValidationError" in row["reason"], row
    replayed = stack.crm("parked", "replay", "tiering", parked_id).stdout
    assert "replayed 1" in replayed, replayed
    again = {k: v for k, v in parked(stack).items() if k not in before}
    assert list(again) == [parked_id], f"replay must re-park under the same row: {again}"
    report("poison", result)
