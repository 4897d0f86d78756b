"""Publishing events through an outbox, so a broker outage loses nothing.

A handler stages its events (validated against the contracts, with ids derived
from the message being handled) and writes them, with its own state, as one pass
document (common.outbox_store); then the outbox publishes them (persistent,
confirmed) and marks the pass sent. If publishing fails the events stay pending and
a timer sweeps them out later; a redelivered message derives the same event ids, so
staging it again is a no-op and subscribers can deduplicate on `event_id`.

Each pending pass carries a lease (`lease_until`): the worker that staged it owns
it for LEASE_SECONDS, and a sweeper claims a pass (a new lease under its own token)
before publishing it. Without leases a handler slower than the sweep interval (a
recompute page under load) and the sweeper both published the same events: 148
duplicate `tier.changed` in a 100,000-customer recompute; so did two replicas'
sweepers.

Each event goes out twice (common.feed): alone under its event type, the public stream,
and in its pass's batch message for its type (contracts.batches), which is what the
pipeline's own services consume. Batch messages of the event types a pipeline service
consumes (contracts.subscriptions) are published with `mandatory=True`: the broker drops
a message no queue is bound for, and only confirms it, so without it an event published
while its queue was missing (a service never started, a queue deleted by mistake) was
lost and marked sent. A returned event stays pending, like after a broker error, and is
published again every sweep until its queue exists. The rest still go out: one missing
queue holds back only its own event types.
A batch's events go out on one channel and their confirms are collected once
(common.confirms), not one confirm round trip per event.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, Callable, Iterable, Mapping

from nameko.amqp.publish import UndeliverableMessage
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.events import EventDispatcher

from contracts.schemas import build_event

from . import clock, feed
from .confirms import BatchPublisher, Outcome
from .metrics import EVENTS_PUBLISHED, EVENTS_UNROUTABLE
from .mongo import connect
from .outbox_store import LEASE_SECONDS, PassStore, about, new_pass, pending_of

log = logging.getLogger(__name__)
_NS = uuid.UUID("6f1c3a52-3c1e-4e0c-9d4b-6a1f3c7b2e10")
__all__ = ["LEASE_SECONDS", "Outbox", "OutboxDispatcher", "derived_event_id"]


def derived_event_id(cause_id: str, event_type: str, key: str) -> str:
    return str(uuid.uuid5(_NS, f"{cause_id}|{event_type}|{key}"))


class Outbox:
    """What a worker sees: stage(), persist(), publish_staged(), flush_pending().

    A unit of work's staged events are written as one pass document (common.outbox_store)
    and marked sent in one write, so a handler that emits many events pays two writes,
    not two per event.
    """

    def __init__(self, collection, dispatch=None, service: str = "", publish_batch=None):
        """`publish_batch(events) -> Outcome` publishes a batch at once (the services);
        `dispatch(type, body)` publishes one event at a time (tests, tools)."""
        self.collection = collection
        self.store = PassStore(collection)
        self.service = service
        self._publish_batch = publish_batch or one_at_a_time(dispatch)
        self.token = uuid.uuid4().hex  # this worker's lease on the passes it stages
        self._buffer: list[dict] = []
        self._staged: list[dict] = []

    def stage(self, event_type: str, payload: dict, cause_id: str, key: str,
              correlation_id: str | None = None) -> dict:
        body = build_event(event_type, payload, correlation_id)
        body["event_id"] = derived_event_id(cause_id, event_type, key)
        self._buffer.append({"_id": body["event_id"], "type": event_type, "body": body})
        return body

    def persist(self) -> None:
        """Write staged events before the handler's own state, so a crash loses none."""
        self.persist_in(None)

    def persist_in(self, session) -> None:
        """Write staged events as one pass, inside the caller's transaction when given
        (a batch's unit of work: with its tier, seat or customer writes, or not at all).
        Events stored already (a redelivered batch, the same message on two workers)
        belong to whoever staged them first: that worker publishes them, or, if it died,
        the sweeper does; staging them again would send them twice."""
        events, self._buffer = self._buffer, []
        known = self.store.known([e["_id"] for e in events], session)
        fresh, seen = [], set(known)
        for event in events:  # the same event twice in one unit of work: once
            if event["_id"] not in seen:
                seen.add(event["_id"])
                fresh.append(event)
        if fresh:
            doc = new_pass(fresh, self.token, clock.now())
            self.store.insert(doc, session)
            self._staged.append(doc)

    def discard(self) -> None:
        """Forget what was staged: a unit of work starts again (transaction retried)."""
        self._buffer, self._staged = [], []

    # -- erasure: the events about an erased person are sealed here, by the outbox ----
    def seal_events(self, seal_body: Callable[[dict], dict], *, event_ids: list[str] = (),
                    customer_ids: list[str] = (), types: Iterable[str] | None = None,
                    session: Any = None) -> int:
        """Rewrite the body of each event named by id, or about one of `customer_ids`
        (and of one of `types`), by `seal_body`; a pending one is cancelled, nobody needs
        to learn of an erased person. Events sealed already (`body.erased`) are skipped,
        so a redelivery writes nothing. Returns how many events were sealed."""
        ids, customers = set(event_ids), set(customer_ids)
        wanted = set(types) if types is not None else None
        # one indexed query per kind of name, never an `$or` (the embedded database
        # answers an `$or` by reading the whole collection)
        queries = [q for q in ({"event_ids": {"$in": sorted(ids)}} if ids else None,
                               {"customer_ids": {"$in": sorted(customers)}} if customers
                               else None) if q]

        def change(event: dict) -> dict | None:
            body = event["body"]
            named = event["_id"] in ids or about(body) in customers
            if not named or body.get("erased") or (wanted and event["type"] not in wanted):
                return None
            return {**event, "body": seal_body(body)}

        return sum(self.store.rewrite(query, change, session) for query in queries)

    def seal_about(self, customer_ids: list[str], fields: Mapping[str, Any],
                   session: Any = None) -> int:
        """Overwrite `fields` in the body of every event about the customers (sent or
        not: a pending one must not go out with them); idempotent."""
        customers = set(customer_ids)
        if not customers:
            return 0

        def change(event: dict) -> dict | None:
            body = event["body"]
            if about(body) not in customers or all(body.get(k) == v for k, v in fields.items()):
                return None
            return {**event, "body": {**body, **fields}}

        return self.store.rewrite({"customer_ids": {"$in": sorted(customers)}}, change,
                                  session)

    def publish_staged(self) -> int:
        self.persist()
        passes, self._staged = self._staged, []
        return self._publish(passes)

    def flush_pending(self, older_than: float = 10.0, limit: int = 50) -> int:
        """Publish pending passes whose lease ran out (their worker died or the broker
        was down), each claimed first so no other sweeper or worker sends it too."""
        return self._publish(self.store.claim_due(older_than, limit))

    def pending_count(self) -> int:
        return self.store.pending_count()

    def _publish(self, passes: list[dict]) -> int:
        """Publish the passes' pending events (in order) and mark the confirmed ones sent
        in one write. A returned (unroutable) or unconfirmed event stays pending, its
        pass's lease given up, for the sweep."""
        events = [e for p in passes for e in pending_of(p)]
        if not events:
            return 0
        outcome = self._publish_batch(events)
        types = {e["_id"]: e["type"] for e in events}
        for event_id in outcome.delivered:
            EVENTS_PUBLISHED.labels(self.service, types[event_id]).inc()
        for event_id in outcome.returned:
            EVENTS_UNROUTABLE.labels(self.service, types[event_id]).inc()
            log.warning("event %s (%s) left pending in the outbox: the broker has no queue "
                        "bound for it; retried every sweep", event_id, types[event_id])
        if outcome.failed:
            log.warning("%d events left pending in the outbox: %s", len(outcome.failed),
                        outcome.error)
        if outcome.delivered:
            _after_commit(self.store.mark_sent, passes, outcome.delivered)
        if outcome.returned or outcome.failed:
            _after_commit(self.store.release, passes, outcome.returned + outcome.failed)
        return len(outcome.delivered)


