"""What notification keeps of an erased customer's messages and reminders, pure.

Messages go to maintainers and stewards, never to the customer, but their rendered
text names the customer (masked name, masked phone), and reminders and follow-up
notes carry the same. After an erasure the rows stay as the record of what was sent
to whom and when (ids, recipient, channel, status, timestamps); the text goes,
anything not yet sent is cancelled, and the reminder clock stops.
"""
from __future__ import annotations

from common.erasure import erased_time, person_ids  # noqa: F401 - re-exported

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

SEALED_TEXT = "[erased]"
CANCELLED = "cancelled"
# Statuses of a message that may still go out (the retry timer, or an operator's
# requeue of failed ones): an erased customer's are cancelled instead.
CANCELLABLE = ("pending", "failed")
# Message-context keys that name the customer or record a message is about.
SUBJECT_KEYS = ("customer_id", "candidate_id", "record_id")


@dataclass(frozen=True)
class Seal:
    """Fields to overwrite and fields to drop on one kind of stored row."""

    set: dict[str, Any]
    unset: tuple[str, ...] = field(default=())




def subject_ids(event: Mapping[str, Any]) -> list[str]:
    """Every id a stored message may be filed under for this person: the customer
    ids, and the member record ids (a duplicate review names a record)."""
    return _unique((event["customer_id"], *event.get("absorbed_ids", ()),
                    *event.get("record_ids", ())))


def subjects_of(context: Mapping[str, Any]) -> list[str]:
    """The ids a message is about, stored with it so an erasure finds it by index."""
    return _unique(str(context[k]) for k in SUBJECT_KEYS if context.get(k))




def scrub(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event about an erased customer without its personal display data, so a
    late or stray event cannot bring the name or phone back into a message or row."""
    return {**event, "display": {}}


def cancel_message() -> Seal:
    """A message not yet delivered is cancelled: the timer and requeue skip it."""
    return Seal({"status": CANCELLED, "cancelled_reason": "erased", "next_attempt_at": None})


def seal_message() -> Seal:
    """Every message about the person: its text goes (and the channel error, which
    may quote it); ids, recipient, channel, subject line, status and times stay."""
    return Seal({"text": SEALED_TEXT, "erased": True}, ("error",))


def seal_prospect(erased_at: datetime) -> Seal:
    """The follow-up clock stops (`due_at` None: no reminder is ever claimed again);
    the masked display goes; intent class, outcome and maintainer stay for the stats."""
    return Seal({"due_at": None, "erased": True, "erased_at": erased_at}, ("display",))


def seal_followup() -> Seal:
    """A follow-up's free-text note goes; who, when, intent class and outcome stay."""
    return Seal({"note": SEALED_TEXT, "erased": True})


def tombstone(erased_at: datetime) -> Seal:
    """The mark on the customer's `maintained` row that later events check."""
    return Seal({"erased": True, "erased_at": erased_at})


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)
