"""Tiering's collections: current tier per (customer, scheme), history, customer snapshots."""
from __future__ import annotations

from datetime import datetime, timezone

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.database import Database


def _now() -> datetime:
    return datetime.now(timezone.utc)


class TieringStore:
    def __init__(self, db: Database):
        self.db = db
        self.tiers = db["tiers"]
        self.history = db["tier_history"]
        self.customers = db["customers"]

    def ensure_indexes(self) -> None:
        self.tiers.create_index([("customer_id", ASCENDING)])
        self.tiers.create_index([("scheme", ASCENDING), ("branch", ASCENDING), ("tier", ASCENDING)])
        self.history.create_index([("customer_id", ASCENDING), ("at", DESCENDING)])
        self.customers.create_index([("branch", ASCENDING)])

    def accept_snapshot(self, customer: dict) -> bool:
        """Keep the newest snapshot only: an older revision arriving late is ignored."""
        revision = customer.get("revision", 0)
        result = self.customers.update_one(
            {"_id": customer["customer_id"], "revision": {"$lt": revision}},
            {"$set": {**customer, "revision": revision, "active": True}})
        if result.matched_count:
            return True
        try:
            self.customers.insert_one({"_id": customer["customer_id"], **customer,
                                       "revision": revision, "active": True})
            return True
        except Exception as exc:  # duplicate key: same or newer revision already stored
            if getattr(exc, "code", None) == 11000:
                return False
            raise

    def recorded(self, customer_id: str) -> dict[str, dict]:
        return {t["scheme"]: t for t in self.tiers.find({"customer_id": customer_id})}

    def save(self, customer_id: str, branch: str | None, records: list, changes: list,
             cause: str) -> None:
        ops = [UpdateOne({"_id": f"{customer_id}:{r.scheme}"}, {"$set": {
            "customer_id": customer_id, "scheme": r.scheme, "tier": r.tier, "reason": r.reason,
            "rules_version": r.rules_version, "figures": r.figures, "below_count": r.below_count,
            "branch": branch, "updated_at": _now()}}, upsert=True) for r in records]
        if ops:
            self.tiers.bulk_write(ops, ordered=False)
        if changes:
            self.history.insert_many([{"customer_id": customer_id, "scheme": c.scheme,
                                       "previous": c.previous, "current": c.current,
                                       "direction": c.direction, "reason": c.reason,
                                       "rules_version": c.rules_version, "cause": cause,
                                       "at": _now()} for c in changes])

    def remove(self, customer_id: str, merged_into: str) -> list[dict]:
        """An absorbed customer leaves the pool; return the tiers it had."""
        had = list(self.tiers.find({"customer_id": customer_id}))
        self.tiers.delete_many({"customer_id": customer_id})
        self.customers.update_one({"_id": customer_id},
                                  {"$set": {"active": False, "merged_into": merged_into}})
        return had

    def export(self, scheme: str | None = None, skip: int = 0, limit: int = 5000) -> list[dict]:
        query = {"scheme": scheme} if scheme else {}
        rows = self.tiers.find(query, {"customer_id": 1, "scheme": 1, "tier": 1, "branch": 1})
        return [{"customer_id": r["customer_id"], "scheme": r["scheme"], "tier": r["tier"],
                 "branch": r.get("branch")} for r in rows.sort("_id", 1).skip(skip).limit(limit)]

    def explain(self, customer_id: str) -> dict:
        tiers = {t["scheme"]: {k: t.get(k) for k in ("tier", "reason", "rules_version", "figures")}
                 for t in self.tiers.find({"customer_id": customer_id})}
        history = [{k: h.get(k) for k in ("scheme", "previous", "current", "direction",
                                          "reason", "rules_version", "cause")}
                   | {"at": h["at"].isoformat()}
                   for h in self.history.find({"customer_id": customer_id}).sort("at", 1)]
        return {"customer_id": customer_id, "tiers": tiers, "history": history}

    def stats(self, branch: str | None = None) -> list[dict]:
        match = {"branch": branch} if branch else {}
        pipeline = [{"$match": match},
                    {"$group": {"_id": {"scheme": "$scheme", "tier": "$tier"}, "count": {"$sum": 1}}}]
        return sorted(({"scheme": g["_id"]["scheme"], "tier": g["_id"]["tier"],
                        "customers": g["count"]} for g in self.tiers.aggregate(pipeline)),
                      key=lambda r: (r["scheme"], r["tier"]))

    def moves(self, since: datetime) -> list[dict]:
        pipeline = [{"$match": {"at": {"$gte": since}}},
                    {"$group": {"_id": {"scheme": "$scheme", "direction": "$direction"},
                                "count": {"$sum": 1}}}]
        return [{"scheme": g["_id"]["scheme"], "direction": g["_id"]["direction"],
                 "count": g["count"]} for g in self.history.aggregate(pipeline)]

    def active_customers(self, branch: str | None, after: str, limit: int) -> list[dict]:
        query = {"active": True, "_id": {"$gt": after}}
        if branch:
            query["branch"] = branch
        return list(self.customers.find(query).sort("_id", 1).limit(limit))
