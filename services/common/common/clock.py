"""The services' one clock: `now()` (an aware UTC datetime) and `today()`.

Every timestamp a service writes or compares (stored rows, outbox leases, parked
messages, history) comes from `now()`, and every calendar decision (ages, expiries)
from `today()`, so a test or a replay can pin the time in one place. Pure domain code
does not read the clock: it takes the time as an argument from the layer that calls it.
"""
from __future__ import annotations

from datetime import date, datetime, timezone


def now() -> datetime:
    """The current time, timezone-aware, in UTC (what MongoDB stores)."""
    return datetime.now(timezone.utc)


def today() -> date:
    """The calendar date where the service runs (its TZ; UTC in the images). Ages and
    expiry days are counted on it, as they were on `date.today()`."""
    return date.today()
