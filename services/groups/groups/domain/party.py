"""A golden customer as the groups service keeps it: a *party* (pure).

Only what grouping needs: kind, branch, masked name, organisation data, relations,
party keys and credit with a short history of dated figures (for the lead branch at
the last quarter end). A snapshot older than the kept one is ignored (delivery is at
least once and out of order); a party merged away or erased accepts nothing more.
"""
from __future__ import annotations

from typing import Any, Mapping

HISTORY = 12   # dated credit figures kept per party (three years of quarter ends)


def apply_snapshot(customer: Mapping[str, Any],
                   existing: Mapping[str, Any] | None) -> dict | None:
    """The party after a golden snapshot, or None when the snapshot changes nothing."""
    if existing and (existing.get("merged_into") or existing.get("erased")):
        return None
    revision = int(customer.get("revision") or 0)
    if existing and int(existing.get("revision") or 0) > revision:
        return None
    credit = customer.get("credit") or None
    branch = customer.get("branch")
    party = {
        "_id": customer["customer_id"], "kind": customer.get("kind") or "person",
        "branch": branch, "name": (customer.get("display") or {}).get("name"),
        "organization": customer.get("organization"),
        "relations": list(customer.get("relations") or []),
        "party_keys": list(customer.get("party_keys") or []),
        "credit": credit, "credit_history": _history(existing, credit, branch),
        "revision": revision, "active": True}
    if existing and all(existing.get(k) == v for k, v in party.items()):
        return None
    return party


def _history(existing: Mapping[str, Any] | None, credit: Mapping[str, Any] | None,
             branch: str | None) -> list[dict]:
    rows = {h["as_of"]: dict(h) for h in (existing or {}).get("credit_history") or []}
    if credit and credit.get("as_of"):
        rows[credit["as_of"]] = {"as_of": credit["as_of"],
                                 "outstanding": credit.get("outstanding"), "branch": branch}
    return [rows[k] for k in sorted(rows)][-HISTORY:]


def absorbed(customer_id: str, survivor_id: str,
             existing: Mapping[str, Any] | None) -> dict | None:
    """A party merged into another: out of every group, its keys live on the survivor."""
    if existing and existing.get("merged_into") == survivor_id:
        return None
    return {"_id": customer_id, "active": False, "merged_into": survivor_id,
            "relations": [], "party_keys": [], "credit": None, "credit_history": [],
            "revision": int((existing or {}).get("revision") or 0)}


def sealed(customer_id: str) -> dict:
    """An erased party: only its id stays, so nothing can bring it back."""
    return {"_id": customer_id, "active": False, "erased": True, "relations": [],
            "party_keys": [], "credit": None, "credit_history": [], "revision": 0}
