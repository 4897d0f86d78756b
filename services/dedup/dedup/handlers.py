"""Dedup's use cases as units of work: everything a batch or a merge does commits at once.

Before, a record was placed through a chain of separate writes (claim keys, insert,
replace the survivor, retire each absorbed customer, open the review, stage the
events); a crash in between left records in two customers, absorbed customers still
active, `customer.merged` never sent, or a review never opened. Now a whole batch of
`customer.ingested` is placed in one MongoDB transaction (placement.py): customers,
retired customers, key claims, review rows and outbox rows commit together or not at
all, and the events are published only after the commit. A merge accepted by a
reviewer is one transaction too, and so is an erasure (erasure.py), so a merge and an
erasure of the same person are serialized by the database (a write conflict retries
the later one, which then sees the other's result).
"""
from __future__ import annotations

import itertools
import uuid
from typing import Any, Callable, Mapping, Sequence

import eventlet

from common import clock
from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .batch_store import commit
from .dependencies import MatchingSetup
from .domain.batch import WorkingSet, merge_id, placement_order
from .domain.clusters import build_golden, choose_survivor, merge_goldens
from .domain.snapshot import changed_payload, golden_keys, merged_payload
from .domain.fellegi_sunter import params_with
from .model_store import ModelStore, NewestParams
from .placement import Placer
from .storage import Conflict, DedupStore

MAX_CONFLICTS = 6
NEWEST = NewestParams()


def place_batch(store: DedupStore, outbox: Outbox, matching: MatchingSetup,
                records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Place a batch of ingested records as one unit of work; returns the decisions.

    Earliest registration first (ties: arrival), so the earliest registrant creates
    the customer the others join, whatever order the broker delivered them in."""
    ordered = placement_order(records)
    matching = with_newest_params(store, matching)

    def work(session: Any) -> list[str]:
        placer = Placer(store, matching, outbox, session)
        decisions = placer.place_all(ordered)
        outbox.persist_in(session)
        commit(store, placer.ws, session)
        return decisions

    decisions = run(store, outbox, work)
    for decision in decisions:
        metrics.DECISIONS.labels(decision).inc()
    return decisions


def with_newest_params(store: DedupStore, matching: MatchingSetup) -> MatchingSetup:
    """The matching setup with the newest trained parameter version (model_store.py):
    read once per batch, so every record of a batch is decided by one version."""
    params = NEWEST.current(ModelStore(store.db), matching.params, params_with)
    return MatchingSetup(matching.matchers, params, matching.max_block,
                         matching.max_candidates)


def accept_review(store: DedupStore, outbox: Outbox, matching: MatchingSetup,
                  review_id: str) -> dict:
    """The two customers of a review are one person: merge them (the earlier
    registrant survives), close the review and stage customer.merged, at once."""

    def work(session: Any) -> dict:
        review = store.reviews.find_one({"_id": review_id}, session=session)
        if not review or review["status"] != "open":
            raise ValueError(f"no open review {review_id}")
        a = store.customers.find_one({"_id": review["customer_id"]}, session=session)
        b = store.customers.find_one({"_id": review["candidate_id"]}, session=session)
        if not (a and b and a["active"] and b["active"]):
            raise ValueError("one of the customers was merged or removed meanwhile")
        survivor, absorbed = choose_survivor(a, b)
        golden = merge_goldens(survivor, absorbed, matching.params)
        ws = WorkingSet()
        ws.know([survivor, absorbed])
        revision = survivor["revision"] + 1
        ws.put({**golden, "_id": survivor["_id"], "keys": golden_keys(golden),
                "revision": revision, "active": True})
        ws.put({**absorbed, "active": False, "merged_into": survivor["_id"], "keys": [],
                "revision": absorbed["revision"] + 1})
        outbox.stage(names.CUSTOMER_MERGED,
                     merged_payload(golden, revision, review["record_id"], [absorbed["_id"]]),
                     f"review:{review_id}", survivor["_id"])
        outbox.persist_in(session)
        commit(store, ws, session)
        store.close_review(review_id, "accepted", session=session)
        store.merges.replace_one({"_id": merge_id(review["record_id"], survivor["_id"])}, {
            "kind": "review", "review_id": review_id, "customer_id": survivor["_id"],
            "record_id": review["record_id"], "matched_id": review["candidate_id"],
            "absorbed_ids": [absorbed["_id"]], "score": review["score"],
            "evidence": review.get("evidence") or {}, "decision": review.get("decision") or {},
            "at": clock.now()}, upsert=True, session=session)
        return {"survivor_id": survivor["_id"], "absorbed_id": absorbed["_id"]}

    return run(store, outbox, work)


def unmerge(store: DedupStore, outbox: Outbox, matching: MatchingSetup, customer_id: str,
            member: str) -> dict:
    """Split one record out of a golden customer into a customer of its own: the rest
    rewritten (`customer.updated`) and the new customer created (`customer.registered`)
    at once. Written in two steps before, a crash between them left the record in no
    customer at all. Key claims stay with the customer that held them, as before."""
    new_id = "C" + uuid.uuid4().hex[:16]  # one id for every attempt of the transaction

    def work(session: Any) -> dict:
        current = store.customers.find_one({"_id": customer_id}, session=session)
        if not current or not current["active"]:
            raise ValueError(f"no active customer {customer_id}")
        moving = [m for m in current["member_records"] if m["record_id"] == member]
        staying = [m for m in current["member_records"] if m["record_id"] != member]
        if not moving or not staying:
            raise ValueError(f"{member} is not a member of {customer_id} besides others")
        rest = build_golden(customer_id, staying, matching.params,
                            current.get("merged_ids", ()))
        split = build_golden(new_id, moving, matching.params)
        revision = current["revision"] + 1
        ws = WorkingSet()
        ws.know([current])
        ws.put({**rest, "_id": customer_id, "keys": golden_keys(rest), "revision": revision,
                "active": True})
        ws.put({**split, "_id": new_id, "keys": golden_keys(split), "revision": 1,
                "active": True})
        cause = f"unmerge:{customer_id}:{member}:{current['revision']}"
        outbox.stage(names.CUSTOMER_UPDATED, changed_payload(rest, revision, ""), cause,
                     customer_id)
        outbox.stage(names.CUSTOMER_REGISTERED, changed_payload(split, 1, member), cause,
                     new_id)
        outbox.persist_in(session)
        commit(store, ws, session)
        return {"customer_id": customer_id, "new_customer_id": new_id}

    return run(store, outbox, work)


def run(store: DedupStore, outbox: Outbox, work: Callable[[Any], Any]) -> Any:
    """`work(session)` in one transaction, then its staged events published.

    Write conflicts with other replicas are retried by the transaction itself (and
    counted here); a revision that moved under a write (Conflict, which a
    transaction's snapshot should make impossible) re-runs the whole unit of work."""
    attempts = itertools.count()

    def attempt(session: Any) -> Any:
        if next(attempts):
            metrics.CONFLICTS.inc()
        outbox.discard()
        return work(session)

    for n in range(MAX_CONFLICTS):
        try:
            result = in_transaction(store.db, attempt)
            break
        except Conflict:
            metrics.CONFLICTS.inc()
            eventlet.sleep(min(0.05 * 2 ** n, 2.0))
    else:
        raise RuntimeError("the unit of work kept conflicting; parked for replay")
    outbox.publish_staged()
    return result
