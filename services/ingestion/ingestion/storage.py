"""Ingestion's collections: accepted records, rejects, import batches.

An erased record stays as a sealed tombstone (ids, version, timestamps, `erased`),
so the unique (source, external_id) key refuses to bring the person back.
"""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from common import clock

from . import metrics
from .domain.erasure import record_id_of, record_keys
from .idempotency import HttpAnswers
from .import_book import ChunkDone, flatten


# Rounds of a batch's unit of work before giving up (each lost round means another
# writer changed one of its records: contention this long is a bug, not load).
CAS_ATTEMPTS = 50


class RecordContention(RuntimeError):
    """Records kept changing under a batch's unit of work; the batch is retried or parked."""


class IngestionStore:
    def __init__(self, db: Database):
        self.db = db
        self.records = db["records"]
        self.rejects = db["rejects"]
        self.batches = db["batches"]
        self.chunks = db["import_chunks"]  # _id: import_book.chunk_key; the first answer
        self.answers = HttpAnswers(db["http_answers"])  # Idempotency-Key (idempotency.py)

    def ensure_indexes(self) -> None:
        self.records.create_index([("source", ASCENDING), ("external_id", ASCENDING)], unique=True)
        self.rejects.create_index([("received_at", DESCENDING)])
        self.rejects.create_index([("status", ASCENDING)])
        self.rejects.create_index([("source", ASCENDING), ("external_id", ASCENDING)])
        self.rejects.create_index([("input_digest", ASCENDING)], sparse=True)  # redelivery
        # led by the batch, with the status: a batch's open rejects (the list owner's
        # export, `crm rejects list --batch`) are read from the batch's entries alone;
        # given (batch_id, row), SecantusDB chose `status` and read every open reject
        self.rejects.create_index([("batch_id", ASCENDING), ("status", ASCENDING),
                                   ("row", ASCENDING)])
        self.batches.create_index([("started_at", DESCENDING)])
        self.answers.ensure_indexes()
        metrics.watch_open_rejects(self.rejects)  # set up once per process, with the indexes

    def add_reject(self, channel: str, reason: str, errors: list[str],
                   raw_encrypted: str | None, masked_excerpt: str, batch_id: str | None = None,
                   row: int | None = None, source: str | None = None,
                   external_id: str | None = None, digest: str | None = None,
                   session: Any = None, reject_id: ObjectId | None = None) -> str:
        """Keep an unusable input; external_id (capped) lets an erasure find it later."""
        doc = reject_doc(channel, reason, errors, raw_encrypted, masked_excerpt, batch_id,
                         row, source, external_id, digest, reject_id)
        return str(self.rejects.insert_one(doc, session=session).inserted_id)

    # -- erasure ----------------------------------------------------------------------
    def is_erased(self, source: str, external_id: str) -> bool:
        return self.records.find_one({"source": source, "external_id": external_id,
                                      "erased": True}, {"_id": 1}) is not None

    def records_named(self, record_ids: list[str]) -> list[dict]:
        """The accepted records behind record ids, through the unique key index: one
        `$in` read per candidate source (an `$or` of pairs reads every record on the
        embedded database: 86 ms an erasure at 3,000 records)."""
        by_source: dict[str, set[str]] = defaultdict(set)
        for rid in record_ids:
            for source, external_id in record_keys(rid):
                by_source[source].add(external_id)
        wanted = set(record_ids)
        return [row for source, ids in sorted(by_source.items())
                for row in self.records.find({"source": source,
                                              "external_id": {"$in": sorted(ids)}})
                if record_id_of(row) in wanted]

    def rejects_naming(self, source: str, external_id: str,
                       session: Any = None) -> list[dict]:
        """Rejects (any status) not yet sealed that carry this key, or carry no
        external_id at all (kept before it was stored: the caller checks their raw).
        Sealed ones are left out here: with `erased` in the filter the embedded
        database reads every reject instead of walking the key's index."""
        rows = self.rejects.find({"source": source,
                                  "external_id": {"$in": [external_id, None]}},
                                 session=session)
        return [row for row in rows if row.get("erased") is not True]

    def replace_record(self, sealed: dict, version: int | None, session: Any = None) -> bool:
        """Replace the record if it still has the version read -> whether it did (an
        intake's write is a compare-and-set on the version too)."""
        return self.records.replace_one({"_id": sealed["_id"], "version": version},
                                        sealed, session=session).matched_count == 1

    def replace_reject(self, sealed: dict, session: Any = None) -> None:
        self.rejects.replace_one({"_id": sealed["_id"]}, sealed, session=session)

    def list_rejects(self, status: str = "open", limit: int = 1000,
                     batch_id: str | None = None) -> list[dict]:
        query = {"status": status, **({"batch_id": batch_id} if batch_id else {})}
        rows = self.rejects.find(query).sort("received_at", DESCENDING).limit(limit)
        return [_reject_view(r) for r in rows]

    def batch_rejects(self, batch_id: str, limit: int) -> list[dict]:
        """An import batch's open rejects in file order (for the list owner's export)."""
        return list(self.rejects.find({"batch_id": batch_id, "status": "open"})
                    .sort("row", ASCENDING).limit(limit))

    def open_rejects(self, reject_id: str | None) -> list[dict]:
        query: dict = {"status": "open"}
        if reject_id:
            if not _oid(reject_id):
                return []
            query["_id"] = _oid(reject_id)
        return list(self.rejects.find(query))

    def get_reject(self, reject_id: str) -> dict | None:
        return self.rejects.find_one({"_id": _oid(reject_id)}) if _oid(reject_id) else None

    @staticmethod
    def reject_view(doc: dict) -> dict:
        return _reject_view(doc)

    def close_reject(self, reject_id, outcome: str, session=None, record_id: str | None = None,
                     corrected: list[str] | None = None) -> None:
        """Close a reject; only the corrected paths are kept, never their values."""
        self.rejects.update_one({"_id": reject_id}, {"$set": {
            "status": outcome, "closed_at": clock.now(), "record_id": record_id,
            "corrected_fields": corrected or []}}, session=session)

    def note_replay(self, reject_id, result: dict, session=None) -> None:
        self.rejects.update_one({"_id": reject_id}, {
            "$inc": {"replay_attempts": 1},
            "$set": {"last_replay_at": clock.now(), "last_replay_reason": result.get("reason")}},
            session=session)

    def start_batch(self, source: str, imported_by: str, filename: str) -> str:
        doc = {"source": source, "imported_by": imported_by, "filename": filename,
               "started_at": clock.now(), "received": 0, "accepted": 0, "rejected": 0,
               "unchanged": 0, "status": "running"}
        return str(self.batches.insert_one(doc).inserted_id)

    def count_batch(self, batch_id: str, counts: dict, finished: bool = False,
                    session=None) -> None:
        update: dict = {"$inc": counts} if counts else {}
        if finished:
            update["$set"] = {"status": "finished", "finished_at": clock.now()}
        if update:
            self.batches.update_one({"_id": ObjectId(batch_id)}, update, session=session)

    def claim_chunk(self, key: str, batch_id: str, counts: dict, session) -> None:
        """Record an import chunk's answer in its unit of work, or raise ChunkDone with
        the answer of the run that committed it first (a duplicate key re-runs the
        unit of work, whose read then finds it). The counts are kept as JSON text:
        their reasons and quality keys may hold dots."""
        done = self.chunks.find_one({"_id": key}, session=session)
        if done is not None:
            raise ChunkDone(json.loads(done["counts"]))
        self.chunks.insert_one({"_id": key, "batch_id": batch_id, "at": clock.now(),
                                "counts": json.dumps(counts)}, session=session)

    def list_batches(self, limit: int = 100) -> list[dict]:
        return [_batch_view(b) for b in self.batches.find().sort("started_at", -1).limit(limit)]

    def get_batch(self, batch_id: str) -> dict | None:
        doc = self.batches.find_one({"_id": _oid(batch_id)}) if _oid(batch_id) else None
        return _batch_view(doc) if doc else None


