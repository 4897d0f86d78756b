"""A batch of `tier.changed` events, decided as if they had come one by one (pure).

The one-message rules (domain/plan.py) are applied in delivery order to a `Unit`
holding what the batch's transaction read, so two events for one customer see each
other's effect and seats taken for earlier customers count for later ones.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Mapping

from .erasure import is_erasure_removal
from .plan import ASSIGN, KEEP, RELEASE, plan, survivor_manager
from .unit import Unit


def relevant(events: Iterable[Mapping[str, Any]], scheme: str) -> list[Mapping[str, Any]]:
    """Events of the scheme assignment follows; an erasure's removal is left to the
    `customer.erased` handler (it ends the assignment with reason "erased")."""
    return [e for e in events if e["scheme"] == scheme and not is_erasure_removal(e)]


def customers_named(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every customer the batch may touch (merge survivors too), in first-seen order."""
    seen: dict[str, None] = {}
    for event in events:
        seen.setdefault(event["customer_id"], None)
        if event.get("merged_into"):
            seen.setdefault(event["merged_into"], None)
    return list(seen)


def plan_events(unit: Unit, events: Iterable[Mapping[str, Any]], policy: Any) -> Unit:
    """Apply each event to `unit` in order; `policy` is an AssignmentPolicy."""
    for event in events:
        if event["direction"] == "removed":
            merged_away(unit, event)
        else:
            tier_changed(unit, event, policy)
    return unit


def tier_changed(unit: Unit, event: Mapping[str, Any], policy: Any) -> None:
    customer_id, tier = event["customer_id"], event["current"]
    context = unit.context(customer_id, event, tier=tier)
    current = unit.current(customer_id)
    decision = plan(tier, event["direction"], current, policy.roles)
    if decision.action == KEEP:
        unit.note_tier(customer_id, tier)
        unit.drop_from_backlog(customer_id)  # its maintainer serves it: nothing to wait for
    elif decision.action == RELEASE:
        unit.move(customer_id, None, decision.reason, context, event["event_id"])
    elif decision.action == ASSIGN:
        if customer_id in unit.erased:
            return  # a late or stray tier event: an erased customer stays out
        chooser = policy.strategy(policy.strategy_name(tier))
        unit.seat(context, decision.roles, decision.reason, event["event_id"], chooser)
    else:
        unit.drop_from_backlog(customer_id)


def merged_away(unit: Unit, event: Mapping[str, Any]) -> None:
    """The absorbed customer is released; a survivor without a maintainer inherits the
    absorbed one's, if that maintainer is still active and has room."""
    absorbed_id, survivor_id = event["customer_id"], event.get("merged_into")
    unit.drop_from_backlog(absorbed_id)
    absorbed = unit.current(absorbed_id)
    if not absorbed:
        return
    survivor = unit.current(survivor_id) if survivor_id else None
    keep = survivor_manager(survivor, absorbed)
    context = unit.context(absorbed_id, absorbed, display=None)
    unit.move(absorbed_id, None, f"merged into {survivor_id}", context, event["event_id"])
    if not survivor_id or survivor or not keep or survivor_id in unit.erased:
        return
    manager = unit.managers.get(keep)
    if manager is not None and manager.has_room():
        unit.move(survivor_id, manager, "merge: survivor keeps the earlier maintainer",
                  replace(context, customer_id=survivor_id, current_manager_id=None),
                  event["event_id"])
