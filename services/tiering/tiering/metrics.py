"""Tiering's business metrics (domain §6 indicators where tiering owns the data).

Counters count moves as they happen in this process; the gauges are recomputed
from the database by a timer, because a per-process "entered minus left" would
be wrong with several replicas and after restarts. Every replica publishes the
same gauge values: aggregate them with `max`, the counters with `sum`.
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge

MOVES = Counter("crm_tiering_moves_total",
                "Tier changes by scheme, direction (new/up/down/removed) and branch.",
                ["scheme", "direction", "branch"])
CUSTOMERS = Gauge("crm_tiering_customers",
                  "Customers per scheme, tier and branch (from the database).",
                  ["scheme", "tier", "branch"])
# The look-back window is a label, not part of the name: one series family whatever
# TIERING_RATE_WINDOW_DAYS says (the naming guide: no window in a gauge's name).
MOVED_RATIO = Gauge("crm_tiering_moved_ratio",
                    "Customers moved up or down within the last window_days days divided by "
                    "customers in scheme and branch (from the database).",
                    ["scheme", "branch", "direction", "window_days"])

RATIO_DIRECTIONS = ("up", "down")


def record_changes(changes: list, branch: str | None) -> None:
    branch = branch or "unknown"
    for change in changes:
        MOVES.labels(change.scheme, change.direction, branch).inc()


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
    MOVED_RATIO.clear()
    window = str(window_days)
    for (scheme, branch), total in per_scheme_branch.items():
        for direction in RATIO_DIRECTIONS:
            MOVED_RATIO.labels(scheme, branch, direction, window).set(
                counts.get((scheme, branch, direction), 0) / total)
