"""The outbox against the real database when the broker returns an event as unroutable
(nameko's UndeliverableMessage): the row stays pending with its lease given up, the
other rows of its type wait for the next sweep untried, other types still go out, and
the return is counted in crm_events_unroutable_total."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from nameko.amqp.publish import UndeliverableMessage
from prometheus_client import REGISTRY

from common.events import Outbox

pytestmark = pytest.mark.integration


def row(n: int, event_type: str) -> dict:
    now = datetime.now(timezone.utc)
    return {"_id": f"e{n}", "type": event_type, "body": {"n": n}, "sent": False,
            "created_at": now - timedelta(minutes=10), "lease_until": now + timedelta(minutes=5)}


def returned() -> float:
    return REGISTRY.get_sample_value("crm_events_unroutable_total",
                                     {"service": "test", "event_type": "customer.assigned"}) or 0.0


def test_an_unroutable_event_stays_pending_and_the_others_go_out(outbox_collection):
    rows = [row(0, "customer.assigned"), row(1, "tier.changed"), row(2, "customer.assigned"),
            row(3, "tier.changed")]
    outbox_collection.insert_many(rows)
    tried: list[int] = []

    def no_queue_for_assigned(kind: str, body: dict) -> None:
        tried.append(body["n"])
        if kind == "customer.assigned":
            raise UndeliverableMessage()

    before = returned()
    assert Outbox(outbox_collection, no_queue_for_assigned, "test")._publish(rows) == 2
    assert tried == [0, 1, 3], "the second customer.assigned was tried despite the return"
    assert returned() == before + 1
    state = {r["_id"]: r for r in outbox_collection.find()}
    assert [k for k, r in sorted(state.items()) if r["sent"]] == ["e1", "e3"]
    now = datetime.now(timezone.utc)
    assert all(state[k]["lease_until"] <= now for k in ("e0", "e2")), "lease kept"

    # the queue is back: the next sweep sends both, once
    published: list[int] = []
    sweeper = Outbox(outbox_collection, lambda kind, body: published.append(body["n"]), "test")
    assert sweeper.flush_pending(older_than=0) == 2
    assert sorted(published) == [0, 2]
    assert outbox_collection.count_documents({"sent": False}) == 0
