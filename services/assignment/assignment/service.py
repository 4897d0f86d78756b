"""Assignment: every eligible customer gets the right maintainer, within capacity."""
from __future__ import annotations

from nameko.events import event_handler
from common.rpcs import rpc
from nameko.timer import timer

from common.base import ServiceBase
from common.mongo import MongoStore
from common.reliability import reliable
from contracts import names
from contracts.schemas import load_event

from . import metrics
from .dependencies import Policy
from .domain.erasure import is_erasure_removal
from .domain.plan import ASSIGN, KEEP, RELEASE, plan, survivor_manager
from .domain.roles import eligible, roles_for
from .erasure import Erasure
from .storage import AssignmentStore

SEAT_ATTEMPTS = 8


class AssignmentService(Erasure, ServiceBase):
    """`on_customer_erased` (right to be forgotten) comes from the Erasure mixin; an
    erased customer is never seated again (checked before every new seat)."""

    name = "assignment"
    store = MongoStore(AssignmentStore)
    policy = Policy()

    @event_handler("tiering", names.TIER_CHANGED)
    @reliable
    def on_tier_changed(self, payload: dict) -> None:
        event = load_event(names.TIER_CHANGED, payload)
        if event["scheme"] != self.policy.scheme:
            return
        if is_erasure_removal(event):
            return  # on_customer_erased ends it, with reason "erased"
        if event["direction"] == "removed":
            self._merged_away(event)
            return
        context = {k: event.get(k) for k in ("customer_id", "branch", "registered_by", "display")}
        context["tier"] = event["current"]
        current = self.store.current(event["customer_id"])
        decision = plan(event["current"], event["direction"], current, self.policy.roles)
        if decision.action == KEEP:
            self.store.note_tier(event["customer_id"], event["current"])
            if current.get("cause_id") == event["event_id"]:
                self._announce_again(event["customer_id"], current)
        elif decision.action == RELEASE:
            self._move(event["customer_id"], None, current, decision.reason, context,
                       event["event_id"])
        elif decision.action == ASSIGN:
            if self.store.is_erased(event["customer_id"]):
                return  # a late or stray tier event: an erased customer stays out
            self.seat(context, decision.roles, decision.reason, current, event["event_id"])
        else:
            self.store.drop_from_backlog(event["customer_id"])

    def _merged_away(self, event: dict) -> None:
        absorbed = self.store.current(event["customer_id"])
        survivor_id = event.get("merged_into")
        survivor = self.store.current(survivor_id) if survivor_id else None
        self.store.drop_from_backlog(event["customer_id"])
        if not absorbed:
            return
        keep = survivor_manager(survivor, absorbed)
        context = {"customer_id": survivor_id, "branch": absorbed.get("branch"),
                   "tier": absorbed.get("tier"), "registered_by": absorbed.get("registered_by")}
        self._move(event["customer_id"], None, absorbed, f"merged into {survivor_id}",
                   {**context, "customer_id": event["customer_id"]}, event["event_id"])
        if survivor_id and not survivor and keep:
            manager = self.store.get_manager(keep)
            if manager and self.store.take_seat(keep):
                self._move(survivor_id, manager, None, "merge: survivor keeps the earlier "
                           "maintainer", context, event["event_id"])

    def seat(self, context: dict, roles: tuple, reason: str, current: dict | None,
             cause_id: str, strategy: str | None = None) -> bool:
        """Give the customer a maintainer with room, or put it in the backlog.

        The strategy ranks a fresh view of the team and the first choice is claimed
        only if its load is still what the ranking saw; on contention (another
        worker or replica took a seat meanwhile) the team is read again. Capacity
        itself is always enforced by the conditional update in the database.
        """
        chooser = self.policy.strategy(strategy or self.policy.strategy_name(context["tier"]))
        context = {**context, "current_manager_id": current and current.get("manager_id")}
        branch = context.get("branch")
        for _ in range(SEAT_ATTEMPTS):
            ranked = chooser.rank(eligible(self.store.team(branch, roles), branch, list(roles)),
                                  context)
            if not ranked:
                break
            # With one candidate there is nothing to re-rank on contention: the seat
            # is taken on capacity alone (a load check would only make workers re-read).
            expected = ranked[0].get("load", 0) if len(ranked) > 1 else None
            if self.store.take_seat(ranked[0]["_id"], expected):
                self._move(context["customer_id"], ranked[0], current, reason, context, cause_id)
                return True
        else:  # heavy contention: take any seat that is still free
            for manager in chooser.rank(eligible(self.store.team(branch, roles), branch,
                                                 list(roles)), context):
                if self.store.take_seat(manager["_id"]):
                    self._move(context["customer_id"], manager, current, reason, context,
                               cause_id)
                    return True
        why = "no maintainer with room" if self.store.team(branch, roles) \
            else f"no active maintainer with role {'/'.join(roles)} in branch {branch}"
        self.store.to_backlog(context["customer_id"], context, roles, why)
        return False

    def _move(self, customer_id: str, manager: dict | None, current: dict | None, reason: str,
              context: dict, cause_id: str) -> None:
        previous_id = current.get("manager_id") if current else None
        context = {**context, "cause_id": cause_id}
        if not self.store.record(customer_id, manager, previous_id, reason, context):
            if manager:  # another replica moved this customer first: give the seat back
                self.store.free_seat(manager["_id"])
            return
        self._stage_assigned(customer_id, manager, previous_id, reason, context)
        if previous_id:
            self.store.free_seat(previous_id)
        self.events.publish_staged()
        metrics.ASSIGNMENTS.labels(reason.split(":")[0][:40]).inc()

    def _stage_assigned(self, customer_id: str, manager: dict | None, previous_id: str | None,
                        reason: str, context: dict) -> None:
        """The customer.assigned event, its id derived from the message that caused it."""
        self.events.stage(names.CUSTOMER_ASSIGNED, {
            "customer_id": customer_id, "manager_id": manager["_id"] if manager else None,
            "role": manager["role"] if manager else None, "previous_manager_id": previous_id,
            "reason": reason, "branch": context.get("branch"), "band": context.get("tier"),
            "display": context.get("display") or {}},
            cause_id=context["cause_id"], key=f"{customer_id}:{manager and manager['_id']}")

    def _announce_again(self, customer_id: str, current: dict) -> None:
        """A redelivery of the message that made this assignment: the process may have
        died before its event went out. Same derived id, so nothing is sent twice."""
        manager = {"_id": current["manager_id"], "role": current["role"]}
        self._stage_assigned(customer_id, manager, current.get("previous_manager_id"),
                             current["reason"], current)
        self.events.publish_staged()

    @timer(interval=5)
    def drain_backlog(self) -> int:
        """Assign waiting customers as soon as capacity appears."""
        placed, blocked = 0, set()
        for row in self.store.waiting():
            team_key = (row.get("branch"), tuple(row["roles"]))
            if team_key in blocked or not self.store.claim_waiting(row["_id"]):
                continue
            if self.store.is_erased(row["_id"]):  # erased while waiting
                self.store.drop_from_backlog(row["_id"])
                continue
            context = {"customer_id": row["_id"], "branch": row.get("branch"),
                       "tier": row.get("tier"), "registered_by": row.get("registered_by"),
                       "display": row.get("display")}
            current = self.store.current(row["_id"])  # e.g. still with a deactivated one
            seated = self.seat(context, tuple(row["roles"]), "from backlog: capacity appeared",
                               current, f"backlog:{row['_id']}:{row['since'].isoformat()}")
            placed += seated
            if not seated:
                blocked.add(team_key)
        if metrics.gauges_due():  # counting the backlog scans it: not every tick
            metrics.BACKLOG.set(self.store.backlog_size())
        metrics.observe_loads(self.store.list_managers())
        return placed

    # -- the roster -----------------------------------------------------------------
    @rpc
    def managers_upsert(self, managers: list[dict]) -> dict:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for manager in managers:
            record = self.policy.manager_record(manager)
            counts[self.store.upsert_manager(record)] += 1
        return counts

    @rpc
    def managers_list(self, branch: str | None = None) -> list[dict]:
        return [{"id": m["_id"], "name": m["name"], "role": m["role"], "branch": m["branch"],
                 "capacity": m["capacity"], "active": m["active"], "load": m.get("load", 0)}
                for m in self.store.list_managers(branch)]

    @rpc
    def managers_deactivate(self, manager_id: str) -> dict:
        """Take a maintainer off the roster and hand every customer to a colleague."""
        manager = self.store.get_manager(manager_id)
        if manager is None:
            raise ValueError(f"no maintainer {manager_id}")
        self.store.upsert_manager({"id": manager_id, **{k: manager[k] for k in (
            "name", "role", "branch", "capacity")}, "active": False})
        moved = waiting = 0
        for row in self.store.customers_of(manager_id):
            context = {"customer_id": row["_id"], "branch": row.get("branch"),
                       "tier": row.get("tier"), "registered_by": row.get("registered_by"),
                       "display": row.get("display")}
            roles = tuple(roles_for(row.get("tier"), self.policy.roles)) or (manager["role"],)
            ok = self.seat(context, roles, f"maintainer {manager_id} deactivated",
                           row, f"deactivate:{manager_id}", strategy="least_loaded")
            moved, waiting = moved + ok, waiting + (not ok)
        return {"moved": moved, "backlog": waiting}

    @rpc
    def assign(self, customer_id: str, manager_id: str, reason: str = "customer-choice") -> dict:
        """A documented customer choice (or an operator's decision) overrides the strategy."""
        manager = self.store.get_manager(manager_id)
        current = self.store.current(customer_id)
        if manager is None or not manager.get("active"):
            raise ValueError(f"no active maintainer {manager_id}")
        if self.store.is_erased(customer_id):
            raise ValueError(f"customer {customer_id} has been erased")
        if current and current["manager_id"] == manager_id:
            return {"customer_id": customer_id, "manager_id": manager_id, "changed": False}
        if not self.store.take_seat(manager_id):
            raise ValueError(f"maintainer {manager_id} is at capacity")
        context = {"customer_id": customer_id, "branch": manager["branch"],
                   **{k: current.get(k) for k in ("tier", "registered_by", "display")
                      if current}}
        self._move(customer_id, manager, current, reason, context,
                   f"assign:{customer_id}:{manager_id}:{current and current['manager_id']}")
        return {"customer_id": customer_id, "manager_id": manager_id, "changed": True}

    @rpc
    def export_assignments(self, skip: int = 0, limit: int = 5000) -> list[dict]:
        return self.store.export(skip, limit)

    @rpc
    def backlog(self) -> list[dict]:
        return [{"customer_id": r["_id"], "branch": r.get("branch"), "role": "/".join(r["roles"]),
                 "tier": r.get("tier"), "reason": r["reason"], "since": r["since"].isoformat()}
                for r in self.store.waiting(100000)]

    @rpc
    def history(self, customer_id: str) -> list[dict]:
        return self.store.history_of(customer_id)
