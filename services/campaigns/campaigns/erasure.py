"""Campaigns' part of an erasure: the person leaves the read model and every future list.

A mixin of the campaigns service. The customer rows become tombstones (so a late
golden, tier or assignment event can never bring the person back onto a list) and the
free-text notes of their calls go; the calls' ids, counts and outcomes stay, as the
audit trail of the days' sheets. Both writes are idempotent and share one transaction.
"""
from __future__ import annotations

from datetime import datetime

from common.erased import ErasureHandler
from common.mongo import in_transaction

from .domain.follow import erased_row


class Erasure(ErasureHandler):
    """The `customer.erased` entrypoint; expects `store` (CampaignsStore)."""

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        store = self.store

        def work(session) -> None:
            store.save_rows({cid: erased_row(cid) for cid in ids}, session)
            store.seal_calls(ids, erased_at, session)
        in_transaction(store.db, work)
