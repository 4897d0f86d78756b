"""contracts.subscriptions is what the service classes really consume (no broker needed).

The outbox publishes exactly the event types of this map with `mandatory=True`: a type
missing from it would be dropped silently when its queue is missing, a type listed
without a subscriber would be held back for ever on a broker with no queue for it.
"""
from __future__ import annotations

import importlib
from collections import defaultdict

import pytest

from contracts import names
from contracts.schemas import EVENTS
from contracts.subscriptions import PIPELINE_SUBSCRIBERS, must_be_routed, pipeline_subscribers
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
def test_outbox_publishes_subscribed_types_mandatory(event_type):
    from common.events import publish_options
    assert publish_options(event_type) == {"mandatory": event_type in PIPELINE_SUBSCRIBERS}
