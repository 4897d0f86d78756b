"""Scoring with a learned Fellegi-Sunter model (pure).

A model (as trained by :mod:`dedup.domain.training` and stored versioned) holds, per
comparison and level, m = P(level | same person) and u = P(level | different
people), the prior probability that two random records are one person (lambda), and
term-frequency tables. The match weight of a level is log2(m / u); the pair's log2
odds are log2(lambda / (1 - lambda)) plus the weights of its levels, so the result
is a match probability that thresholds are compared with directly.

Term-frequency adjustment (as in Splink): when two records agree exactly on a value,
the chance that two different people share *that* value is its frequency f, not the
average u of the level, so the weight moves by log2(u_exact / f): agreeing on a rare
surname counts for more than agreeing on a common one. The adjustment is bounded,
so a value missing from the stored table (rare) cannot run away.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from .comparisons import (ADDED_LEVELS, LEVELS, TF_LEVELS, Customer, comparison_vector,
                          level_before)
from .keys import name_tokens
from .ports import values

Model = Mapping[str, Any]
TF_BOUND = 6.0


def level_names(model: Model, comparison: str) -> tuple[str, ...]:
    """The level names a stored model's entries follow: a model trained before the
    newest levels of :data:`ADDED_LEVELS` existed has that many levels fewer."""
    current = LEVELS[comparison]
    missing = len(current) - len(model["comparisons"][comparison]["levels"])
    if missing <= 0:
        return current
    dropped = list(ADDED_LEVELS.get(comparison, {}))[-missing:]
    return tuple(level for level in current if level not in dropped)


def _entry(model: Model, comparison: str, level: int) -> Mapping[str, float]:
    """The m and u of a level; an older model weighs an added level as the level
    that used to hold it (``tokens_typo`` as ``token_shared``, ...)."""
    label = LEVELS[comparison][level]
    names = level_names(model, comparison)
    index = names.index(label if label in names else ADDED_LEVELS[comparison][label])
    return model["comparisons"][comparison]["levels"][index]


def model_levels(model: Model, a: Customer, b: Customer,
                 evidence: Mapping[str, float | None]) -> dict[str, int | None]:
    """The level per comparison as ``model`` sorts the pair (a model trained before
    a level was added sees the level that held it)."""
    levels = comparison_vector(a, b, evidence)
    for name, level in levels.items():
        if name in model["comparisons"]:
            levels[name] = level_before(name, level, level_names(model, name), a, b)
    return levels


def level_weight(model: Model, comparison: str, level: int) -> float:
    """log2(m / u) of one level."""
    entry = _entry(model, comparison, level)
    return math.log2(entry["m"] / entry["u"])


def prior_log2_odds(model: Model) -> float:
    lam = float(model["lambda"])
    return math.log2(lam / (1.0 - lam))


def name_frequency(tf: Mapping[str, Any], names: list[str]) -> float:
    """How often a random record bears these names: the product of the frequencies of
    the distinct tokens of the most frequent spelling (tokens absent from the table
    count as the table's floor)."""
    table, floor = tf.get("table") or {}, float(tf.get("floor") or 1e-6)
    best = 0.0
    for name in names:
        f = 1.0
        for token in dict.fromkeys(name_tokens(name)):
            f *= float(table.get(token, floor))
        best = max(best, f)
    return best or floor


def _value_frequency(tf: Mapping[str, Any], shared: set[str]) -> float:
    table, floor = tf.get("table") or {}, float(tf.get("floor") or 1e-6)
    return max((float(table.get(v, floor)) for v in shared), default=floor)


def tf_adjustment(model: Model, comparison: str, level: int, a: Customer,
                  b: Customer) -> float:
    """Weight added to a level for the frequency of the value agreed on (0 when the
    level is not term-frequency adjusted or the model has no table)."""
    label = LEVELS[comparison][level]
    factor, reference = TF_LEVELS.get(comparison, {}).get(label, (0.0, label))
    tf = (model.get("tf") or {}).get(comparison)
    if not factor or not tf:
        return 0.0
    if comparison == "name":
        freq = name_frequency(tf, values(a, "names"))
    else:
        field = {"birth_date": "birth_dates", "address": "postcodes"}[comparison]
        shared = set(values(a, field)) & set(values(b, field))
        if not shared:
            return 0.0
        freq = _value_frequency(tf, shared)
    u_ref = _entry(model, comparison, LEVELS[comparison].index(reference))["u"]
    adjustment = math.log2(u_ref / max(freq, 1e-12))
    return factor * max(-TF_BOUND, min(TF_BOUND, adjustment))


def score(model: Model, a: Customer, b: Customer, evidence: Mapping[str, float | None],
          ) -> tuple[float, dict[str, int | None], dict[str, float]]:
    """(match probability, level per comparison, weight per comparison) of a pair."""
    levels = model_levels(model, a, b, evidence)
    total = prior_log2_odds(model)
    weights: dict[str, float] = {}
    for name, level in levels.items():
        if level is None or name not in model["comparisons"]:
            continue
        weights[name] = level_weight(model, name, level) + tf_adjustment(model, name, level,
                                                                         a, b)
        total += weights[name]
    return probability(total), levels, weights


def probability(log2_odds_value: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -max(-60.0, min(60.0, log2_odds_value))))


def log2_odds(p: float) -> float:
    p = min(max(p, 1e-18), 1.0 - 1e-16)
    return math.log2(p / (1.0 - p))


def describe(levels: Mapping[str, int | None], weights: Mapping[str, float]) -> dict:
    """The evidence of one decision, for a reviewer: level name and weight per field."""
    return {name: {"level": LEVELS[name][level], "weight": round(weights.get(name, 0.0), 2)}
            for name, level in levels.items() if level is not None}


def weights_chart(model: Model) -> list[dict]:
    """Every comparison level with m, u and its match weight (Splink's match-weights
    chart, as rows), plus the prior."""
    rows = [{"comparison": "prior", "level": "lambda", "m": None, "u": None,
             "weight": round(prior_log2_odds(model), 3)}]
    for name, comp in model["comparisons"].items():
        for level, entry in zip(level_names(model, name), comp["levels"]):
            rows.append({"comparison": name, "level": level, "m": round(entry["m"], 6),
                         "u": round(entry["u"], 8),
                         "weight": round(math.log2(entry["m"] / entry["u"]), 3),
                         "tf_adjusted": level in TF_LEVELS.get(name, {})})
    return rows


def params_with(base: Mapping[str, Any], model: Mapping[str, Any] | None,
                version: int) -> dict[str, Any]:
    """Scoring params: ``base`` (the hand-set ones) with a stored model's parameters,
    or without any model (version 0: the hand-set weights decide)."""
    out = {key: value for key, value in base.items() if key != "model"}
    out["params_version"] = version if model else 0
    if model:
        out["model"] = {key: model[key] for key in ("lambda", "comparisons", "tf")
                        if key in model}
    return out


def explain(result: Any) -> dict:
    """The evidence behind a decision (a MatchResult), for a reviewer: per comparison
    its level and weight under a learned model, else each matcher's similarity and
    hand-set weight."""
    if result.levels:
        return describe(result.levels, result.contributions)
    return {name: {"similarity": sim, "weight": round(result.contributions.get(name, 0.0), 2)}
            for name, sim in result.evidence.items() if sim is not None}
