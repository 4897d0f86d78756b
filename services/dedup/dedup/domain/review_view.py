"""What a reviewer sees of a review or an automatic merge (pure).

`crm review show`, `crm review report` and `crm explain-merge` answer from these: the
two customers side by side (masked unless an officer asks for clear values: dedup
holds names and birth dates in clear, phones and e-mails only as ingestion's masked
display and blind indexes), and the stored evidence as rows, one per comparison, so
that a viewer's masking of personal field names (common.rpcs) never hits a weight.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from common.pii import mask_fields

from .ports import values

NOT_KEPT = "no evidence kept (opened before evidence was stored, or the person was erased)"


def _display(doc: Mapping[str, Any], key: str) -> list[str]:
    shown = [doc.get("display") or {}] + [m.get("display") or {}
                                          for m in doc.get("member_records") or ()]
    return list(dict.fromkeys(d[key] for d in shown if d.get(key)))


def side(doc: Mapping[str, Any] | None, unmasked: bool = False) -> dict:
    """One customer as a column of the side-by-side view (None: gone)."""
    if doc is None:
        return {"customer_id": None, "state": "gone"}
    owner = doc.get("owner") or {}
    state = ("erased" if doc.get("erased") else "active" if doc.get("active")
             else f"merged into {doc.get('merged_into')}")
    out = {"customer_id": doc.get("_id") or doc.get("customer_id"), "state": state,
           "kind": doc.get("kind") or "person", "branch": doc.get("branch") or next(
               (m.get("branch") for m in doc.get("member_records") or () if m.get("branch")),
               None),
           "name": values(doc, "names"), "birth_date": values(doc, "birth_dates"),
           "phone": _display(doc, "phone"), "email": _display(doc, "email"),
           "city": values(doc, "cities"), "postcode": values(doc, "postcodes"),
           "members": list(doc.get("members") or ()),
           "registered_at": owner.get("registered_at"),
           "registered_by": owner.get("registered_by")}
    return out if unmasked else mask_fields(out, text_keys=())


def evidence_rows(evidence: Mapping[str, Any] | None) -> list[dict]:
    """The stored per-comparison evidence as rows, strongest weight first."""
    rows = []
    for name, entry in (evidence or {}).items():
        shown = entry.get("values") or {}
        rows.append({"comparison": name, "level": entry.get("level"),
                     "similarity": entry.get("similarity"), "weight": entry.get("weight", 0.0),
                     "record": shown.get("record", []), "candidate": shown.get("candidate", [])})
    return sorted(rows, key=lambda r: -abs(r["weight"] or 0.0))


def review_view(review: Mapping[str, Any], customer: Mapping[str, Any] | None,
                candidate: Mapping[str, Any] | None, unmasked: bool = False) -> dict:
    """A review with its two customers side by side and its evidence."""
    decision = dict(review.get("decision") or {})
    return {"id": review["_id"], "status": review.get("status"),
            "record_id": review.get("record_id"), "branch": review.get("branch"),
            "opened_at": review.get("at"), "score": review.get("score"),
            "params_version": review.get("params_version", 0),
            "customer": side(customer, unmasked), "candidate": side(candidate, unmasked),
            "evidence": evidence_rows(review.get("evidence")), "decision": decision,
            "why": decision.get("why") or NOT_KEPT}


def merge_view(row: Mapping[str, Any]) -> dict:
    """An automatic merge (or an accepted review) and the evidence it was taken on."""
    decision = dict(row.get("decision") or {})
    return {"kind": row.get("kind", "automatic"), "record_id": row.get("record_id"),
            "customer_id": row.get("customer_id"), "matched_id": row.get("matched_id"),
            "absorbed_ids": list(row.get("absorbed_ids") or ()), "at": row.get("at"),
            "score": row.get("score"), "evidence": evidence_rows(row.get("evidence")),
            "decision": decision, "why": decision.get("why") or NOT_KEPT}


def merge_history(customer_id: str, doc: Mapping[str, Any] | None,
                  merges: Iterable[Mapping[str, Any]]) -> dict:
    """`crm explain-merge`: the customer's state and every merge into it, oldest first."""
    rows = sorted((merge_view(m) for m in merges), key=lambda m: str(m["at"] or ""))
    return {"customer_id": customer_id,
            "state": side(doc)["state"] if doc is not None else "unknown",
            "merged_into": (doc or {}).get("merged_into"),
            "merged_ids": list((doc or {}).get("merged_ids") or ()), "merges": rows}
