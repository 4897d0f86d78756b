"""Dedup: one golden customer per real person; the first registrant owns it."""
from __future__ import annotations

import logging

from common.batch import batch_event_handler, reliable_batch
from common.reliability import Parking, reliable
from nameko.events import event_handler
from common.rpcs import rpc

from common.base import ServiceBase
from common.mongo import MongoStore
from contracts import names
from contracts.schemas import load_event

from . import handlers
from .dependencies import Matching
from .domain.erasure import UnknownCustomer
from .domain.snapshot import cluster_line
from .erasure import PARKED_INDEXES, erase_person
from .model import ModelRpcs
from .review_rpcs import ReviewRpcs
from .storage import DedupStore

log = logging.getLogger(__name__)


class DedupService(ModelRpcs, ReviewRpcs, ServiceBase):
    name = "dedup"
    parked = Parking(indexes=PARKED_INDEXES)
    store = MongoStore(DedupStore)
    matching = Matching()

    @batch_event_handler("ingestion", names.CUSTOMER_INGESTED)
    @reliable_batch
    def on_ingested(self, payloads: list[dict]) -> None:
        """A batch of ingested records, placed as one unit of work (handlers.py)."""
        records = [load_event(names.CUSTOMER_INGESTED, payload) for payload in payloads]
        handlers.place_batch(self.store, self.events, self.matching, records)

    # -- erasure (right to be forgotten) ---------------------------------------------
    @event_handler("ingestion", names.CUSTOMER_ERASURE_REQUESTED)
    @reliable
    def on_erasure_requested(self, payload: dict) -> None:
        """An upstream erasure request. Nobody to erase (unknown id, or the record not
        placed yet) parks the message after a few tries, for an operator to replay."""
        request = load_event(names.CUSTOMER_ERASURE_REQUESTED, payload)
        try:
            erase_person(self, request.get("customer_id"), request.get("record_id"),
                         request["requested_by"], request.get("reason") or "",
                         request["correlation_id"])
        except UnknownCustomer as exc:
            log.warning("erasure request %s: %s", request["event_id"], exc)
            raise

    @rpc(role="admin")
    def erase(self, customer_id: str, requested_by: str, reason: str = "") -> dict:
        """Erase a customer (`crm erase`): seal the golden customer and its copies and
        announce customer.erased. Repeating it returns the same result."""
        if not customer_id.strip() or not requested_by.strip():
            raise ValueError("erase: customer_id and requested_by are required")
        try:
            return erase_person(self, customer_id.strip(), None, requested_by.strip(),
                                reason)
        except UnknownCustomer as exc:
            raise ValueError(str(exc)) from None

    # -- review and repair ----------------------------------------------------------
    @rpc(role="viewer", personal=True)
    def reviews_list(self) -> list[dict]:
        return self.store.list_reviews()

    @rpc(role="officer")
    def review_accept(self, review_id: str) -> dict:
        """The two customers are one person: merge them (the earlier registrant survives)."""
        return handlers.accept_review(self.store, self.events, self.matching, review_id)

    @rpc(role="officer")
    def review_reject(self, review_id: str) -> dict:
        self._open_review(review_id)
        self.store.close_review(review_id, "rejected")
        return {"review_id": review_id, "status": "rejected"}

    def _open_review(self, review_id: str) -> dict:
        review = self.store.get_review(review_id)
        if not review or review["status"] != "open":
            raise ValueError(f"no open review {review_id}")
        return review

    @rpc(role="officer")
    def unmerge(self, customer_id: str, member: str) -> dict:
        """Split one record (SOURCE:EXTERNAL_ID) out of a golden customer into its own."""
        return handlers.unmerge(self.store, self.events, self.matching, customer_id, member)

    @rpc(role="viewer", personal=True)
    def export_clusters(self, skip: int = 0, limit: int = 5000) -> list[dict]:
        return [cluster_line(doc) for doc in self.store.export(skip, limit)]

    @rpc(role="viewer", personal=True)
    def redlist(self) -> list[dict]:
        return [{"customer_id": r["_id"], "branch": r.get("branch"), "members": r["members"]}
                for r in self.store.redlist()]

    @rpc(role="viewer")
    def counts(self) -> dict:
        return self.store.counts()