def reject_doc(channel: str, reason: str, errors: list[str], raw_encrypted: str | None,
               masked_excerpt: str, batch_id: str | None = None, row: int | None = None,
               source: str | None = None, external_id: str | None = None,
               digest: str | None = None, reject_id: ObjectId | None = None) -> dict:
    """A reject row with its id chosen here (or planned: `reject_id`), so a batch can
    answer with the ids of rejects it inserts together with its records; `digest`
    (broker channels) and the planned id let a later run of its message find it
    (redelivery.py)."""
    doc = {"_id": reject_id or ObjectId(), "channel": channel, "reason": reason, "errors": errors,
           "raw": raw_encrypted, "excerpt": masked_excerpt, "batch_id": batch_id,
           "row": row, "source": source,
           "external_id": external_id[:256] if external_id else None,
           "received_at": clock.now(), "status": "open"}
    if digest:
        doc["input_digest"] = digest
    return doc


def _oid(value: str) -> ObjectId | None:
    return ObjectId(value) if ObjectId.is_valid(value) else None


def _reject_view(r: dict) -> dict:
    return {"id": str(r["_id"]), "channel": r["channel"], "reason": r["reason"],
            "errors": r["errors"], "excerpt": r["excerpt"], "source": r.get("source"),
            "batch_id": r.get("batch_id"), "row": r.get("row"),
            "received_at": r["received_at"].isoformat(), "status": r["status"],
            "replay_attempts": r.get("replay_attempts", 0), "record_id": r.get("record_id")}


def _batch_view(b: dict) -> dict:
    view = {k: v for k, v in b.items() if k != "_id"}
    view["id"] = str(b["_id"])
    for key in ("reasons", "quality"):  # nested by the field paths' dots: read back flat
        view[key] = flatten(view.get(key) or {})
    for key in ("started_at", "finished_at"):
        if view.get(key):
            view[key] = view[key].isoformat()
    return view
