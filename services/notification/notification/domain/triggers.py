"""Who is told what, for which event (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FOLLOW_UP_DAYS = {"A": 7, "B": 14, "C": 30}  # D: no follow-up


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


def for_tier_change(event: dict, maintainer: str | None) -> list[Message]:
    if maintainer and event.get("direction") in ("up", "down"):
        return [Message(maintainer, "tier.changed", event)]
    return []


def for_review(event: dict, steward: str) -> list[Message]:
    return [Message(steward, "customer.review_needed", event)]


def next_follow_up(intent_class: str | None, last: datetime, days: dict | None = None) -> datetime | None:
    interval = (days or FOLLOW_UP_DAYS).get(intent_class or "")
    return last + timedelta(days=interval) if interval else None


def retry_delay(attempts: int, base: float) -> float:
    return base * (2 ** max(attempts - 1, 0))
