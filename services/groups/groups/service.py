"""Groups: related legal entities managed as one group customer (domain.md §8).

Follows dedup's golden customers (registered, updated, merged; an unmerge arrives as an
update and a registration; erased through the Erasure mixin), keeps the relation graph
and the groups as connected sets under the configured grouping rules, and publishes
`group.changed` and `group.limit_warning` on `groups.events` through its outbox. Thin
entrypoints over handlers.py.
"""
from __future__ import annotations

from common.rpcs import rpc
from nameko.timer import timer

from common.base import ServiceBase
from common.clock import today
from common.following import FollowsCustomers
from common.mongo import MongoStore
from common.pacing import paced
from contracts.schemas import load_event

from . import handlers, metrics, queries
from .dependencies import Grouping
from .erasure import Erasure
from .handlers import Arrival
from .storage import GroupsStore

GAUGE_SECONDS = 15


class GroupsService(FollowsCustomers, Erasure, ServiceBase):
    """`on_registered`, `on_updated` and `on_merged` (dedup's golden customers) come from
    FollowsCustomers, `on_customer_erased` from Erasure."""

    name = "groups"
    store = MongoStore(GroupsStore)
    grouping = Grouping()

    def follow(self, event_type: str, payloads: list[dict]) -> None:
        """Each customer's relations and keys, regrouped. On a merge the survivor carries
        every member's relations and keys; the absorbed ids leave their groups, and
        whatever named them now reaches the survivor."""
        events = [load_event(event_type, payload) for payload in payloads]
        arrivals = [Arrival(e["customer"], tuple(e.get("absorbed_ids") or ()), e["event_id"],
                            e["correlation_id"]) for e in events]
        handlers.follow_batch(self.store, self.events, self.grouping, arrivals, today())

    @rpc(role="viewer")
    def groups_list(self) -> list[dict]:
        """Every group: id, member customer ids, lead branch, exposure, limit, share."""
        return [queries.list_line(g) for g in self.store.list_groups()]

    @rpc(role="viewer", personal=True)
    def group_show(self, group_id: str) -> dict:
        """A group's members (masked names), the relations that tie them and the rule
        that joined each member."""
        return queries.show(self.store, group_id)

    @rpc(role="viewer", personal=True)
    def explain(self, customer_id: str) -> dict:
        """Why a customer is (or is not) in a group: its relations and their targets."""
        return queries.explain(self.store, customer_id)

    @rpc(role="officer")
    def link(self, a: str, b: str, reason: str) -> dict:
        """Rule 4: treat two customers as one group (other related-party ties)."""
        if not reason.strip():
            raise ValueError("give a reason for the link")
        plan = handlers.link(self.store, self.events, self.grouping, a, b, reason,
                             self.door.grant.name, today())
        return queries.command_answer(self.store, a, plan)

    @rpc(role="officer")
    def unlink(self, a: str, b: str) -> dict:
        """Remove a manual link; the group splits when nothing else ties it."""
        plan = handlers.unlink(self.store, self.events, self.grouping, a, b, today())
        return queries.command_answer(self.store, a, plan)

    @timer(interval=GAUGE_SECONDS)
    @paced("groups")
    def refresh_gauges(self) -> None:
        metrics.publish_gauges(*self.store.gauges())
