"""Tiering: star levels, service bands and intent classes for every golden customer.

Publishes `tier.changed` on `tiering.events` for every real change, the public
contract other teams subscribe to. Events are written to the outbox in the same
transaction as the tier records (handlers.py) and published after the commit, their
ids derived from their cause, so a redelivery neither loses nor doubles a change.
"""
from __future__ import annotations

from datetime import timedelta

from common.rpcs import rpc
from nameko.timer import timer

from common.base import ServiceBase
from common.clock import now, today
from common.following import FollowsCustomers
from common.mongo import MongoStore
from common.pacing import paced
from contracts.schemas import load_event

from . import handlers, metrics
from .dependencies import Rules
from .domain.batch import Arrival
from .domain.paging import next_cursor, page_range
from .domain.sweep import Sweep
from .erasure import Erasure
from .storage import TieringStore

GAUGE_SECONDS = 5  # one slice per tick: the whole pool is counted every 16 ticks (80 s)
RATE_WINDOW_DAYS = 30
MAX_PAGE = 5000


class TieringService(FollowsCustomers, Erasure, ServiceBase):
    """`on_registered`, `on_updated` and `on_merged` (dedup's golden customers) come from
    FollowsCustomers, `on_customer_erased` (right to be forgotten) from Erasure."""

    name = "tiering"
    sweep = Sweep()  # one per process: every worker adds to the same counts
    store = MongoStore(TieringStore)
    rules = Rules()

    def follow(self, event_type: str, payloads: list[dict]) -> None:
        """Each customer re-tiered. On a merge the survivor is re-tiered and each absorbed
        id that had tiers gets a 'removed' change per scheme with `merged_into`, so
        subscribers can re-point it."""
        events = [load_event(event_type, payload) for payload in payloads]
        arrivals = [Arrival(e["customer"], e["event_id"], e["correlation_id"],
                            tuple(e.get("absorbed_ids") or ())) for e in events]
        handlers.retier_batch(self.store, self.events, self.rules, arrivals, today())

    @rpc(role="admin")
    def recompute(self, scheme: str | None = None, branch: str | None = None,
                  after: str = "", limit: int = 500) -> dict:
        """Re-tier one page of the pool after a rules change; the caller pages with
        `after` (an opaque cursor: "" first, then the previous page's `next_after`).

        A page is a range of hash buckets holding about `limit` customers
        (domain/paging.py), re-tiered as one unit of work (handlers.recompute_page).
        """
        start, end = page_range(after, min(max(limit, 1), MAX_PAGE), self.store.pool_size())
        done = handlers.recompute_page(self.store, self.events, self.rules, self._only(scheme),
                                       branch, start, end, today())
        return {**done, "next_after": next_cursor(end)}

    def _only(self, scheme: str | None) -> dict:
        if scheme is None:
            return self.rules.schemes
        if scheme not in self.rules.schemes:
            raise ValueError(f"unknown scheme {scheme!r}; active: {sorted(self.rules.schemes)}")
        return {scheme: self.rules.schemes[scheme]}

    @rpc(role="admin")
    def reload_rules(self, text: str) -> dict:
        """Validate and activate a new rules document (YAML text) for every replica.

        Invalid rules raise with every problem listed and the active rules stay;
        existing tiers change only through the recompute that follows.
        """
        return self.rules.reload(text)

    @rpc(role="viewer")
    def active_rules(self) -> dict:
        return self.rules.describe()

    @rpc(role="viewer", personal=True)
    def export_tiers(self, scheme: str | None = None, skip: int = 0, limit: int = 5000) -> list:
        return self.store.export(scheme, skip, limit)

    @rpc(role="viewer", personal=True)
    def explain(self, customer_id: str) -> dict:
        return self.store.explain(customer_id)

    @rpc(role="viewer")
    def stats(self, branch: str | None = None, days: int = 30) -> dict:
        since = now() - timedelta(days=days)
        return {"tiers": self.store.stats(branch), "moves": self.store.moves(since, branch)}

    @timer(interval=GAUGE_SECONDS)
    @paced("tiering_population")
    def refresh_gauges(self) -> None:
        """Per-tier population and upgrade/downgrade rates, from the database, one slice
        of the pool per tick (domain/sweep.py): a count of the whole pool at once held
        the batches back."""
        since = now() - timedelta(days=RATE_WINDOW_DAYS)
        for index, ids in self.sweep.due():
            self.sweep.keep(index, self.store.population(ids),
                            self.store.moves_by_branch(since, ids))
        metrics.publish_population(*self.sweep.totals(), RATE_WINDOW_DAYS)
