"""Tiering's business metrics (domain §6 indicators where tiering owns the data).

Counters count moves as they happen in this process; the gauges are recomputed
from the database by a timer, because a per-process "entered minus left" would
be wrong with several replicas and after restarts.
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge

MOVES = Counter("crm_tiering_moves_total",
                "Tier changes by scheme, direction (new/up/down/removed) and branch.",
                ["scheme", "direction", "branch"])
UPGRADES = Counter("crm_tiering_upgrades_total", "Customers moving up a tier.",
                   ["scheme", "branch"])
DOWNGRADES = Counter("crm_tiering_downgrades_total",
                     "Customers moving down a tier (churn signal).", ["scheme", "branch"])
CUSTOMERS = Gauge("crm_tiering_customers",
                  "Customers per scheme, tier and branch (from the database).",
                  ["scheme", "tier", "branch"])
UPGRADE_RATE = Gauge("crm_tiering_upgrade_rate",
                     "Upgrades in the window divided by customers in scheme and branch.",
                     ["scheme", "branch", "window_days"])
DOWNGRADE_RATE = Gauge("crm_tiering_downgrade_rate",
                       "Downgrades in the window divided by customers in scheme and branch.",
                       ["scheme", "branch", "window_days"])


def record_changes(changes: list, branch: str | None) -> None:
    branch = branch or "unknown"
    for change in changes:
        MOVES.labels(change.scheme, change.direction, branch).inc()
        if change.direction == "up":
            UPGRADES.labels(change.scheme, branch).inc()
        elif change.direction == "down":
            DOWNGRADES.labels(change.scheme, branch).inc()


def record_removed(scheme: str, branch: str | None) -> None:
    MOVES.labels(scheme, "removed", branch or "unknown").inc()


def publish_population(population: list[dict], moves: list[dict], window_days: int) -> None:
    """Replace the gauges with fresh aggregates (tiers nobody holds any more vanish)."""
    CUSTOMERS.clear()
    per_scheme_branch: dict[tuple, int] = {}
    for row in population:
        branch = row.get("branch") or "unknown"
        CUSTOMERS.labels(row["scheme"], row["tier"], branch).set(row["customers"])
        key = (row["scheme"], branch)
        per_scheme_branch[key] = per_scheme_branch.get(key, 0) + row["customers"]
    counts: dict[tuple, int] = {}
    for row in moves:
        key = (row["scheme"], row.get("branch") or "unknown", row["direction"])
        counts[key] = counts.get(key, 0) + row["count"]
    UPGRADE_RATE.clear()
    DOWNGRADE_RATE.clear()
    for (scheme, branch), total in per_scheme_branch.items():
        window = str(window_days)
        UPGRADE_RATE.labels(scheme, branch, window).set(
            counts.get((scheme, branch, "up"), 0) / total)
        DOWNGRADE_RATE.labels(scheme, branch, window).set(
            counts.get((scheme, branch, "down"), 0) / total)
