"""Erasure in dedup: find the person's golden customer, seal it, announce customer.erased.

Kept apart from service.py (like ingestion's replay.py) so the entry points stay
thin. Order: seal the golden first (compare-and-set on its revision, so a concurrent
merge or update conflicts and is matched again), then the copies (customers merged
into it, key claims, open reviews, outbox rows, parked messages), then stage the
event under an id derived from the customer id. A repeat of the request, or a
redelivery after a crash half-way, finds the tombstone, re-runs the idempotent
clean-up and re-stages the same event id: the outbox sends it once.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

import eventlet

from contracts import names

from . import metrics
from .domain.erasure import (UnknownCustomer, erasure_of, follow_merges, result_of,
                             seal_event_body, seal_golden)
from .storage import Conflict

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
CUSTOMER_EVENTS = (names.CUSTOMER_REGISTERED, names.CUSTOMER_UPDATED, names.CUSTOMER_MERGED)


def erase_person(service: Any, customer_id: str | None, record_id: str | None,
                 requested_by: str, reason: str = "",
                 correlation_id: str | None = None) -> dict:
    """Erase the person named by a golden id (one merged away leads to its survivor)
    or by a member record id -> the erasure (same result when repeated)."""
    store = service.store
    for attempt in range(MAX_ATTEMPTS):
        golden = locate(store, customer_id, record_id)
        erasure = golden.get("erasure")
        if erasure is None:
            erasure = erasure_of(golden, requested_by, reason, datetime.now(timezone.utc))
            try:
                store.seal(seal_golden(golden, erasure), golden["revision"])
            except Conflict:  # a merge or update on another replica came first
                metrics.CONFLICTS.inc()
                eventlet.sleep(min(0.05 * 2 ** attempt, 5.0))
                continue
            metrics.ERASED.inc()
            log.info("customer %s erased (%d records) at the request of %s",
                     erasure["customer_id"], len(erasure["record_ids"]), requested_by)
        _clean_up(service, erasure)
        return result_of(erasure, _announce(service, erasure, correlation_id))
    raise RuntimeError(f"erasure of {customer_id or record_id} kept conflicting; try again")


def locate(store: Any, customer_id: str | None, record_id: str | None) -> dict:
    """The golden holding the person now (possibly their tombstone), or UnknownCustomer."""
    if customer_id:
        doc = store.get(customer_id)
    elif record_id:
        doc = store.owner_of_record(record_id) or store.erased_holder(record_id)
    else:
        raise UnknownCustomer("give a customer id or a record id")
    if doc is None:
        raise UnknownCustomer(f"no customer {customer_id}" if customer_id
                              else f"no customer holds record {record_id}")
    return dict(follow_merges(doc, store.get))


def _clean_up(service: Any, erasure: dict) -> None:
    """Every other copy of the person in dedup; each step idempotent."""
    store, ids = service.store, [erasure["customer_id"], *erasure["absorbed_ids"]]
    for doc in store.unsealed(erasure["absorbed_ids"]):
        store.overwrite(seal_golden(doc, erasure))
    store.forget_claims(ids)
    store.close_reviews_of(ids)
    outbox = service.events.collection
    for row in outbox.find({"type": {"$in": list(CUSTOMER_EVENTS)},
                            "body.customer.customer_id": {"$in": ids},
                            "body.erased": {"$ne": True}}):
        # a row not yet published is cancelled: nobody needs to learn of this person now
        outbox.update_one({"_id": row["_id"]},
                          {"$set": {"body": seal_event_body(row["body"]), "sent": True}})
    parked = service.parked.collection
    for row in parked.find({"entrypoint": "on_ingested",
                            "payload.record_id": {"$in": erasure["record_ids"]},
                            "payload.erased": {"$ne": True}}):
        parked.update_one({"_id": row["_id"]},
                          {"$set": {"payload": seal_event_body(row["payload"])}})


def _announce(service: Any, erasure: dict, correlation_id: str | None) -> str:
    customer_id = erasure["customer_id"]
    payload = {k: erasure[k] for k in ("customer_id", "absorbed_ids", "record_ids",
                                       "requested_by", "reason", "erased_at")}
    body = service.events.stage(names.CUSTOMER_ERASED, payload, f"erase:{customer_id}",
                                customer_id, correlation_id)
    service.events.publish_staged()
    return body["event_id"]


def drop_if_erased(store: Any, record: dict) -> bool:
    """A customer.ingested still in flight for a record of an erased customer is
    dropped: placing it would bring the person back. Ingestion refuses new ones."""
    holder = store.erased_holder(record["record_id"])
    if holder is not None:
        log.info("record %s belongs to erased customer %s: not placed", record["record_id"],
                 holder["_id"])
    return holder is not None
