"""Dedup's collections: golden customers (with members and blocking keys), key claims, reviews.

Correct with several replicas: placements, accepted reviews and erasures run in
MongoDB transactions (handlers.py, batch_store.py). A new golden customer writes the
claim rows of its person-specific blocking keys (`claims`, _id = key), so one person
arriving twice at the same moment on two replicas makes the two transactions write
the same row: one fails with a write conflict, is retried, and joins the other's
customer. Updates of an existing golden keep its `revision` as a compare-and-set guard.
Methods take an optional `session`: inside a unit of work they run in its transaction.
"""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from common import clock

from . import metrics

# the fields by which reviews and merge rows name a person (customer or record ids)
REVIEW_NAMES = ("customer_id", "candidate_id", "record_id")
MERGE_NAMES = ("customer_id", "record_id", "matched_id", "absorbed_ids")


class Conflict(Exception):
    """Another replica changed the same golden customer first: match again."""


class DedupStore:
    def __init__(self, db: Database):
        self.db = db
        self.customers = db["customers"]
        self.claims = db["claims"]
        self.reviews = db["reviews"]
        self.merges = db["merges"]  # the evidence of every automatic merge

    def ensure_indexes(self) -> None:
        self.customers.create_index([("keys", ASCENDING)])
        self.customers.create_index([("members", ASCENDING)])
        self.customers.create_index([("has_contact", ASCENDING), ("active", ASCENDING)])
        self.reviews.create_index([("status", ASCENDING)])
        self.merges.create_index([("customer_id", ASCENDING)])
        # an erasure finds the reviews and merge rows naming the person by each field
        for field in REVIEW_NAMES:
            self.reviews.create_index([(field, ASCENDING)])
        for field in MERGE_NAMES:
            if field != "customer_id":
                self.merges.create_index([(field, ASCENDING)])
        # an erasure deletes every claim of the customer, also of keys it no longer has
        self.claims.create_index([("customer_id", ASCENDING)])
        metrics.watch_open_reviews(self.reviews)  # set up once per process, with the indexes

    # -- reading --------------------------------------------------------------------
    def owner_of_record(self, record_id: str, session: Any = None) -> dict | None:
        return self.customers.find_one({"members": record_id, "active": True},
                                       session=session)

    def get(self, customer_id: str, session: Any = None) -> dict | None:
        return self.customers.find_one({"_id": customer_id}, session=session)

    def erased_holder(self, record_id: str, session: Any = None) -> dict | None:
        """The erased golden whose members included this record (its tombstone)."""
        return self.customers.find_one({"members": record_id, "erased": True,
                                        "merged_into": {"$exists": False}}, session=session)

    # -- erasure --------------------------------------------------------------------
    def seal(self, sealed: dict, revision: int, session: Any = None) -> None:
        """Replace a golden by its sealed form if nobody changed it since `revision`."""
        done = self.customers.replace_one({"_id": sealed["_id"], "revision": revision}, sealed,
                                          session=session)
        if done.matched_count != 1:
            raise Conflict(sealed["_id"])

    def unsealed(self, customer_ids: list[str], session: Any = None) -> list[dict]:
        return list(self.customers.find({"_id": {"$in": customer_ids},
                                         "erased": {"$ne": True}}, session=session))

    def overwrite(self, sealed: dict, session: Any = None) -> None:
        """Seal a golden merged away earlier (inactive: nobody writes it any more)."""
        self.customers.replace_one({"_id": sealed["_id"], "erased": {"$ne": True}}, sealed,
                                   session=session)

    def forget_claims(self, customer_ids: list[str], session: Any = None) -> int:
        return self.claims.delete_many({"customer_id": {"$in": customer_ids}},
                                       session=session).deleted_count

    def close_reviews_of(self, customer_ids: list[str], session: Any = None) -> int:
        """Open reviews that would compare anyone with the erased customer."""
        closed = clock.now()
        return sum(self.reviews.update_many(
            {field: {"$in": customer_ids}, "status": "open"},
            {"$set": {"status": "erased", "closed_at": closed}}, session=session).modified_count
            for field in ("customer_id", "candidate_id"))

    def forget_evidence(self, customer_ids: list[str], record_ids: list[str],
                        session: Any = None) -> None:
        """The match evidence naming the erased person (masked values of both sides of
        a review or merge): merge rows deleted, reviews kept as bare decisions. One
        indexed write per naming field, each led by it: an `$or`, or a filter led by
        `status`, reads every review or merge row on the embedded database."""
        names = {"record_id": record_ids}
        for field in REVIEW_NAMES:
            self.reviews.update_many(
                {field: {"$in": names.get(field, customer_ids)}, "evidence": {"$ne": {}}},
                {"$set": {"evidence": {}, "decision": {}}}, session=session)
        for field in MERGE_NAMES:
            self.merges.delete_many({field: {"$in": names.get(field, customer_ids)}},
                                    session=session)

    # -- reviews --------------------------------------------------------------------
    def list_reviews(self, status: str = "open") -> list[dict]:
        return [{"id": r["_id"], "record_id": r["record_id"], "customer_id": r["customer_id"],
                 "candidate_id": r["candidate_id"], "score": r["score"], "status": r["status"],
                 "evidence": r.get("evidence") or {},
                 "params_version": r.get("params_version", 0)}
                for r in self.reviews.find({"status": status}).sort("at", 1)]

    def open_reviews(self, branch: str = "", opened_before: Any = None,
                     limit: int = 200) -> list[dict]:
        """Open reviews, oldest first, of one branch and opened before a time if given."""
        query: dict[str, Any] = {"status": "open"}
        if branch:
            query["branch"] = branch
        if opened_before is not None:
            query["at"] = {"$lte": opened_before}
        return list(self.reviews.find(query).sort("at", 1).limit(limit))

    def merges_into(self, customer_ids: list[str]) -> list[dict]:
        """The evidence rows of merges into these customers (automatic and reviewed)."""
        return list(self.merges.find({"customer_id": {"$in": customer_ids}}))

    def get_review(self, review_id: str) -> dict | None:
        return self.reviews.find_one({"_id": review_id})

    def close_review(self, review_id: str, status: str, session: Any = None) -> None:
        self.reviews.update_one({"_id": review_id},
                                {"$set": {"status": status, "closed_at": clock.now()}},
                                session=session)

    # -- listings -------------------------------------------------------------------
    def export(self, skip: int, limit: int) -> list[dict]:
        rows = self.customers.find({"active": True}, {"member_records": 1, "owner": 1})
        return list(rows.sort("_id", 1).skip(skip).limit(limit))

    def redlist(self) -> list[dict]:
        return list(self.customers.find({"active": True, "has_contact": False},
                                        {"branch": 1, "members": 1}).sort("_id", 1))

    def counts(self) -> dict:
        return {"customers": self.customers.count_documents({"active": True}),
                "merged_away": self.customers.count_documents(
                    {"active": False, "merged_into": {"$exists": True}}),
                "erased": self.customers.count_documents({"erased": True,
                                                          "merged_into": {"$exists": False}}),
                "open_reviews": self.reviews.count_documents({"status": "open"})}

