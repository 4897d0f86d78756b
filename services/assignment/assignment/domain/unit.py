"""One unit of work of assignment, decided in memory (pure, no I/O).

A `Unit` starts from what one transaction read (the assignments, backlog rows and
erasure tombstones of the customers involved, the maintainers of their branches)
and applies moves to that state one after the other: a seat taken early in a batch
is counted when a later customer of the same batch is placed, and a second event for
the same customer sees what the first one did. Capacity is checked here against the
loads read in the transaction; the storage layer writes each changed maintainer with
a compare-and-set on what was read, so a concurrent writer makes the transaction
retry and decide again rather than exceed capacity.

Every seat taken or given back is paired with the assignment record that explains
it, so after the commit a maintainer's `load` is the number of customers assigned
to them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Iterable, Mapping

from .context import Context
from .manager import Manager
from .payloads import customer_assigned
from .roles import eligible

Row = dict[str, Any]


@dataclass(frozen=True)
class Announcement:
    """A `customer.assigned` to stage; its id derives from `cause_id` and `key`."""
    payload: dict
    cause_id: str
    key: str


class Unit:
    """The state of one transaction and the changes decided on it."""

    def __init__(self, assignments: Mapping[str, Row], managers: Iterable[Manager],
                 backlog: Mapping[str, Row], erased: set[str], now: datetime):
        self.now = now
        self.before_assignments = {cid: dict(r) for cid, r in assignments.items()}
        self.assignments: dict[str, Row | None] = {cid: dict(r) for cid, r in assignments.items()}
        self.before_managers = {m.id: m for m in managers}
        self.managers: dict[str, Manager] = dict(self.before_managers)
        self.before_backlog = {cid: dict(r) for cid, r in backlog.items()}
        self.backlog: dict[str, Row | None] = {cid: dict(r) for cid, r in backlog.items()}
        self.erased = set(erased)
        self.history: list[Row] = []
        self.announcements: list[Announcement] = []
        self.reasons: list[str] = []

    # -- reading the state ------------------------------------------------------------
    def current(self, customer_id: str) -> Row | None:
        return self.assignments.get(customer_id)

    def context(self, customer_id: str, row: Mapping[str, Any] | None,
                **overrides: Any) -> Context:
        """The customer's facts from `row`, with the maintainer they have now."""
        current = self.current(customer_id)
        return Context.of(customer_id, row, current and current.get("manager_id"), **overrides)

    def team(self, branch: str | None, roles: tuple[str, ...]) -> list[Manager]:
        return [m for m in self.managers.values()
                if m.branch == branch and m.role in roles and m.active]

    # -- decisions --------------------------------------------------------------------
    def seat(self, context: Context, roles: tuple[str, ...], reason: str, cause_id: str,
             chooser: Any) -> bool:
        """Give the customer the strategy's first maintainer with room, else the backlog."""
        customer_id, branch = context.customer_id, context.branch
        team = self.team(branch, roles)
        ranked = chooser.rank(eligible(team, branch, list(roles)), context)
        if ranked:
            self.move(customer_id, self.managers[ranked[0].id], reason, context, cause_id)
            return True
        why = "no maintainer with room" if team else \
            f"no active maintainer with role {'/'.join(roles)} in branch {branch}"
        self.wait(context, roles, why)
        return False

    def move(self, customer_id: str, manager: Manager | None, reason: str, context: Context,
             cause_id: str) -> None:
        """Assign to `manager` (None: no maintainer any more), freeing the previous seat."""
        current = self.current(customer_id)
        previous_id = current.get("manager_id") if current else None
        waiting = self.backlog.get(customer_id) or {}
        self.backlog[customer_id] = None
        if manager is not None and manager.id == previous_id:
            return  # already there: nothing moves
        if manager is None and current is None:
            return  # nothing to release
        self._free(previous_id)
        announced_previous = previous_id or waiting.get("previous_manager_id")
        row = None
        if manager is not None:
            manager = self.managers[manager.id]
            self.managers[manager.id] = replace(manager, load=manager.load + 1,
                                                last_assigned_at=self.now)
            row = {"_id": customer_id, "manager_id": manager.id, "role": manager.role,
                   "reason": reason, **context.facts(), "display": context.display or {},
                   "at": self.now, "cause_id": cause_id,
                   "previous_manager_id": announced_previous}
        self.assignments[customer_id] = row
        manager_id = manager.id if manager else None
        self.history.append({"customer_id": customer_id, "reason": reason, "at": self.now,
                             "manager_id": manager_id})
        self.reasons.append(reason)
        self.announcements.append(Announcement(customer_assigned(
            customer_id, manager_id, manager.role if manager else None, announced_previous,
            reason, context.branch, context.tier, context.display),
            cause_id, f"{customer_id}:{manager_id}"))

    def wait(self, context: Context, roles: tuple[str, ...], why: str) -> None:
        """Put the customer in the backlog. A customer whose maintainer is no longer
        active is released from them at the same time (seat given back, assignment
        ended, the leaver remembered for the announcement when a seat is found); one
        whose maintainer is still active keeps them while waiting for a better fit."""
        customer_id = context.customer_id
        current = self.current(customer_id)
        before = self.backlog.get(customer_id) or {}
        previous = before.get("previous_manager_id")
        if current and not self._active(current.get("manager_id")):
            previous = current.get("manager_id")
            self._free(previous)
            self.assignments[customer_id] = None
            self.history.append({"customer_id": customer_id, "at": self.now, "manager_id": None,
                                 "reason": f"released from inactive maintainer {previous}: {why}"})
        row = {"_id": customer_id, **context.facts(),
               "roles": list(roles), "reason": why, "lease_until": None,
               "since": before.get("since") or self.now}
        if previous:
            row["previous_manager_id"] = previous
        self.backlog[customer_id] = row

    def note_tier(self, customer_id: str, tier: str | None) -> None:
        current = self.current(customer_id)
        if current is not None:
            current["tier"] = tier

    def drop_from_backlog(self, customer_id: str) -> None:
        self.backlog[customer_id] = None

    def end(self, customer_id: str) -> Row | None:
        """An erased customer: assignment ended with its seat given back, out of the
        backlog, never seated again in this unit. Returns the ended assignment."""
        current = self.current(customer_id)
        if current is not None:
            self._free(current.get("manager_id"))
            self.assignments[customer_id] = None
        self.backlog[customer_id] = None
        self.erased.add(customer_id)
        return current

    def deactivate(self, manager_id: str) -> None:
        if manager_id in self.managers:
            self.managers[manager_id] = replace(self.managers[manager_id], active=False)

    # -- helpers ------------------------------------------------------------------------
    def _active(self, manager_id: str | None) -> bool:
        manager = self.managers.get(manager_id) if manager_id else None
        return bool(manager and manager.active)

    def _free(self, manager_id: str | None) -> None:
        manager = self.managers.get(manager_id) if manager_id else None
        if manager is not None:
            self.managers[manager.id] = replace(manager, load=max(0, manager.load - 1))
