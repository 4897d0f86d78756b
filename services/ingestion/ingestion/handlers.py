"""Ingestion's use case: an array of intake records as one unit of work.

An AMQP array, an HTTP array or an import chunk used to cost a chain of round trips
per record (read, write, reject, outbox). `ingest_batch` validates and normalizes
every record in pure code, then inside one MongoDB transaction reads the stored
records the array names (one `$in` read), decides every record as one by one would
(domain/bulk.py), and writes records, rejects, `customer.ingested` outbox rows and
the caller's bookkeeping (an import's counts); the events are published only after
the commit. A crash before the commit leaves nothing; a redelivered array decides
again from what is stored ('unchanged', events whose rows exist are not sent again).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable


from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .bulk_store import record_states, write_batch
from .domain.bulk import (RecordPlan, loose_key, plan_records, raw_key, record_key,
                          reject_terms)
from .domain.erasure import ERASED_REASON
from .domain.intake import Accepted, Rejected
from .import_book import (ChunkDone, accepted_keys, batch_increments, chunk_key,
                          import_counts, resolve_answered, resolve_rejects)
from .redelivery import BROKER_CHANNELS, KeptBefore, Origin
from .refused import Refused, insert_refused
from .storage import CAS_ATTEMPTS, IngestionStore, RecordContention, reject_doc

log = logging.getLogger(__name__)
Extra = Callable[[list[dict], Any], None]  # (results, session): bookkeeping in the commit


@dataclass
class Entry:
    """One input of an array. `unreadable` marks a row the import adapter could not
    read: `raw` is then its error text, rejected as `unreadable_row`."""
    raw: Any
    batch_id: str | None = None
    row: int | None = None
    unreadable: bool = False
    again: bool = False  # from a redelivered message: its reject may exist (redelivery.py)
    reject_id: Any = None  # its reject's id in every run of its delivery (redelivery.py)


def ingest_batch(store: IngestionStore, outbox: Outbox, pipeline: Any, entries: list[Entry],
                 channel: str, replay: bool = False, extra: Extra | None = None) -> list[dict]:
    """Ingest `entries` as one unit of work -> one result per entry, as `ingest` gave
    one by one. With `replay` nothing is kept of a rejected input (the reject exists)."""
    started = time.perf_counter()
    outcomes = [_outcome(pipeline, entry, channel) for entry in entries]
    accepted = [o if isinstance(o, Accepted) else None for o in outcomes]
    keys = {record_key(a) for a in accepted if a} | \
        {k for e, a in zip(entries, accepted) if a is None and not e.unreadable
         for k in [raw_key(e.raw)] if k}
    sealed = {i: pipeline.seal_raw(e.raw) for i, e in enumerate(entries)
              if accepted[i] is None and not replay}
    digests = {i: pipeline.input_digest(entries[i].raw) for i in sealed
               if channel in BROKER_CHANNELS}
    redelivered_digests = [digests[i] for i in digests if entries[i].again]

    def work(session) -> tuple[list[dict], list[dict], RecordPlan]:
        outbox.discard()
        stored = record_states(store.records, keys, session)
        plan = plan_records(accepted, stored)
        planned = [e.reject_id for e, d in zip(entries, plan.decisions)
                   if d is None or d.status == "erased"]  # the inputs it rejects
        before = KeptBefore.read(store.rejects, channel, redelivered_digests, session, planned)
        results, rejects = [], []
        for i, entry in enumerate(entries):
            decision = plan.decisions[i]
            if decision is not None and decision.status != "erased":
                results.append(accepted_result(accepted[i], decision.status))
                continue
            named = None if entry.unreadable else raw_key(entry.raw)
            reason, errors = (ERASED_REASON, []) if decision else \
                (outcomes[i].reason, outcomes[i].errors)
            if replay and decision is None:  # the reject exists: nothing new is kept
                results.append({"status": "rejected", "reason": reason, "errors": errors})
                continue
            reason, errors, keep = reject_terms(reason, errors, named, stored)
            if replay:
                results.append({"status": "rejected", "reason": reason, "errors": errors})
                continue
            kept = _reject_of(channel, entry, (reason, errors), sealed[i] if keep else None,
                              digests.get(i) if keep else None, before, rejects)
            results.append({"status": "rejected", "reason": reason, "errors": errors,
                            "reject_id": str(kept)})
        _stage_events(outbox, accepted, plan)
        outbox.persist_in(session)
        write_batch(store, plan.writes, rejects, session)
        if extra is not None:
            extra(results, session)
        return results, rejects, plan

    results, rejects, plan = _commit(store, work)
    outbox.publish_staged()
    _record_metrics(channel, results, rejects, time.perf_counter() - started)
    return results


def _reject_of(channel: str, entry: Entry, terms: tuple[str, list[str]],
               sealed: tuple[str, str] | None, digest: str | None, before: KeptBefore,
               rejects: list[dict]) -> Any:
    """The id of the reject that stands for `entry`: the one an earlier run of its
    delivery, or a delivery of the same message, kept (redelivery.py), or a new one
    (appended to `rejects`). `sealed` is None when nothing of the input may be kept
    (an erased key)."""
    kept = before.stands_for(entry.reject_id, entry.again, digest)
    if kept is not None:
        return kept
    raw_sealed, excerpt = sealed or (None, "")
    doc = reject_doc(channel, *terms, raw_sealed, excerpt, entry.batch_id, entry.row,
                     *loose_key(entry.raw), digest, entry.reject_id)
    rejects.append(doc)
    return doc["_id"]


def intake_batch(store: IngestionStore, outbox: Outbox, pipeline: Any,
                 records: list[tuple[Any, Origin]], refused: list[Refused],
                 step: int) -> list[dict]:
    """An AMQP batch: its records, each with its origin (redelivered? which delivery?),
    in slices of `step`, so that no transaction grows without bound (a run again finds
    the done slices 'unchanged' and the rejects they kept, redelivery.py), and its
    refused inputs as rejects in the last slice's unit of work, or in one of their own
    when the batch holds no record (refused.py) -> the rejects kept. The last: a slice
    that fails after them would run the batch again, and keep them twice."""
    kept: list[dict] = []

    def keep(_results, session) -> None:  # re-run with the transaction: replaced
        kept[:] = insert_refused(store, pipeline, "amqp", refused, session)

    starts = range(0, len(records), step)
    for start in starts:
        ingest_batch(store, outbox, pipeline,
                     [_intake_entry(raw, came) for raw, came in records[start:start + step]],
                     "amqp", extra=keep if start == starts[-1] and refused else None)
    if refused and not records:
        in_transaction(store.db, lambda session: keep(None, session))
    return kept


def import_chunk(store: IngestionStore, outbox: Outbox, pipeline: Any, batch_id: str,
                 rows: list, finished: bool, answers: dict) -> dict:
    """One chunk of a list import as one unit of work with its batch's counts and the
    rejects its rows answer (import_book) -> the chunk's counts. Rows are (row number,
    record | the adapter's error text). A chunk run again (the same rows and answers in
    the same batch) changes nothing and answers as the first run did (`chunk_key`)."""
    entries = [_import_entry(batch_id, row) for row in rows]
    key = chunk_key(batch_id, rows, answers)

    def tally(results: list[dict], session) -> None:
        counts = import_counts(results)
        store.claim_chunk(key, batch_id, counts, session)  # ChunkDone: committed before
        store.count_batch(batch_id, batch_increments(counts), finished, session)
        resolve_rejects(store.rejects, accepted_keys([e.raw for e in entries], results),
                        batch_id, session)
        resolve_answered(store.rejects, [e.row for e in entries], results, answers,
                         batch_id, session)
    try:
        counts = import_counts(ingest_batch(store, outbox, pipeline, entries, "import",
                                            extra=tally))
    except ChunkDone as done:  # counted by the run that committed it
        if finished:
            store.count_batch(batch_id, {}, finished=True)
        return done.counts
    for outcome in ("accepted", "rejected", "unchanged"):
        if counts[outcome]:
            metrics.IMPORT_ROWS.labels(outcome).inc(counts[outcome])
    return counts


def _intake_entry(raw: Any, came: Origin) -> Entry:
    return Entry(raw, again=came.again, reject_id=came.reject_id)


def _import_entry(batch_id: str, row: Any) -> Entry:
    """One import row as an Entry; a row that is not a (row number, record or error
    text) pair is refused by name, not with a TypeError from deep inside."""
    if not isinstance(row, (list, tuple)) or len(row) != 2:
        raise ValueError(f"import_rows: each row must be [row_number, record or error "
                         f"text], got {type(row).__name__}")
    row_number, raw = row
    return Entry(raw, batch_id, row_number, unreadable=isinstance(raw, str))


def _outcome(pipeline: Any, entry: Entry, channel: str) -> Accepted | Rejected:
    """The pure pipeline, counted as received on `channel`."""
    source = entry.raw.get("source") if isinstance(entry.raw, dict) else None
    metrics.RECEIVED.labels(channel, "-" if entry.unreadable else
                            metrics.source_label(source)).inc()
    return judge(pipeline, entry)


def judge(pipeline: Any, entry: Entry) -> Accepted | Rejected:
    """The pure pipeline; a bug on odd input rejects that record, not the array."""
    if entry.unreadable:
        return Rejected("unreadable_row", [entry.raw])
    try:
        return pipeline.process(entry.raw)
    except Exception as exc:  # noqa: BLE001 - kept as a reject, with the error type
        log.exception("intake pipeline failed on one record")
        return Rejected("processing_error", [f"{type(exc).__name__} while processing"])


def accepted_result(outcome: Accepted, status: str) -> dict:
    return {"status": status, "record_id": outcome.record_id,
            "quality": [f"{i['field']}: {i['issue']}" for i in outcome.issues]}


def _stage_events(outbox: Outbox, accepted: list[Accepted | None], plan: RecordPlan) -> None:
    """One `customer.ingested` per record version, its id derived from the version: an
    'unchanged' redelivery stages it again and `persist_in` skips a row that exists (the
    first delivery's, published by it or the sweep), so none goes out twice."""
    staged: set[str] = set()
    for outcome, decision in zip(accepted, plan.decisions):
        if decision is None or decision.status == "erased":
            continue
        cause_id = f"{outcome.record_id}#{decision.version}"
        if cause_id in staged:  # the same version twice in one array
            continue
        staged.add(cause_id)
        outbox.stage(names.CUSTOMER_INGESTED, outcome.event, cause_id=cause_id,
                     key=outcome.record_id)


def _commit(store: IngestionStore, work: Callable) -> Any:
    """Run the unit of work, again from its read when a concurrent writer got to one of
    its records first (a lost compare-and-set or a key inserted meanwhile)."""
    for _ in range(CAS_ATTEMPTS):  # a key inserted meanwhile: in_transaction re-runs it
        try:
            return in_transaction(store.db, work, races=CAS_ATTEMPTS)
        except RecordContention:
            continue
    raise RecordContention(f"records kept changing during {CAS_ATTEMPTS} attempts")


def _record_metrics(channel: str, results: list[dict], rejects: list[dict],
                    seconds: float) -> None:
    share = seconds / max(len(results), 1)
    for result in results:
        metrics.PROCESSING.labels(channel).observe(share)
        if result["status"] != "rejected":
            metrics.ACCEPTED.labels(channel, result["status"]).inc()
    for doc in rejects:
        metrics.REJECTED.labels(channel, doc["reason"]).inc()
        log.info("rejected %s input %s: %s", channel, doc["_id"], doc["reason"])
