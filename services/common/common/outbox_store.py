"""The outbox's documents: one per published pass, its events in order.

Why one document per pass and not one per event: the embedded database (SecantusDB)
pays for every document it writes (index upkeep, unique checks and its oplog, in
Python), and the outbox wrote each event twice, staged then marked sent: seven events
per customer across the pipeline, fourteen of its document writes, half of the
tiering database's time (docs/benchmarks.md). A pass costs one insert and one update
whatever its size; MongoDB itself gains fewer index and oplog entries too.

A pass document:
- `_id` the pass; `events` [{`_id` event id, `type`, `body`}] in publishing order;
- `pending`: ids not yet published (never tried, returned by the broker, or failed);
  `sent` is true once it is empty; `created_at`, `lease_by`, `lease_until` as before.
Its keys, written once beside it in `<outbox>_keys` under the same `_id`:
- `event_ids` (multikey index): a redelivered batch finds its events already staged;
- `customer_ids` (multikey index): an erasure finds the events about a person.
Why apart: the embedded database rewrites every index entry of a document it updates
(MongoDB only the keys that changed), so marking a pass sent rewrote two entries per
event; a pass is updated at least once, its keys never (docs/benchmarks.md, session 27).
A pass stored with its keys inline (before `_keys`, or by an older replica during a
rolling upgrade) is still found: the outbox keeps those indexes and both are read.
A document of the earlier shape (one event: `_id` the event id, `type`, `body`, `sent`)
reads as a pass of one event; `migrate_legacy` converts the stored ones at start-up.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping

from pymongo import ASCENDING, UpdateOne
from pymongo.collection import Collection

from . import clock

LEASE_SECONDS = 60
KEYS_SUFFIX = "_keys"


def about(body: Mapping[str, Any]) -> str | None:
    """The customer an event is about (tier, assignment, erasure events name it at the
    top; dedup's customer events inside `customer`)."""
    return body.get("customer_id") or (body.get("customer") or {}).get("customer_id")


def new_pass(events: list[dict], token: str, now: datetime) -> dict:
    return {"_id": uuid.uuid4().hex, "events": events, "pending": [e["_id"] for e in events],
            "sent": False, "created_at": now, "lease_by": token,
            "lease_until": now + timedelta(seconds=LEASE_SECONDS)}


def keys_of(doc: Mapping[str, Any]) -> dict:
    """A pass's keys document: its events' ids and the customers they are about."""
    events = events_of(doc)
    return {"_id": doc["_id"], "event_ids": [e["_id"] for e in events],
            "customer_ids": sorted({c for e in events if (c := about(e["body"]))})}


def events_of(doc: Mapping[str, Any]) -> list[dict]:
    if "events" in doc:
        return doc["events"]
    return [{"_id": doc["_id"], "type": doc["type"], "body": doc["body"]}]  # legacy row


def pending_of(doc: Mapping[str, Any]) -> list[dict]:
    """The events of a pass still to publish, in order."""
    if "events" not in doc:
        return [] if doc.get("sent") else events_of(doc)
    waiting = set(doc.get("pending") or ())
    return [e for e in doc["events"] if e["_id"] in waiting]


class PassStore:
    """The outbox collection's reads and writes; `session` joins a caller's transaction."""

    def __init__(self, collection: Collection, keys: Collection | None = None):
        """`keys`: the passes' keys documents (default: `<collection>_keys` beside it)."""
        self.collection = collection
        self.keys = keys if keys is not None else \
            collection.database[collection.name + KEYS_SUFFIX]

    def ensure_indexes(self) -> None:
        self.collection.create_index([("sent", ASCENDING), ("created_at", ASCENDING)])
        self.collection.create_index([("lease_by", ASCENDING)], sparse=True)
        for field in ("event_ids", "customer_ids"):  # the keys, and passes holding theirs
            self.keys.create_index([(field, ASCENDING)])
            self.collection.create_index([(field, ASCENDING)])

    def known(self, event_ids: list[str], session: Any = None) -> set[str]:
        """Which of these events are stored already (one indexed `$in` per collection)."""
        if not event_ids:
            return set()
        wanted, query = set(event_ids), {"event_ids": {"$in": event_ids}}
        rows = [*self.keys.find(query, {"event_ids": 1}, session=session),
                *self.collection.find(query, {"event_ids": 1}, session=session)]
        return {i for row in rows for i in row["event_ids"] if i in wanted}

    def insert(self, doc: dict, session: Any = None) -> None:
        self.insert_many([doc], session)

    def insert_many(self, docs: list[dict], session: Any = None) -> None:
        """Passes and their keys documents, in the caller's transaction when given."""
        if docs:
            self.collection.insert_many(docs, session=session)
            self.keys.insert_many([keys_of(d) for d in docs], session=session)

    def find_about(self, query: dict, session: Any = None) -> list[dict]:
        """The passes whose keys match `query` (on `event_ids` or `customer_ids`), kept
        apart or inline."""
        ids = [k["_id"] for k in self.keys.find(query, {"_id": 1}, session=session)]
        found = {d["_id"]: d for d in self.collection.find(query, session=session)}
        if ids:
            found.update((d["_id"], d) for d in self.collection.find(
                {"_id": {"$in": ids}}, session=session))
        return list(found.values())

    def claim_due(self, older_than: float, limit: int) -> list[dict]:
        """Pending passes whose lease ran out, each claimed under a new token first, so
        no other sweeper or worker publishes them too."""
        now = clock.now()
        candidates = [row["_id"] for row in self.collection.find(
            {"sent": False, "created_at": {"$lt": now - timedelta(seconds=older_than)}},
            {"_id": 1}).sort("created_at", 1).limit(limit)]
        if not candidates:
            return []
        token = uuid.uuid4().hex
        self.collection.update_many(
            {"_id": {"$in": candidates}, "sent": False, "lease_until": {"$not": {"$gte": now}}},
            {"$set": {"lease_until": now + timedelta(seconds=LEASE_SECONDS), "lease_by": token}})
        return list(self.collection.find({"lease_by": token}).sort("created_at", 1))

    def mark_sent(self, passes: list[dict], delivered: Iterable[str]) -> None:
        """One write. When every pending event of the passes went out (the usual case)
        the passes are named by their ids, a handful (one per unit of work). Not by the
        worker's lease token: a pass of the same worker whose publish failed and whose
        lease could not be given back (the database away too) still holds it, and was
        marked sent with the next pass, its events never published."""
        done = set(delivered)
        if all(e["_id"] in done for p in passes for e in pending_of(p)):
            ids = [p["_id"] for p in passes]
            named = {"_id": ids[0]} if len(ids) == 1 else {"_id": {"$in": ids}}
            self.collection.update_many({**named, "sent": False},
                                        {"$set": {"sent": True, "pending": []}})
            return
        ops = [self._left_op(p, [e["_id"] for e in pending_of(p) if e["_id"] not in done])
               for p in passes if any(e["_id"] in done for e in pending_of(p))]
        if ops:
            self.collection.bulk_write(ops, ordered=False)

    def release(self, passes: list[dict], event_ids: Iterable[str]) -> None:
        """Give up the lease of the passes holding these events at once, so the sweep
        after the broker's (or the queue's) return takes them. The lease ends a second
        in the past: a sweep in the same millisecond (BSON times are milliseconds) would
        otherwise still see it held."""
        ids = set(event_ids)
        ended = clock.now() - timedelta(seconds=1)
        self.collection.bulk_write([UpdateOne(
            {"_id": p["_id"], "sent": False},
            {"$set": {"lease_until": ended}, "$unset": {"lease_by": ""}})
            for p in passes if any(e["_id"] in ids for e in pending_of(p))], ordered=False)

    @staticmethod
    def _left_op(doc: dict, left: list[str]) -> UpdateOne:
        if "events" not in doc:  # legacy row: one event, now out
            return UpdateOne({"_id": doc["_id"]}, {"$set": {"sent": True}})
        return UpdateOne({"_id": doc["_id"]}, {"$set": {"pending": left, "sent": not left}})

    # -- erasure ----------------------------------------------------------------------
    def rewrite(self, query: dict, change: Callable[[dict], dict | None],
                session: Any = None) -> int:
        """Rewrite, pass by pass, each event `change` returns a new form for (None: keep
        it); a rewritten event is no longer pending (nobody needs to learn of an erased
        person). Returns how many events changed."""
        changed = 0
        for doc in self.find_about(query, session):
            events, sealed = [], set()
            for event in events_of(doc):
                new = change(event)
                events.append(event if new is None else new)
                if new is not None:
                    sealed.add(event["_id"])
            if sealed:
                self._store_rewritten(doc, events, sealed, session)
                changed += len(sealed)
        return changed

    def _store_rewritten(self, doc: dict, events: list[dict], sealed: set[str],
                         session: Any) -> None:
        if "events" not in doc:  # legacy row
            self.collection.update_one({"_id": doc["_id"]}, {"$set": {
                "body": events[0]["body"], "sent": True}}, session=session)
            return
        left = [i for i in doc.get("pending") or () if i not in sealed]
        self.collection.update_one({"_id": doc["_id"]}, {"$set": {
            "events": events, "pending": left, "sent": not left}}, session=session)

    def pending_count(self) -> int:
        """Events not yet published (a sweep and `crm drain` read it)."""
        return sum(len(doc["pending"]) if "pending" in doc else 1  # legacy: one event
                   for doc in self.collection.find({"sent": False}, {"pending": 1}))

    def migrate_legacy(self, batch: int = 1000) -> int:
        """Stored one-event rows become passes of one, once per database (a marker in
        `meta`: finding none means reading the whole outbox, which must not happen at
        every start), so erasure and the sweep read one shape. Returns how many were
        converted. A legacy row written later (an old replica during a rolling upgrade)
        is still published by the sweep, which reads both shapes."""
        meta = self.collection.database["meta"]
        if meta.find_one({"_id": "outbox_passes"}):
            return 0
        converted = 0
        while rows := list(self.collection.find({"events": {"$exists": False}}).limit(batch)):
            self.collection.bulk_write([UpdateOne({"_id": row["_id"]}, {
                "$set": {**_legacy_as_pass(row)}, "$unset": {"type": "", "body": ""}})
                for row in rows], ordered=False)
            converted += len(rows)
        meta.update_one({"_id": "outbox_passes"}, {"$set": {
            "converted": converted, "at": clock.now()}}, upsert=True)
        return converted


def _legacy_as_pass(row: dict) -> dict:
    event = events_of(row)[0]
    customer = about(event["body"])
    return {"events": [event], "event_ids": [event["_id"]],
            "customer_ids": [customer] if customer else [],
            "pending": [] if row.get("sent") else [event["_id"]]}
