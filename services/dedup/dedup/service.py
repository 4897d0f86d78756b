"""Dedup: one golden customer per real person; the first registrant owns it."""
from __future__ import annotations

import hashlib
import logging
import uuid

import eventlet
from nameko.events import event_handler
from common.rpcs import rpc

from common.base import ServiceBase
from common.mongo import MongoStore
from common.reliability import reliable
from contracts import names
from contracts.schemas import load_event

from . import metrics
from .dependencies import Matching
from .domain.clusters import build_golden, choose_survivor, merge_goldens
from .domain.erasure import UnknownCustomer
from .domain.keys import blocking_keys
from .domain.resolve import resolve
from .domain.scoring import decide
from .domain.snapshot import cluster_line, golden_keys, public_view
from .erasure import drop_if_erased, erase_person
from .storage import Conflict, DedupStore

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # with the backoff below, longer than a dead replica's claims last
CLAIMED_KEYS = ("nid:", "ph:", "em:", "nd:")


def claimable(keys: list[str]) -> list[str]:
    """Keys specific to one person: claiming them serializes creation of that person.

    Broad blocking keys (surname + postcode ...) are shared by many people and would
    only make unrelated customers wait for each other.
    """
    return [k for k in keys if k.startswith(CLAIMED_KEYS)]


