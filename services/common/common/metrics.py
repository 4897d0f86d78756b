"""Metrics every service shares (Prometheus naming: base units, _total, _seconds).

Each service process exposes the default registry at /metrics; business metrics
live in the service's own package next to the code that moves them.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import pymongo
import pymongo.errors
from prometheus_client import Counter, Gauge, Histogram

from . import clock

MESSAGES_CONSUMED = Counter(
    "crm_messages_consumed_total", "Messages handled, by service and handler.",
    ["service", "handler"])
HANDLER_SECONDS = Histogram(
    "crm_handler_duration_seconds", "Time spent handling one message.", ["service", "handler"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
HANDLER_ERRORS = Counter(
    "crm_handler_errors_total", "Handler failures, by kind (transient retried, permanent parked).",
    ["service", "handler", "kind"])
EVENTS_PUBLISHED = Counter(
    "crm_events_published_total", "Events published through the outbox.", ["service", "event_type"])
EVENTS_UNROUTABLE = Counter(
    "crm_events_unroutable_total",
    "Publishes the broker returned because no queue is bound for the event (left pending, "
    "retried every sweep).", ["service", "event_type"])
OUTBOX_PENDING = Gauge(
    "crm_outbox_pending_events", "Events staged but not yet confirmed by the broker.", ["service"])


def age_seconds(oldest, now: datetime | None = None) -> float:
    """Seconds since `oldest` (a datetime; naive means UTC), 0 when there is none."""
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=timezone.utc)
    return max(0.0, ((now or clock.now()) - oldest).total_seconds())


def watch_oldest(gauge: Gauge, collection, query: dict | Callable[[], dict], field: str,
                 budget: float = 2.0) -> None:
    """Make `gauge` read, at each scrape, the age of the oldest document matching `query`
    (by `field`). Dedup and ingestion have no timer of their own to refresh such a gauge;
    one small indexed read per scrape costs less than a timer, and pymongo's timeout caps
    it, so a database outage yields NaN (no alert fires on NaN) instead of a scrape that
    hangs and makes the whole service look down. A callable `query` is built at each
    scrape (one that names the current period)."""
    def read() -> float:
        try:
            with pymongo.timeout(budget):
                row = collection.find_one(query() if callable(query) else query, {field: 1},
                                          sort=[(field, 1)])
        except pymongo.errors.PyMongoError:
            return float("nan")
        return age_seconds(row.get(field) if row else None)
    gauge.set_function(read)
