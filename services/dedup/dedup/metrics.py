"""Dedup's business metrics."""
from prometheus_client import Counter

DECISIONS = Counter("crm_dedup_decisions_total",
                    "Records placed, by decision (match/possible/no_match).", ["decision"])
CONFLICTS = Counter("crm_dedup_replica_conflicts_total",
                    "Placements retried because another replica changed the same customer.")
ERASED = Counter("crm_dedup_customers_erased_total",
                 "Golden customers sealed at the person's request (right to be forgotten).")
