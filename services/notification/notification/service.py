"""Notification: maintainers and stewards told once, through pluggable channels."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from nameko.dependency_providers import Config
from nameko.events import event_handler
from common.rpcs import rpc
from nameko.timer import timer

from common.base import ServiceBase
from common.mongo import MongoStore
from common.reliability import reliable
from contracts import names
from contracts.schemas import load_event

from . import metrics
from .dependencies import Channels
from .erasure import Erasure
from .followups import FollowUps
from .domain import erasure, triggers
from .storage import NotificationStore


class NotificationService(Erasure, FollowUps, ServiceBase):
    """`on_customer_erased` (right to be forgotten) comes from the Erasure mixin; events
    about an erased customer are handled without its display data and start no reminder."""

    name = "notification"
    store = MongoStore(NotificationStore)
    messenger = Channels()
    config = Config()  # service instances have no `container`; nameko injects the config

    @event_handler("assignment", names.CUSTOMER_ASSIGNED)
    @reliable
    def on_assigned(self, payload: dict) -> None:
        event = load_event(names.CUSTOMER_ASSIGNED, payload)
        if self.store.set_maintainer(event["customer_id"], event.get("manager_id")):
            event = erasure.scrub(event)  # e.g. the "erased" release told to the maintainer
        self.note_manager(event)
        self.notify(event, triggers.for_assigned(event))

    @event_handler("tiering", names.TIER_CHANGED)
    @reliable
    def on_tier_changed(self, payload: dict) -> None:
        event = load_event(names.TIER_CHANGED, payload)
        if not triggers.concerns_anyone(event):
            return
        row = self.store.maintenance(event["customer_id"])
        if row.get("erased"):
            event = erasure.scrub(event)
        else:
            self.note_intent(event)
        self.notify(event, triggers.for_tier_change(event, row.get("manager_id")))

    @event_handler("dedup", names.CUSTOMER_REVIEW_NEEDED)
    @reliable
    def on_review_needed(self, payload: dict) -> None:
        event = load_event(names.CUSTOMER_REVIEW_NEEDED, payload)
        self.notify(event, triggers.for_review(event, self.config["data_steward"]))

    def notify(self, event: dict, messages: list) -> None:
        """Queue each message once (outbox keyed on event, recipient, channel), then send."""
        for message in messages:
            prefs = self.messenger.route(message.recipient,
                                         self.store.preferences_of(message.recipient))
            doc = self.store.enqueue({
                "event_id": event["event_id"], "recipient": message.recipient,
                "subjects": erasure.subjects_of(message.context),
                "channel": prefs["channel"], "address": prefs["address"],
                "language": prefs["language"], "template": message.template,
                "subject": self.messenger.subject(message.template, prefs["language"]),
                "text": self.messenger.render(message.template, prefs["language"],
                                              message.context)})
            if doc:
                self.deliver(doc)

    def deliver(self, doc: dict) -> None:
        started = time.perf_counter()
        attempts = doc.get("attempts", 0) + 1
        try:
            self.messenger.send(doc["channel"], doc["address"], doc["subject"], doc["text"],
                                {"event_id": doc["event_id"], "recipient": doc["recipient"]})
        except Exception as exc:  # a channel down must not block the queue or other channels
            give_up = attempts >= int(self.config.get("max_attempts", 5))
            delay = None if give_up else triggers.retry_delay(
                attempts, float(self.config.get("retry_base_seconds", 2)))
            self.store.mark_attempt_failed(doc["_id"], attempts, f"{type(exc).__name__}: {exc}",
                                           delay)
            metrics.SENT.labels(doc["channel"], "failed" if give_up else "retry").inc()
            if give_up:
                self._outcome(names.NOTIFICATION_FAILED, doc, "failed", str(exc))
            return
        metrics.SEND_SECONDS.labels(doc["channel"]).observe(time.perf_counter() - started)
        self.store.mark_sent(doc["_id"])
        metrics.SENT.labels(doc["channel"], "sent").inc()
        self._outcome(names.NOTIFICATION_SENT, doc, "sent", None)

    def _outcome(self, event_type: str, doc: dict, status: str, error: str | None) -> None:
        self.events.stage(event_type, {
            "notification_id": str(doc["_id"]), "source_event_id": doc["event_id"],
            "recipient": doc["recipient"], "channel": doc["channel"], "status": status,
            "error": error}, cause_id=str(doc["_id"]), key=f"{status}:{doc.get('attempts', 0)}")
        self.events.publish_staged()

    @timer(interval=2)
    def retry_due(self) -> None:
        """Retry messages whose backoff has elapsed; refresh the outbox gauges."""
        for doc in self.store.lease_due():
            self.deliver(doc)
        for status, count in self.store.counts().items():
            metrics.OUTBOX.labels(status).set(count)
        oldest = self.store.oldest_pending()
        metrics.OLDEST_PENDING.set(
            (datetime.now(timezone.utc) - oldest).total_seconds() if oldest else 0)

    @rpc
    def notifications_list(self, status: str | None = None, limit: int = 1000) -> list[dict]:
        return self.store.listing(status, limit)

    @rpc
    def notifications_retry(self, notification_id: str | None = None) -> int:
        return self.store.requeue_failed(notification_id)

    @rpc
    def preferences_set(self, recipient: str, preferences: dict) -> None:
        allowed = {k: v for k, v in preferences.items()
                   if k in ("channel", "language", "address", "quiet_hours", "digest")}
        self.store.set_preferences(recipient, allowed)
