"""Assignment's part of an erasure: end the maintenance, free the seat, forget the person.

A mixin of the assignment service (nameko collects inherited entrypoints). Each
step is idempotent, because delivery is at least once and replicas race:
  1. the tombstone is written first, with the facts of the assignment being ended,
     so later tier events find the customer erased and never seat it again, and a
     redelivery after a crash still knows what to announce and which seat to free;
  2. the assignment is deleted only if it is still with that maintainer; if another
     replica moved it meanwhile, the new one is read and ended instead;
  3. history (derived id), the `customer.assigned` event (derived id) and the seat
     (freed once, guarded on the tombstone) follow; then backlog and display go.
"""
from __future__ import annotations

from datetime import datetime

from common.erased import ErasureHandler
from contracts import names

from . import metrics
from .domain import erasure

END_ATTEMPTS = 5


class ConcurrentMove(RuntimeError):
    """The assignment kept moving while it was being ended; the message is retried."""


class Erasure(ErasureHandler):
    """The `customer.erased` entrypoint; expects `store` (AssignmentStore) and `events`."""

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        released = [(cid, self._end(cid, erased_at, event)) for cid in ids]
        for cid, release in released:
            if release:
                self.events.stage(names.CUSTOMER_ASSIGNED, erasure.assigned_payload(cid, release),
                                  cause_id=release["cause_id"], key=erasure.event_key(cid, release),
                                  correlation_id=release.get("correlation_id"))
        self.events.persist()  # before the seats: a crash then re-derives, never loses
        for cid, release in released:
            if release and self.store.claim_seat_release(cid, release["cause_id"]):
                self.store.free_seat(release["manager_id"])
                metrics.ASSIGNMENTS.labels(erasure.ERASED).inc()
        self.store.forget(ids)
        self.events.publish_staged()

    def _end(self, customer_id: str, erased_at: datetime, event: dict) -> dict | None:
        """Tombstone the customer and end its assignment; the release it ended (now or
        on an earlier delivery of an erasure), or None if it had no maintainer."""
        for _ in range(END_ATTEMPTS):
            current = self.store.current(customer_id)
            release = erasure.release_of(current, event["event_id"], event["correlation_id"])
            tomb = self.store.mark_erased(customer_id, erased_at, release)
            if release is None or self.store.end_assignment(customer_id, release["manager_id"]):
                release = tomb.get("release")
                if release:
                    self.store.note_release(customer_id, release)
                return release
        raise ConcurrentMove(f"assignment of {customer_id} moved {END_ATTEMPTS} times "
                             "while being ended")
