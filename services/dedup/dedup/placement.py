"""Placing a batch's records in the pool, one after another, inside one transaction.

Each record is matched as if it had come alone (the same decisions as one by one),
against the pool read through the batch's session and overlaid with what the earlier
records of the batch did (domain.batch.WorkingSet): two records of one person in one
batch end up in one customer. Nothing is written here; the events are staged in the
outbox and the writes kept in the working set, and handlers.py commits both at once.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Mapping, Sequence

from common.events import Outbox
from contracts import names

from . import batch_store
from .dependencies import MatchingSetup
from .domain.batch import Review, WorkingSet, merge_id
from .domain.clusters import build_golden
from .domain.evidence import of_decision
from .domain.keys import blocking_keys
from .domain.resolve import Resolution, resolve
from .domain.snapshot import changed_payload, golden_keys, merged_payload
from .storage import DedupStore

log = logging.getLogger(__name__)
CLAIMED_KEYS = ("nid:", "ph:", "em:", "nd:")
PREFETCH_ROWS = 5000  # candidate rows a batch reads at once; beyond, each record reads its own


def claimable(keys: Sequence[str]) -> list[str]:
    """Keys specific to one person: claiming them serializes creation of that person.

    Broad blocking keys (surname + postcode ...) are shared by many people and would
    only make unrelated customers wait for each other.
    """
    return [k for k in keys if k.startswith(CLAIMED_KEYS)]


def new_customer_id(record_id: str) -> str:
    """Derived from the record, so a retried or redelivered placement reuses it."""
    return "C" + hashlib.sha1(record_id.encode()).hexdigest()[:16]


class Placer:
    """Places records into a WorkingSet read through one session; stages their events."""

    def __init__(self, store: DedupStore, matching: MatchingSetup, outbox: Outbox,
                 session: Any):
        self.store, self.matching, self.outbox, self.session = store, matching, outbox, session
        self.ws = WorkingSet()
        self.erased: set[str] = set()
        self.blocks: dict[str, list[dict]] | None = None  # key -> rows, read for the batch
        self.fetched: set[str] = set()  # keys whose block is in `blocks`
        self.claims_read: set[str] = set()  # claim keys read, found or not

    def place_all(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """Place records in the given order; returns the match decisions taken."""
        ids = list(dict.fromkeys(r["record_id"] for r in records))
        self.ws.know(batch_store.owners_of(self.store, ids, self.session))
        self.erased = batch_store.erased_records(self.store, ids, self.session)
        self._prefetch([r for r in records if r["record_id"] not in self.erased
                        and self.ws.owner_of(r["record_id"]) is None])
        decisions, seen = [], set()
        for record in records:
            if record["event_id"] in seen:  # the same message twice in one batch
                continue
            seen.add(record["event_id"])
            decision = self.place(record)
            if decision:
                decisions.append(decision)
        return decisions

    def _prefetch(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Read the blocks and claims of every key of the batch's new records at once:
        the same rows each record's own reads would find (one snapshot), in a few
        round trips per batch instead of three per record."""
        keys = sorted({k for r in records for k in blocking_keys(r)})
        self.blocks = batch_store.candidate_blocks(self.store, keys, PREFETCH_ROWS,
                                                   self.session)
        self.fetched = set(keys) if self.blocks is not None else set()
        self._read_claims(claimable(keys))

    def _candidate_rows(self, keys: list[str]) -> list[dict]:
        """Every row of the record's blocks, from the batch's read: the working set ranks
        them all (WorkingSet.candidates), so a block that grew with the pool is ranked,
        not cut in database order as a capped read per record must. Read per record
        (capped) only when the batch's read was too large to keep."""
        if self.blocks is None or not self.fetched.issuperset(keys):
            return batch_store.candidate_rows(self.store, keys, self.matching.max_block,
                                              self.session)
        rows: dict[str, dict] = {}
        for key in keys:
            for row in self.blocks.get(key, ()):
                rows.setdefault(row["_id"], row)
        return list(rows.values())

    def place(self, record: Mapping[str, Any]) -> str | None:
        current = self.ws.owner_of(record["record_id"])
        if current is not None:  # a redelivery or a newer version of a placed record
            self._update(current, record)
            return None
        if record["record_id"] in self.erased:
            log.info("record %s belongs to an erased customer: not placed",
                     record["record_id"])
            return None
        keys = blocking_keys(record)
        rows = self._candidate_rows(keys)
        candidates = self.ws.candidates(keys, rows, self.matching.max_candidates)
        new_id = new_customer_id(record["record_id"])
        outcome = resolve(record, candidates, self.matching.matchers, self.matching.params,
                          lambda: new_id)
        if outcome.is_new:
            self._register(outcome, keys, record)
        else:
            self._merge(outcome, record)
        return outcome.decision

    def _update(self, current: dict, record: Mapping[str, Any]) -> None:
        members = [m for m in current["member_records"]
                   if m["record_id"] != record["record_id"]] + [dict(record)]
        golden = build_golden(current["_id"], members, self.matching.params,
                              current.get("merged_ids", ()))
        revision = self._put(golden, golden_keys(golden), current)
        self._stage(names.CUSTOMER_UPDATED,
                    changed_payload(golden, revision, record["record_id"]),
                    record, golden["customer_id"])

    def _register(self, outcome: Resolution, keys: list[str],
                  record: Mapping[str, Any]) -> None:
        golden = outcome.golden
        cid = golden["customer_id"]
        self._claim(cid, claimable(keys))
        self.ws.put({**golden, "_id": cid, "keys": keys, "revision": 1, "active": True})
        registered = changed_payload(golden, 1, record["record_id"])
        self._stage(names.CUSTOMER_REGISTERED, registered, record, cid)
        if outcome.review_candidate:
            self._review(outcome, record, cid, registered["customer"]["branch"])

    def _review(self, outcome: Resolution, record: Mapping[str, Any], cid: str,
                branch: str | None) -> None:
        """Open a review with the evidence of the decision (masked, bounded)."""
        candidate, result = next(((g, r) for g, r in outcome.results
                                  if g["customer_id"] == outcome.review_candidate),
                                 (None, None))
        score = result.score if result else 0.0
        evidence, decision = of_decision(result, record, candidate, self.matching.params) \
            if result else ({}, {})
        review = Review(record["record_id"], cid, outcome.review_candidate, score, evidence,
                        int(self.matching.params.get("params_version", 0)), decision, branch)
        self.ws.reviews[review.review_id] = review
        self._stage(names.CUSTOMER_REVIEW_NEEDED, {
            "review_id": review.review_id, "record_id": record["record_id"],
            "candidate_id": outcome.review_candidate, "score": score,
            "branch": branch}, record, review.review_id)

    def _merge(self, outcome: Resolution, record: Mapping[str, Any]) -> None:
        golden = outcome.golden
        survivor_id = golden["customer_id"]
        revision = self._put(golden, golden_keys(golden), self.ws.docs[survivor_id])
        absorbed = [g["customer_id"] for g in outcome.absorbed]
        for customer_id in absorbed:
            old = self.ws.docs[customer_id]
            self.ws.put({**old, "active": False, "merged_into": survivor_id, "keys": [],
                         "revision": old["revision"] + 1})
        self._stage(names.CUSTOMER_MERGED,
                    merged_payload(golden, revision, record["record_id"], absorbed),
                    record, survivor_id)
        self._keep_evidence(outcome, record, survivor_id, absorbed)

    def _keep_evidence(self, outcome: Resolution, record: Mapping[str, Any],
                       survivor_id: str, absorbed: list[str]) -> None:
        """Why the record was merged: its decision against the best candidate, written
        with the batch's other writes (batch_store.commit), not one write per record."""
        matched, result = outcome.results[0]
        evidence, decision = of_decision(result, record, matched, self.matching.params)
        self.ws.merges.append({
            "_id": merge_id(record["record_id"], survivor_id), "kind": "automatic",
            "customer_id": survivor_id, "record_id": record["record_id"],
            "matched_id": matched["customer_id"], "absorbed_ids": absorbed,
            "score": result.score, "evidence": evidence, "decision": decision,
            "params_version": int(self.matching.params.get("params_version", 0))})

    def _put(self, golden: dict, keys: list[str], current: dict) -> int:
        revision = current["revision"] + 1
        self.ws.put({**golden, "_id": golden["customer_id"], "keys": keys,
                     "revision": revision, "active": True})
        return revision

    def _claim(self, customer_id: str, keys: list[str]) -> None:
        """Read the claims (and their holders) the working set does not know yet."""
        self._read_claims([k for k in keys if k not in self.ws.claims])
        holders = {self.ws.claims[k] for k in keys if k in self.ws.claims} - set(self.ws.docs)
        self.ws.know(batch_store.customers(self.store, holders, self.session))
        self.ws.claim(customer_id, keys)

    def _read_claims(self, keys: list[str]) -> None:
        unknown = [k for k in keys if k not in self.claims_read]
        stored = batch_store.claims_of(self.store, unknown, self.session)
        self.ws.claims.update(stored)
        self.ws.stored_claims.update(stored)
        self.claims_read.update(unknown)

    def _stage(self, event_type: str, payload: dict, record: Mapping[str, Any],
               key: str) -> None:
        self.outbox.stage(event_type, payload, record["event_id"], key,
                          record.get("correlation_id"))
