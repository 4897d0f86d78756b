"""What a scheme decides and how a new decision relates to the previous one.

A scheme's ``tiers`` tuple is ordered low -> high, so "up" and "down" are just
comparisons of positions in that tuple; no scheme needs its own notion of order.

Downgrade grace exists because a single low snapshot (a month-end withdrawal, a
late data feed) should not bounce a customer out of a band and away from their
maintainer; upgrades are never delayed (domain §4: no forced migration, and
moving up never hurts the customer).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

NEW = "new"
UP = "up"
DOWN = "down"
SAME = "same"
REMOVED = "removed"


@dataclass(frozen=True)
class Decision:
    """One scheme's verdict for one customer.

    ``reason`` is plain English naming the rule and the figures, so a maintainer
    can see why without reading code. ``figures`` holds the non-personal inputs
    that were used (money as exact decimal strings, card level, age) so the
    decision can be audited later against the rules version that made it.
    """

    tier: str
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)


def tier_rank(tiers: tuple[str, ...], tier: str) -> int:
    """Position of ``tier`` in the low -> high tuple; unknown tiers are a bug, so raise."""
    try:
        return tiers.index(tier)
    except ValueError:
        raise ValueError(f"unknown tier {tier!r}; expected one of {tiers}") from None


def direction(
    scheme_tiers: tuple[str, ...], previous: Optional[str], current: Optional[str]
) -> str:
    """Classify a move as "new", "up", "down", "same" or "removed".

    ``previous`` None means the customer was never tiered in this scheme ("new");
    ``current`` None means they left it ("removed"). Both None is "same": nothing
    was recorded before or now.
    """
    if previous is None and current is None:
        return SAME
    if previous is None:
        tier_rank(scheme_tiers, current)  # validate
        return NEW
    if current is None:
        tier_rank(scheme_tiers, previous)
        return REMOVED
    before, after = tier_rank(scheme_tiers, previous), tier_rank(scheme_tiers, current)
    if after > before:
        return UP
    if after < before:
        return DOWN
    return SAME


def apply_grace(
    previous: Optional[str],
    candidate: str,
    tiers: tuple[str, ...],
    below_count: int,
    grace_snapshots: int,
) -> tuple[str, int]:
    """Decide which tier to record, delaying demotions by ``grace_snapshots``.

    ``grace_snapshots`` is how many consecutive lower evaluations are tolerated
    while the previous tier is kept; the next consecutive lower one demotes.
    So 0 demotes immediately, 2 keeps the old tier for two low snapshots and
    demotes on the third. The demotion goes to the current candidate (not one
    step down), and the counter restarts at 0.

    An upgrade, an unchanged tier or a first-ever tier records the candidate
    and resets the counter: only *consecutive* low snapshots count.

    Returns ``(tier_to_record, new_below_count)``.
    """
    if previous is None:
        tier_rank(tiers, candidate)
        return candidate, 0
    if tier_rank(tiers, candidate) >= tier_rank(tiers, previous):
        return candidate, 0
    count = max(below_count, 0) + 1
    if count > max(grace_snapshots, 0):
        return candidate, 0
    return previous, count
