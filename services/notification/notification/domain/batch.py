"""A batch of events decided at once, as one by one would have (pure).

One message at a time cost notification a chain of round trips per event (the
maintainer row, the prospect, the recipient's preferences, the outbox insert, each
on its own). A batch is read once per collection; these functions decide, from what
was read, what to write and which messages to queue, in event order: the later event
about a customer wins, as it did one by one. Nothing here reads or writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from . import erasure, triggers

Key = tuple[str, str, str]  # (event id, recipient, channel): a message exists once
NextDue = Callable[[str | None, datetime], datetime | None]


@dataclass
class Decided:
    """What a batch writes besides its messages, and what it tells whom.

    `maintainers`: customer -> manager id (notification's `maintained`, which a
    reminder reads for its recipient: the prospect does not keep a copy, whose update
    for every assignment cost as much as the rest of the prospect's writes);
    `intents`: customer -> intent fields (the follow-up `prospects`); `notices`:
    (event, its messages), in order."""
    maintainers: dict[str, Any] = field(default_factory=dict)
    intents: dict[str, dict] = field(default_factory=dict)
    notices: list[tuple[dict, list[triggers.Message]]] = field(default_factory=list)


def decide_assigned(events: list[dict], maintained: dict[str, dict]) -> Decided:
    """`customer.assigned`: record the maintainer, tell the new and
    the previous one; an erased customer's event is told without its display data."""
    out = Decided()
    for event in events:
        cid = event["customer_id"]
        if (maintained.get(cid) or {}).get("erased"):
            event = erasure.scrub(event)
        out.maintainers[cid] = event.get("manager_id")
        out.notices.append((event, triggers.for_assigned(event)))
    return out


def decide_tier_changes(events: list[dict], maintained: dict[str, dict],
                        prospects: dict[str, dict], next_due: NextDue,
                        now: datetime) -> Decided:
    """`tier.changed`: a move is told to the maintainer; an intent class (re)starts the
    prospect's reminder clock unless the customer is erased or the prospect closed."""
    out = Decided()
    for event in events:
        if not triggers.concerns_anyone(event):
            continue
        row = maintained.get(event["customer_id"]) or {}
        if row.get("erased"):
            event = erasure.scrub(event)
        elif event.get("scheme") == triggers.INTENT_SCHEME:
            out.intents[event["customer_id"]] = intent_fields(
                event, prospects.get(event["customer_id"]) or {}, next_due, now)
        out.notices.append((event, triggers.for_tier_change(event, row.get("manager_id"))))
    return out


def intent_fields(event: dict, prospect: dict, next_due: NextDue, now: datetime) -> dict:
    """The prospect's fields after an intent change (what `note_intent` set)."""
    closed = prospect.get("outcome") in ("converted", "lost")
    due = None if event["direction"] == "removed" or closed else \
        next_due(event.get("current"), now)
    return {"intent_class": event.get("current"), "due_at": due,
            "registered_by": event.get("registered_by"), "display": event.get("display") or {}}


def decide_reminders(prospects: dict[str, dict], maintained: dict[str, dict],
                     next_due: NextDue, days: dict, now: datetime) -> Decided:
    """The reminders of the prospects still due at `now`, and each clock moved to its
    next due date, decided on what the unit of work read: a replica or a follow-up
    that moved a clock first leaves it not due here (a write conflict re-reads it), so
    a due date is reminded once. The event id carries the due date (the outbox key)."""
    out = Decided()
    for cid, prospect in sorted(prospects.items(), key=lambda item: str(item[0])):
        due_at = prospect.get("due_at")
        if due_at is None or due_at > now:
            continue
        out.intents[cid] = {"due_at": next_due(prospect.get("intent_class"), now)}
        messages = triggers.for_follow_up(prospect, days, maintained.get(cid) or {})
        if messages:
            event = {"event_id": f"followup:{cid}:{due_at.isoformat()}",
                     "intent_class": prospect.get("intent_class")}
            out.notices.append((event, messages))
    return out


def message_key(row: dict) -> Key:
    """What makes a message one: its event, recipient and channel (the unique index)."""
    return row["event_id"], row["recipient"], row["channel"]


def recipients(notices: list[tuple[dict, list[triggers.Message]]]) -> set[str]:
    return {m.recipient for _, messages in notices for m in messages}


def messages_to_queue(notices: list[tuple[dict, list[triggers.Message]]],
                      preferences: dict[str, dict], existing: set[Key],
                      messenger: Any) -> list[dict]:
    """The outbox rows to insert: one per (event, recipient, channel) not queued yet,
    rendered (masked) in the recipient's language for their channel. `messenger` only
    routes and renders (templates): it sends nothing here."""
    rows: list[dict] = []
    seen = set(existing)
    for event, messages in notices:
        for message in messages:
            prefs = messenger.route(message.recipient, preferences.get(message.recipient) or {})
            key = (event["event_id"], message.recipient, prefs["channel"])
            if key in seen:
                continue
            seen.add(key)
            rows.append({
                "event_id": event["event_id"], "recipient": message.recipient,
                "subjects": erasure.subjects_of(message.context),
                "channel": prefs["channel"], "address": prefs["address"],
                "language": prefs["language"], "template": message.template,
                "subject": messenger.subject(message.template, prefs["language"]),
                "text": messenger.render(message.template, prefs["language"],
                                         message.context)})
    return rows


@dataclass(frozen=True)
class Attempt:
    """The bookkeeping of one delivery attempt: sent, retried after `delay`, or failed."""
    status: str  # sent | retry | failed
    attempts: int
    error: str | None = None
    delay: float | None = None


def attempt_outcome(attempts: int, error: Exception | None, max_attempts: int,
                    base_seconds: float) -> Attempt:
    """Sent, or another try after an exponential backoff, or failed for good."""
    if error is None:
        return Attempt("sent", attempts)
    text = f"{type(error).__name__}: {error}"
    if attempts >= max_attempts:
        return Attempt("failed", attempts, text)
    return Attempt("retry", attempts, text, triggers.retry_delay(attempts, base_seconds))


def first_attempt_fields(attempt: Attempt | None, now: datetime) -> dict:
    """How a message is stored after the attempt made before it was first written: sent;
    pending until its backoff ends; failed for good; or, not tried yet (the batch's
    sending time ran out), pending and due now, for the retry timer. `attempts` counts
    failures only, as the timer's bookkeeping does."""
    if attempt is None:
        return {"status": "pending", "attempts": 0, "next_attempt_at": now}
    if attempt.status == "sent":
        return {"status": "sent", "attempts": 0, "sent_at": now, "next_attempt_at": now}
    failed = {"attempts": attempt.attempts, "error": (attempt.error or "")[:500]}
    if attempt.delay is None:
        return {**failed, "status": "failed", "next_attempt_at": now}
    return {**failed, "status": "pending",
            "next_attempt_at": now + timedelta(seconds=attempt.delay)}
