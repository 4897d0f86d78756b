"""Assignment: every eligible customer gets the right maintainer, within capacity.

Thin nameko entrypoints over handlers.py: every use case that moves a customer is one
unit of work (one transaction), so a seat and the assignment it explains commit
together.
"""
from __future__ import annotations

from common.batch import batch_event_handler, reliable_batch
from common.rpcs import rpc
from nameko.timer import timer

from common.base import ServiceBase
from common.mongo import MongoStore
from contracts import names
from contracts.schemas import load_event

from . import handlers, metrics
from .dependencies import Policy
from .erasure import Erasure
from .storage import AssignmentStore

BACKLOG_PAGE = 500


class AssignmentService(Erasure, ServiceBase):
    """`on_customer_erased` (right to be forgotten) comes from the Erasure mixin; an
    erased customer is never seated again (checked before every new seat)."""

    name = "assignment"
    store = MongoStore(AssignmentStore)
    policy = Policy()

    @batch_event_handler("tiering", names.TIER_CHANGED)
    @reliable_batch
    def on_tier_changed(self, payloads: list[dict]) -> None:
        """A batch of tier changes, applied in delivery order in one transaction."""
        events = [load_event(names.TIER_CHANGED, payload) for payload in payloads]
        handlers.assign_batch(self.store, self.events, self.policy, events)

    @timer(interval=5)
    def drain_backlog(self) -> int:
        """Assign waiting customers as soon as capacity appears."""
        placed = handlers.drain_backlog(self.store, self.events, self.policy, BACKLOG_PAGE)
        if metrics.gauges_due():  # counting the backlog scans it: not every tick
            metrics.BACKLOG.set(self.store.backlog_size())
        metrics.observe_loads(self.store.list_managers())
        return placed

    # -- the roster -----------------------------------------------------------------
    @rpc(role="officer")
    def managers_upsert(self, managers: list[dict]) -> dict:
        """Insert or update roster entries; one marked inactive that was active is
        deactivated like `managers_deactivate` (its customers moved or waiting)."""
        return handlers.upsert_managers(self.store, self.events, self.policy, managers)

    @rpc(role="viewer", personal=True)
    def managers_list(self, branch: str | None = None) -> list[dict]:
        return [m.listing() for m in self.store.list_managers(branch)]

    @rpc(role="officer")
    def managers_deactivate(self, manager_id: str) -> dict:
        """Take a maintainer off the roster and hand every customer to a colleague;
        those nobody can take wait in the backlog, released from the leaver."""
        return handlers.deactivate(self.store, self.events, self.policy, manager_id)

    @rpc(role="officer")
    def assign(self, customer_id: str, manager_id: str, reason: str = "customer-choice") -> dict:
        """A documented customer choice (or an operator's decision) overrides the strategy."""
        return handlers.assign_manually(self.store, self.events, customer_id, manager_id,
                                        reason)

    @rpc(role="viewer", personal=True)
    def export_assignments(self, skip: int = 0, limit: int = 5000) -> list[dict]:
        return self.store.export(skip, limit)

    @rpc(role="viewer", personal=True)
    def backlog(self) -> list[dict]:
        return [{"customer_id": r["_id"], "branch": r.get("branch"), "role": "/".join(r["roles"]),
                 "tier": r.get("tier"), "reason": r["reason"], "since": r["since"].isoformat()}
                for r in self.store.waiting(100000)]

    @rpc(role="viewer", personal=True)
    def history(self, customer_id: str) -> list[dict]:
        return self.store.history_of(customer_id)
