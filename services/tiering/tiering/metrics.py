"""Tiering's business metrics (domain §6 indicators where tiering owns the data)."""
from prometheus_client import Counter

MOVES = Counter("crm_tiering_moves_total",
                "Tier changes by scheme, direction (new/up/down/removed) and branch.",
                ["scheme", "direction", "branch"])
ENTERED = Counter("crm_tiering_customers_entered_total",
                  "Customers entering a tier (the per-tier population is entered minus left).",
                  ["scheme", "tier", "branch"])
LEFT = Counter("crm_tiering_customers_left_total",
               "Customers leaving a tier.", ["scheme", "tier", "branch"])


def record_changes(changes: list, branch: str | None) -> None:
    branch = branch or "unknown"
    for change in changes:
        MOVES.labels(change.scheme, change.direction, branch).inc()
        ENTERED.labels(change.scheme, change.current, branch).inc()
        if change.previous:
            LEFT.labels(change.scheme, change.previous, branch).inc()
