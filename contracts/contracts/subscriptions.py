"""Which pipeline services subscribe to which event type.

Why this map exists: RabbitMQ silently drops a message that no queue is bound for. The
outbox publishes what the pipeline consumes of every event type listed here with
`mandatory=True` (and publisher confirms): its batch messages (contracts.batches), or
the events themselves for the types in ONE_BY_ONE; so an event whose queue is missing
comes back as unroutable and stays pending instead of being marked sent. Event types
nobody in the pipeline consumes (outside subscribers only) keep `mandatory=False`.
tests/test_pipeline_subscriptions.py checks this map against the service classes'
`@event_handler`s, so it cannot drift.

Each event type belongs to one exchange (contracts.schemas.EVENTS); the queue of a
subscriber S handling it in method M is nameko's `evt-<source>-<event type>--S.M`.
"""
from __future__ import annotations

from . import names

PIPELINE_SUBSCRIBERS: dict[str, tuple[str, ...]] = {
    names.CUSTOMER_INGESTED: ("dedup",),
    names.CUSTOMER_ERASURE_REQUESTED: ("dedup",),
    names.CUSTOMER_REGISTERED: ("tiering", "campaigns", "reporting", "groups"),
    names.CUSTOMER_UPDATED: ("tiering", "campaigns", "reporting", "groups"),
    names.CUSTOMER_MERGED: ("tiering", "campaigns", "reporting", "groups"),
    names.CUSTOMER_REVIEW_NEEDED: ("notification",),
    names.CUSTOMER_ERASED: ("ingestion", "tiering", "assignment", "notification", "campaigns",
                            "reporting", "groups"),
    names.TIER_CHANGED: ("assignment", "notification", "campaigns", "reporting"),
    names.CUSTOMER_ASSIGNED: ("notification", "campaigns", "reporting"),
    names.CALL_LOGGED: ("notification",),  # an interested call is a follow-up
    # every service keeps its own copy of the operators' grants (common/grants.py)
    names.OPERATOR_CHANGED: ("ingestion", "dedup", "tiering", "assignment", "notification",
                             "campaigns", "reporting", "groups"),
}


# Event types the pipeline consumes one event per message, under the event type itself:
# each is a unit of work of its own (an erasure, an operator's grant) and rare. Every other
# type a pipeline service consumes reaches it in batch messages (contracts.batches).
ONE_BY_ONE: frozenset[str] = frozenset({names.CUSTOMER_ERASURE_REQUESTED, names.CUSTOMER_ERASED,
                                        names.OPERATOR_CHANGED})


def pipeline_subscribers(event_type: str) -> tuple[str, ...]:
    """The pipeline services that consume `event_type` (empty: outside subscribers only)."""
    return PIPELINE_SUBSCRIBERS.get(event_type, ())


def must_be_routed(event_type: str) -> bool:
    """Whether a publish of `event_type` that reaches no queue is an error (a pipeline
    service would miss it) rather than a normal event with no listener yet."""
    return bool(pipeline_subscribers(event_type))


def in_batches(event_type: str) -> bool:
    """Whether the pipeline consumes `event_type` in batch messages (contracts.batches):
    the outbox then publishes one, mandatory, beside each event alone."""
    return must_be_routed(event_type) and event_type not in ONE_BY_ONE
