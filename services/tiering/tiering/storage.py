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
from .domain.paging import bucket_of
from .queries import TieringQueries

COMPARED = ("tier", "reason", "rules_version", "below_count", "branch", "bucket")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _by_customer(tier_rows: Iterable[dict],
                 wanted: set[str] | None = None) -> dict[str, dict[str, dict]]:
    """customer -> scheme -> tier record, keeping only `wanted` customers if given."""
    out: dict[str, dict[str, dict]] = {}
    for row in tier_rows:
        if wanted is None or row["customer_id"] in wanted:
            out.setdefault(row["customer_id"], {})[row["scheme"]] = row
    return out


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
        # Recompute pages are bucket ranges (domain/paging.py): equality, then range.
        self.customers.create_index([("active", ASCENDING), ("bucket", ASCENDING)])
        self.customers.create_index([("active", ASCENDING), ("branch", ASCENDING),
                                     ("bucket", ASCENDING)])
        self.tiers.create_index([("bucket", ASCENDING)])
        self.backfill_buckets()
        self.outbox.create_index([("body.customer_id", ASCENDING)])  # erasure: events about one

    def accept_snapshot(self, customer: dict) -> bool:
        """Keep the newest snapshot only: an older revision arriving late is ignored.

        The same revision again is accepted: a redelivery after a crash between this
        write and the tier write must be evaluated (events are derived, so no doubles).
        An erased customer accepts nothing: its sealed snapshot (or tombstone) makes the
        update miss and the insert collide, so no stray event brings personal data back.
        """
        revision = customer.get("revision", 0)
        fields = {**customer, "revision": revision, "active": True,
                  "bucket": bucket_of(customer["customer_id"])}
        result = self.customers.update_one(
            {"_id": customer["customer_id"], "revision": {"$lte": revision},
             "erased": {"$ne": True}}, {"$set": fields})
        if result.matched_count:
            return True
        try:
            self.customers.insert_one({"_id": customer["customer_id"], **fields})
            return True
        except Exception as exc:  # duplicate key: same or newer revision already stored
            if getattr(exc, "code", None) == 11000:
                return False
            raise

    def recorded(self, customer_id: str) -> dict[str, dict]:
        return self.recorded_many([customer_id]).get(customer_id, {})

    def recorded_many(self, customer_ids: Iterable[str]) -> dict[str, dict[str, dict]]:
        """customer -> scheme -> stored tier record, in one query for a whole page."""
        return _by_customer(self.tiers.find({"customer_id": {"$in": list(customer_ids)}}))

    def save(self, customer_id: str, branch: str | None, records: list, changes: list,
             cause: str, recorded: dict[str, dict] | None = None) -> int:
        return self.save_many([(customer_id, branch, records, changes, cause, recorded)])

    def save_many(self, items: list[tuple]) -> int:
        """Items are (customer_id, branch, records, changes, cause, recorded-or-None);
        only records that differ from `recorded` are written. Returns records written."""
        ops, history, now = [], [], _now()
        for customer_id, branch, records, changes, cause, recorded in items:
            bucket = bucket_of(customer_id)
            for r in records:
                fields = {"customer_id": customer_id, "scheme": r.scheme, "tier": r.tier,
                          "reason": r.reason, "rules_version": r.rules_version,
                          "figures": r.figures, "below_count": r.below_count, "branch": branch,
                          "bucket": bucket}
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

    def page(self, branch: str | None, start: int, end: int) -> tuple[list[dict], dict]:
        """One recompute page: the active snapshots in buckets [start, end) and their
        tiers (customer -> scheme -> record), each read as one index range."""
        query: dict = {"active": True}
        if branch:
            query["branch"] = branch
        query["bucket"] = {"$gte": start, "$lt": end}
        rows = list(self.customers.find(query))
        wanted = {row["_id"] for row in rows}
        recorded = _by_customer(self.tiers.find({"bucket": {"$gte": start, "$lt": end}}),
                                wanted)
        # Tiers without a bucket (written by an older replica during a rolling upgrade)
        # must still be found, or the recompute would announce them as new.
        missing = sorted(wanted - recorded.keys())
        if missing:
            recorded.update(self.recorded_many(missing))
        return rows, recorded

    def backfill_buckets(self, batch: int = 5000) -> int:
        """Snapshots and tiers stored before buckets existed get theirs, once per
        database (marker in `meta`): a recompute must find every customer's tiers, or
        it would announce tiers they already have as new."""
        meta = self.db["meta"]
        if meta.find_one({"_id": "buckets"}):
            return 0
        filled = 0
        for collection in (self.customers, self.tiers):
            while rows := list(collection.find({"bucket": {"$exists": False}},
                                               {"customer_id": 1}).limit(batch)):
                collection.bulk_write([UpdateOne({"_id": row["_id"]}, {"$set": {
                    "bucket": bucket_of(row.get("customer_id") or row["_id"])}})
                    for row in rows], ordered=False)
                filled += len(rows)
        meta.update_one({"_id": "buckets"}, {"$set": {"filled": filled, "at": _now()}},
                        upsert=True)
        return filled

    def pool_size(self) -> int:
        """An estimate (metadata, no scan): it only sizes recompute pages."""
        return self.customers.estimated_document_count()

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
