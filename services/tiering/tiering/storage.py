"""Tiering's collections: current tier per (customer, scheme), history, customer snapshots.

Writes are diffed against what is stored: re-tiering an unchanged customer (a
repeated upstream record, a recompute that moves nobody) costs reads only, which
is what keeps a 100,000-customer recompute cheap.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from pymongo import ASCENDING, DESCENDING, ReplaceOne, UpdateOne
from pymongo.database import Database

from .domain.erasure import (removal_history_row, sealed_event_fields, sealed_history_fields,
                             sealed_snapshot)
from .queries import TieringQueries

COMPARED = ("tier", "reason", "rules_version", "below_count", "branch")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class TieringStore(TieringQueries):
    def __init__(self, db: Database):
        self.db = db
        self.tiers = db["tiers"]
        self.history = db["tier_history"]
        self.customers = db["customers"]
        self.outbox = db["outbox"]  # common.events.Outbox's rows, in this service's database

    def ensure_indexes(self) -> None:
        self.tiers.create_index([("customer_id", ASCENDING)])
        self.tiers.create_index([("scheme", ASCENDING), ("branch", ASCENDING), ("tier", ASCENDING)])
        self.history.create_index([("customer_id", ASCENDING), ("at", DESCENDING)])
        self.history.create_index([("at", DESCENDING)])
        self.customers.create_index([("active", ASCENDING), ("branch", ASCENDING)])
        self.outbox.create_index([("body.customer_id", ASCENDING)])  # erasure: events about one

    def accept_snapshot(self, customer: dict) -> bool:
        """Keep the newest snapshot only: an older revision arriving late is ignored.

        The same revision again is accepted: a redelivery after a crash between this
        write and the tier write must be evaluated (events are derived, so no doubles).
        An erased customer accepts nothing: its sealed snapshot (or tombstone) makes the
        update miss and the insert collide, so no stray event brings personal data back.
        """
        revision = customer.get("revision", 0)
        result = self.customers.update_one(
            {"_id": customer["customer_id"], "revision": {"$lte": revision},
             "erased": {"$ne": True}},
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
        return self.recorded_many([customer_id]).get(customer_id, {})

    def recorded_many(self, customer_ids: Iterable[str]) -> dict[str, dict[str, dict]]:
        """customer -> scheme -> stored tier record, in one query for a whole page."""
        out: dict[str, dict[str, dict]] = {}
        for row in self.tiers.find({"customer_id": {"$in": list(customer_ids)}}):
            out.setdefault(row["customer_id"], {})[row["scheme"]] = row
        return out

    def save(self, customer_id: str, branch: str | None, records: list, changes: list,
             cause: str, recorded: dict[str, dict] | None = None) -> int:
        return self.save_many([(customer_id, branch, records, changes, cause, recorded)])

    def save_many(self, items: list[tuple]) -> int:
        """Items are (customer_id, branch, records, changes, cause, recorded-or-None);
        only records that differ from `recorded` are written. Returns records written."""
        ops, history, now = [], [], _now()
        for customer_id, branch, records, changes, cause, recorded in items:
            for r in records:
                fields = {"customer_id": customer_id, "scheme": r.scheme, "tier": r.tier,
                          "reason": r.reason, "rules_version": r.rules_version,
                          "figures": r.figures, "below_count": r.below_count, "branch": branch}
                old = (recorded or {}).get(r.scheme)
                if recorded is not None and old and all(old.get(k) == fields[k] for k in COMPARED):
                    continue
                ops.append(UpdateOne({"_id": f"{customer_id}:{r.scheme}"},
                                     {"$set": {**fields, "updated_at": now}}, upsert=True))
            history += [{"customer_id": customer_id, "scheme": c.scheme, "previous": c.previous,
                         "current": c.current, "direction": c.direction, "reason": c.reason,
                         "rules_version": c.rules_version, "cause": cause, "branch": branch,
                         "at": now} for c in changes]
        if ops:
            self.tiers.bulk_write(ops, ordered=False)
        if history:
            self.history.insert_many(history, ordered=False)
        return len(ops)

    def remove(self, customer_id: str, merged_into: str, cause: str) -> list[dict]:
        """An absorbed customer leaves the pool; return the tiers it had (history kept)."""
        had = list(self.tiers.find({"customer_id": customer_id}))
        self.tiers.delete_many({"customer_id": customer_id})
        self.customers.update_one({"_id": customer_id},
                                  {"$set": {"active": False, "merged_into": merged_into}})
        if had:
            self.history.insert_many([{
                "customer_id": customer_id, "scheme": t["scheme"], "previous": t["tier"],
                "current": None, "direction": "removed", "reason": f"merged into {merged_into}",
                "rules_version": t["rules_version"], "cause": cause, "branch": t.get("branch"),
                "at": _now()} for t in had])
        return had

    def active_customers(self, branch: str | None, after: str, limit: int) -> list[dict]:
        query: dict = {"active": True, "_id": {"$gt": after}}
        if branch:
            query["branch"] = branch
        return list(self.customers.find(query).sort("_id", 1).limit(limit))

    # -- erasure --------------------------------------------------------------------
    def seal_snapshots(self, customer_ids: list[str], erased_at: datetime) -> None:
        """Replace each snapshot by its sealed form (a tombstone when none is stored).

        Replacing, not $unset-ing, drops every field outside the allow-list, including
        any a concurrent snapshot write added between the read and this write.
        """
        stored = {d["_id"]: d for d in self.customers.find({"_id": {"$in": customer_ids}})}
        self.customers.bulk_write([
            ReplaceOne({"_id": cid}, sealed_snapshot(cid, stored.get(cid), erased_at), upsert=True)
            for cid in customer_ids], ordered=False)

    def tiers_of(self, customer_ids: list[str]) -> list[dict]:
        return list(self.tiers.find({"customer_id": {"$in": customer_ids}}))

    def retire_tiers(self, had: list[dict], cause: str) -> None:
        """History rows of the removals first (derived ids: written once), then the
        tiers go, figures and reasons with them: the customer has left the pool."""
        if not had:
            return
        now = _now()
        rows = [removal_history_row(t, cause, now) for t in had]
        self.history.bulk_write([
            UpdateOne({"_id": row["_id"]},
                      {"$setOnInsert": {k: v for k, v in row.items() if k != "_id"}},
                      upsert=True) for row in rows], ordered=False)
        self.tiers.delete_many({"_id": {"$in": [t["_id"] for t in had]}})

    def seal_history(self, customer_ids: list[str]) -> int:
        """Strip personal text from the customers' history rows (uses the customer_id index)."""
        return self.history.update_many(
            {"customer_id": {"$in": customer_ids}, "sealed": {"$ne": True}},
            {"$set": sealed_history_fields()}).modified_count

    def seal_outbox(self, customer_ids: list[str]) -> None:
        """Strip display data from this service's stored events about the customers."""
        sealed = {f"body.{k}": v for k, v in sealed_event_fields().items()}
        self.outbox.update_many({"body.customer_id": {"$in": customer_ids}}, {"$set": sealed})
