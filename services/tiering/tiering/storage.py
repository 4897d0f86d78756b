"""Tiering's collections: current tier per (customer, scheme), history, customer snapshots.

A history document holds one customer's moves of one unit of work (`moves`: scheme,
previous, current, direction, rules version; their reasons in `reason`, a list), under
the customer, cause, branch and time they share: a new customer's three first tiers are
one document, not three (each document costs the embedded database an insert and its
index entries). Rows of one move each (an earlier version's, and an erasure's removals)
are read alike (queries.py).

Writes are diffed against what is stored: re-tiering an unchanged customer (a
repeated upstream record, a recompute that moves nobody) costs reads only, which
is what keeps a 100,000-customer recompute cheap.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from pymongo import ASCENDING, DESCENDING, InsertOne, ReplaceOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import OperationFailure

from common import clock
from common.mongo import find_in

from .domain.erasure import removal_history_row, sealed_history_fields, sealed_snapshot
from .domain.paging import bucket_of
from .queries import TieringQueries

COMPARED = ("tier", "reason", "rules_version", "below_count", "branch", "bucket")


# Indexes earlier versions created that no query needs any more: each cost every write
# an index entry. (collection, index name), dropped at start-up when present. The tiers'
# (scheme, branch, tier) served only `export` by scheme, which pages in `_id` order: the
# `_id` index serves it, filtering the scheme as it goes (the counts are aggregations
# over every tier, or over a customer-id range).
UNUSED_INDEXES = (("customers", "active_1_branch_1"), ("tiers", "bucket_1"),
                  ("tiers", "scheme_1_branch_1_tier_1"))
INDEX_NOT_FOUND = 27


def _drop_index(collection, name: str) -> None:
    """Drop `name` if present; another replica starting at once may have dropped it."""
    if name in collection.index_information():
        try:
            collection.drop_index(name)
        except OperationFailure as exc:
            if exc.code != INDEX_NOT_FOUND:
                raise


def _by_customer(tier_rows: Iterable[dict],
                 wanted: set[str] | None = None) -> dict[str, dict[str, dict]]:
    """customer -> scheme -> tier record, keeping only `wanted` customers if given."""
    out: dict[str, dict[str, dict]] = {}
    for row in tier_rows:
        if wanted is None or row["customer_id"] in wanted:
            out.setdefault(row["customer_id"], {})[row["scheme"]] = row
    return out


def _write(exists: bool, key: dict, fields: dict) -> InsertOne | UpdateOne:
    """An update of a stored document, an insert of a new one."""
    return UpdateOne(key, {"$set": fields}) if exists else InsertOne({**key, **fields})


def _inserts_first(ops: list) -> list:
    """Inserts together, so the driver sends them as one `insert` command."""
    return sorted(ops, key=lambda op: not isinstance(op, InsertOne))


def _tier_ops(customer_id: str, branch: str | None, records: list, recorded: dict | None,
              now: datetime) -> list[InsertOne | UpdateOne]:
    """Writes for the records that differ from `recorded`: inserts where it has none,
    updates where it has an older one; `recorded` None (not read): upserts for all."""
    ops, bucket = [], bucket_of(customer_id)
    for r in records:
        fields = {"customer_id": customer_id, "scheme": r.scheme, "tier": r.tier,
                  "reason": r.reason, "rules_version": r.rules_version, "figures": r.figures,
                  "below_count": r.below_count, "branch": branch, "bucket": bucket}
        old = (recorded or {}).get(r.scheme)
        if recorded is not None and old and all(old.get(k) == fields[k] for k in COMPARED):
            continue
        key, fields = {"_id": f"{customer_id}:{r.scheme}"}, {**fields, "updated_at": now}
        ops.append(UpdateOne(key, {"$set": fields}, upsert=True) if recorded is None
                   else _write(old is not None, key, fields))
    return ops


def _history_rows(customer_id: str, branch: str | None, changes: list, cause: str,
                  now: datetime) -> list[dict]:
    """One history document for a customer's moves of one unit of work (queries.py)."""
    moves = [{"scheme": c.scheme, "previous": c.previous, "current": c.current,
              "direction": c.direction, "rules_version": c.rules_version} for c in changes]
    reasons = [c.reason for c in changes]
    return [_history_row(customer_id, branch, moves, reasons, cause, now)] if moves else []


