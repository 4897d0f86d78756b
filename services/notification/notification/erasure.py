"""Notification's part of an erasure: seal what it stored about the person, send nothing.

A mixin of the notification service (nameko collects inherited entrypoints). The
tombstone is written first, so every later event about these customers is handled
without display data and starts no reminder; then reminder clocks stop, follow-up
notes and message texts are sealed, and messages not yet delivered are cancelled.
Every step is an idempotent bulk update, so a redelivery changes nothing more.
"""
from __future__ import annotations

from datetime import datetime

from common.erased import ErasureHandler

from . import metrics
from .domain import erasure


class Erasure(ErasureHandler):
    """The `customer.erased` entrypoint; expects `store` and `followups` stores."""

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        self.store.mark_erased(ids, erased_at)
        self.followups.seal(ids, erased_at)
        cancelled = self.store.seal_messages(erasure.subject_ids(event))
        metrics.ERASURE_CANCELLED.inc(cancelled)
