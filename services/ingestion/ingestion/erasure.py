"""Erasure in ingestion: upstream requests out as events, sealing on customer.erased.

Kept apart from service.py (like replay.py) so the entry points stay thin. Every
step is idempotent and re-run in full on a redelivery, so a crash half-way leaves
nothing unsealed once the message is handled again.
"""
from __future__ import annotations

import logging
import uuid
from functools import partial
from datetime import datetime
from typing import Any

from common import clock
from common.erasure import erased_time
from common.events import derived_event_id
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .domain.erasure import (erasure_request, raw_names, record_id_of, seal_event_body,
                             seal_parked_payload, seal_record, seal_reject)
from .domain.bulk import loose_key
from .domain.intake import Rejected
from .handlers import Extra
from .intake_auth import ERASE_NOT_ALLOWED, NO_USER_ID, UNAUTHENTICATED, undecodable
from .redelivery import KeptBefore, Origin
from .refused import keep_reject
from .storage import CAS_ATTEMPTS, RecordContention, reject_doc

# The payload field `_seal_parked` finds parked intake bodies by (indexed: Parking).
PARKED_INDEXES = (("external_id",),)

log = logging.getLogger(__name__)
MAX_VERSIONS = 1000  # outbox rows looked up per record (one per version)


def erase_message(store: Any, outbox: Any, pipeline: Any, client: dict | None,
                  body: Any, came: Origin = Origin()) -> None:
    """One upstream `customer.erase` message (a request or an array) from `client`
    (None: no active client sent it): passed on when the client may erase and the
    body decodes; otherwise kept whole as one reject, never run. A message run again
    (`came`: redelivered, or the same delivery) keeps no reject that it kept before
    (redelivery.py)."""
    if client is None or not client.get("may_erase"):
        reason = UNAUTHENTICATED if client is None else ERASE_NOT_ALLOWED
        errors = [NO_USER_ID] if client is None else \
            [f"client {client['_id']} may not request erasures"]
        keep_reject(store, pipeline, "erase", reason, errors, body, again=came.again,
                    reject_id=came.reject_id)
    elif undecodable(body):
        keep_reject(store, pipeline, "erase", "undecodable", [body["error"]], body["raw"],
                    again=came.again, reject_id=came.reject_id)
    else:
        request_erasures(store, outbox, pipeline, body if isinstance(body, list) else [body],
                         came=came)


def request_erasures(store: Any, outbox: Any, pipeline: Any, raws: list,
                     replay: bool = False, extra: Extra | None = None,
                     came: Origin = Origin()) -> list[dict]:
    """Validate upstream `customer.erase` requests (one message's: one or an array) and
    commit every valid one's `customer.erasure_requested` with every invalid one's
    reject in one unit of work, then publish -> one result per request. One by one, a
    failure partway ran the message again and kept the earlier rejects twice. A replay
    keeps no reject (it answers one that exists); its `extra` settles that reject in
    the same unit of work; a message run again (`came`) keeps none it kept before.

    The event id is fresh per request, not derived from its content: repeating a
    request (say after the customer was created meanwhile) must reach dedup again.
    A redelivered message may therefore announce twice; dedup's erasure is
    idempotent and announces `customer.erased` once.
    """
    outcomes = [erasure_request(raw) for raw in raws]
    digests = [pipeline.input_digest(raw) if isinstance(outcome, Rejected) else None
               for raw, outcome in zip(raws, outcomes)]
    planned = [came.at(i).reject_id if d else None for i, d in enumerate(digests)]

    def work(session) -> tuple[list[dict], set[str]]:
        outbox.discard()
        results, rejects = [], []
        before = KeptBefore.read(store.rejects, "erase", digests if came.again else [],
                                 session, planned)
        for raw, outcome, digest, reject_id in zip(raws, outcomes, digests, planned):
            if isinstance(outcome, Rejected):
                result = {"status": "rejected", "reason": outcome.reason,
                          "errors": outcome.errors}
                kept = None if replay else before.stands_for(reject_id, came.again, digest)
                if not replay and kept is None:
                    rejects.append(reject_doc("erase", outcome.reason, outcome.errors,
                                              *pipeline.seal_raw(raw), None, None,
                                              *loose_key(raw), digest, reject_id))
                    kept = rejects[-1]["_id"]
                if kept is not None:
                    result["reject_id"] = str(kept)
                results.append(result)
                continue
            key = outcome["customer_id"] or outcome["record_id"]
            body = outbox.stage(names.CUSTOMER_ERASURE_REQUESTED, outcome,
                                cause_id=f"erase-request:{uuid.uuid4()}", key=key)
            results.append({"status": "requested", "event_id": body["event_id"],
                            "record_id": key, "customer_id": outcome["customer_id"]})
        outbox.persist_in(session)
        if rejects:
            store.rejects.insert_many(rejects, session=session)
        if extra is not None:
            extra(results, session)
        return results, {str(doc["_id"]) for doc in rejects}

    results, kept_now = in_transaction(store.db, work)
    outbox.publish_staged()
    for result, outcome in zip(results, outcomes):
        _count_request(result, outcome, kept_now)
    return results


