"""Roster-driven moves decided on a `Unit` (pure): a leaver's customers, the backlog
when capacity appears, and a manual assignment. Each is one unit of work, so a seat
is never taken without the assignment that explains it, nor the other way round.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from .roles import roles_for
from .unit import Unit

BACKLOG_REASON = "from backlog: capacity appeared"


def deactivate(unit: Unit, manager_id: str, policy: Any, cause_id: str) -> dict[str, int]:
    """Take the maintainer off the roster and hand every customer to a colleague with
    room (least loaded first); one nobody can take is released from the leaver and
    waits in the backlog, in the same unit of work."""
    leaver = unit.managers.get(manager_id)
    if leaver is None:
        raise ValueError(f"no maintainer {manager_id}")
    unit.deactivate(manager_id)
    chooser = policy.strategy("least_loaded")
    moved = waiting = 0
    theirs = sorted(cid for cid, row in unit.assignments.items()
                    if row and row.get("manager_id") == manager_id)
    for customer_id in theirs:
        row = unit.current(customer_id)
        roles = tuple(roles_for(row.get("tier"), policy.roles)) or (leaver.role,)
        if unit.seat(unit.context(customer_id, row), roles, f"maintainer {manager_id} deactivated",
                     cause_id, chooser):
            moved += 1
        else:
            waiting += 1
    return {"moved": moved, "backlog": waiting}


def drain(unit: Unit, rows: Iterable[Mapping[str, Any]], policy: Any) -> int:
    """Seat waiting customers, oldest first, while their team has room; returns how
    many were placed. A team found full is not tried again in this unit."""
    placed, blocked = 0, set()
    for row in rows:
        customer_id = row["_id"]
        waiting = unit.backlog.get(customer_id)
        if waiting is None:
            continue  # placed or dropped since it was listed
        if customer_id in unit.erased:  # erased while waiting
            unit.drop_from_backlog(customer_id)
            continue
        roles = tuple(waiting["roles"])
        team_key = (waiting.get("branch"), roles)
        if team_key in blocked:
            continue
        since = waiting["since"]
        cause = f"backlog:{customer_id}:{since.isoformat() if hasattr(since, 'isoformat') else since}"
        chooser = policy.strategy(policy.strategy_name(waiting.get("tier")))
        if unit.seat(unit.context(customer_id, waiting), roles, BACKLOG_REASON, cause, chooser):
            placed += 1
        else:
            blocked.add(team_key)
    return placed


def assign_manually(unit: Unit, customer_id: str, manager_id: str, reason: str) -> dict:
    """A documented customer choice (or an operator's decision) overrides the strategy,
    never capacity. Raises ValueError when it cannot be done."""
    manager = unit.managers.get(manager_id)
    if manager is None or not manager.active:
        raise ValueError(f"no active maintainer {manager_id}")
    if customer_id in unit.erased:
        raise ValueError(f"customer {customer_id} has been erased")
    current = unit.current(customer_id)
    if current and current.get("manager_id") == manager_id:
        return {"customer_id": customer_id, "manager_id": manager_id, "changed": False}
    if not manager.has_room():
        raise ValueError(f"maintainer {manager_id} is at capacity")
    known = current or unit.backlog.get(customer_id)
    context = unit.context(customer_id, known, branch=manager.branch)
    cause = f"assign:{customer_id}:{manager_id}:{current and current.get('manager_id')}"
    unit.move(customer_id, manager, reason, context, cause)
    return {"customer_id": customer_id, "manager_id": manager_id, "changed": True}
