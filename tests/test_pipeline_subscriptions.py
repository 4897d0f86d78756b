"""contracts.subscriptions is what the service classes really consume (no broker needed).

The outbox publishes batch messages (contracts.batches) of exactly the event types of this
map, with `mandatory=True`: a type missing from it would not reach the pipeline at all, a
type listed without a subscriber would be held back for ever on a broker with no queue
for it.
"""
from __future__ import annotations

import importlib
from collections import defaultdict

import pytest

from contracts import names
from contracts.batches import batch_key
from contracts.schemas import EVENTS
from common.batch import BatchEventHandler
from contracts.subscriptions import (ONE_BY_ONE, PIPELINE_SUBSCRIBERS, in_batches,
                                      must_be_routed, pipeline_subscribers)
from tools.stack.__main__ import SERVICES


def consumed_by_classes() -> dict[str, set[str]]:
    """event type -> the services whose class has an @event_handler for it; also checks
    each handler listens on the exchange the contracts give its event type."""
    out: dict[str, set[str]] = defaultdict(set)
    for service in SERVICES:
        module = importlib.import_module(f"{service}.service")
        cls = next(v for v in vars(module).values()
                   if isinstance(v, type) and getattr(v, "name", None) == service)
        for attr in dir(cls):
            for entry in getattr(getattr(cls, attr, None), "nameko_entrypoints", ()):
                if getattr(entry, "source_service", None):
                    assert EVENTS[entry.event_type][0] == f"{entry.source_service}.events", \
                        f"{service}.{attr} listens to {entry.event_type} on the wrong exchange"
                    assert isinstance(entry, BatchEventHandler) == in_batches(entry.event_type), \
                        f"{service}.{attr}: batch handlers take batch messages, see ONE_BY_ONE"
                    out[entry.event_type].add(service)
    return out


def test_map_equals_what_the_service_classes_consume():
    actual = consumed_by_classes()
    assert actual, "no @event_handler found?"
    assert {k: set(v) for k, v in PIPELINE_SUBSCRIBERS.items()} == dict(actual), (
        "update contracts/contracts/subscriptions.py (and tools/stack/access.py HANDLERS)")


def test_every_subscribed_type_is_a_contract_event_and_subscribers_are_services():
    for event_type, services in PIPELINE_SUBSCRIBERS.items():
        assert event_type in EVENTS
        assert services and set(services) <= set(SERVICES)
        assert len(set(services)) == len(services)


def test_only_subscribed_types_must_be_routed():
    assert must_be_routed(names.CUSTOMER_ASSIGNED)
    assert pipeline_subscribers(names.TIER_CHANGED) == ("assignment", "notification", "campaigns", "reporting")
    for outside_only in (names.NOTIFICATION_SENT, names.NOTIFICATION_FAILED):
        assert not must_be_routed(outside_only) and pipeline_subscribers(outside_only) == ()


@pytest.mark.parametrize("event_type", sorted(EVENTS))
def test_outbox_publishes_subscribed_types_in_mandatory_batch_messages(event_type):
    """Every event goes out alone (mandatory only when the pipeline takes it alone); any
    other type a pipeline service consumes also goes out in a batch message, mandatory."""
    from common.feed import outgoing
    messages, carried = outgoing([{"_id": "r1", "type": event_type, "body": {"n": 1}}])
    single, *batches = messages
    one_by_one = event_type in ONE_BY_ONE  # the pipeline takes these alone
    assert (single.routing_key, single.mandatory) == (event_type, one_by_one)
    if event_type in PIPELINE_SUBSCRIBERS and not one_by_one:
        [batch] = batches
        assert (batch.routing_key, batch.mandatory) == (batch_key(event_type), True)
        assert carried == {batch.row_id: ["r1"]}
    else:
        assert batches == [] and carried == {}