class DedupService(ServiceBase):
    name = "dedup"
    store = MongoStore(DedupStore)
    matching = Matching()

    @event_handler("ingestion", names.CUSTOMER_INGESTED)
    @reliable
    def on_ingested(self, payload: dict) -> None:
        record = load_event(names.CUSTOMER_INGESTED, payload)
        for attempt in range(MAX_ATTEMPTS):
            try:
                return self.place(record)
            except Conflict:  # another replica touched the same customer: match again
                metrics.CONFLICTS.inc()
                eventlet.sleep(min(0.05 * 2 ** attempt, 5.0))
        raise RuntimeError(f"record {record['record_id']} kept conflicting; parked for replay")

    def place(self, record: dict) -> None:
        cause = record["event_id"]
        current = self.store.owner_of_record(record["record_id"])
        if current:
            members = [m for m in current["member_records"]
                       if m["record_id"] != record["record_id"]] + [record]
            self._rewrite(current, members, cause, record, names.CUSTOMER_UPDATED)
            return
        if drop_if_erased(self.store, record):
            return
        keys = blocking_keys(record)
        candidates = self.store.candidates(keys, self.matching.max_block,
                                           self.matching.max_candidates)
        new_id = "C" + hashlib.sha1(record["record_id"].encode()).hexdigest()[:16]
        outcome = resolve(record, candidates, self.matching.matchers, self.matching.params,
                          lambda: new_id)
        if outcome.is_new:
            self._register(outcome, keys, candidates, record, cause)
        else:
            self._merge(outcome, candidates, record, cause)
        metrics.DECISIONS.labels(outcome.decision).inc()

    def _register(self, outcome, keys, candidates, record, cause) -> None:
        golden = outcome.golden
        seen = {c["_id"] for c in candidates}
        lost = [c for c in self.store.claim_keys(golden["customer_id"], claimable(keys))
                if c["customer_id"] not in seen and self.store.unseen(c)]
        if lost and self._maybe_same_person(record, lost):
            # another replica created a customer with our identifiers meanwhile
            self.store.release_claims(golden["customer_id"])
            raise Conflict(golden["customer_id"])
        self.store.insert(golden, keys)
        view = public_view(golden, 1)
        self.events.stage(names.CUSTOMER_REGISTERED, {"customer": view,
                          "record_id": record["record_id"]}, cause, golden["customer_id"],
                          record["correlation_id"])
        if outcome.review_candidate:
            score = next((r.score for g, r in outcome.results
                          if g["customer_id"] == outcome.review_candidate), 0.0)
            review_id = self.store.open_review(record["record_id"], golden["customer_id"],
                                               outcome.review_candidate, score)
            self.events.stage(names.CUSTOMER_REVIEW_NEEDED, {
                "review_id": review_id, "record_id": record["record_id"],
                "candidate_id": outcome.review_candidate, "score": score,
                "branch": view["branch"]}, cause, review_id, record["correlation_id"])
        self.events.publish_staged()

    def _maybe_same_person(self, record: dict, lost_claims: list[dict]) -> bool:
        """Could a holder of a key we failed to claim be this person? Then match again.

        A namesake born the same day holds the same name+date key; when the decision
        against it is a clear no (different verified ids, ...), waiting for it would
        only park the record. A holder still being created cannot be judged: wait."""
        for claim in lost_claims:
            holder = self.store.get(claim["customer_id"])
            if holder is None or decide(record, holder, self.matching.matchers,
                                        self.matching.params).decision != "no_match":
                return True
        return False

    def _merge(self, outcome, candidates, record, cause) -> None:
        revisions = {c["_id"]: c["revision"] for c in candidates}
        golden = outcome.golden
        survivor_id = golden["customer_id"]
        revision = self.store.replace(golden, golden_keys(golden), revisions[survivor_id])
        absorbed = [g["customer_id"] for g in outcome.absorbed]
        for customer_id in absorbed:
            self.store.retire(customer_id, revisions[customer_id], survivor_id)
        self.events.stage(names.CUSTOMER_MERGED, {
            "customer": public_view(golden, revision), "record_id": record["record_id"],
            "survivor_id": survivor_id, "absorbed_ids": absorbed}, cause, survivor_id,
            record["correlation_id"])
        self.events.publish_staged()

    def _rewrite(self, current: dict, members: list, cause: str, record: dict | None,
                 event_type: str) -> dict:
        golden = build_golden(current["_id"], members, self.matching.params,
                              current.get("merged_ids", ()))
        revision = self.store.replace(golden, golden_keys(golden), current["revision"])
        self.events.stage(event_type, {"customer": public_view(golden, revision),
                                       "record_id": record["record_id"] if record else ""},
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

    @rpc
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
    @rpc
    def reviews_list(self) -> list[dict]:
        return self.store.list_reviews()

    @rpc
    def review_accept(self, review_id: str) -> dict:
        """The two customers are one person: merge them (the earlier registrant survives)."""
        review = self._open_review(review_id)
        a, b = self.store.get(review["customer_id"]), self.store.get(review["candidate_id"])
        if not (a and b and a["active"] and b["active"]):
            raise ValueError("one of the customers was merged or removed meanwhile")
        survivor, absorbed = choose_survivor(a, b)
        golden = merge_goldens(survivor, absorbed, self.matching.params)
        revision = self.store.replace(golden, golden_keys(golden), survivor["revision"])
        self.store.retire(absorbed["_id"], absorbed["revision"], survivor["_id"])
        self.store.close_review(review_id, "accepted")
        self.events.stage(names.CUSTOMER_MERGED, {
            "customer": public_view(golden, revision), "record_id": review["record_id"],
            "survivor_id": survivor["_id"], "absorbed_ids": [absorbed["_id"]]},
            f"review:{review_id}", survivor["_id"])
        self.events.publish_staged()
        return {"survivor_id": survivor["_id"], "absorbed_id": absorbed["_id"]}

    @rpc
    def review_reject(self, review_id: str) -> dict:
        self._open_review(review_id)
        self.store.close_review(review_id, "rejected")
        return {"review_id": review_id, "status": "rejected"}

    def _open_review(self, review_id: str) -> dict:
        review = self.store.get_review(review_id)
        if not review or review["status"] != "open":
            raise ValueError(f"no open review {review_id}")
        return review

    @rpc
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
        self.events.stage(names.CUSTOMER_REGISTERED, {"customer": public_view(golden, 1),
                          "record_id": member}, cause, golden["customer_id"])
        self.events.publish_staged()
        return {"customer_id": customer_id, "new_customer_id": golden["customer_id"]}

    @rpc
    def export_clusters(self, skip: int = 0, limit: int = 5000) -> list[dict]:
        return [cluster_line(doc) for doc in self.store.export(skip, limit)]

    @rpc
    def redlist(self) -> list[dict]:
        return [{"customer_id": r["_id"], "branch": r.get("branch"), "members": r["members"]}
                for r in self.store.redlist()]

    @rpc
    def counts(self) -> dict:
        return self.store.counts()
