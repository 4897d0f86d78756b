"""Tiering: star levels, service bands and intent classes for every golden customer.

Publishes `tier.changed` on `tiering.events` for every real change, the public
contract other teams subscribe to. Events are staged in the outbox before the
tier records are written, so a crash in between re-derives the same event ids
on redelivery instead of losing or doubling a change.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from nameko.events import event_handler
from common.rpcs import rpc
from nameko.timer import timer

from common.base import ServiceBase
from common.mongo import MongoStore
from common.reliability import reliable
from contracts import names
from contracts.schemas import load_event

from . import metrics
from .dependencies import Rules
from .domain.evaluate import evaluate
from .domain.paging import next_cursor, page_range
from .erasure import Erasure
from .storage import TieringStore

GAUGE_SECONDS = 30
RATE_WINDOW_DAYS = 30
MAX_PAGE = 5000


class TieringService(Erasure, ServiceBase):
    """`on_customer_erased` (right to be forgotten) comes from the Erasure mixin."""

    name = "tiering"
    store = MongoStore(TieringStore)
    rules = Rules()

    @event_handler("dedup", names.CUSTOMER_REGISTERED)
    @reliable
    def on_registered(self, payload: dict) -> None:
        event = load_event(names.CUSTOMER_REGISTERED, payload)
        self.retier(event["customer"], event["event_id"], event["correlation_id"])

    @event_handler("dedup", names.CUSTOMER_UPDATED)
    @reliable
    def on_updated(self, payload: dict) -> None:
        event = load_event(names.CUSTOMER_UPDATED, payload)
        self.retier(event["customer"], event["event_id"], event["correlation_id"])

    @event_handler("dedup", names.CUSTOMER_MERGED)
    @reliable
    def on_merged(self, payload: dict) -> None:
        """The survivor is re-tiered; each absorbed id that had tiers gets a 'removed'
        change per scheme with `merged_into`, so subscribers can re-point it."""
        event = load_event(names.CUSTOMER_MERGED, payload)
        survivor = event["customer"]
        for absorbed in event["absorbed_ids"]:
            for had in self.store.remove(absorbed, survivor["customer_id"], event["event_id"]):
                self.events.stage(names.TIER_CHANGED, {
                    "customer_id": absorbed, "scheme": had["scheme"], "previous": had["tier"],
                    "current": None, "direction": "removed", "merged_into": survivor["customer_id"],
                    "reason": f"merged into {survivor['customer_id']}",
                    "rules_version": had["rules_version"], "branch": had.get("branch")},
                    cause_id=event["event_id"], key=f"{absorbed}:{had['scheme']}",
                    correlation_id=event["correlation_id"])
                metrics.record_removed(had["scheme"], had.get("branch"))
        self.retier(survivor, event["event_id"], event["correlation_id"])

    def retier(self, customer: dict, cause_id: str, correlation_id: str) -> None:
        if not self.store.accept_snapshot(customer):
            return  # an older revision arrived late: the newer one decided already
        recorded = self.store.recorded(customer["customer_id"])
        records, changes = evaluate(customer, self.rules.schemes, self.rules.rules, recorded,
                                    date.today(), self.rules.grace)
        self._stage(customer["customer_id"], customer, changes, cause_id, correlation_id)
        self.events.persist()  # events first: a crash after the save must not lose them
        self.store.save(customer["customer_id"], customer.get("branch"), records, changes,
                        cause_id, recorded)
        self.events.publish_staged()
        metrics.record_changes(changes, customer.get("branch"))

    def _stage(self, customer_id: str, customer: dict, changes: list, cause_id: str,
               correlation_id: str | None) -> None:
        owner = customer.get("owner") or {}
        for change in changes:
            self.events.stage(names.TIER_CHANGED, {
                "customer_id": customer_id, "scheme": change.scheme, "previous": change.previous,
                "current": change.current, "direction": change.direction, "reason": change.reason,
                "rules_version": change.rules_version, "branch": customer.get("branch"),
                "registered_by": owner.get("registered_by"), "display": customer.get("display")},
                cause_id=cause_id,
                key=f"{customer_id}:{change.scheme}:{change.previous}>{change.current}",
                correlation_id=correlation_id)

    @rpc
    def recompute(self, scheme: str | None = None, branch: str | None = None,
                  after: str = "", limit: int = 500) -> dict:
        """Re-tier one page of the pool after a rules change; the caller pages with
        `after` (an opaque cursor: "" first, then the previous page's `next_after`).

        A page is a range of hash buckets holding about `limit` customers
        (domain/paging.py). One read for the snapshots, one for their tiers, one bulk
        write for records that differ, one insert for history; events only for real
        moves. A recompute re-reads the same snapshot, so it does not advance
        downgrade grace.
        """
        start, end = page_range(after, min(max(limit, 1), MAX_PAGE), self.store.pool_size())
        rows, recorded = self.store.page(branch, start, end)
        schemes, today, seq = self._only(scheme), date.today(), self.rules.seq
        items, moved = [], 0
        for row in rows:
            customer = {k: v for k, v in row.items() if k not in ("_id", "active")}
            customer["customer_id"] = row["_id"]
            mine = recorded.get(row["_id"], {})
            records, changes = evaluate(customer, schemes, self.rules.rules, mine, today,
                                        self.rules.grace, new_snapshot=False)
            cause = f"recompute:{seq}:{row['_id']}:{row.get('revision')}"
            self._stage(row["_id"], customer, changes, cause, None)
            items.append((row["_id"], row.get("branch"), records, changes, cause, mine))
            moved += len(changes)
            metrics.record_changes(changes, row.get("branch"))
        self.events.persist()
        written = self.store.save_many(items)
        self.events.publish_staged()
        return {"processed": len(rows), "changes": moved, "written": written,
                "next_after": next_cursor(end)}

    def _only(self, scheme: str | None) -> dict:
        if scheme is None:
            return self.rules.schemes
        if scheme not in self.rules.schemes:
            raise ValueError(f"unknown scheme {scheme!r}; active: {sorted(self.rules.schemes)}")
        return {scheme: self.rules.schemes[scheme]}

    @rpc
    def reload_rules(self, text: str) -> dict:
        """Validate and activate a new rules document (YAML text) for every replica.

        Invalid rules raise with every problem listed and the active rules stay;
        existing tiers change only through the recompute that follows.
        """
        return self.rules.reload(text)

    @rpc
    def active_rules(self) -> dict:
        return self.rules.describe()

    @rpc
    def export_tiers(self, scheme: str | None = None, skip: int = 0, limit: int = 5000) -> list:
        return self.store.export(scheme, skip, limit)

    @rpc
    def explain(self, customer_id: str) -> dict:
        return self.store.explain(customer_id)

    @rpc
    def stats(self, branch: str | None = None, days: int = 30) -> dict:
        since = datetime.now(timezone.utc) - timedelta(days=days)
        return {"tiers": self.store.stats(branch), "moves": self.store.moves(since, branch)}

    @timer(interval=GAUGE_SECONDS)
    def refresh_gauges(self) -> None:
        """Per-tier population and upgrade/downgrade rates, from the database."""
        since = datetime.now(timezone.utc) - timedelta(days=RATE_WINDOW_DAYS)
        metrics.publish_population(self.store.population(), self.store.moves_by_branch(since),
                                   RATE_WINDOW_DAYS)
