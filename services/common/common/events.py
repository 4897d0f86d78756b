"""Publishing events through an outbox, so a broker outage loses nothing.

A handler stages its events (validated against the contracts, with ids derived
from the message being handled), writes its own state, then the outbox publishes
them (persistent, confirmed) and marks them sent. If publishing fails the rows stay
pending and a timer sweeps them out later; a redelivered message derives the same
event ids, so staging it again is a no-op and subscribers can deduplicate on
`event_id`.

Each pending row carries a lease (`lease_until`): the worker that staged it owns
it for LEASE_SECONDS, and a sweeper claims a row (a new lease under its own token)
before publishing it. Without leases a handler slower than the sweep interval (a
recompute page under load) and the sweeper both published the same rows: 148
duplicate `tier.changed` in a 100,000-customer recompute; so did two replicas'
sweepers.

Event types a pipeline service consumes (contracts.subscriptions) are published with
`mandatory=True`: the broker drops a message no queue is bound for, and only confirms it,
so without it an event published while its queue was missing (a service never started,
a queue deleted by mistake) was lost and marked sent. A returned message stays pending,
like after a broker error, and is published again every sweep until its queue exists.
The rest of the rows still go out: one missing queue holds back only its own event types.
A batch's rows go out on one channel and their confirms are collected once
(common.confirms), not one confirm round trip per event.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any, Callable, Mapping

from nameko.amqp.publish import UndeliverableMessage
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.events import EventDispatcher
from pymongo import ASCENDING, UpdateOne
from pymongo.errors import BulkWriteError

from contracts.schemas import build_event
from contracts.subscriptions import must_be_routed

from . import clock
from .confirms import BatchPublisher, Outcome, Outgoing
from .metrics import EVENTS_PUBLISHED, EVENTS_UNROUTABLE
from .mongo import connect

log = logging.getLogger(__name__)
_NS = uuid.UUID("6f1c3a52-3c1e-4e0c-9d4b-6a1f3c7b2e10")
LEASE_SECONDS = 60


def derived_event_id(cause_id: str, event_type: str, key: str) -> str:
    return str(uuid.uuid5(_NS, f"{cause_id}|{event_type}|{key}"))


class Outbox:
    """What a worker sees: stage(), persist(), publish_staged(), flush_pending().

    Staged events are written in one batch (`persist`, or implicitly by
    `publish_staged`) and marked sent in one batch, so a handler that emits several
    events pays two round trips, not two per event.
    """

    def __init__(self, collection, dispatch=None, service: str = "", publish_batch=None):
        """`publish_batch(rows) -> Outcome` publishes a batch at once (the services);
        `dispatch(type, body)` publishes one event at a time (tests, tools)."""
        self.collection = collection
        self.service = service
        self._publish_batch = publish_batch or one_at_a_time(dispatch)
        self.token = uuid.uuid4().hex  # this worker's lease on the rows it stages
        self._buffer: list[dict] = []
        self._staged: list[dict] = []

    def stage(self, event_type: str, payload: dict, cause_id: str, key: str,
              correlation_id: str | None = None) -> dict:
        body = build_event(event_type, payload, correlation_id)
        body["event_id"] = derived_event_id(cause_id, event_type, key)
        now = clock.now()
        self._buffer.append({"_id": body["event_id"], "type": event_type, "body": body,
                             "sent": False, "created_at": now, "lease_by": self.token,
                             "lease_until": now + timedelta(seconds=LEASE_SECONDS)})
        return body

    def persist(self) -> None:
        """Write staged events before the handler's own state, so a crash loses none."""
        rows, self._buffer = self._buffer, []
        if not rows:
            return
        try:
            self.collection.insert_many(rows, ordered=False)
            self._staged.extend(rows)
        except BulkWriteError as exc:  # a redelivery, or the same message on two workers
            dup = {e["op"]["_id"] for e in exc.details["writeErrors"] if e["code"] == 11000}
            if len(dup) != len(exc.details["writeErrors"]):
                raise
            # Rows that exist already belong to whoever staged them first: that worker
            # publishes them, or, if it died, the sweeper does. Publishing them here too
            # would send the same event twice whenever two deliveries overlap.
            self._staged.extend(r for r in rows if r["_id"] not in dup)

    def persist_in(self, session) -> None:
        """Write staged events inside the caller's transaction (a batch's unit of work):
        with its tier, seat or customer writes, or not at all. Rows that exist already
        (a redelivered batch) are skipped, not inserted: a duplicate key would abort
        the whole transaction."""
        rows, self._buffer = self._buffer, []
        if not rows:
            return
        ids = [r["_id"] for r in rows]
        known = {r["_id"] for r in self.collection.find({"_id": {"$in": ids}}, {"_id": 1},
                                                        session=session)}
        fresh = [r for r in rows if r["_id"] not in known]
        if fresh:
            self.collection.insert_many(fresh, ordered=False, session=session)
        self._staged.extend(fresh)

    def discard(self) -> None:
        """Forget what was staged: a unit of work starts again (transaction retried)."""
        self._buffer, self._staged = [], []

    # -- erasure: the rows about an erased person are sealed here, by the outbox ----
    def seal_rows(self, query: dict, seal_body: Callable[[dict], dict],
                  session: Any = None) -> int:
        """Rewrite the body of each row matching `query` by `seal_body` and mark it sent:
        a row not yet published is cancelled, nobody needs to learn of an erased person.
        Rows sealed already (`body.erased`) are skipped, so a redelivery writes nothing.
        Returns how many rows were sealed."""
        sealed = 0
        for row in self.collection.find({**query, "body.erased": {"$ne": True}},
                                        session=session):
            self.collection.update_one({"_id": row["_id"]}, {"$set": {
                "body": seal_body(row["body"]), "sent": True}}, session=session)
            sealed += 1
        return sealed

    def seal_about(self, customer_ids: list[str], fields: Mapping[str, Any],
                   session: Any = None) -> int:
        """Overwrite `fields` in the body of every event about the customers (by
        `body.customer_id`, sent or not: a pending one must not go out with them) in
        one bulk update; idempotent."""
        if not customer_ids:
            return 0
        return self.collection.update_many(
            {"body.customer_id": {"$in": customer_ids}},
            {"$set": {f"body.{k}": v for k, v in fields.items()}},
            session=session).modified_count

    def publish_staged(self) -> int:
        self.persist()
        rows, self._staged = self._staged, []
        return self._publish(rows)

    def flush_pending(self, older_than: float = 10.0, limit: int = 500) -> int:
        """Publish pending rows whose lease ran out (their worker died or the broker
        was down), each claimed first so no other sweeper or worker sends it too."""
        now = clock.now()
        candidates = [row["_id"] for row in self.collection.find(
            {"sent": False, "created_at": {"$lt": now - timedelta(seconds=older_than)}},
            {"_id": 1}).sort("created_at", 1).limit(limit)]
        if not candidates:
            return 0
        token = uuid.uuid4().hex
        # The claim decides: only rows whose lease ran out (or that have none, written
        # before leases existed) get this sweeper's token.
        self.collection.update_many(
            {"_id": {"$in": candidates}, "sent": False, "lease_until": {"$not": {"$gte": now}}},
            {"$set": {"lease_until": now + timedelta(seconds=LEASE_SECONDS), "lease_by": token}})
        return self._publish(list(self.collection.find({"lease_by": token})))

    def _publish(self, rows: list[dict]) -> int:
        """Publish rows (in order) and mark the confirmed ones sent in one write. A returned
        (unroutable) or unconfirmed event stays pending, its lease given up, for the sweep."""
        if not rows:
            return 0
        outcome = self._publish_batch(rows)
        types = {row["_id"]: row["type"] for row in rows}
        for row_id in outcome.delivered:
            EVENTS_PUBLISHED.labels(self.service, types[row_id]).inc()
        for row_id in outcome.returned:
            EVENTS_UNROUTABLE.labels(self.service, types[row_id]).inc()
            log.warning("event %s (%s) left pending in the outbox: the broker has no queue "
                        "bound for it; retried every sweep", row_id, types[row_id])
        if outcome.failed:
            log.warning("%d events left pending in the outbox: %s", len(outcome.failed),
                        outcome.error)
        if outcome.returned or outcome.failed:
            self._release(outcome.returned + outcome.failed)
        if outcome.delivered:
            self._mark_sent(rows, outcome.delivered)
        return len(outcome.delivered)

    def _mark_sent(self, rows: list[dict], delivered: list[str]) -> None:
        """One write. When the whole pass went out (the usual case) its rows are named by
        their common lease token, not by an `$in` of their ids: SecantusDB matches every
        candidate against the whole `$in` list, so marking a tiering batch's 330 rows by
        id cost 330 x 330 comparisons and was most of its database's time."""
        tokens = {row.get("lease_by") for row in rows}
        if len(delivered) == len(rows) and len(tokens) == 1 and None not in tokens:
            self.collection.update_many({"lease_by": tokens.pop(), "sent": False},
                                        {"$set": {"sent": True}})
        else:
            self.collection.bulk_write([UpdateOne({"_id": row_id}, {"$set": {"sent": True}})
                                        for row_id in delivered], ordered=False)

    def _release(self, ids: list) -> None:
        """Give up the lease at once, so the sweep after the broker's (or the queue's)
        return takes them."""
        try:
            self.collection.bulk_write([UpdateOne(
                {"_id": row_id, "sent": False},
                {"$set": {"lease_until": clock.now()}, "$unset": {"lease_by": ""}})
                for row_id in ids], ordered=False)
        except Exception as exc:  # the lease then simply runs out
            log.warning("outbox lease kept (%s): %s", type(exc).__name__, exc)


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


