"""Reporting's collections: the facts (one per event), erasure tombstones, and the
figures of closed periods as first computed."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from pymongo import ASCENDING, InsertOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

Fact = dict[str, Any]


class ReportingStore:
    def __init__(self, db: Database):
        self.db = db
        self.facts = db["facts"]
        self.erased = db["erased"]
        self.closed = db["closed_periods"]

    def ensure_indexes(self) -> None:
        self.facts.create_index([("customer_id", ASCENDING)])

    def add(self, facts: Iterable[Fact], session: Any = None) -> int:
        """Store new facts (a redelivered event's fact is already there: no-op); facts of
        an erased customer arriving late are turned away. Returns how many were new."""
        facts = list(facts)
        if not facts:
            return 0
        ids = sorted({f["customer_id"] for f in facts})
        gone = {d["_id"] for d in self.erased.find({"_id": {"$in": ids}}, session=session)}
        new = [f for f in facts if f["customer_id"] not in gone]
        if not new:
            return 0
        try:  # inserts, not upserts: an upsert costs the embedded database twice as much
            return len(self.facts.insert_many(new, ordered=False, session=session).inserted_ids)
        except BulkWriteError as exc:  # a redelivered event's facts are there already
            errors = exc.details["writeErrors"]
            if any(e["code"] != 11000 for e in errors):
                raise
            return exc.details["nInserted"]

    def everything(self) -> list[Fact]:
        return list(self.facts.find({}))

    def is_erased(self, customer_id: str, session: Any = None) -> bool:
        return self.erased.find_one({"_id": customer_id}, session=session) is not None

    def facts_of(self, ids: list[str], session: Any = None) -> list[Fact]:
        return list(self.facts.find({"customer_id": {"$in": ids}}, session=session))

    def replace_erased(self, ids: list[str], old: list[Fact], new: list[Fact],
                       erased_at: datetime, session: Any = None) -> None:
        """Swap the person's facts for their anonymous copies and keep the tombstone."""
        if old:
            self.facts.delete_many({"_id": {"$in": [f["_id"] for f in old]}}, session=session)
        if new:
            self.facts.bulk_write([InsertOne(f) for f in new], session=session)
        self.erased.bulk_write([UpdateOne({"_id": i}, {"$setOnInsert": {"at": erased_at}},
                                          upsert=True) for i in ids], session=session)

    def frozen(self, key: str) -> dict | None:
        return self.closed.find_one({"_id": key})

    def freeze(self, key: str, rows: list[dict], computed_at: datetime) -> None:
        self.closed.replace_one({"_id": key}, {"_id": key, "rows": rows,
                                               "computed_at": computed_at}, upsert=True)
