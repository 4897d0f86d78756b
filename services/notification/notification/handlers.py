"""Notification's use cases over a batch: read once, decide in the domain, commit once,
then deliver.

Inside one MongoDB transaction a batch reads what it needs (maintainer rows,
prospects, recipients' preferences, the messages already queued for its events: one
`$in` each), decides in pure code (domain/batch.py) and writes maintainers, reminder
clocks and its messages, keyed on (event id, recipient, channel) so each is queued
exactly once whatever the redeliveries. After the commit each message is delivered;
delivery stays at-least-once: a failure is retried by the timer with backoff, and
the attempts of the whole batch are recorded in one write, their outcome events
published together.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable


from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .batch_store import by_ids, queue_messages, queued_keys, record_attempts, set_fields
from .domain.batch import Attempt, Decided, attempt_outcome, messages_to_queue, recipients
from .storage import LEASE_SECONDS

ATTEMPTS = 20  # units of work re-run after a concurrent insert of one of their rows
Decide = Callable[[dict, dict], Decided]  # (maintained rows, prospects) -> Decided


@dataclass
class Units:
    """What a batch works with: the stores, the messenger (render, route, send), the
    event outbox, and the retry settings (max attempts, backoff base in seconds)."""
    store: Any
    followups: Any
    messenger: Any
    outbox: Outbox
    max_attempts: int = 5
    retry_base: float = 2.0


def notify_batch(units: Units, customer_ids: set[str], decide: Decide,
                 needs_prospects: bool = False) -> list[dict]:
    """Commit a batch's bookkeeping and messages, then deliver them -> queued messages."""
    store = units.store

    def work(session) -> list[dict]:
        maintained = by_ids(store.maintained, customer_ids, session)
        prospects = by_ids(units.followups.prospects, customer_ids, session) \
            if needs_prospects else {}
        decided = decide(maintained, prospects)
        preferences = by_ids(store.preferences, recipients(decided.notices), session)
        queued = queued_keys(store.outbox, [e["event_id"] for e, _ in decided.notices],
                             session)
        rows = messages_to_queue(decided.notices, preferences, queued, units.messenger)
        set_fields(store.maintained, {c: {"manager_id": m}
                                      for c, m in decided.maintainers.items()},
                   maintained, session)
        clocks = {c: {"manager_id": m} for c, m in decided.managers.items()}
        for cid, fields in decided.intents.items():
            clocks[cid] = {**clocks.get(cid, {}), **fields}
        set_fields(units.followups.prospects, clocks, prospects, session)
        return queue_messages(store.outbox, rows, session)

    docs = _commit(store.db, work)
    deliver_many(units, docs)
    return docs


def deliver_many(units: Units, docs: list[dict], budget: float = LEASE_SECONDS / 2) -> int:
    """Send each message once, record every attempt in one write and publish the
    outcome events. Messages whose lease might run out before their turn (slow
    channels) are left pending: the retry timer leases and sends them. -> attempts."""
    started, done = time.monotonic(), []
    for doc in docs:
        if time.monotonic() - started > budget:
            break
        done.append((doc, _attempt(units, doc)))
    record_attempts(units.store.outbox, done)
    for doc, attempt in done:
        if attempt.status != "retry":
            _stage_outcome(units.outbox, doc, attempt)
    units.outbox.publish_staged()
    return len(done)


def _attempt(units: Units, doc: dict) -> Attempt:
    sending = time.perf_counter()
    error = None
    try:
        units.messenger.send(doc["channel"], doc["address"], doc["subject"], doc["text"],
                             {"event_id": doc["event_id"], "recipient": doc["recipient"]})
    except Exception as exc:  # noqa: BLE001 - a channel down must not block the others
        error = exc
    attempt = attempt_outcome(doc.get("attempts", 0) + 1, error, units.max_attempts,
                              units.retry_base)
    if attempt.status == "sent":
        metrics.SEND_SECONDS.labels(doc["channel"]).observe(time.perf_counter() - sending)
    metrics.SENT.labels(doc["channel"], attempt.status).inc()
    return attempt


def _stage_outcome(outbox: Outbox, doc: dict, attempt: Attempt) -> None:
    sent = attempt.status == "sent"
    outbox.stage(names.NOTIFICATION_SENT if sent else names.NOTIFICATION_FAILED, {
        "notification_id": str(doc["_id"]), "source_event_id": doc["event_id"],
        "recipient": doc["recipient"], "channel": doc["channel"], "status": attempt.status,
        "error": None if sent else str(attempt.error).split(": ", 1)[-1]},
        cause_id=str(doc["_id"]), key=f"{attempt.status}:{doc.get('attempts', 0)}")


def _commit(db: Any, work: Callable) -> Any:
    """The unit of work, again from its reads when a row it inserts was inserted by a
    concurrent batch since (in_transaction re-runs it on a duplicate key)."""
    return in_transaction(db, work, races=ATTEMPTS)