def _history_row(customer_id: str, branch: str | None, moves: list[dict],
                 reasons: list[str], cause: str, now: datetime) -> dict:
    """The moves' reasons go in `reason`, a list in move order: sealing sets `reason`
    whatever the shape, so an older replica's erasure seals these documents too. The
    first move's scheme and direction stay at the top for older replicas' counts (they
    read one move per document) during a rolling upgrade."""
    return {"customer_id": customer_id, "branch": branch, "cause": cause, "at": now,
            "scheme": moves[0]["scheme"], "direction": moves[0]["direction"],
            "moves": moves, "reason": reasons}


def _removal_rows(removals: list, now: datetime) -> list[dict]:
    """The history of tiers removed by merges: one document per customer merged away."""
    by_customer: dict[tuple, list] = {}
    for r in removals:
        by_customer.setdefault((r.customer_id, r.cause_id, r.had.get("branch")), []).append(r)
    return [_history_row(cid, branch, [
        {"scheme": r.had["scheme"], "previous": r.had["tier"], "current": None,
         "direction": "removed", "rules_version": r.had["rules_version"]} for r in merged],
        [f"merged into {r.merged_into}" for r in merged], cause, now)
        for (cid, cause, branch), merged in by_customer.items()]


class TieringStore(TieringQueries):
    def __init__(self, db: Database):
        self.db = db
        self.tiers = db["tiers"]
        self.history = db["tier_history"]
        self.customers = db["customers"]

    def ensure_indexes(self) -> None:
        self.tiers.create_index([("customer_id", ASCENDING)])
        self.history.create_index([("customer_id", ASCENDING), ("at", DESCENDING)])
        self.history.create_index([("at", DESCENDING)])
        # Recompute pages are bucket ranges (domain/paging.py): equality, then range;
        # (active, branch, bucket) serves (active, branch) queries too, as its prefix.
        self.customers.create_index([("active", ASCENDING), ("bucket", ASCENDING)])
        self.customers.create_index([("active", ASCENDING), ("branch", ASCENDING),
                                     ("bucket", ASCENDING)])
        for collection, name in UNUSED_INDEXES:
            _drop_index(self.db[collection], name)
        self.backfill_buckets()

    def recorded_many(self, customer_ids: Iterable[str],
                      session=None) -> dict[str, dict[str, dict]]:
        """customer -> scheme -> stored tier record, in one query for a whole page."""
        return _by_customer(find_in(self.tiers, "customer_id", customer_ids, session))

    def snapshot_states(self, customer_ids: Iterable[str], session=None) -> dict[str, dict]:
        """customer -> {"revision", "erased"} of the kept snapshots, in one query."""
        rows = find_in(self.customers, "_id", customer_ids, session,
                       {"revision": 1, "erased": 1})
        return {row["_id"]: row for row in rows}

    def commit_plan(self, plan, stored: dict[str, dict], recorded: dict[str, dict[str, dict]],
                    session) -> int:
        """Write a batch's plan (tiering.domain.batch.Plan) inside its transaction: kept
        snapshots, customers merged away and their tiers, final tier records that
        differ from `recorded`, one history row per move. `stored` and `recorded` are
        what the plan was decided on, read in the same transaction: a snapshot or tier
        stored nowhere yet is inserted (an upsert costs SecantusDB ten times an insert).
        Returns tier writes."""
        now = clock.now()
        snapshots = [_write(cid in stored, {"_id": cid}, {
            **customer, "revision": customer.get("revision", 0), "active": True,
            "bucket": bucket_of(cid)}) for cid, customer in plan.snapshots.items()]
        snapshots += [UpdateOne({"_id": cid}, {"$set": {"active": False, "merged_into": into}})
                      for cid, into in plan.merged.items()]
        if snapshots:
            self.customers.bulk_write(_inserts_first(snapshots), ordered=False, session=session)
        if plan.merged:
            self.tiers.delete_many({"customer_id": {"$in": list(plan.merged)}}, session=session)
        ops = [op for cid, (branch, records) in plan.final.items()
               for op in _tier_ops(cid, branch, records, recorded.get(cid, {}), now)]
        history = _removal_rows(plan.removals, now)
        history += [row for r in plan.retiered for row in _history_rows(
            r.customer_id, r.customer.get("branch"), r.changes, r.cause_id, now)]
        if ops:
            self.tiers.bulk_write(_inserts_first(ops), ordered=False, session=session)
        if history:
            self.history.insert_many(history, ordered=False, session=session)
        return len(ops)

    def save_many(self, items: list[tuple], session=None) -> int:
        """Items are (customer_id, branch, records, changes, cause, recorded-or-None);
        only records that differ from `recorded` are written. Returns records written."""
        ops, history, now = [], [], clock.now()
        for customer_id, branch, records, changes, cause, recorded in items:
            ops += _tier_ops(customer_id, branch, records, recorded, now)
            history += _history_rows(customer_id, branch, changes, cause, now)
        if ops:
            self.tiers.bulk_write(ops, ordered=False, session=session)
        if history:
            self.history.insert_many(history, ordered=False, session=session)
        return len(ops)

    def page(self, branch: str | None, start: int, end: int,
             session=None) -> tuple[list[dict], dict]:
        """One recompute page: the active snapshots in buckets [start, end), read as one
        index range, and their tiers (customer -> scheme -> record) by customer id. A
        bucket index on the tiers would serve the page too, but cost every tier written
        an index entry (a sixth of an insert on the embedded database), for a recompute
        that runs when the rules change."""
        query: dict = {"active": True}
        if branch:
            query["branch"] = branch
        query["bucket"] = {"$gte": start, "$lt": end}
        rows = list(self.customers.find(query, session=session))
        return rows, self.recorded_many([row["_id"] for row in rows], session)

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
        meta.update_one({"_id": "buckets"}, {"$set": {"filled": filled, "at": clock.now()}},
                        upsert=True)
        return filled

    def pool_size(self) -> int:
        """An estimate (metadata, no scan): it only sizes recompute pages."""
        return self.customers.estimated_document_count()

    # -- erasure --------------------------------------------------------------------
    def seal_snapshots(self, customer_ids: list[str], erased_at: datetime,
                       session: Any = None) -> None:
        """Replace each snapshot by its sealed form (a tombstone when none is stored).

        Replacing, not $unset-ing, drops every field outside the allow-list, including
        any a concurrent snapshot write added between the read and this write.
        """
        stored = {d["_id"]: d for d in self.customers.find({"_id": {"$in": customer_ids}},
                                                           session=session)}
        self.customers.bulk_write([
            ReplaceOne({"_id": cid}, sealed_snapshot(cid, stored.get(cid), erased_at), upsert=True)
            for cid in customer_ids], ordered=False, session=session)

    def tiers_of(self, customer_ids: list[str], session: Any = None) -> list[dict]:
        return list(self.tiers.find({"customer_id": {"$in": customer_ids}}, session=session))

    def retire_tiers(self, had: list[dict], cause: str, session: Any = None) -> None:
        """History rows of the removals first (derived ids: written once), then the
        tiers go, figures and reasons with them: the customer has left the pool."""
        if not had:
            return
        now = clock.now()
        rows = [removal_history_row(t, cause, now) for t in had]
        self.history.bulk_write([
            UpdateOne({"_id": row["_id"]},
                      {"$setOnInsert": {k: v for k, v in row.items() if k != "_id"}},
                      upsert=True) for row in rows], ordered=False, session=session)
        self.tiers.delete_many({"_id": {"$in": [t["_id"] for t in had]}}, session=session)

    def seal_history(self, customer_ids: list[str], session: Any = None) -> int:
        """Strip personal text from the customers' history rows (uses the customer_id
        index): `reason` holds it in both shapes (a document's list of its moves'
        reasons becomes the sealed text, which stands for each of them)."""
        return self.history.update_many(
            {"customer_id": {"$in": customer_ids}, "sealed": {"$ne": True}},
            {"$set": sealed_history_fields()}, session=session).modified_count
