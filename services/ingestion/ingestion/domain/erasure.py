"""Erasure ("right to be forgotten") in ingestion: pure decisions, no I/O.

An upstream `customer.erase` is checked against its contract here and becomes the
`customer.erasure_requested` payload. When dedup announces `customer.erased`, every
copy ingestion holds is *sealed*: rebuilt from a short list of fields to keep (ids,
versions, timestamps) rather than by deleting the personal ones, so a personal field
added later can never survive an erasure by being forgotten in a list of deletions.
The sealed record stays as a tombstone: a later `customer.created` for the same
(source, external_id) finds it and is refused instead of re-creating the person.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from marshmallow import ValidationError

from contracts.schemas import ErasureRequest

from .intake import Rejected

ERASED_REASON = "erased"
ERASED_ERROR = ("the customer's personal data was erased at their request; "
                "this input was not stored")
SEALED_ERRORS = ["personal data erased at the customer's request"]

# Whitelists: everything else in a document is personal, derived from personal data
# (blind indexes, content hash), or a copy of it (raw payload, quality issues).
RECORD_KEEP = ("_id", "source", "external_id", "record_id", "version", "created_at",
               "updated_at")
REJECT_KEEP = ("_id", "channel", "reason", "batch_id", "row", "source", "external_id",
               "received_at", "status", "closed_at", "record_id", "replay_attempts",
               "last_replay_at", "last_replay_reason")
PARKED_KEEP = ("source", "external_id", "customer_id", "requested_by")
EVENT_KEEP = ("event_id", "occurred_at", "schema_version", "correlation_id", "record_id",
              "source", "external_id")


def erasure_request(raw: Any) -> dict | Rejected:
    """The `customer.erasure_requested` payload for an upstream request, or why not.

    record_id is formed exactly as intake forms it (`source:external_id`), so dedup
    can find the golden customer whose members contain it.
    """
    if not isinstance(raw, dict):
        return Rejected("not_an_object", ["an erasure request must be a JSON object"])
    try:
        request = ErasureRequest().load(raw)
    except ValidationError as exc:
        return Rejected("invalid_erasure_request", _messages(exc.messages))
    source, external_id = request.get("source"), request.get("external_id")
    record_id = f"{source}:{external_id}" if source and external_id else None
    return {"customer_id": request.get("customer_id") or None, "record_id": record_id,
            "requested_by": request["requested_by"], "reason": request.get("reason") or ""}


def _messages(messages: dict | list) -> list[str]:
    if isinstance(messages, list):
        return [str(m) for m in messages]
    out = []
    for path, msgs in sorted(messages.items(), key=lambda kv: str(kv[0])):
        text = "; ".join(map(str, msgs)) if isinstance(msgs, list) else str(msgs)
        out.append(text if path == "_schema" else f"{path}: {text}")
    return out


def record_id_of(doc: dict) -> str:
    """A stored record's id, from its key (records stored before `record_id` was kept
    have only the key)."""
    return f"{doc['source']}:{doc['external_id']}"


def record_keys(record_id: str) -> list[tuple[str, str]]:
    """Every (source, external_id) pair a record id can stand for.

    Record ids are `source:external_id` and either part may itself contain ':', so
    each split point is a candidate; looking all of them up on the unique
    (source, external_id) index is exact and needs no index on record_id.
    """
    parts = record_id.split(":")
    return [(":".join(parts[:i]), ":".join(parts[i:])) for i in range(1, len(parts))
            if ":".join(parts[:i]) and ":".join(parts[i:])]


def seal_record(doc: dict, erased_at: datetime) -> dict:
    """An accepted record with nothing personal left: ids, version, timestamps.

    Idempotent: sealing a sealed record keeps its first erased_at. The history keeps
    only when each version was replaced, never what it held.
    """
    sealed = {k: doc[k] for k in RECORD_KEEP if k in doc}
    history = [{"replaced_at": h["replaced_at"]} for h in doc.get("history") or []
               if isinstance(h, dict) and "replaced_at" in h]
    if history:
        sealed["history"] = history
    sealed["erased"] = True
    sealed["erased_at"] = doc.get("erased_at") or erased_at
    return sealed


def seal_reject(doc: dict, erased_at: datetime) -> dict:
    """A reject without its raw input, excerpt or error texts; an open one is closed,
    since there is nothing left to repair or replay."""
    sealed = {k: doc[k] for k in REJECT_KEEP if k in doc}
    sealed.update(raw=None, excerpt="", errors=list(SEALED_ERRORS), erased=True,
                  erased_at=doc.get("erased_at") or erased_at)
    if sealed.get("status", "open") == "open":
        sealed["status"] = ERASED_REASON
        sealed["closed_at"] = erased_at
    return sealed


def seal_event_body(body: dict) -> dict:
    """A `customer.ingested` body kept in the outbox, reduced to its ids. It still
    satisfies the contract, so a sweep that publishes it later sends nothing personal."""
    sealed = {k: body[k] for k in EVENT_KEEP if k in body}
    sealed.update(has_contact=False, erased=True)
    return sealed


def raw_names(raw_text: str | None, source: str, external_id: str) -> bool:
    """Does a reject's decrypted raw input name this (source, external_id)?

    For rejects stored before external_id was kept beside the raw input."""
    if not raw_text:
        return False
    try:
        raw = json.loads(raw_text)
    except ValueError:
        return False
    return (isinstance(raw, dict) and raw.get("source") == source
            and raw.get("external_id") == external_id)


def seal_parked_payload(payload: Any, source: str, external_id: str) -> Any:
    """A parked message body (one record, an array, an erasure request) with the
    entries naming (source, external_id) reduced to their ids; others untouched."""
    def seal(item: Any) -> Any:
        if (isinstance(item, dict) and item.get("source") == source
                and item.get("external_id") == external_id):
            return {**{k: item[k] for k in PARKED_KEEP if k in item}, "erased": True}
        return item
    return [seal(i) for i in payload] if isinstance(payload, list) else seal(payload)
