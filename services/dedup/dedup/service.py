"""Dedup: one golden customer per real person; the first registrant owns it."""
from __future__ import annotations

import logging
import uuid

from common.batch import batch_event_handler, reliable_batch
from common.reliability import reliable
from nameko.events import event_handler
from common.rpcs import rpc

from common.base import ServiceBase
from common.mongo import MongoStore
from contracts import names
from contracts.schemas import load_event

from . import handlers
from .dependencies import Matching
from .domain.clusters import build_golden
from .domain.erasure import UnknownCustomer
from .domain.snapshot import changed_payload, cluster_line, golden_keys
from .erasure import erase_person
from .model import ModelRpcs
from .review_rpcs import ReviewRpcs
from .storage import DedupStore

log = logging.getLogger(__name__)


class DedupService(ModelRpcs, ReviewRpcs, ServiceBase):
    name = "dedup"
    store = MongoStore(DedupStore)
    matching = Matching()

    @batch_event_handler("ingestion", names.CUSTOMER_INGESTED)
    @reliable_batch
    def on_ingested(self, payloads: list[dict]) -> None:
        """A batch of ingested records, placed as one unit of work (handlers.py)."""
        records = [load_event(names.CUSTOMER_INGESTED, payload) for payload in payloads]
        handlers.place_batch(self.store, self.events, self.matching, records)

    def _rewrite(self, current: dict, members: list, cause: str, record: dict | None,
                 event_type: str) -> dict:
        golden = build_golden(current["_id"], members, self.matching.params,
                              current.get("merged_ids", ()))
        revision = self.store.replace(golden, golden_keys(golden), current["revision"])
        self.events.stage(event_type,
                          changed_payload(golden, revision, record["record_id"] if record else ""),
                          cause, golden["customer_id"],
                          record["correlation_id"] if record else None)
        self.events.publish_staged()
        return golden

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
        current = self.store.get(customer_id)
        if not current or not current["active"]:
            raise ValueError(f"no active customer {customer_id}")
        moving = [m for m in current["member_records"] if m["record_id"] == member]
        staying = [m for m in current["member_records"] if m["record_id"] != member]
        if not moving or not staying:
            raise ValueError(f"{member} is not a member of {customer_id} besides others")
        cause = f"unmerge:{customer_id}:{member}:{current['revision']}"
        self._rewrite(current, staying, cause, None, names.CUSTOMER_UPDATED)
        golden = build_golden("C" + uuid.uuid4().hex[:16], moving, self.matching.params)
        self.store.insert(golden, golden_keys(golden))
        self.events.stage(names.CUSTOMER_REGISTERED, changed_payload(golden, 1, member),
                          cause, golden["customer_id"])
        self.events.publish_staged()
        return {"customer_id": customer_id, "new_customer_id": golden["customer_id"]}

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
