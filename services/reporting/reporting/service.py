"""Reporting: the maintenance KPI read model (issue 20; docs/kpi.md).

Thin nameko entrypoints over handlers.py: the pipeline's events become facts
(domain/facts.py), the `kpi` RPC computes the indicators from them (domain/kpi.py).
It publishes nothing.
"""
from __future__ import annotations

from datetime import datetime

from nameko.dependency_providers import Config
from nameko.timer import timer

from common import clock
from common.base import ServiceBase
from common.batch import batch_event_handler, reliable_batch
from common.erased import ErasureHandler
from common.following import FollowsCustomers
from common.mongo import MongoStore
from common.pacing import paced
from common.rpcs import rpc
from contracts import names
from contracts.schemas import load_event

from . import handlers, metrics
from .domain import facts
from .domain import kpi as indicators
from .domain.periods import just_closed, parse_period, quarter_of
from .storage import ReportingStore


def _snapshot(event: dict) -> tuple[facts.Fact, ...]:
    return (facts.snapshot(event),)


def _merge(event: dict) -> tuple[facts.Fact, ...]:
    """The survivor's snapshot and the link that restates the absorbed history."""
    return (facts.snapshot(event), facts.merge(event))


_FACTS = {names.CUSTOMER_REGISTERED: _snapshot, names.CUSTOMER_UPDATED: _snapshot,
          names.CUSTOMER_MERGED: _merge}


def settings_of(config: dict) -> indicators.Settings:
    raw = config.get("kpi") or {}
    default = indicators.Settings()
    return indicators.Settings(
        upgrade_schemes=tuple(raw.get("upgrade_schemes") or default.upgrade_schemes),
        band_scheme=str(raw.get("band_scheme") or default.band_scheme),
        mid_high_bands=tuple(raw.get("mid_high_bands") or default.mid_high_bands),
        min_products=int(raw.get("min_products") or default.min_products))


class ReportingService(FollowsCustomers, ErasureHandler, ServiceBase):
    """`on_registered`, `on_updated` and `on_merged` (dedup's golden customers) come from
    FollowsCustomers; `on_customer_erased` from ErasureHandler: the person's facts are
    re-keyed to an anonymous customer who left the bank that day (handlers.erase)."""

    name = "reporting"
    store = MongoStore(ReportingStore)
    config = Config()

    @batch_event_handler("tiering", names.TIER_CHANGED)
    @reliable_batch
    def on_tier_changed(self, payloads: list[dict]) -> None:
        handlers.record(self.store, [facts.tier(load_event(names.TIER_CHANGED, p))
                                     for p in payloads], clock.now())

    @batch_event_handler("assignment", names.CUSTOMER_ASSIGNED)
    @reliable_batch
    def on_assigned(self, payloads: list[dict]) -> None:
        handlers.record(self.store, [facts.assignment(load_event(names.CUSTOMER_ASSIGNED, p))
                                     for p in payloads], clock.now())

    def follow(self, event_type: str, payloads: list[dict]) -> None:
        """A golden customer's snapshot as a fact; a merge also links the absorbed history."""
        handlers.record(self.store, [f for p in payloads
                                     for f in _FACTS[event_type](load_event(event_type, p))],
                        clock.now())

    def seal_person(self, event: dict, ids: list[str], erased_at: datetime) -> None:
        handlers.erase(self.store, event, ids, erased_at, clock.now())

    @rpc(role="viewer")
    def kpi(self, period: str, by: str = "branch", branch: str | None = None,
            recompute: bool = False) -> dict:
        """The indicators of `period` (2026Q4, 2026-11, 2026) per branch or maintainer.
        Aggregates only: no customer appears in the answer."""
        if by not in ("branch", "maintainer"):
            raise ValueError("by must be 'branch' or 'maintainer'")
        parsed = parse_period(period)
        rows, frozen = handlers.report(self.store, parsed, by, clock.today(), clock.now(),
                                       settings_of(self.config), recompute)
        if branch:
            rows = [r for r in rows if r["branch"] == branch]
        return {"period": parsed.label, "by": by, "closed": frozen, "rows": rows}

    @timer(interval=60)
    @paced("reporting_kpi")
    def refresh(self) -> None:
        """The current quarter's gauges, moved by what changed since the last refresh; the
        quarter and month just closed are kept as they stand on their first day closed
        (late data then needs --recompute)."""
        today, now, settings = clock.today(), clock.now(), settings_of(self.config)
        rows = handlers.refresh_gauges(self.store, quarter_of(today), now, settings)
        if rows is not None:  # None while the quarter's first count goes on, page by page
            metrics.observe(rows)
        for closed in just_closed(today):
            for by in ("branch", "maintainer"):
                handlers.report(self.store, closed, by, today, now, settings)
