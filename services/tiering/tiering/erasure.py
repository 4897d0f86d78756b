"""Tiering's part of an erasure: seal the person's snapshots, take them out of the pool.

A mixin of the tiering service (nameko collects inherited entrypoints), kept apart
so service.py stays a list of thin entrypoints. Order matters for at-least-once
delivery and for concurrent replicas:
  1. snapshots are sealed first, so from here on every later customer.* event for
     these ids is refused (domain/batch.py: an erased customer accepts nothing)
     and cannot re-create personal data;
  2. the removals are staged and persisted before the tiers are deleted, with ids
     derived from the erasure event, so a crash anywhere re-derives the same events
     on redelivery and nothing is sent twice or lost;
  3. history rows stay (the non-personal audit trail) with their reasons sealed.
"""
from __future__ import annotations

from datetime import datetime

from common.erased import ErasureHandler
from contracts import names

from . import metrics
from .domain import erasure


class Erasure(ErasureHandler):
    """The `customer.erased` entrypoint; expects `store` (TieringStore) and `events`."""

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        self.store.seal_snapshots(ids, erased_at)
        had = self.store.tiers_of(ids)
        for row in had:
            self.events.stage(names.TIER_CHANGED, erasure.removal_payload(row),
                              cause_id=event["event_id"], key=erasure.removal_event_key(row),
                              correlation_id=event["correlation_id"])
        self.events.persist()  # events first: a crash after the delete must not lose them
        self.store.retire_tiers(had, event["event_id"])
        self.store.seal_history(ids)
        self.events.seal_about(ids, erasure.sealed_event_fields())
        self.events.publish_staged()
        for row in had:
            metrics.record_removed(row["scheme"], row.get("branch"))
