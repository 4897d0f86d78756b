"""Follow-up reminders per intent class and the record of every follow-up (domain §5).

A mixin of the notification service: reminders go through the same outbox and
channels as every other message, so they are sent once, masked, and retried.
"""
from __future__ import annotations

from datetime import datetime

from common import clock
from common.rpcs import rpc
from nameko.timer import timer

from common.batch import batch_event_handler, reliable_batch
from common.mongo import MongoStore
from contracts import names
from contracts.schemas import load_event

from . import handlers, metrics
from .domain import batch, triggers
from .followup_store import FollowUpStore


def call_note(event: dict) -> str:
    """The follow-up note of an interested call: ids only, as the event carries."""
    product = f", product {event['product']}" if event.get("product") else ""
    return (f"campaign {event['campaign_id']} call {event['call_id']} on {event['date']}: "
            f"interested{product}")


REMINDERS_PER_RUN = 500  # due prospects a timer run reminds in one unit of work


class FollowUps:
    """Entry points and helpers for follow-ups; mixed into NotificationService."""

    followups = MongoStore(FollowUpStore)

    def _followup_days(self) -> dict:
        configured = self.config.get("followup_days")
        return {str(k): v for k, v in configured.items()} if configured is not None \
            else triggers.FOLLOW_UP_DAYS

    def _next_due(self, intent_class: str | None, since: datetime) -> datetime | None:
        return triggers.next_follow_up(
            intent_class, since, self._followup_days(),
            float(self.config.get("followup_day_seconds", 86400)))

    @timer(interval=2)
    def remind_due(self) -> int:
        """Send every reminder whose time has come (exactly once per due date): the
        reminders and their clocks' moves are one unit of work -> messages queued."""
        now = clock.now()
        due = self.followups.due_ids(now, REMINDERS_PER_RUN)
        if not due:
            return 0
        intent_of: dict[str, str | None] = {}

        def decide(maintained: dict, prospects: dict) -> batch.Decided:
            decided = batch.decide_reminders(prospects, maintained, self._next_due,
                                             self._followup_days(), now)
            intent_of.update({e["event_id"]: e["intent_class"] for e, _ in decided.notices})
            return decided

        queued = handlers.notify_batch(self._units(), set(due), decide, needs_prospects=True)
        for message in queued:
            metrics.REMINDERS.labels(intent_of.get(message["event_id"]) or "-").inc()
        return len(queued)

    @rpc(role="officer")
    def followup_record(self, customer_id: str, note: str, outcome: str = "open",
                        by: str | None = None) -> dict:
        """A maintainer followed up: store it and reset the customer's reminder clock.
        Keyed by the request (`new_id`): a request delivered again records nothing twice
        and answers `duplicate`."""
        if self.store.is_erased(customer_id):
            raise ValueError(f"customer {customer_id} has been erased: nothing is recorded")
        prospect = self.followups.get(customer_id) or {}
        result = self.followups.record(
            customer_id, note, outcome, by,
            self._next_due(prospect.get("intent_class"), clock.now()),
            key=self.door.new_id("followup-"))
        if not result.get("duplicate"):
            metrics.FOLLOWUPS.labels(result["intent_class"] or "-", outcome).inc()
        self._observe_conversion()
        return result

    @batch_event_handler("campaigns", names.CALL_LOGGED)
    @reliable_batch
    def on_call_logged(self, payloads: list[dict]) -> None:
        """An `interested` campaign call is a follow-up by the caller (issue 23): it is
        recorded under the customer's intent class and resets the reminder clock, once
        per call (the call id is the key)."""
        for event in (load_event(names.CALL_LOGGED, p) for p in payloads):
            if event["outcome"] != "interested" or self.store.is_erased(event["customer_id"]):
                continue
            prospect = self.followups.get(event["customer_id"]) or {}
            result = self.followups.record(
                event["customer_id"], call_note(event), "open", event["staff_id"],
                self._next_due(prospect.get("intent_class"), clock.now()),
                key=f"call:{event['call_id']}", product=event.get("product"))
            if not result.get("duplicate"):
                metrics.FOLLOWUPS.labels(result["intent_class"] or "-", "open").inc()

    @rpc(role="viewer", personal=True)
    def followup_history(self, customer_id: str) -> list[dict]:
        return self.followups.history(customer_id)

    @rpc(role="viewer")
    def followup_conversion(self) -> list[dict]:
        return self._observe_conversion()

    def _observe_conversion(self) -> list[dict]:
        rows = self.followups.conversion()
        for row in rows:
            metrics.CONVERSION.labels(row["intent_class"]).set(row["conversion"])
        return rows
