"""Notification's part of an erasure: seal what it stored about the person, send nothing.

A mixin of the notification service (nameko collects inherited entrypoints). One unit
of work: in one transaction the tombstone is written (every later event about these
customers is handled without display data and starts no reminder), reminder clocks
stop, follow-up notes and message texts are sealed, and messages not yet delivered
are cancelled. The delivery loop or a reminder run that read the same rows meanwhile
conflicts with it and runs again, seeing the seal. Every write is idempotent, so a
redelivery changes nothing more.
"""
from __future__ import annotations

from datetime import datetime

from common.erased import ErasureHandler
from common.mongo import in_transaction

from . import metrics
from .domain import erasure
from .followup_store import FollowUpStore
from .storage import NotificationStore


class Erasure(ErasureHandler):
    """The `customer.erased` entrypoint; expects `store` and `followups` stores."""

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        cancelled = erase(self.store, self.followups, ids, erasure.subject_ids(event),
                          erased_at)
        metrics.ERASURE_CANCELLED.inc(cancelled)


def erase(store: NotificationStore, followups: FollowUpStore, ids: list[str],
          subjects: list[str], erased_at: datetime) -> int:
    """Seal the person as one transaction -> how many messages it cancelled."""
    def work(session) -> int:
        store.mark_erased(ids, erased_at, session)
        followups.seal(ids, erased_at, session)
        return store.seal_messages(subjects, session)
    return in_transaction(store.db, work)
