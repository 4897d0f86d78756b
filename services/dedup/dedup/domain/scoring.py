"""Combine matcher scores into one match decision.

The combination is a Fellegi-Sunter style weighted sum of log2 likelihood ratios:
each matcher has an *agree* weight (how much more likely a full agreement is among
true duplicates than among different people) and a *disagree* weight (negative), and
a partial similarity interpolates between the two. Missing evidence (a matcher
returning None) adds nothing, instead of diluting the rest as a weighted average
would. The sum is mapped to a probability-like score in [0, 1] and compared with the
thresholds. All weights and thresholds are params, the values below are defaults.

Hard rules come first, because some evidence is decisive whatever the rest says:
  * persons never match organizations;
  * the same national id (blind index) is the same customer;
  * two different national ids are two customers: always when both were verified at
    intake (CN resident ids: check digit and date, so not a typo), and for every id
    under the default "veto" policy (the "evidence" policy weighs unverified ones);
  * namesakes: a clearly different birth date with no shared id or contact is a
    different person, however equal the names.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping

from dedup.domain import fellegi_sunter
from dedup.domain.comparisons import LEVELS
from dedup.domain.ports import Matcher, values

Decision = Literal["match", "possible", "no_match"]

DEFAULT_PARAMS: dict[str, Any] = {
    "match_threshold": 0.85,
    "possible_threshold": 0.65,
    # log2 odds before any evidence, among blocked candidate pairs.
    "prior": -5.0,
    "weights": {
        # agree: added at similarity >= full (default 1.0), disagree: added at
        # similarity <= floor (default 0.0), linear in between. Raw string similarity
        # of two unrelated short names is often 0.6, so the name floor is high.
        "exact_identifier": {"agree": 14.0, "disagree": -10.0, "floor": 0.0},
        "contact": {"agree": 5.0, "disagree": -1.0, "floor": 0.0},
        "name": {"agree": 6.0, "disagree": -10.0, "floor": 0.7, "full": 0.95},
        "birth_date": {"agree": 7.0, "disagree": -6.0, "floor": 0.0},
        "address": {"agree": 4.0, "disagree": -1.5, "floor": 0.0},
    },
    # "veto": different national ids are never the same customer (default, because
    # ingestion validates ids); "evidence": only the weights above apply.
    "national_id_conflict": "veto",
    # The namesake rule fires when the birth-date score is at or below this.
    "namesake_birth_date_max": 0.0,
    # Without any of these matchers comparable, a pair is at most "possible": a name
    # alone never merges two customers.
    "min_evidence": ["birth_date", "contact", "exact_identifier", "address"],
    # With a learned model (params["model"], a trained parameter version) the score is
    # a match probability: at least match_probability merges, at least
    # review_probability opens a review. Without one, the thresholds above apply.
    "match_probability": 0.99,
    "review_probability": 0.5,
}


def merged_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults overlaid with ``params`` (weights merged per matcher)."""
    out = copy.deepcopy(DEFAULT_PARAMS)
    if not params:
        return out
    for key, value in params.items():
        if key == "weights" and isinstance(value, Mapping):
            for name, w in value.items():
                out["weights"].setdefault(name, {}).update(w)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class MatchResult:
    """A scored comparison: score in [0, 1], decision, per-matcher raw evidence,
    per-matcher weight contributions, and the hard rule that decided, if any."""

    score: float
    decision: Decision
    evidence: dict[str, float | None] = field(default_factory=dict)
    contributions: dict[str, float] = field(default_factory=dict)
    rule: str | None = None
    levels: dict[str, int | None] = field(default_factory=dict)


def _kind(x: Mapping[str, Any]) -> str:
    return x.get("kind") or "person"


def _contribution(sim: float, w: Mapping[str, float]) -> float:
    floor, full = float(w.get("floor", 0.0)), float(w.get("full", 1.0))
    s = 1.0 if sim >= full else 0.0 if sim <= floor else (sim - floor) / (full - floor)
    agree, disagree = float(w.get("agree", 0.0)), float(w.get("disagree", 0.0))
    return disagree + s * (agree - disagree)


def _squash(log2_odds: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -max(-60.0, min(60.0, log2_odds))))


def _decision(score: float, p: Mapping[str, Any]) -> Decision:
    if score >= p["match_threshold"]:
        return "match"
    if score >= p["possible_threshold"]:
        return "possible"
    return "no_match"


