"""Erasure in dedup: find the person's golden customer, seal it, announce customer.erased.

Kept apart from service.py (like ingestion's replay.py) so the entry points stay
thin. One transaction (handlers.run): seal the golden (compare-and-set on its
revision), then its copies (customers merged into it, key claims, open reviews, the
match evidence of reviews and automatic merges, outbox rows, parked messages), and stage the event under an id derived from the
customer id. A batch merging records into the same golden writes the same document,
so the two cannot interleave: the one that comes second is retried on the write
conflict and sees the other's result (a merge then finds the golden sealed, an
erasure finds the records merged). A repeat of the request finds the tombstone,
re-runs the idempotent clean-up and re-stages the same event id: sent once.
"""
from __future__ import annotations

import logging
from typing import Any

from common import clock
from contracts import names

from . import metrics
from .domain.erasure import (UnknownCustomer, erasure_of, follow_merges, result_of,
                             seal_event_body, seal_golden)
from .handlers import run

log = logging.getLogger(__name__)
CUSTOMER_EVENTS = (names.CUSTOMER_REGISTERED, names.CUSTOMER_UPDATED, names.CUSTOMER_MERGED)
# The payload field an erasure finds parked `customer.ingested` by (indexed: Parking).
PARKED_INDEXES = (("record_id",),)


def erase_person(service: Any, customer_id: str | None, record_id: str | None,
                 requested_by: str, reason: str = "",
                 correlation_id: str | None = None) -> dict:
    """Erase the person named by a golden id (one merged away leads to its survivor)
    or by a member record id -> the erasure (same result when repeated)."""
    store, outbox = service.store, service.events

    def work(session: Any) -> tuple[dict, str, bool]:
        golden = locate(store, customer_id, record_id, session)
        erasure, fresh = golden.get("erasure"), False
        if erasure is None:
            erasure, fresh = erasure_of(golden, requested_by, reason,
                                        clock.now()), True
            store.seal(seal_golden(golden, erasure), golden["revision"], session)
        _clean_up(service, erasure, session)
        event_id = _stage(outbox, erasure, correlation_id)
        outbox.persist_in(session)
        return erasure, event_id, fresh

    erasure, event_id, fresh = run(store, outbox, work)
    if fresh:
        metrics.ERASED.inc()
        log.info("customer %s erased (%d records) at the request of %s",
                 erasure["customer_id"], len(erasure["record_ids"]), requested_by)
    return result_of(erasure, event_id)


def locate(store: Any, customer_id: str | None, record_id: str | None,
           session: Any = None) -> dict:
    """The golden holding the person now (possibly their tombstone), or UnknownCustomer."""
    if customer_id:
        doc = store.get(customer_id, session)
    elif record_id:
        doc = store.owner_of_record(record_id, session) or \
            store.erased_holder(record_id, session)
    else:
        raise UnknownCustomer("give a customer id or a record id")
    if doc is None:
        raise UnknownCustomer(f"no customer {customer_id}" if customer_id
                              else f"no customer holds record {record_id}")
    return dict(follow_merges(doc, lambda cid: store.get(cid, session)))


def _clean_up(service: Any, erasure: dict, session: Any) -> None:
    """Every other copy of the person in dedup; each step idempotent."""
    store, ids = service.store, [erasure["customer_id"], *erasure["absorbed_ids"]]
    for doc in store.unsealed(erasure["absorbed_ids"], session):
        store.overwrite(seal_golden(doc, erasure), session)
    store.forget_claims(ids, session)
    store.close_reviews_of(ids, session)
    store.forget_evidence(ids, erasure["record_ids"], session)
    # a row not yet published is cancelled: nobody needs to learn of this person now
    service.events.seal_events(seal_event_body, customer_ids=ids, types=CUSTOMER_EVENTS,
                               session=session)
    service.parked.seal_payloads({"entrypoint": "on_ingested",
                                  "payload.record_id": {"$in": erasure["record_ids"]},
                                  "payload.erased": {"$ne": True}},
                                 seal_event_body, session)


def _stage(outbox: Any, erasure: dict, correlation_id: str | None) -> str:
    customer_id = erasure["customer_id"]
    payload = {k: erasure[k] for k in ("customer_id", "absorbed_ids", "record_ids",
                                       "requested_by", "reason", "erased_at")}
    body = outbox.stage(names.CUSTOMER_ERASED, payload, f"erase:{customer_id}",
                        customer_id, correlation_id)
    return body["event_id"]
