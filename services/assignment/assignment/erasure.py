"""Assignment's part of an erasure: end the maintenance, free the seat, forget the person.

A mixin of the assignment service (nameko collects inherited entrypoints). One unit
of work, like every other move of a customer: in one transaction the tombstone is
written (so later tier events never seat the customer again), the assignment is
ended with its seat given back, the history row (derived id) and the
`customer.assigned` event (derived id) are written, and the backlog row and every
personal display go, from the store's rows and (through the outbox) from the stored
events. Delivery is at least once: a redelivery finds the tombstone's release and
derives the same event and history ids, so nothing is announced or freed twice; a
concurrent move of the customer makes the transaction retry.
"""
from __future__ import annotations

from datetime import datetime

from common.erased import ErasureHandler
from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .batch_store import commit_unit, read_unit
from .domain import erasure
from .storage import AssignmentStore


class Erasure(ErasureHandler):
    """The `customer.erased` entrypoint; expects `store` (AssignmentStore) and `events`."""

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        ended = erase(self.store, self.events, event, ids, erased_at)
        if ended:
            metrics.ASSIGNMENTS.labels(erasure.ERASED).inc(ended)


def erase(store: AssignmentStore, outbox: Outbox, event: dict, ids: list[str],
          erased_at: datetime) -> int:
    """Seal `ids` as one transaction; returns how many assignments it ended."""
    def work(session) -> int:
        outbox.discard()
        unit = read_unit(store, ids, session)
        ended = sum(1 for cid in ids if unit.current(cid))
        tombs = erasure.seal(unit, store.tombstones(ids, session), ids, event["event_id"],
                             event["correlation_id"], erased_at)
        for cid, tomb in tombs.items():
            release = tomb.get("release")
            if release:
                outbox.stage(names.CUSTOMER_ASSIGNED, erasure.assigned_payload(cid, release),
                             cause_id=release["cause_id"], key=erasure.event_key(cid, release),
                             correlation_id=release.get("correlation_id"))
        outbox.persist_in(session)
        commit_unit(store, unit, session)
        store.save_tombstones(list(tombs.values()), session)
        for cid, tomb in tombs.items():
            if tomb.get("release"):
                store.note_release(cid, tomb["release"], session)
        store.forget(ids, session)
        outbox.seal_about(ids, {f: {} for f in erasure.PERSONAL_FIELDS}, session)
        return ended

    ended = in_transaction(store.db, work)
    outbox.publish_staged()
    return ended