def _verified_apart(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Both sides hold ids verified at intake (check digit and date) and none is shared:
    two different people, whatever the names and dates say. Only unverified ids
    (passports, other documents, where a typo is possible) are left to the weights."""
    mine, theirs = set(values(a, "verified_national_id_bi")), set(values(b, "verified_national_id_bi"))
    return bool(mine and theirs and not mine & theirs)


def as_merged(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """`params` as they are when already merged (they have `weights` and `prior`), else
    merged: a batch matches hundreds of records under the same merged parameters, and
    deep-copying the defaults for each was a thirtieth of dedup's CPU."""
    if params is not None and "weights" in params and "prior" in params:
        return params
    return merged_params(params)


def decide(a: Mapping[str, Any], b: Mapping[str, Any], matchers: Iterable[Matcher],
           params: Mapping[str, Any] | None = None) -> MatchResult:
    """Score ``a`` against ``b`` (records or golden customers) and decide.

    ``params`` may be partial; pass the result of :func:`merged_params` when calling
    in a loop to avoid re-merging defaults each time.
    """
    p = as_merged(params)
    if _kind(a) != _kind(b):
        return MatchResult(0.0, "no_match", {}, {}, "kind_mismatch")

    evidence: dict[str, float | None] = {m.name: m.score(a, b) for m in matchers}
    ident = evidence.get("exact_identifier")
    if ident == 1.0:
        return MatchResult(1.0, "match", evidence, {}, "same_national_id")
    if ident == 0.0 and (p.get("national_id_conflict", "veto") == "veto"
                         or _verified_apart(a, b)):
        return MatchResult(0.0, "no_match", evidence, {}, "different_national_id")
    if p.get("model"):
        return _decide_learned(a, b, evidence, p)
    birth = evidence.get("birth_date")
    if (birth is not None and birth <= p["namesake_birth_date_max"]
            and evidence.get("contact") != 1.0 and ident != 1.0):
        return MatchResult(0.0, "no_match", evidence, {}, "different_birth_date")

    contributions: dict[str, float] = {}
    total = float(p["prior"])
    for name, sim in evidence.items():
        if sim is None:
            continue
        w = p["weights"].get(name)
        if w is None:
            continue
        contributions[name] = _contribution(float(sim), w)
        total += contributions[name]
    score = _squash(total)
    decision = _decision(score, p)
    rule = None
    if decision == "match" and not any(
            evidence.get(n) is not None for n in p.get("min_evidence", ())):
        decision, rule = "possible", "name_only"
    return MatchResult(round(score, 6), decision, evidence, contributions, rule)


# What a family shares: a phone or email, and the home address.
HOUSEHOLD = ("contact", "address")


def _decide_learned(a: Mapping[str, Any], b: Mapping[str, Any],
                    evidence: dict[str, float | None], p: Mapping[str, Any]) -> MatchResult:
    """The learned model's match probability against the probability thresholds.

    Two rules stay above the model, because the model assumes the fields agree
    independently and families break that:
      * namesakes: birth dates more than a year apart (no typo pattern) and no
        shared national id are two people, even at one address and phone (a parent
        and child of one name);
      * households: a pair sharing a phone or email whose names differ (below
        ``min_name_level``: more than a misspelling, a given name replaced) with no
        id agreeing is a family until the rest proves otherwise: it is judged
        without the contact and the address, which a family shares (twins share
        surname, birth date and home too);
      * household members: a pair whose names share only one token (a given name
        replaced, not misspelt: ``token_shared`` or further) is at most possible
        when neither a national id nor a contact is comparable: birth date and
        home are what twins share too, so without anything of the person's own
        a reviewer decides.
    """
    probability, levels, weights = fellegi_sunter.score(p["model"], a, b, evidence)
    same_id = levels.get("national_id") == 0
    birth = levels.get("birth_date")
    if birth is not None and LEVELS["birth_date"][birth] == "different" and not same_id:
        return MatchResult(0.0, "no_match", evidence, weights, "different_birth_date", levels)
    name = levels.get("name")
    rule = None
    shared_home = sum(max(weights.get(c, 0.0), 0.0) for c in HOUSEHOLD)
    if (not same_id and name is not None and levels.get("contact") == 0
            and name > LEVELS["name"].index(p.get("min_name_level", "tokens_typo"))):
        probability = fellegi_sunter.probability(
            fellegi_sunter.log2_odds(probability) - shared_home)
        rule = "household_evidence_ignored"
    decision: Decision = ("match" if probability >= p["match_probability"] else
                          "possible" if probability >= p["review_probability"] else "no_match")
    if decision == "match" and not any(
            evidence.get(n) is not None for n in p.get("min_evidence", ())):
        decision, rule = "possible", "name_only"
    elif (decision == "match" and name is not None
          and name >= LEVELS["name"].index("token_shared")
          and levels.get("national_id") is None and levels.get("contact") is None):
        decision, rule = "possible", "household_member"
    return MatchResult(round(probability, 6), decision, evidence, weights, rule, levels)
