"""The evidence of one match decision, as kept with a review or an automatic merge (pure).

A reviewer deciding "same person or not?" needs what the scoring saw: per comparison
the two sides' values, the level (or similarity) and the weight it added, and the
total against the thresholds. Scoring computes all of it (:mod:`dedup.domain.scoring`,
:mod:`dedup.domain.fellegi_sunter`); this module turns a MatchResult into a small,
storable summary. Only masked values are kept (names 张*, birth years, masked phones
and e-mails as ingestion already displays them, a blind index's first characters), at
most a few per side and each cut short, so a review row stays bounded and holds
nothing dedup does not already hold in a less protected form.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

from common.pii import mask_birth_date, mask_name

from .fellegi_sunter import explain, prior_log2_odds
from .ports import values

MAX_VALUES = 3
MAX_CHARS = 40
HAND_THRESHOLDS = ("match_threshold", "possible_threshold")
LEARNED_THRESHOLDS = ("match_probability", "review_probability")


def _cut(items: Iterable[Any]) -> list[str]:
    out = [str(v)[:MAX_CHARS] for v in items if v not in (None, "")]
    out = list(dict.fromkeys(out))
    return out[:MAX_VALUES] + ([f"+{len(out) - MAX_VALUES} more"] if len(out) > MAX_VALUES else [])


def _displays(x: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The masked display values of a record or of every member of a golden."""
    shown = [x.get("display") or {}]
    shown += [m.get("display") or {} for m in x.get("member_records") or ()]
    return shown


def _cities(x: Mapping[str, Any]) -> list[str]:
    return values(x, "city") + values(x, "cities")


def masked_values(comparison: str, x: Mapping[str, Any]) -> list[str]:
    """What one side holds for a comparison, masked (both the hand-set matchers' and
    the learned model's comparison names)."""
    if comparison == "name":
        return _cut(mask_name(v) for v in values(x, "names"))
    if comparison == "birth_date":
        return _cut(mask_birth_date(v) for v in values(x, "birth_dates"))
    if comparison in ("exact_identifier", "national_id"):
        return _cut(f"ID #{bi[:4]}" for bi in values(x, "national_id_bis"))
    if comparison == "contact":
        return _cut(d.get(k) for d in _displays(x) for k in ("phone", "email"))
    if comparison == "address":
        posts = [f"{p[:3]}***" for p in values(x, "postcodes")]
        return _cut([*_cities(x), *posts])
    return []


def _thresholds(params: Mapping[str, Any], learned: bool) -> dict[str, float]:
    match_key, review_key = LEARNED_THRESHOLDS if learned else HAND_THRESHOLDS
    return {"match": float(params[match_key]), "review": float(params[review_key])}


def _log2_odds(score: float) -> float:
    p = min(max(score, 1e-18), 1.0 - 1e-16)
    return math.log2(p / (1.0 - p))


def why(decision: str, score: float, thresholds: Mapping[str, float], rule: str | None) -> str:
    """One sentence: where the score fell against the thresholds, and any rule."""
    if rule == "name_only":
        return (f"score {score:.3f} reached the match threshold {thresholds['match']:g}, "
                "but a name alone never merges two customers: needs a person to decide")
    if rule == "household_member":
        return (f"score {score:.3f} reached the match threshold {thresholds['match']:g}, "
                "but the names share one token only and no id or contact is comparable: "
                "a family member (a twin) looks the same, so a person decides")
    if decision == "possible":
        return (f"score {score:.3f} is between the review threshold {thresholds['review']:g} "
                f"and the match threshold {thresholds['match']:g}: not sure enough to merge")
    if decision == "match":
        return (f"rule {rule}" if rule else
                f"score {score:.3f} reached the match threshold {thresholds['match']:g}")
    return f"score {score:.3f} is below the review threshold {thresholds['review']:g}"


def of_decision(result: Any, record: Mapping[str, Any], candidate: Mapping[str, Any],
                params: Mapping[str, Any]) -> tuple[dict, dict]:
    """(evidence, decision) of a MatchResult of ``record`` against ``candidate``.

    evidence: per comparison its similarity (hand-set weights) or level (learned
    model), the weight it added and both sides' masked values. decision: the prior,
    the total log2 odds (prior + weights + adjustment; a hard rule such as the same
    national id decides without weights), the score, the thresholds it was compared
    with, the rule that decided (if any) and why, in one sentence."""
    learned = bool(params.get("model"))
    evidence = explain(result)
    for name, entry in evidence.items():
        entry["values"] = {"record": masked_values(name, record),
                           "candidate": masked_values(name, candidate)}
    prior = prior_log2_odds(params["model"]) if learned else float(params.get("prior", 0.0))
    thresholds = _thresholds(params, learned)
    weights = sum(result.contributions.values())
    scored = bool(result.contributions) or not result.rule  # a hard rule adds no weights
    total = prior + weights if scored else prior
    adjustment = 0.0
    if result.rule == "household_evidence_ignored":  # the family's shared contact, taken off
        adjustment = round(_log2_odds(result.score) - total, 3)
        total += adjustment
    decision = {"model": "learned" if learned else "hand-set", "prior": round(prior, 3),
                "total": round(total, 3), "adjustment": adjustment, "score": result.score,
                "outcome": result.decision, "rule": result.rule, "thresholds": thresholds,
                "why": why(result.decision, result.score, thresholds, result.rule)}
    return evidence, decision
