"""Who is told what, for which event (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


FOLLOW_UP_DAYS = {"A": 7, "B": 14, "C": 30}  # D: no follow-up
INTENT_SCHEME = "intent"  # the tiering scheme whose classes drive follow-ups
MOVES = ("up", "down")  # the directions a maintainer is told about


@dataclass(frozen=True)
class Message:
    recipient: str
    template: str
    context: dict


def for_assigned(event: dict) -> list[Message]:
    """The new maintainer, and the previous one on a transfer."""
    messages = []
    if event.get("manager_id"):
        messages.append(Message(event["manager_id"], "customer.assigned", {**event,
                                                                            "is_previous": False}))
    if event.get("previous_manager_id") and event["previous_manager_id"] != event.get("manager_id"):
        messages.append(Message(event["previous_manager_id"], "customer.assigned",
                                {**event, "is_previous": True}))
    return messages


def concerns_anyone(event: dict) -> bool:
    """Only moves up or down are told to a maintainer, and only intent classes move a
    prospect's follow-up clock: any other tier change (a new customer's first star or
    band, a removal) needs no lookup at all."""
    return event.get("scheme") == INTENT_SCHEME or event.get("direction") in MOVES


def for_tier_change(event: dict, maintainer: str | None) -> list[Message]:
    if maintainer and event.get("direction") in MOVES:
        return [Message(maintainer, "tier.changed", event)]
    return []


def for_review(event: dict, steward: str) -> list[Message]:
    return [Message(steward, "customer.review_needed", event)]


def next_follow_up(intent_class: str | None, last: datetime, days: dict | None = None,
                   day_seconds: float = 86400.0) -> datetime | None:
    """When the next reminder is due; None for classes without follow-up (D).

    `day_seconds` exists so a test (or a demo) can run a "week" in seconds.
    """
    interval = (FOLLOW_UP_DAYS if days is None else days).get(intent_class or "")
    return last + timedelta(seconds=float(interval) * day_seconds) if interval else None


def follow_up_recipient(prospect: dict, maintained: dict | None = None) -> str | None:
    """The maintainer when there is one, else the staff member who registered the prospect.
    The maintainer is the customer's `maintained` row's, which every assignment updates;
    a prospect stored before that row existed may carry its own copy."""
    row = maintained or {}
    manager = row["manager_id"] if "manager_id" in row else prospect.get("manager_id")
    return manager or prospect.get("registered_by")


def for_follow_up(prospect: dict, days: dict | None = None,
                  maintained: dict | None = None) -> list[Message]:
    recipient = follow_up_recipient(prospect, maintained)
    interval = (FOLLOW_UP_DAYS if days is None else days).get(prospect.get("intent_class") or "")
    if not recipient or not interval:
        return []
    return [Message(recipient, "followup.reminder", {
        "customer_id": prospect["_id"], "intent_class": prospect["intent_class"],
        "interval_days": interval, "display": prospect.get("display") or {}})]


def retry_delay(attempts: int, base: float, cap: float = 3600.0) -> float:
    """Exponential backoff: base, 2*base, 4*base ... capped, so a long outage stays cheap."""
    return min(cap, base * (2 ** max(attempts - 1, 0)))
