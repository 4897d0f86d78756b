"""Inputs refused before the pipeline (no active client, a source the client may not
write, an undecodable body), kept as rejects inside their batch's unit of work.

They used to be inserted one by one after the batch's records had committed. A batch
that failed after some of them (a transient error retried, or a batch split to isolate
a bad message) ran again and inserted them again: one message ended as two rejects,
which the AMQP fuzz test caught in CI. Now they commit together with the records of
their batch, or in a transaction of their own when the batch holds no record.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from common.mongo import in_transaction

from . import metrics
from .bulk_store import record_states
from .domain.bulk import loose_key, raw_key, reject_terms
from .domain.erasure import ERASED_ERROR, ERASED_REASON
from .redelivery import BROKER_CHANNELS, KeptBefore, Origin
from .storage import IngestionStore, reject_doc

log = logging.getLogger(__name__)
# (reason, errors, the raw input, its origin: redelivered? which delivery? (redelivery.py))
Refused = tuple[str, list[str], Any, Origin]


def insert_refused(store: IngestionStore, pipeline: Any, channel: str,
                   refused: list[Refused], session) -> list[dict]:
    """Insert one reject per refused input within `session` -> the rejects inserted;
    those naming an erased (source, external_id) keep nothing of the input but its key,
    as elsewhere, and an input whose reject an earlier run of its delivery, or a
    delivery of its redelivered message, kept is not kept again (redelivery.py)."""
    named = [raw_key(raw) for _, _, raw, _ in refused]
    stored = record_states(store.records, {k for k in named if k}, session)
    digests = [pipeline.input_digest(raw) for _, _, raw, _ in refused]
    origins = [came for *_, came in refused]
    redelivered_digests = [d for d, came in zip(digests, origins) if came.again]
    before = KeptBefore.read(store.rejects, channel, redelivered_digests, session,
                             [came.reject_id for came in origins])
    docs = []
    for (reason, errors, raw, _), came, key, digest in zip(refused, origins, named, digests):
        reason, errors, keep = reject_terms(reason, errors, key, stored)
        if before.stands_for(came.reject_id, came.again and keep, digest) is not None:
            continue
        sealed, excerpt = pipeline.seal_raw(raw) if keep else (None, "")
        docs.append(reject_doc(channel, reason, errors, sealed, excerpt, None, None,
                               *loose_key(raw), digest if keep else None, came.reject_id))
    if docs:
        store.rejects.insert_many(docs, session=session)
    return docs


def count_refused(channel: str, docs: list[dict]) -> None:
    """Metrics and log lines once the rejects committed (a re-run counts nothing twice)."""
    for doc in docs:
        metrics.RECEIVED.labels(channel, "-").inc()
        metrics.REJECTED.labels(channel, doc["reason"]).inc()
        log.info("rejected %s input %s: %s", channel, doc["_id"], doc["reason"])


def keep_reject(store: IngestionStore, pipeline: Any, channel: str, reason: str,
                errors: list[str], raw: Any, batch_id: str | None = None,
                row: int | None = None, replay: bool = False, again: bool = False,
                extra: Callable[[dict, Any], None] | None = None,
                reject_id: Any = None) -> dict:
    """Keep one unusable input on its own (raw encrypted) -> its result; for an erased
    (source, external_id) nothing of the input is kept but its key, whatever else was
    wrong with it, and a replay keeps nothing at all (its reject exists), nor does a
    redelivered message (`again`) whose reject exists, nor a delivery run again whose
    planned `reject_id` exists (redelivery.py). `extra(result, session)` commits with
    the reject (an HTTP answer kept for its Idempotency-Key)."""
    source, external_id = (_text(raw.get("source")), _text(raw.get("external_id"))) \
        if isinstance(raw, dict) else (None, None)
    if reason == ERASED_REASON or (channel != "erase" and source and external_id
                                   and store.is_erased(source, external_id)):
        reason, errors = ERASED_REASON, [ERASED_ERROR]
        if replay:
            return {"status": "rejected", "reason": reason, "errors": errors}
        sealed, excerpt, digest = None, "", None
    else:
        sealed, excerpt = pipeline.seal_raw(raw)
        digest = pipeline.input_digest(raw) if channel in BROKER_CHANNELS else None
    kept = KeptBefore.read(store.rejects, channel, [digest] if again else [],
                           planned=[reject_id]).stands_for(reject_id, again, digest)
    if kept is not None:
        return {"status": "rejected", "reason": reason, "errors": errors,
                "reject_id": str(kept)}

    def work(session: Any = None) -> dict:
        kept = store.add_reject(channel, reason, errors, sealed, excerpt, batch_id, row,
                                source, external_id, digest, session=session,
                                reject_id=reject_id)
        result = {"status": "rejected", "reason": reason, "errors": errors,
                  "reject_id": kept}
        if extra is not None:
            extra(result, session)
        return result

    result = work() if extra is None else in_transaction(store.db, work)
    metrics.REJECTED.labels(channel, reason).inc()
    log.info("rejected %s input %s: %s", channel, result["reject_id"], reason)
    return result


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
