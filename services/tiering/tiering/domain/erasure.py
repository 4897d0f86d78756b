"""What tiering keeps of a person after an erasure ("right to be forgotten"), pure.

A bank treats everything that describes the person as personal: names, phones,
birth date, address, masked display names, intent free text, and also balances and
other financial figures. What survives is what the audit trail needs and what
cannot identify or describe anyone: ids, branch, tiers, scheme, rules version and
timestamps. The snapshot rule is an allow-list on purpose: a field added to the
golden customer later is dropped by default, never kept by accident.
"""
from __future__ import annotations

from common.erasure import erased_time, person_ids  # noqa: F401 - re-exported

from datetime import datetime
from typing import Any, Mapping

from . import payloads

ERASED_REASON = "erased"
# What replaces free text that may quote figures (history reasons like "avg daily
# assets 1234567.00 >= 1000000"): the row stays, the personal detail goes.
SEALED_TEXT = "[erased]"
# Snapshot fields that neither identify nor describe the person.
SNAPSHOT_KEEP = ("customer_id", "kind", "branch", "revision", "member_count", "merged_into")






def sealed_snapshot(customer_id: str, stored: Mapping[str, Any] | None,
                    erased_at: datetime) -> dict[str, Any]:
    """The snapshot document after erasure: kept fields only, out of the pool, flagged.

    With nothing stored it is a tombstone, so a registration that arrives after the
    erasure (redelivery, reordering) finds the id sealed and is ignored. A snapshot
    that is already sealed keeps its first `erased_at`, so redelivery changes nothing.
    """
    stored = stored or {}
    kept = {k: stored[k] for k in SNAPSHOT_KEEP if k in stored}
    when = stored.get("erased_at") if stored.get("erased") else None
    return {**kept, "_id": customer_id, "customer_id": customer_id, "active": False,
            "erased": True, "erased_at": when or erased_at}


def removal_payload(tier_row: Mapping[str, Any], reason: str = ERASED_REASON) -> dict[str, Any]:
    """The `tier.changed` "removed" payload for one current tier of an erased customer.

    Like a merge's removal, but without `merged_into`, and with no display data and
    no registrant: the event must not carry what was just erased.
    """
    return payloads.erased(tier_row, reason)


def removal_event_key(tier_row: Mapping[str, Any]) -> str:
    """Key of the derived event id: one removal per (customer, scheme) per erasure."""
    return f"{tier_row['customer_id']}:{tier_row['scheme']}:{ERASED_REASON}"


def removal_history_row(tier_row: Mapping[str, Any], cause: str, at: datetime) -> dict[str, Any]:
    """The history row of that removal, with a derived `_id` so a redelivery that
    finds the tiers still there (crash before the delete) writes it once."""
    return {"_id": f"{cause}:{removal_event_key(tier_row)}",
            "customer_id": tier_row["customer_id"], "scheme": tier_row["scheme"],
            "previous": tier_row["tier"], "current": None, "direction": "removed",
            "reason": ERASED_REASON, "rules_version": tier_row["rules_version"],
            "cause": cause, "branch": tier_row.get("branch"), "at": at, "sealed": True}


def sealed_event_fields() -> dict[str, Any]:
    """What overwrites the personal part of this service's own outbox rows about the
    person (published `tier.changed` bodies, and any still pending after a broker
    outage, which must not go out with a name in them)."""
    return {"display": {}}


def sealed_history_fields() -> dict[str, Any]:
    """What overwrites a history row of an erased customer: its free-text reason
    (which quotes figures and ages) goes; ids, tiers, direction, rules version,
    cause and time stay as the non-personal audit trail."""
    return {"reason": SEALED_TEXT, "sealed": True}
