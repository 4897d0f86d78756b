"""The one place a `tier.changed` payload is built.

Three causes announce a tier change (a move after re-tiering, a removal because the
customer was merged into another, a removal because the person was erased); they
used to assemble the payload each in its own module, so a field added to the
contract had three places to go. Each cause now names only what differs.
"""
from __future__ import annotations

from typing import Any, Mapping

from .evaluate import Change


def tier_changed(customer_id: str, scheme: str, previous: str | None, current: str | None,
                 direction: str, reason: str, rules_version: str, branch: str | None,
                 **optional: Any) -> dict[str, Any]:
    """The contract's required fields, plus the optional ones a cause sets
    (`merged_into`, `registered_by`, `display`)."""
    return {"customer_id": customer_id, "scheme": scheme, "previous": previous,
            "current": current, "direction": direction, "reason": reason,
            "rules_version": rules_version, "branch": branch, **optional}


def moved(customer_id: str, customer: Mapping[str, Any], change: Change) -> dict[str, Any]:
    """A real move of one scheme's tier, with who registered the customer and how to
    show it (for the maintainers' notices)."""
    owner = customer.get("owner") or {}
    return tier_changed(customer_id, change.scheme, change.previous, change.current,
                        change.direction, change.reason, change.rules_version,
                        customer.get("branch"), registered_by=owner.get("registered_by"),
                        display=customer.get("display"))


def merged_away(customer_id: str, had: Mapping[str, Any], merged_into: str) -> dict[str, Any]:
    """The tier an absorbed customer had, removed because it now lives in the survivor."""
    return tier_changed(customer_id, had["scheme"], had["tier"], None, "removed",
                        f"merged into {merged_into}", had["rules_version"], had.get("branch"),
                        merged_into=merged_into)


def erased(tier_row: Mapping[str, Any], reason: str) -> dict[str, Any]:
    """The tier of an erased person, removed; no display data and no registrant: the
    event must not carry what was just erased."""
    return tier_changed(tier_row["customer_id"], tier_row["scheme"], tier_row["tier"], None,
                        "removed", reason, tier_row["rules_version"], tier_row.get("branch"),
                        merged_into=None, registered_by=None, display={})
