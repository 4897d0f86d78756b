"""The learned model in the bench: trained on a set's records as `crm dedup train`
trains on the pool (same domain code: :func:`dedup.domain.training.train`, with the
name matcher's evidence), then used through the scoring params as the service uses
the newest parameter version."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from dedup.domain.training import train
from dedup.plugins.matchers import NameMatcher


def evidence_fn():
    """The evidence training compares with: the name matcher's similarity."""
    matcher = NameMatcher()
    return lambda a, b: {"name": matcher.score(a, b)}


def learned_params(records: Sequence[Mapping[str, Any]], params: Mapping[str, Any],
                   sample: int = 20000, seed: int = 1) -> dict[str, Any]:
    """``params`` with a model trained, without labels, on ``records``."""
    return {**params, "model": train(records, evidence_fn(), sample=sample, seed=seed)}
