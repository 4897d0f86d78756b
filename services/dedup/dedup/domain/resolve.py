"""Decide what one incoming record does to the pool, given its candidates (pure).

Shared by the service (candidates from MongoDB) and the bench's in-memory pool
(``bench/pool.py``), so the quality the bench measures is the quality the service
delivers. It builds on :mod:`dedup.domain.clusters`, which does not import it back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .clusters import Golden, Record, best_match, choose_survivor, merge_goldens, merge_into, new_golden
from .ports import Matcher


@dataclass
class Resolution:
    decision: str                    # match | possible | no_match
    golden: Golden                   # the golden customer the record now belongs to
    absorbed: list[Golden] = field(default_factory=list)   # goldens merged into it
    review_candidate: str | None = None
    is_new: bool = False
    results: list = field(default_factory=list)   # (golden, MatchResult), best first


def _conflict_field(params: Mapping[str, Any]) -> str:
    """The ids that keep two matching goldens apart in a transitive merge: the same
    policy as scoring's hard rule (:mod:`dedup.domain.scoring`). Under "veto" any two
    different national ids; under "evidence" only ids verified at intake, since an
    unverified id may hold a typo (a golden created from the typo would otherwise
    never be merged back, although the record matches it)."""
    if params.get("national_id_conflict", "veto") == "veto":
        return "national_id_bis"
    return "verified_national_id_bis"


def resolve(record: Record, candidates: Sequence[Golden], matchers: Sequence[Matcher],
            params: Mapping[str, Any], new_id: Callable[[], str]) -> Resolution:
    """Merge on match (absorbing every other matching golden whose national ids do not
    conflict: a transitive merge), else start a new golden, flagged on possible."""
    decision, best, results = best_match(record, candidates, matchers, params)
    if decision != "match" or best is None:
        review = best["customer_id"] if decision == "possible" and best else None
        return Resolution(decision, new_golden(record, new_id(), params), [], review, True,
                          results)
    group = [best]
    field = _conflict_field(params)
    ids: set[str] = set(best.get(field) or ())
    for other, result in results[1:]:
        other_ids = set(other.get(field) or ())
        if result.decision != "match" or (ids and other_ids and not ids & other_ids):
            continue
        group.append(other)
        ids |= other_ids
    survivor = group[0]
    for other in group[1:]:
        survivor = choose_survivor(survivor, other)[0]
    golden = merge_into(survivor, record, params)
    absorbed = [g for g in group if g is not survivor]
    for other in absorbed:
        golden = merge_goldens(golden, other, params)
    return Resolution("match", golden, absorbed, results=results)
