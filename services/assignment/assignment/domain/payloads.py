"""The one place a `customer.assigned` payload is built (pure).

Two causes announce an assignment: a move decided in a unit of work (a new
maintainer, none any more, a release) and the end of an assignment because the
person was erased. Each names only what differs; the fields and their order are the
contract's (contracts.schemas.CustomerAssigned).
"""
from __future__ import annotations

from typing import Any, Mapping


def customer_assigned(customer_id: str, manager_id: str | None, role: str | None,
                      previous_manager_id: str | None, reason: str, branch: str | None,
                      band: str | None, display: Mapping[str, Any] | None) -> dict[str, Any]:
    """`manager_id` None: the customer has no maintainer any more. `band` is the tier the
    assignment was decided on; `display` the masked values for the notices ({} for none)."""
    return {"customer_id": customer_id, "manager_id": manager_id, "role": role,
            "previous_manager_id": previous_manager_id, "reason": reason,
            "branch": branch, "band": band, "display": dict(display or {})}
