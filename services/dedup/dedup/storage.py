"""Dedup's collections: golden customers (with members and blocking keys), key claims, reviews.

Correct with several replicas: a new golden customer first claims its blocking
keys in `claims` (unique _id per key). A replica that loses a claim to a customer
it has not seen yet retries its match, so one person arriving twice at the same
moment on two replicas still yields one golden customer. Updates of an existing
golden use its `revision` as a compare-and-set guard.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Conflict(Exception):
    """Another replica changed the same golden customer first: match again."""


class DedupStore:
    def __init__(self, db: Database):
        self.db = db
        self.customers = db["customers"]
        self.claims = db["claims"]
        self.reviews = db["reviews"]

    def ensure_indexes(self) -> None:
        self.customers.create_index([("keys", ASCENDING)])
        self.customers.create_index([("members", ASCENDING)])
        self.customers.create_index([("has_contact", ASCENDING), ("active", ASCENDING)])
        self.reviews.create_index([("status", ASCENDING)])
        # an erasure deletes every claim of the customer, also of keys it no longer has
        self.claims.create_index([("customer_id", ASCENDING)])

    # -- reading --------------------------------------------------------------------
    def owner_of_record(self, record_id: str) -> dict | None:
        return self.customers.find_one({"members": record_id, "active": True})

    def get(self, customer_id: str) -> dict | None:
        return self.customers.find_one({"_id": customer_id})

    def erased_holder(self, record_id: str) -> dict | None:
        """The erased golden whose members included this record (its tombstone)."""
        return self.customers.find_one({"members": record_id, "erased": True,
                                        "merged_into": {"$exists": False}})

    def candidates(self, keys: list[str], max_block: int, max_candidates: int) -> list[dict]:
        """Active goldens sharing keys, most shared first; oversized blocks carry no signal."""
        if not keys:
            return []
        rows = list(self.customers.find({"keys": {"$in": keys}, "active": True})
                    .limit(max_block * 2))
        wanted = set(keys)
        rows.sort(key=lambda r: (-len(wanted.intersection(r["keys"])), r["_id"]))
        return rows[:max_candidates]

    # -- writing --------------------------------------------------------------------
    def claim_keys(self, customer_id: str, keys: list[str]) -> list[dict]:
        """Claim keys for a new golden; returns the conflicting claims of others."""
        docs = [{"_id": k, "customer_id": customer_id, "at": _now()} for k in keys]
        if not docs:
            return []
        try:
            self.claims.insert_many(docs, ordered=False)
            return []
        except BulkWriteError as exc:
            lost = [e["keyValue"]["_id"] if e.get("keyValue") else e["op"]["_id"]
                    for e in exc.details["writeErrors"] if e["code"] == 11000]
            return list(self.claims.find({"_id": {"$in": lost},
                                          "customer_id": {"$ne": customer_id}}))

    def release_claims(self, customer_id: str) -> None:
        self.claims.delete_many({"customer_id": customer_id})

    def unseen(self, claim: dict, seconds: float = 30) -> bool:
        """Does this claim (of a customer our match did not see) require matching again?

        Yes while its customer is active (created after our query) or still being
        created by another replica; no once that customer was merged away, or when
        the claim is older than `seconds` with no customer (its process died).
        """
        customer = self.get(claim["customer_id"])
        if customer is not None:
            return bool(customer.get("active"))
        at = claim["at"] if claim["at"].tzinfo else claim["at"].replace(tzinfo=timezone.utc)
        return at >= _now() - timedelta(seconds=seconds)

    def insert(self, golden: dict, keys: list[str]) -> None:
        self.customers.insert_one({**golden, "_id": golden["customer_id"], "keys": keys,
                                   "revision": 1, "active": True, "updated_at": _now()})

    def replace(self, golden: dict, keys: list[str], revision: int) -> int:
        """Write a new state of an existing golden if nobody else did since `revision`."""
        doc = {**golden, "_id": golden["customer_id"], "keys": keys, "revision": revision + 1,
               "active": True, "updated_at": _now()}
        done = self.customers.replace_one({"_id": doc["_id"], "revision": revision}, doc)
        if done.matched_count != 1:
            raise Conflict(golden["customer_id"])
        return revision + 1

    def retire(self, customer_id: str, revision: int, merged_into: str) -> None:
        done = self.customers.update_one(
            {"_id": customer_id, "revision": revision},
            {"$set": {"active": False, "merged_into": merged_into, "keys": [],
                      "updated_at": _now()}, "$inc": {"revision": 1}})
        if done.matched_count != 1:
            raise Conflict(customer_id)

    # -- erasure --------------------------------------------------------------------
    def seal(self, sealed: dict, revision: int) -> None:
        """Replace a golden by its sealed form if nobody changed it since `revision`."""
        done = self.customers.replace_one({"_id": sealed["_id"], "revision": revision}, sealed)
        if done.matched_count != 1:
            raise Conflict(sealed["_id"])

    def unsealed(self, customer_ids: list[str]) -> list[dict]:
        return list(self.customers.find({"_id": {"$in": customer_ids},
                                         "erased": {"$ne": True}}))

    def overwrite(self, sealed: dict) -> None:
        """Seal a golden merged away earlier (inactive: nobody writes it any more)."""
        self.customers.replace_one({"_id": sealed["_id"], "erased": {"$ne": True}}, sealed)

    def forget_claims(self, customer_ids: list[str]) -> int:
        return self.claims.delete_many({"customer_id": {"$in": customer_ids}}).deleted_count

    def close_reviews_of(self, customer_ids: list[str]) -> int:
        """Open reviews that would compare anyone with the erased customer."""
        return self.reviews.update_many(
            {"status": "open", "$or": [{"customer_id": {"$in": customer_ids}},
                                       {"candidate_id": {"$in": customer_ids}}]},
            {"$set": {"status": "erased", "closed_at": _now()}}).modified_count

    # -- reviews --------------------------------------------------------------------
    def open_review(self, record_id: str, customer_id: str, candidate_id: str,
                    score: float) -> str:
        doc = {"record_id": record_id, "customer_id": customer_id, "candidate_id": candidate_id,
               "score": score, "status": "open", "at": _now()}
        try:
            return str(self.reviews.insert_one({**doc, "_id": f"{record_id}>{candidate_id}"})
                       .inserted_id)
        except DuplicateKeyError:
            return f"{record_id}>{candidate_id}"

    def list_reviews(self, status: str = "open") -> list[dict]:
        return [{"id": r["_id"], "record_id": r["record_id"], "customer_id": r["customer_id"],
                 "candidate_id": r["candidate_id"], "score": r["score"], "status": r["status"]}
                for r in self.reviews.find({"status": status}).sort("at", 1)]

    def get_review(self, review_id: str) -> dict | None:
        return self.reviews.find_one({"_id": review_id})

    def close_review(self, review_id: str, status: str) -> None:
        self.reviews.update_one({"_id": review_id}, {"$set": {"status": status, "closed_at": _now()}})

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

