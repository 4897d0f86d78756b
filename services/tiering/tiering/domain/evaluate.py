"""Re-tier one golden customer under every active scheme and say what changed.

Pure: the customer snapshot, the rules document, the scheme plugins and the tiers
recorded so far go in; the new records and the changes to publish come out. Only
real changes produce a `tier.changed`; the first tier is a change from None.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from .decide import NEW, SAME, apply_grace, direction, tier_rank
from .rules import effective_params, params_version


@dataclass(frozen=True)
class TierRecord:
    scheme: str
    tier: str
    reason: str
    rules_version: str
    figures: dict
    below_count: int


@dataclass(frozen=True)
class Change:
    scheme: str
    previous: str | None
    current: str
    direction: str
    reason: str
    rules_version: str


def evaluate(customer: Mapping[str, Any], schemes: Mapping[str, Any], rules: Mapping[str, Any],
             recorded: Mapping[str, Mapping[str, Any]], today: date,
             grace: Mapping[str, int] | None = None,
             new_snapshot: bool = True,
             versions: dict | None = None) -> tuple[list[TierRecord], list[Change]]:
    """`recorded` maps scheme -> {"tier", "below_count"}; `grace` scheme -> snapshots.

    `new_snapshot` False means the same snapshot is re-evaluated (a recompute after
    a rules change): that is not another low snapshot, so a demotion under grace
    keeps the previous tier without advancing the grace counter.

    `versions`, when given, keeps each (scheme, branch)'s effective parameters and
    rules version for the next customers evaluated under the same `rules`: a batch
    re-tiers hundreds of customers of a few branches, and merging and hashing the same
    parameters for each was a fifth of tiering's CPU. Share it only while `rules`
    stays the same document.
    """
    versions = {} if versions is None else versions
    records, changes = [], []
    branch = customer.get("branch")
    for name, scheme in schemes.items():
        params, version = versions.get((name, branch)) or _worked_out(rules, name, branch,
                                                                        versions)
        decision = scheme.classify(customer, params, today)
        previous = (recorded.get(name) or {}).get("tier")
        below = (recorded.get(name) or {}).get("below_count", 0)
        tier, below = _graced(previous, decision.tier, scheme.tiers, below,
                               (grace or {}).get(name, 0), new_snapshot)
        reason = decision.reason if tier == decision.tier else (
            f"kept {tier} during downgrade grace ({below} low snapshot(s)); {decision.reason}")
        records.append(TierRecord(name, tier, reason, version, decision.figures, below))
        moved = direction(scheme.tiers, previous, tier)
        if moved != SAME:
            changes.append(Change(name, previous, tier, moved if previous else NEW, reason,
                                  version))
    return records, changes


def _worked_out(rules: Mapping[str, Any], scheme: str, branch: str | None,
                versions: dict) -> tuple[dict, str]:
    """A scheme's effective parameters in a branch and their rules version, kept."""
    params = effective_params(rules, scheme, branch)
    versions[(scheme, branch)] = (params, params_version(rules, params))
    return versions[(scheme, branch)]


def _graced(previous: str | None, candidate: str, tiers: tuple[str, ...], below: int,
            grace: int, new_snapshot: bool) -> tuple[str, int]:
    """apply_grace, except that a re-evaluation never counts as a low snapshot."""
    if new_snapshot or grace <= 0 or previous is None:
        return apply_grace(previous, candidate, tiers, below, grace)
    if tier_rank(tiers, candidate) >= tier_rank(tiers, previous):
        return candidate, 0
    return previous, below
