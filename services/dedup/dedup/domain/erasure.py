"""Erasure ("right to be forgotten") of a golden customer: pure decisions, no I/O.

Sealing rebuilds a document from a short list of fields to keep (ids, merge history,
timestamps) instead of deleting the personal ones, so a personal field added to the
golden later can never outlive an erasure by being missing from a deletion list.
A sealed golden has no blocking keys and is inactive, so no later record is ever
compared with it; it stays as a tombstone that answers "this person was erased"
and returns the same result to a repeated request.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

GOLDEN_KEEP = ("_id", "customer_id", "members", "merged_ids", "merged_into", "revision",
               "created_at", "updated_at")
MEMBER_KEEP = ("record_id", "source", "external_id")
# outbox rows and parked messages: the envelope and the ids, nothing about the person
ENVELOPE = ("event_id", "occurred_at", "schema_version", "correlation_id")
EVENT_IDS = ("record_id", "source", "external_id", "survivor_id", "absorbed_ids",
             "review_id", "candidate_id")
CUSTOMER_IDS = ("customer_id", "member_count", "revision")
MAX_HOPS = 64


class UnknownCustomer(ValueError):
    """Nobody to erase: no golden customer has this id, or holds this record."""


def erasure_of(golden: Mapping[str, Any], requested_by: str, reason: str,
               erased_at: datetime) -> dict:
    """What an erasure did, kept on the sealed golden and announced as customer.erased:
    the golden id, every id merged into it, its member record ids."""
    return {"customer_id": golden["_id"] if "_id" in golden else golden["customer_id"],
            "absorbed_ids": sorted(golden.get("merged_ids") or []),
            "record_ids": sorted(golden.get("members") or []),
            "requested_by": requested_by, "reason": reason or "",
            "erased_at": erased_at.isoformat()}


def seal_golden(doc: Mapping[str, Any], erasure: Mapping[str, Any]) -> dict:
    """The golden (or a golden merged into it) with nothing personal left.

    Kept: customer id, member record ids (and each member's source/external_id),
    merge history ids, revision (bumped, so a writer holding the old one conflicts),
    timestamps. Gone: names, birth dates, gender, blind indexes of ids, phones,
    e-mails and addresses, postcodes, places, owner, financials, intent, display,
    quality notes and blocking keys.
    """
    sealed = {k: doc[k] for k in GOLDEN_KEEP if k in doc}
    sealed["revision"] = int(doc.get("revision") or 0) + 1
    sealed["member_records"] = [seal_member(m) for m in doc.get("member_records") or []]
    sealed.update(keys=[], active=False, status="erased", has_contact=False, erased=True,
                  erased_at=doc.get("erased_at") or erasure["erased_at"],
                  erasure=dict(doc.get("erasure") or erasure))
    return sealed


def seal_member(member: Mapping[str, Any]) -> dict:
    return {k: member[k] for k in MEMBER_KEEP if k in member}


def seal_event_body(body: Mapping[str, Any]) -> dict:
    """An outbox row's or parked message's body reduced to its envelope and ids; still
    contract-valid, so a later publish or replay carries nothing personal."""
    sealed = {k: body[k] for k in (*ENVELOPE, *EVENT_IDS) if k in body}
    if isinstance(body.get("customer"), Mapping):
        sealed["customer"] = {k: body["customer"][k] for k in CUSTOMER_IDS
                              if k in body["customer"]}
    if "has_contact" in body:
        sealed["has_contact"] = False
    sealed["erased"] = True
    return sealed


def follow_merges(doc: Mapping[str, Any],
                  get: Callable[[str], Mapping[str, Any] | None]) -> Mapping[str, Any]:
    """The golden that holds a person now: an id merged away leads to its survivor
    (through every later merge), since that is where the person's data went."""
    seen = {doc.get("_id")}
    for _ in range(MAX_HOPS):
        target = doc.get("merged_into")
        if not target:
            return doc
        nxt = get(target)
        if nxt is None or nxt.get("_id") in seen:
            raise UnknownCustomer(f"customer {doc.get('_id')} was merged into {target}, "
                                  "which cannot be found")
        seen.add(nxt.get("_id"))
        doc = nxt
    raise UnknownCustomer(f"more than {MAX_HOPS} merges from customer {doc.get('_id')}")


def result_of(erasure: Mapping[str, Any], event_id: str) -> dict:
    """What the erase RPC returns, the same for every repeat of the request."""
    return {**erasure, "records_sealed": len(erasure.get("record_ids") or []),
            "event_id": event_id}
