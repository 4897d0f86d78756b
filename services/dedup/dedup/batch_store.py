"""Reads and writes of one unit of work over dedup's collections, inside its session.

Kept apart from storage.py (the single-document operations) because everything here
runs in a MongoDB transaction, where a duplicate key aborts the whole transaction:
nothing relies on unique-index collisions. Claims are read first and only written
where this batch takes them (inserted where the read found none); a replica creating
the same person at the same moment writes the same claim row, and one of the two
transactions fails with a write conflict (TransientTransactionError), is retried by
`with_transaction`, and then sees the other's customer. Writes go in one order (customers by id, then claims
by key), so of two colliding batches the first to get there always wins.
"""
from __future__ import annotations

from typing import Any, Iterable

from pymongo import InsertOne, UpdateOne

from common import clock
from common.mongo import find_in

from .domain.batch import WorkingSet
from .domain.keys import is_specific
from .storage import Conflict, DedupStore


def owners_of(store: DedupStore, record_ids: list[str], session: Any) -> list[dict]:
    """The active customers holding any of these records (one query for a batch)."""
    return find_in(store.customers, "members", record_ids, session, where={"active": True})


def erased_records(store: DedupStore, record_ids: list[str], session: Any) -> set[str]:
    """Which of these records belong to an erased customer (their tombstones)."""
    rows = find_in(store.customers, "members", record_ids, session, {"members": 1},
                   {"erased": True, "merged_into": {"$exists": False}})
    wanted = set(record_ids)
    return {m for row in rows for m in row.get("members") or () if m in wanted}


def candidate_rows(store: DedupStore, keys: list[str], max_block: int,
                   session: Any) -> list[dict]:
    """Active customers sharing a key: the specific keys' blocks read first, each
    read capped at ``max_block * 2`` rows, so a broad block that grew with the pool
    (a common name in one postcode) can never crowd out a customer found through
    an identifier or a full birth date; WorkingSet.candidates ranks the union."""
    rows: dict[str, dict] = {}
    specific = [k for k in keys if is_specific(k)]
    for group in (specific, [k for k in keys if not is_specific(k)]):
        if group:  # no $nin of the rows already read: SecantusDB pays per value
            for row in store.customers.find({"keys": {"$in": group}, "active": True},
                                            session=session).limit(max_block * 2):
                rows.setdefault(row["_id"], row)
    return list(rows.values())


def candidate_blocks(store: DedupStore, keys: list[str], limit: int, session: Any,
                     chunk: int = 64) -> dict[str, list[dict]] | None:
    """key -> the active customers holding it, for a whole batch's keys: a few reads
    per batch instead of two per record. Keys go in chunks, because SecantusDB compares
    every row it finds with every value of an `$in`. None when more than `limit` rows
    came back: the caller then reads each record's blocks as before (capped)."""
    blocks: dict[str, list[dict]] = {}
    found = 0
    for start in range(0, len(keys), chunk):
        part = keys[start:start + chunk]
        rows = list(store.customers.find({"keys": {"$in": part}, "active": True},
                                         session=session).limit(limit - found + 1))
        found += len(rows)
        if found > limit:
            return None
        wanted = set(part)
        for row in rows:
            for key in wanted.intersection(row.get("keys") or ()):
                blocks.setdefault(key, []).append(row)
    return blocks


def customers(store: DedupStore, ids: Iterable[str], session: Any) -> list[dict]:
    return find_in(store.customers, "_id", ids, session)


def claims_of(store: DedupStore, keys: list[str], session: Any) -> dict[str, str]:
    """Key -> the customer holding its claim."""
    return {row["_id"]: row["customer_id"] for row in find_in(store.claims, "_id", keys, session)}


def claim_writes(ws: WorkingSet, now: Any) -> list[InsertOne | UpdateOne]:
    """Inserts for keys nobody held (read inside this transaction), updates for rows
    read: an upsert cost the embedded database twice an insert. A row another batch
    inserted since the read is a write conflict either way, and the transaction is
    retried from its reads."""
    fresh = [InsertOne({"_id": key, "customer_id": ws.claimed[key], "at": now})
             for key in sorted(ws.claimed) if key not in ws.stored_claims]
    taken = [UpdateOne({"_id": key}, {"$set": {"customer_id": ws.claimed[key], "at": now}})
             for key in sorted(ws.claimed) if key in ws.stored_claims]
    return fresh + taken


def commit(store: DedupStore, ws: WorkingSet, session: Any) -> None:
    """Every customer, claim, review and merge evidence the batch decided on, in its
    transaction."""
    now = clock.now()
    inserts, replaces = ws.writes()
    if inserts:
        store.customers.insert_many([{**doc, "updated_at": now} for doc in inserts],
                                    session=session)
    for doc, revision in replaces:  # one at a time: a miss must name its customer
        done = store.customers.replace_one({"_id": doc["_id"], "revision": revision},
                                           {**doc, "updated_at": now}, session=session)
        if done.matched_count != 1:
            raise Conflict(doc["_id"])
    if ws.claimed:
        store.claims.bulk_write(claim_writes(ws, now), ordered=True, session=session)
    if ws.reviews:
        known = {r["_id"] for r in store.reviews.find(
            {"_id": {"$in": list(ws.reviews)}}, {"_id": 1}, session=session)}
        fresh = [{"_id": rid, "record_id": r.record_id, "customer_id": r.customer_id,
                  "candidate_id": r.candidate_id, "score": r.score, "status": "open",
                  "evidence": r.evidence, "decision": r.decision, "branch": r.branch,
                  "params_version": r.params_version, "at": now}
                 for rid, r in sorted(ws.reviews.items()) if rid not in known]
        if fresh:
            store.reviews.insert_many(fresh, session=session)
    if ws.merges:  # a record is placed once (a redelivery finds its owner): plain inserts
        store.merges.insert_many([{**m, "at": now} for m in ws.merges], session=session)
