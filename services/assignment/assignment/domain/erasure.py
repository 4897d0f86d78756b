"""What assignment keeps and announces when a customer is erased, pure.

The seat the customer held is the maintainer's capacity, not the customer's data,
so it is given back exactly like on a reassignment. What the service remembers of
the customer afterwards is only what capacity and the audit trail need: the ids,
the role, branch and band, and when. The masked `display` (name, phone) goes
everywhere: from the assignment row, the backlog row and any history row.
"""
from __future__ import annotations

from common.erasure import erased_time, person_ids  # noqa: F401 - re-exported

from datetime import datetime
from typing import Any, Iterable, Mapping

from .payloads import customer_assigned

ERASED = "erased"
# Fields of assignment, backlog and history rows that describe the person.
PERSONAL_FIELDS = ("display",)
# What of the ended assignment is remembered, so a redelivery can re-derive the event.
RELEASE_KEEP = ("manager_id", "role", "branch", "tier")


def release_of(current: Mapping[str, Any] | None, cause_id: str,
               correlation_id: str | None) -> dict[str, Any] | None:
    """The non-personal facts of the assignment an erasure ends; None without a maintainer.

    It is stored on the erasure tombstone before the assignment is deleted, so a
    redelivery after a crash (assignment already gone) still knows whom to announce
    and whose seat to free. `cause_id` is the erasure that ended it: the event id is
    derived from it, so a redelivery, or a second erasure request for the same
    person, never announces the same release twice.
    """
    if not current or not current.get("manager_id"):
        return None
    return {**{k: current.get(k) for k in RELEASE_KEEP}, "cause_id": cause_id,
            "correlation_id": correlation_id}


def assigned_payload(customer_id: str, release: Mapping[str, Any]) -> dict[str, Any]:
    """`customer.assigned` with no maintainer any more: previous set, reason "erased",
    and no display data (the event must not carry what was just erased)."""
    return customer_assigned(customer_id, None, None, release["manager_id"], ERASED,
                             release.get("branch"), release.get("tier"), {})


def event_key(customer_id: str, release: Mapping[str, Any]) -> str:
    """Key of the derived event id: one announcement per ended assignment."""
    return f"{customer_id}:{release['manager_id']}:{ERASED}"


def history_row(customer_id: str, release: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """The history row of the release, with a derived `_id` so it is written once."""
    return {"_id": f"{ERASED}:{customer_id}:{release['cause_id']}:{release['manager_id']}",
            "customer_id": customer_id, "reason": ERASED, "manager_id": None,
            "previous_manager_id": release["manager_id"], "at": at}


def is_erasure_removal(event: Mapping[str, Any]) -> bool:
    """A `tier.changed` "removed" sent because the customer was erased (not merged).

    The customer.erased handler owns that case (it ends the assignment with reason
    "erased"); treating it as a merge would end it as "merged into None" instead.
    """
    return (event.get("direction") == "removed" and not event.get("merged_into")
            and event.get("reason") == ERASED)


def seal(unit: Any, tombs: Mapping[str, Mapping[str, Any]], ids: Iterable[str], cause_id: str,
         correlation_id: str | None, erased_at: datetime) -> dict[str, dict[str, Any]]:
    """End the erased customers' assignments on `unit` (a domain.unit.Unit: each seat
    is given back with its assignment, in the same commit) and return the tombstone
    each customer must have, keyed by id. A tombstone keeps the release
    of the assignment it ended, so a redelivery, or a second erasure of the same
    person, derives the same announcement instead of a new one."""
    wanted: dict[str, dict[str, Any]] = {}
    for customer_id in ids:
        release = release_of(unit.end(customer_id), cause_id, correlation_id)
        tomb = dict(tombs.get(customer_id) or {"_id": customer_id, "erased_at": erased_at})
        if release:  # an assignment ended now (else the one an earlier delivery ended)
            tomb["release"] = release
        wanted[customer_id] = tomb
    return wanted
