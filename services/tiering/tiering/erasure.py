"""Tiering's part of an erasure: seal the person's snapshots, take them out of the pool.

A mixin of the tiering service (nameko collects inherited entrypoints). One unit of
work, like every batch of the pipeline: in one transaction the snapshots are sealed
(from then on every later customer.* event for these ids is refused, domain/batch.py:
an erased customer accepts nothing, so no personal data comes back), the tiers are
retired with their removal history rows, a `removed` tier.changed is written to the
outbox per tier (ids derived from the erasure event and the tier), history rows keep
their non-personal trail with reasons sealed, and the stored events lose their
personal fields. A pipeline batch that read the same customers meanwhile conflicts
with it and runs again, seeing the seal. Delivery is at least once: a redelivery finds
no tier left, so it announces nothing twice; one that comes before the commit derives
the same event ids.
"""
from __future__ import annotations

from datetime import datetime

from common.erased import ErasureHandler
from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .domain import erasure
from .storage import TieringStore


class Erasure(ErasureHandler):
    """The `customer.erased` entrypoint; expects `store` (TieringStore) and `events`."""

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        for row in erase(self.store, self.events, event, ids, erased_at):
            metrics.record_removed(row["scheme"], row.get("branch"))


def erase(store: TieringStore, outbox: Outbox, event: dict, ids: list[str],
          erased_at: datetime) -> list[dict]:
    """Seal `ids` as one transaction, then publish -> the tiers it removed."""
    def work(session) -> list[dict]:
        outbox.discard()
        store.seal_snapshots(ids, erased_at, session)
        had = store.tiers_of(ids, session)
        for row in had:
            outbox.stage(names.TIER_CHANGED, erasure.removal_payload(row),
                         cause_id=event["event_id"], key=erasure.removal_event_key(row),
                         correlation_id=event["correlation_id"])
        outbox.persist_in(session)
        store.retire_tiers(had, event["event_id"], session)
        store.seal_history(ids, session)
        outbox.seal_about(ids, erasure.sealed_event_fields(), session)
        return had

    had = in_transaction(store.db, work)
    outbox.publish_staged()
    return had
