"""Golden customers: choosing the best candidate, merging, and an in-memory pool.

A golden customer is rebuilt from its member records every time it changes
(:func:`build_golden`), rather than patched field by field. That keeps every
aggregate and survivorship choice a pure function of the *set* of members, so the
result is the same whatever order the records arrived in, and merging two goldens
is just building one from the union of their members.

:class:`IncrementalMatcher` is the reference incremental pipeline (blocking index ->
candidates -> :func:`best_match` -> merge). The bench runs it as is; the service can
use the same functions with its MongoDB-backed index.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from dedup.domain.keys import blocking_keys, is_specific
from dedup.domain.scoring import MatchResult, decide, merged_params
from dedup.domain.survivorship import (
    financials_of, identity_of, intent_of, owner_of, registration_key,
)
from dedup.plugins.matchers import Matcher

Golden = dict[str, Any]
Record = Mapping[str, Any]

# Aggregated list field on the golden -> (single field, list field) on a record.
_AGGREGATES: dict[str, tuple[str | None, str | None]] = {
    "names": ("name", None),
    "birth_dates": ("birth_date", None),
    "national_id_bis": ("national_id_bi", None),
    "verified_national_id_bis": ("verified_national_id_bi", None),
    "phone_bis": (None, "phone_bis"),
    "email_bis": (None, "email_bis"),
    "postcodes": ("postcode", None),
    "address_bis": ("address_bi", None),
    "sources": ("source", None),
}


def _member_order(rec: Record) -> tuple[Any, ...]:
    return (registration_key(rec), str(rec.get("record_id") or ""))


def build_golden(customer_id: str, records: Iterable[Record],
                 params: Mapping[str, Any] | None = None,
                 merged_ids: Sequence[str] = ()) -> Golden:
    """The golden customer for a set of member records (pure, order-independent).

    A record id seen twice (redelivery or an update) keeps its last version.
    """
    by_id: dict[str, dict[str, Any]] = {}
    for rec in records:
        by_id[str(rec.get("record_id"))] = dict(rec)
    members = sorted(by_id.values(), key=_member_order)
    golden: Golden = {
        "customer_id": customer_id,
        "kind": (members[0].get("kind") if members else None) or "person",
        "members": [m.get("record_id") for m in members],
    }
    for agg, (single, plural) in _AGGREGATES.items():
        vals: list[str] = []
        for m in members:
            if single and m.get(single):
                vals.append(m[single])
            if plural:
                vals.extend(v for v in (m.get(plural) or []) if v)
        golden[agg] = list(dict.fromkeys(vals))
    golden.update(identity_of(members, params))
    golden["owner"] = owner_of(members)
    golden["financials"] = financials_of(members)
    golden["intent"] = intent_of(members)
    golden["has_contact"] = bool(golden["phone_bis"] or golden["email_bis"]) or any(
        m.get("has_contact") for m in members)
    golden["merged_ids"] = sorted(set(merged_ids) - {customer_id})
    golden["member_records"] = members
    return golden


def new_golden(record: Record, customer_id: str,
               params: Mapping[str, Any] | None = None) -> Golden:
    """A golden customer holding just ``record``."""
    return build_golden(customer_id, [record], params)


def merge_into(golden: Golden, record: Record,
               params: Mapping[str, Any] | None = None) -> Golden:
    """A new golden with ``record`` added (or replaced, if already a member)."""
    return build_golden(golden["customer_id"], [*golden["member_records"], record],
                        params, golden.get("merged_ids", ()))


def choose_survivor(a: Golden, b: Golden) -> tuple[Golden, Golden]:
    """(survivor, absorbed): the survivor holds the earliest owner registration, so
    the customer id that survives is the one the first registrant got."""
    ka = (registration_key(a.get("owner") or {}), a["customer_id"])
    kb = (registration_key(b.get("owner") or {}), b["customer_id"])
    return (a, b) if ka <= kb else (b, a)


def merge_goldens(survivor: Golden, absorbed: Golden,
                  params: Mapping[str, Any] | None = None) -> Golden:
    """Merge two goldens found to be one customer (a transitive merge).

    The survivor's customer id is kept; the absorbed id is recorded in
    ``merged_ids`` so references to it can be redirected. Use
    :func:`choose_survivor` to pick the roles.
    """
    merged_ids = [*survivor.get("merged_ids", ()), absorbed["customer_id"],
                  *absorbed.get("merged_ids", ())]
    return build_golden(survivor["customer_id"],
                        [*survivor["member_records"], *absorbed["member_records"]],
                        params, merged_ids)


def best_match(record: Record, candidates: Sequence[Golden], matchers: Sequence[Matcher],
               params: Mapping[str, Any] | None = None,
               ) -> tuple[str, Golden | None, list[tuple[Golden, MatchResult]]]:
    """Score ``record`` against every candidate and pick the best.

    A candidate is compared through its aggregates (``names``, ``birth_dates``,
    ``national_id_bis``, ``phone_bis``, ``postcodes``, ``address_bis``: every
    member's value, not only the survivor's), so each matcher scores the best of
    the members field by field and survivorship never hides a matching spelling.

    Returns (decision, golden, results): the decision of the best-scoring candidate,
    that candidate (None when the decision is ``no_match``), and all results sorted
    best first (ties broken by customer id, for determinism).
    """
    p = merged_params(params)
    results = [(g, decide(record, g, matchers, p)) for g in candidates]
    results.sort(key=lambda gr: (-gr[1].score, gr[0]["customer_id"]))
    if not results:
        return "no_match", None, []
    top_golden, top = results[0]
    return top.decision, (top_golden if top.decision != "no_match" else None), results


@dataclass
class Outcome:
    """What happened to one record: the decision, the golden it now belongs to, the
    golden ids absorbed by a transitive merge, and the review candidate if any."""

    decision: str
    customer_id: str
    absorbed: list[str] = field(default_factory=list)
    review_candidate: str | None = None
    results: list[tuple[str, MatchResult]] = field(default_factory=list)


class IncrementalMatcher:
    """In-memory pool: blocking index key -> set(customer ids), plus goldens.

    Specific keys are read first. A block larger than ``max_block`` adds no new
    candidates (that many customers sharing a key is no signal, and reading it would
    make the cost grow with the pool) but still ranks the candidates found through
    other keys higher; at most ``max_candidates`` are scored, ranked by
    :func:`dedup.domain.keys.candidate_rank`, so a broad key never pushes out a
    candidate found through a specific one.
    """

    def __init__(self, matchers: Sequence[Matcher], params: Mapping[str, Any] | None = None,
                 max_block: int = 200, max_candidates: int = 40,
                 id_factory: Callable[[], str] | None = None) -> None:
        self.matchers = list(matchers)
        self.params = merged_params(params)
        self.max_block = max_block
        self.max_candidates = max_candidates
        counter = itertools.count(1)
        self._next_id = id_factory or (lambda: f"C{next(counter):09d}")
        self.goldens: dict[str, Golden] = {}
        self.index: dict[str, set[str]] = {}
        self.keys_of: dict[str, set[str]] = {}

    def _index(self, customer_id: str, keys: Iterable[str]) -> None:
        own = self.keys_of.setdefault(customer_id, set())
        for k in keys:
            self.index.setdefault(k, set()).add(customer_id)
            own.add(k)

    def _unindex(self, customer_id: str) -> set[str]:
        keys = self.keys_of.pop(customer_id, set())
        for k in keys:
            block = self.index.get(k)
            if block is not None:
                block.discard(customer_id)
                if not block:
                    del self.index[k]
        return keys

    def candidates(self, record: Record, keys: Sequence[str] | None = None) -> list[Golden]:
        """Goldens sharing at least one blocking key from a block that is not
        oversized, ranked as :func:`dedup.domain.keys.candidate_rank` ranks them
        (counted here while reading the blocks, not recomputed per candidate)."""
        shared: dict[str, int] = {}
        specific: dict[str, int] = {}
        oversized: list[str] = []
        for k in keys if keys is not None else blocking_keys(record):
            block = self.index.get(k)
            if not block:
                continue
            if len(block) > self.max_block:
                oversized.append(k)
                continue
            spec = is_specific(k)
            for cid in block:
                shared[cid] = shared.get(cid, 0) + 1
                if spec:
                    specific[cid] = specific.get(cid, 0) + 1
        for k in oversized:  # ranks what was found, costs what was found
            block, spec = self.index[k], is_specific(k)
            for cid in shared:
                if cid in block:
                    shared[cid] += 1
                    if spec:
                        specific[cid] = specific.get(cid, 0) + 1
        ranked = sorted(shared, key=lambda c: (-specific.get(c, 0), -shared[c], c))
        return [self.goldens[c] for c in ranked[: self.max_candidates]]

    def add_new(self, record: Record, keys: Sequence[str] | None = None) -> str:
        """Create a golden for ``record`` without matching (pre-filling a pool)."""
        cid = self._next_id()
        self.goldens[cid] = new_golden(record, cid, self.params)
        self._index(cid, keys if keys is not None else blocking_keys(record))
        return cid

    def add(self, record: Record) -> Outcome:
        """Match ``record`` into the pool: merge on ``match`` (absorbing every other
        golden it also matches, unless their national ids conflict), otherwise start
        a new golden (flagged for review on ``possible``)."""
        from dedup.domain.resolve import resolve  # resolve builds on this module

        keys = blocking_keys(record)
        res = resolve(record, self.candidates(record, keys), self.matchers, self.params,
                      self._next_id)
        summary = [(g["customer_id"], r) for g, r in res.results]
        cid = res.golden["customer_id"]
        if res.is_new:
            self.goldens[cid] = res.golden
            self._index(cid, keys)
            return Outcome(res.decision, cid, [], res.review_candidate, summary)
        all_keys: set[str] = set(keys) | self._unindex(cid)
        absorbed: list[str] = []
        for other in res.absorbed:
            all_keys |= self._unindex(other["customer_id"])
            self.goldens.pop(other["customer_id"], None)
            absorbed.append(other["customer_id"])
        self.goldens[cid] = res.golden
        self._index(cid, all_keys)
        return Outcome("match", cid, absorbed, None, summary)
