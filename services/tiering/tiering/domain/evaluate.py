"""Re-tier one golden customer under every active scheme and say what changed.

Pure: the customer snapshot, the rules document, the scheme plugins and the tiers
recorded so far go in; the new records and the changes to publish come out. Only
real changes produce a `tier.changed`; the first tier is a change from None.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from .decide import NEW, SAME, apply_grace, direction
from .rules import effective_params, rules_version


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
             grace: Mapping[str, int] | None = None) -> tuple[list[TierRecord], list[Change]]:
    """`recorded` maps scheme -> {"tier", "below_count"}; `grace` scheme -> snapshots."""
    records, changes = [], []
    branch = customer.get("branch")
    for name, scheme in schemes.items():
        params = effective_params(rules, name, branch)
        decision = scheme.classify(customer, params, today)
        previous = (recorded.get(name) or {}).get("tier")
        below = (recorded.get(name) or {}).get("below_count", 0)
        tier, below = apply_grace(previous, decision.tier, scheme.tiers, below,
                                  (grace or {}).get(name, 0))
        version = rules_version(rules, name, branch)
        reason = decision.reason if tier == decision.tier else (
            f"kept {tier} during downgrade grace ({below} low snapshot(s)); {decision.reason}")
        records.append(TierRecord(name, tier, reason, version, decision.figures, below))
        moved = direction(scheme.tiers, previous, tier)
        if moved != SAME:
            changes.append(Change(name, previous, tier, moved if previous else NEW, reason,
                                  version))
    return records, changes
