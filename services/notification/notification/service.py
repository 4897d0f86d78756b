"""Notification: maintainers and stewards told once, through pluggable channels."""
from __future__ import annotations

from nameko.dependency_providers import Config
from common import clock
from common.rpcs import rpc
from nameko.timer import timer

from common.base import ServiceBase
from common.mongo import MongoStore
from common.batch import batch_event_handler, reliable_batch
from contracts import names
from contracts.schemas import load_event

from . import handlers, metrics
from .dependencies import LANGUAGES, Channels
from .erasure import Erasure
from .followups import FollowUps
from .domain import batch, triggers
from .storage import NotificationStore



PREFERENCE_KEYS = ("channel", "language", "address", "quiet_hours", "digest")


def allowed_preferences(preferences: dict) -> dict:
    """The preference keys a recipient may have; a language templates exist for."""
    allowed = {k: v for k, v in preferences.items() if k in PREFERENCE_KEYS and v not in (None, "")}
    if "language" in allowed and allowed["language"] not in LANGUAGES:
        raise ValueError(f"language: one of {', '.join(LANGUAGES)}, not {allowed['language']!r}")
    return allowed

class NotificationService(Erasure, FollowUps, ServiceBase):
    """`on_customer_erased` (right to be forgotten) comes from the Erasure mixin; events
    about an erased customer are handled without its display data and start no reminder."""

    name = "notification"
    store = MongoStore(NotificationStore)
    messenger = Channels()
    config = Config()  # service instances have no `container`; nameko injects the config

    @batch_event_handler("assignment", names.CUSTOMER_ASSIGNED)
    @reliable_batch
    def on_assigned(self, payloads: list[dict]) -> None:
        """Record each customer's maintainer, tell the new and the previous one; an
        erased customer's release is told without display data."""
        events = [load_event(names.CUSTOMER_ASSIGNED, p) for p in payloads]
        handlers.notify_batch(self._units(), {e["customer_id"] for e in events},
                              lambda maintained, _: batch.decide_assigned(events, maintained))

    @batch_event_handler("tiering", names.TIER_CHANGED)
    @reliable_batch
    def on_tier_changed(self, payloads: list[dict]) -> None:
        """Moves are told to the maintainer; intent classes (re)start reminder clocks."""
        events = [e for e in (load_event(names.TIER_CHANGED, p) for p in payloads)
                  if triggers.concerns_anyone(e)]
        if not events:
            return
        now = clock.now()
        handlers.notify_batch(
            self._units(), {e["customer_id"] for e in events},
            lambda maintained, prospects: batch.decide_tier_changes(
                events, maintained, prospects, self._next_due, now),
            needs_prospects=any(e.get("scheme") == triggers.INTENT_SCHEME for e in events))

    @batch_event_handler("dedup", names.CUSTOMER_REVIEW_NEEDED)
    @reliable_batch
    def on_review_needed(self, payloads: list[dict]) -> None:
        events = [load_event(names.CUSTOMER_REVIEW_NEEDED, p) for p in payloads]
        steward = self.config["data_steward"]
        handlers.notify_batch(self._units(), set(), lambda *_: batch.Decided(notices=[
            (e, triggers.for_review(e, steward)) for e in events]))

    def _units(self) -> handlers.Units:
        return handlers.Units(self.store, self.followups, self.messenger, self.events,
                              int(self.config.get("max_attempts", 5)),
                              float(self.config.get("retry_base_seconds", 2)))

    @timer(interval=2)
    def retry_due(self) -> None:
        """Retry messages whose backoff has elapsed; refresh the outbox gauges."""
        handlers.deliver_many(self._units(), self.store.lease_due())
        for status, count in self.store.counts().items():
            metrics.OUTBOX.labels(status).set(count)
        oldest = self.store.oldest_pending()
        metrics.OLDEST_PENDING.set(
            (clock.now() - oldest).total_seconds() if oldest else 0)

    @rpc(role="viewer", personal=True)
    def notifications_list(self, status: str | None = None, limit: int = 1000) -> list[dict]:
        return self.store.listing(status, limit)

    @rpc(role="officer")
    def notifications_retry(self, notification_id: str | None = None) -> int:
        return self.store.requeue_failed(notification_id)

    @rpc(role="officer")
    def preferences_set(self, recipient: str, preferences: dict) -> None:
        self.store.set_preferences(recipient, allowed_preferences(preferences))

    @rpc(role="officer")
    def preferences_set_many(self, rows: list) -> int:
        """A roster's channel/address/language columns (`crm managers import`): each row
        {"recipient", ...}; all checked before any is written. Returns how many."""
        checked = [(str(row["recipient"]), allowed_preferences(row)) for row in rows]
        for recipient, preferences in checked:
            self.store.set_preferences(recipient, preferences)
        return len(checked)
