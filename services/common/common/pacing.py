"""Gauges computed over a whole collection, paced so their cost stays a fixed share.

Some gauges are aggregates over everything a service keeps (customers per tier and
branch, groups near their limit): each refresh costs more as the pool grows, and a
fixed interval lets that cost crowd out the pipeline (measured in the 100,000-row list:
tiering's database spent more per customer every minute). `paced` keeps a timer's
refresh to at most `share` of the wall clock: after a refresh that took d seconds the
next tick runs no sooner than d / share later, so a small pool refreshes on every
tick and a large one a little less often, while the pipeline keeps its cores.
`crm_paced_refresh_seconds` shows how long the last refreshes took.
"""
from __future__ import annotations

import functools
import time
from typing import Any, Callable

from prometheus_client import Gauge

REFRESH_SECONDS = Gauge("crm_paced_refresh_seconds",
                        "Seconds the last run of a paced refresh took (common/pacing.py).",
                        ["refresh"])
DEFAULT_SHARE = 0.05


class Pace:
    """When a costly refresh may run next (per process: every worker shares it)."""

    def __init__(self, share: float = DEFAULT_SHARE, clock: Callable[[], float] = time.monotonic):
        self.share, self.clock, self.next_at = share, clock, float("-inf")

    def due(self) -> bool:
        return self.clock() >= self.next_at

    def ran(self, seconds: float) -> None:
        self.next_at = self.clock() + seconds / self.share


def paced(name: str, share: float = DEFAULT_SHARE) -> Callable:
    """Decorate a timer method (under `@timer`): a tick that comes too soon is skipped."""
    pace = Pace(share)

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def refresh(self, *args: Any, **kwargs: Any) -> Any:
            if not pace.due():
                return None
            started = time.monotonic()
            try:
                return method(self, *args, **kwargs)
            finally:
                took = time.monotonic() - started
                pace.ran(took)
                REFRESH_SECONDS.labels(name).set(took)
        return refresh
    return decorate
