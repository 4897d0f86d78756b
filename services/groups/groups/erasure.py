"""The groups service's part of an erasure: the person's parties become tombstones (id
only), their manual links go, and their groups are regrouped without them. Group events
carry customer ids only, so nothing in the outbox needs sealing."""
from __future__ import annotations

from datetime import datetime

from common.clock import today
from common.erased import ErasureHandler

from . import handlers


class Erasure(ErasureHandler):
    """The `customer.erased` entrypoint; expects `store`, `events` and `grouping`."""

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        handlers.erase(self.store, self.events, self.grouping, ids, event["event_id"],
                       event["correlation_id"], today())
