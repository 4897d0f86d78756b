"""What dedup tells other services about a golden customer (pure).

Only non-identifying figures, staff ids and masked display values leave dedup;
blind indexes and member records stay inside, except the party keys (contracts.parties):
the record ids, valid USCC and national-id blind index relations can name a customer by,
which the groups service needs to link parties without reading this database. The payloads of `customer.registered`,
`customer.updated` and `customer.merged` are built here and nowhere else (a batch
placement, a reviewer's merge and an unmerge all announce through these).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from .keys import blocking_keys


def golden_keys(golden: Mapping[str, Any]) -> list[str]:
    """Blocking keys of a golden customer: the union of its members' keys."""
    keys: dict[str, None] = {}
    for member in golden.get("member_records") or []:
        keys.update(dict.fromkeys(blocking_keys(member)))
    return list(keys)


def public_view(golden: Mapping[str, Any], revision: int) -> dict:
    members = golden.get("member_records") or []
    owner = golden.get("owner") or {}
    return {
        "customer_id": golden["customer_id"], "kind": golden.get("kind") or "person",
        "branch": golden.get("branch") or _first(members, "branch"),
        "birth_date": golden.get("birth_date"),
        "financials": golden.get("financials") or {}, "intent": golden.get("intent") or {},
        "products": golden.get("products") or [], "consent": golden.get("consent") or {},
        "owner": {k: owner.get(k) for k in ("registered_by", "registered_at", "source",
                                            "external_id")} if owner else None,
        "has_contact": bool(golden.get("has_contact")),
        "display": _display(members), "member_count": len(members), "revision": revision,
        "organization": golden.get("organization"), "credit": golden.get("credit"),
        "relations": golden.get("relations") or [], "party_keys": golden.get("party_keys") or [],
    }


def changed_payload(golden: Mapping[str, Any], revision: int, record_id: str) -> dict:
    """`customer.registered` or `customer.updated` (one shape): the golden customer as it
    now is and the member record that caused it ("" when no record did, e.g. an unmerge)."""
    return {"customer": public_view(golden, revision), "record_id": record_id}


def merged_payload(golden: Mapping[str, Any], revision: int, record_id: str | None,
                   absorbed_ids: Iterable[str]) -> dict:
    """`customer.merged`: the survivor (the golden customer) and the ids it absorbed."""
    return {"customer": public_view(golden, revision), "record_id": record_id,
            "survivor_id": golden["customer_id"], "absorbed_ids": list(absorbed_ids)}


def cluster_line(doc: Mapping[str, Any]) -> dict:
    """One line of `crm export clusters`."""
    owner = doc.get("owner") or {}
    return {"customer_id": doc["_id"],
            "members": [{"source": m["source"], "external_id": m["external_id"]}
                        for m in doc.get("member_records") or []],
            "owner": {k: owner.get(k) for k in ("registered_by", "registered_at", "source",
                                                "external_id")}}


def _first(members: Iterable[Mapping[str, Any]], field: str) -> Any:
    return next((m.get(field) for m in members if m.get(field)), None)


def _display(members: list) -> dict:
    shown = [m.get("display") or {} for m in members]
    return {k: next((d.get(k) for d in shown if d.get(k)), None) for k in ("name", "phone", "email")}
