"""Batch messages: one message carrying many events of one type, for bulk consumers.

Why. Every event went to each pipeline subscriber as a delivery of its own: 15 to 21
deliveries per customer, and receiving a delivery (frames, dispatch, decoding) cost a
subscriber more than handling the event, and the broker more than routing it
(docs/benchmarks.md, session 29). Each event is still published on its own, as
before, under its event type: that is the public stream outside subscribers bind to.
With it, the outbox publishes one batch message per event type and publish pass, on the
same exchange under `batch.<event type>`, holding the same events (the same bodies,
masked the same way) in publish order. The pipeline's own services bind only these, so a
unit of work of 200 events reaches each subscriber as one delivery; any subscriber may
bind them too.

A batch message's body is `{"batch_of": <event type>, "events": [<event>, ...]}`. A body
that is not one (a single event published under the batch key) is taken as one event,
so a consumer of batch keys accepts both.
"""
from __future__ import annotations

from typing import Any

PREFIX = "batch."
# Events per batch message at most: a consumer's unit of work takes whole messages, and a
# list import's pass can hold thousands (ingestion: every row of 40 arrays).
MAX_EVENTS = 200


def batch_key(event_type: str) -> str:
    """The routing key of `event_type`'s batch messages (on the event's own exchange)."""
    return PREFIX + event_type


def batch_message(event_type: str, events: list[dict]) -> dict:
    """The body of one batch message of `events` (all of `event_type`, in order)."""
    return {"batch_of": event_type, "events": list(events)}


def events_in(body: Any) -> list | None:
    """The events of a batch message's body, or None when `body` is not one (a single
    event, or anything else: the consumer handles it as one payload and, if it is
    invalid, parks it with its reason). An empty batch is not one either, so every
    message a consumer takes reaches its handler and is settled."""
    if isinstance(body, dict) and isinstance(body.get("batch_of"), str):
        events = body.get("events")
        if isinstance(events, list) and events:
            return events
    return None