def _count_request(result: dict, outcome: dict | Rejected, kept_now: set[str]) -> None:
    """Metrics and log lines once the unit of work committed; a reject kept before (a
    redelivered message) was counted by the delivery that kept it."""
    if result["status"] == "rejected":
        reject_id = result.get("reject_id")
        if reject_id is not None and reject_id not in kept_now:
            return
        metrics.ERASURE_REQUESTS.labels("rejected").inc()
        if reject_id is not None:
            metrics.REJECTED.labels("erase", result["reason"]).inc()
            log.info("rejected erase input %s: %s", reject_id, result["reason"])
        return
    metrics.ERASURE_REQUESTS.labels("requested").inc()
    log.info("erasure of %s requested by %s", result["record_id"], outcome["requested_by"])


def seal_erased(service: Any, event: dict) -> dict:
    """Seal every copy of the erased person's records: accepted records, rejects,
    outbox rows of their customer.ingested events, parked intake bodies, kept answers.

    Each record is sealed with its copies in one transaction, closed by a
    compare-and-set on the version read: an intake that stored a newer version
    meanwhile (its `customer.ingested` row included) makes the record be read and
    sealed again, so that version's row is sealed too and the older sealed copy never
    overwrites it; nothing of the failed attempt stays half done.
    """
    erased_at = erased_time(event.get("erased_at"), clock.now())
    counts = {"records": 0, "rejects": 0}
    pending = list(event.get("record_ids") or [])
    for _ in range(CAS_ATTEMPTS):
        changed = []
        for doc in service.store.records_named(pending):
            try:
                records, rejects = in_transaction(
                    service.store.db, partial(_seal_copies, service, doc, erased_at))
            except _Changed:  # abandoned, nothing written: read and sealed again
                changed.append(record_id_of(doc))
                continue
            counts["records"] += records
            counts["rejects"] += rejects
        pending = changed
        if not pending:
            break
    else:
        raise RecordContention(f"records kept changing while being sealed: {pending}")
    metrics.RECORDS_ERASED.inc(counts["records"])
    log.info("customer %s erased: %d records and %d rejects sealed", event["customer_id"],
             counts["records"], counts["rejects"])
    return counts


class _Changed(Exception):
    """The record moved on since it was read: its transaction is abandoned."""


def _seal_copies(service: Any, doc: dict, erased_at: datetime,
                 session: Any) -> tuple[int, int]:
    """Seal one record and its copies in `session` -> (records, rejects) sealed;
    _Changed when the record moved on since it was read."""
    store = service.store
    service.events.seal_events(seal_event_body, event_ids=_ingested_event_ids(doc),
                               session=session)
    rejects = _rejects_of(service, doc["source"], doc["external_id"], session)
    # answers kept for an Idempotency-Key quote the person's error texts: gone first
    store.answers.forget([record_id_of(doc), *(str(r["_id"]) for r in rejects)], session)
    for reject in rejects:
        store.replace_reject(seal_reject(reject, erased_at), session)
    _seal_parked(service.parked, doc["source"], doc["external_id"], session)
    if doc.get("erased"):
        return 0, len(rejects)
    if not store.replace_record(seal_record(doc, erased_at), doc.get("version"), session):
        raise _Changed(doc["_id"])
    return 1, len(rejects)


def _rejects_of(service: Any, source: str, external_id: str, session: Any) -> list[dict]:
    """The unsealed rejects of the key, or whose raw input names it."""
    return [doc for doc in service.store.rejects_naming(source, external_id, session)
            if doc.get("external_id") == external_id
            or raw_names(_open(service, doc.get("raw")), source, external_id)]


def _open(service: Any, sealed_raw: str | None) -> str | None:
    try:
        return service.pipeline.open_raw(sealed_raw) if sealed_raw else None
    except Exception:  # noqa: BLE001 - a token under a retired key: it names nobody we know
        return None


def _ingested_event_ids(doc: dict) -> list[str]:
    """The ids of the record's customer.ingested rows, one per version, derived as
    staged; the outbox seals them (a row not yet published is cancelled: dedup would
    drop it anyway)."""
    record_id = doc.get("record_id") or record_id_of(doc)
    versions = range(1, min(int(doc.get("version") or 1), MAX_VERSIONS) + 1)
    return [derived_event_id(f"{record_id}#{v}", names.CUSTOMER_INGESTED, record_id)
            for v in versions]


def _seal_parked(parked: Any, source: str, external_id: str, session: Any) -> None:
    """Parked intake bodies (plain JSON) that carry the record: only its entries are
    reduced to their key; replaying them later ends as an `erased` reject."""
    parked.seal_payloads({"payload.source": source, "payload.external_id": external_id},
                         lambda payload: seal_parked_payload(payload, source, external_id),
                         session)
