"""Notification's use cases over a batch: read once, decide in the domain, deliver,
commit once.

Inside one MongoDB transaction a batch reads what it needs (maintainer rows,
prospects, recipients' preferences, the messages already queued for its events: one
`$in` each) and decides in pure code (domain/batch.py). It then sends each new
message and writes maintainers, reminder clocks, its messages as their first attempt
left them and their outcome events, keyed on (event id, recipient, channel), so each is
recorded once whatever the redeliveries.

Why send before the commit: a message written as pending and then marked sent cost
an insert and an update, and on the embedded database an update of a message (its
four indexes rewritten) costs three inserts: the largest part of notification's
database time. Delivery stays at-least-once: a crash after sending and before the
commit leaves the event unacknowledged, so it is sent again; a re-run of the same
unit of work (a write conflict) reuses what was sent and sends nothing twice. A send
that fails is stored pending with its backoff for the retry timer, whose attempts are
recorded in one write per pass.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from bson import ObjectId

from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .batch_store import by_ids, queued_keys, record_attempts, record_messages, set_fields
from .domain.batch import (Attempt, Decided, Key, attempt_outcome, message_key,
                           messages_to_queue, recipients)
from .storage import LEASE_SECONDS

ATTEMPTS = 20  # units of work re-run after a concurrent insert of one of their rows
SENDING_SECONDS = 5.0  # sending inside a unit of work, whose transaction stays open
Decide = Callable[[dict, dict], Decided]  # (maintained rows, prospects) -> Decided
Tried = dict[Key, tuple[dict, Attempt | None]]  # a message and its first attempt


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
    """Decide, send and commit a batch's bookkeeping, messages and outcome events, then
    publish the events -> the messages recorded."""
    store, tried, started = units.store, {}, time.monotonic()

    def work(session) -> list[dict]:
        units.outbox.discard()
        maintained = by_ids(store.maintained, customer_ids, session)
        prospects = by_ids(units.followups.prospects, customer_ids, session) \
            if needs_prospects else {}
        decided = decide(maintained, prospects)
        preferences = by_ids(store.preferences, recipients(decided.notices), session)
        queued = queued_keys(store.outbox, [e["event_id"] for e, _ in decided.notices],
                             session)
        rows = messages_to_queue(decided.notices, preferences, queued, units.messenger)
        attempted = send_once(units, rows, tried, started)
        set_fields(store.maintained, {c: {"manager_id": m}
                                      for c, m in decided.maintainers.items()},
                   maintained, session)
        set_fields(units.followups.prospects, decided.intents, prospects, session)
        _stage_outcomes(units.outbox, attempted)
        units.outbox.persist_in(session)
        return record_messages(store.outbox, attempted, session)

    docs = _commit(store.db, work)
    units.outbox.publish_staged()
    return docs


def send_once(units: Units, rows: list[dict], tried: Tried, started: float,
              budget: float = SENDING_SECONDS) -> list[tuple[dict, Attempt | None]]:
    """Each row as a message (its id fixed) with its first attempt. A row `tried` holds
    was sent by an earlier run of the same unit of work and is not sent again; rows
    reached after `budget` seconds are not tried (None): the retry timer sends them."""
    keys = [message_key(row) for row in rows]
    for key, row in zip(keys, rows):
        if key not in tried:
            doc = {**row, "_id": ObjectId(), "attempts": 0}
            late = time.monotonic() - started > budget
            tried[key] = (doc, None if late else _attempt(units, doc))
    return [tried[key] for key in keys]


def deliver_many(units: Units, docs: list[dict], budget: float = LEASE_SECONDS / 2) -> int:
    """Send each message once, record every attempt in one write with the outcome
    events (one transaction), then publish them. Messages whose lease might run out
    before their turn (slow channels) are left pending: the retry timer leases and sends
    them. -> attempts."""
    started, done = time.monotonic(), []
    for doc in docs:
        if time.monotonic() - started > budget:
            break
        done.append((doc, _attempt(units, doc)))
    if not done:
        return 0

    def work(session) -> None:  # the attempts with their outcome events, or neither
        units.outbox.discard()
        _stage_outcomes(units.outbox, done)
        record_attempts(units.store.outbox, done, session)
        units.outbox.persist_in(session)
    in_transaction(units.store.db, work)
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


def _stage_outcomes(outbox: Outbox, attempted: list[tuple[dict, Attempt | None]]) -> None:
    """An event for each message sent or failed for good (a retry is not an outcome yet;
    a message not tried, None, neither)."""
    for doc, attempt in attempted:
        if attempt is not None and attempt.status != "retry":
            _stage_outcome(outbox, doc, attempt)


def _stage_outcome(outbox: Outbox, doc: dict, attempt: Attempt) -> None:
    sent = attempt.status == "sent"
    outbox.stage(names.NOTIFICATION_SENT if sent else names.NOTIFICATION_FAILED, {
        "notification_id": str(doc["_id"]), "source_event_id": doc["event_id"],
        "recipient": doc["recipient"], "channel": doc["channel"], "status": attempt.status,
        "error": None if sent else str(attempt.error).split(": ", 1)[-1]},
        cause_id=str(doc["_id"]), key=outcome_key(doc, attempt))


def outcome_key(doc: dict, attempt: Attempt) -> str:
    """What makes an outcome one: its status and attempt, and how many times the
    message was requeued (`crm notifications retry` starts the attempts over, and the
    next failure is a new outcome, whose id the outbox must not find known)."""
    requeued = doc.get("requeued", 0)
    key = f"{attempt.status}:{doc.get('attempts', 0)}"
    return f"{key}:requeued-{requeued}" if requeued else key


def _commit(db: Any, work: Callable) -> Any:
    """The unit of work, again from its reads when a row it inserts was inserted by a
    concurrent batch since (in_transaction re-runs it on a duplicate key)."""
    return in_transaction(db, work, races=ATTEMPTS)