def publish_options(event_type: str) -> dict:
    """Per-publish options: `mandatory` for event types a pipeline service consumes, so the
    broker returns them (UndeliverableMessage) instead of dropping them when no queue is
    bound; the others (outside subscribers only) may go nowhere, as before."""
    return {"mandatory": must_be_routed(event_type)}


class OutboxDispatcher(EventDispatcher):
    """nameko's EventDispatcher (its exchange, headers, persistence) behind the outbox
    collection; a batch's events go out through one BatchPublisher call."""

    def setup(self) -> None:
        super().setup()
        config = self.container.config
        self.collection = connect(config, self.container.service_name)["outbox"]
        self.collection.create_index([("sent", ASCENDING), ("created_at", ASCENDING)])
        self.collection.create_index([("lease_by", ASCENDING)], sparse=True)
        self.batch_publisher = BatchPublisher(
            self.amqp_uri, self.exchange, serializer=self.serializer,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))

    def stop(self) -> None:
        self.batch_publisher.close()
        self.collection.database.client.close()

    def get_dependency(self, worker_ctx) -> Outbox:
        """An Outbox that publishes each batch on one confirm-mode channel, with the
        worker's context headers and `publish_options` per event type."""
        headers = self.get_message_headers(worker_ctx)

        def publish_batch(rows: list[dict]) -> Outcome:
            messages = [Outgoing(row["_id"], row["type"], row["body"],
                                 **publish_options(row["type"])) for row in rows]
            return self.batch_publisher.publish(messages, headers)

        return Outbox(self.collection, service=self.container.service_name,
                      publish_batch=publish_batch)