def _after_commit(write: Callable[[list[dict], list[str]], None], passes: list[dict],
                  event_ids: list[str]) -> None:
    """Mark events sent or give their lease up, never failing the caller: its unit of
    work has committed, and a batch run again for this write would redo committed work
    (a second reject for one input). Unmarked events stay pending under their lease,
    and the sweep publishes them again: delivery is at least once, consumers idempotent."""
    try:
        write(passes, event_ids)
    except Exception as exc:  # noqa: BLE001 - the lease then simply runs out
        log.warning("outbox rows left under their lease (%s): %s", type(exc).__name__, exc)


def one_at_a_time(dispatch) -> Callable[[list[dict]], Outcome]:
    """A batch publisher over a single-event `dispatch`: a returned event holds back the
    rest of its type in this pass (they have the same missing queue), other types go on;
    a broker error stops the pass."""

    def publish_batch(rows: list[dict]) -> Outcome:
        outcome, unroutable = Outcome(), set()
        for n, row in enumerate(rows):
            if row["type"] in unroutable:
                outcome.failed.append(row["_id"])
                continue
            try:
                dispatch(row["type"], row["body"])
            except UndeliverableMessage:
                unroutable.add(row["type"])
                outcome.returned.append(row["_id"])
                continue
            except Exception as exc:  # the broker is down: the timer sweeps it out later
                outcome.error = exc
                outcome.failed.extend(r["_id"] for r in rows[n:])
                break
            outcome.delivered.append(row["_id"])
        return outcome

    return publish_batch


class OutboxDispatcher(EventDispatcher):
    """nameko's EventDispatcher (its exchange, headers, persistence) behind the outbox
    collection; a batch's events go out through one BatchPublisher call."""

    def setup(self) -> None:
        super().setup()
        config = self.container.config
        self.collection = connect(config, self.container.service_name)["outbox"]
        store = PassStore(self.collection)
        store.ensure_indexes()
        store.migrate_legacy()
        self.batch_publisher = BatchPublisher(
            self.amqp_uri, self.exchange, serializer=self.serializer,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))

    def stop(self) -> None:
        self.batch_publisher.close()
        self.collection.database.client.close()

    def get_dependency(self, worker_ctx) -> Outbox:
        """An Outbox that publishes each pass on one confirm-mode channel, with the
        worker's context headers: every event alone and in its type's batch message."""
        headers = self.get_message_headers(worker_ctx)

        def publish_batch(rows: list[dict]) -> Outcome:
            messages, carried = feed.outgoing(rows, encode=self.batch_publisher.encoder)
            return feed.per_row(self.batch_publisher.publish(messages, headers), carried)

        return Outbox(self.collection, service=self.container.service_name,
                      publish_batch=publish_batch)
