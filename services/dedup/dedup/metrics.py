"""Dedup's business metrics."""
from prometheus_client import Counter, Gauge

from common.metrics import watch_oldest

DECISIONS = Counter("crm_dedup_decisions_total",
                    "Records placed, by decision (match/possible/no_match).", ["decision"])
CONFLICTS = Counter("crm_dedup_replica_conflicts_total",
                    "Placements retried because another replica changed the same customer.")
ERASED = Counter("crm_dedup_customers_erased_total",
                 "Golden customers sealed at the person's request (right to be forgotten).")

OLDEST_OPEN_REVIEW = Gauge("crm_dedup_oldest_open_review_age_seconds",
                           "Age of the oldest review nobody has accepted or rejected yet "
                           "(0 when none is open).")


def watch_open_reviews(reviews) -> None:
    """The review-age gauge reads `reviews` at each scrape (alert CrmReviewsWaiting)."""
    watch_oldest(OLDEST_OPEN_REVIEW, reviews, {"status": "open"}, "at")
