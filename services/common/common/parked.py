"""The parked messages: one row per message that failed permanently, for operators to
list, repair and replay (`crm parked`).

A message is kept as it came. One that the database cannot store as a document (a
string holding a lone surrogate, which JSON may carry as an escape but BSON refuses,
or more than the document limit) is kept as its JSON text instead (`payload_json`,
escaped, cut at MAX_TEXT): refused, the parking raised and the message was lost (nameko
acknowledges a message whose handler raised) or, in a batch, redelivered for ever.
Every row names the customers it is about (`about`), for an erasure to find by index.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Iterable

from bson.errors import InvalidDocument
from pymongo import ASCENDING
from pymongo.errors import DocumentTooLarge

from . import clock
from .pii import mask_text

MAX_TEXT = 4_000_000  # characters of a payload kept as text (a document holds 16 MB)
UNSTORABLE = (UnicodeEncodeError, InvalidDocument, DocumentTooLarge)


def message_key(entrypoint: str, payload: Any) -> str:
    """One parked row per message: its event id, else a hash of its content."""
    event_id = payload.get("event_id") if isinstance(payload, dict) else None
    if not isinstance(event_id, str):
        text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
        event_id = "sha1:" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
    return f"{entrypoint}|{event_id}"


class ParkedMessages:
    def __init__(self, collection):
        self.collection = collection

    def ensure_indexes(self, payload_indexes: Iterable[tuple[str, ...]] = ()) -> None:
        """`payload_indexes`: payload fields a `seal_payloads` query filters on."""
        self.collection.create_index([("key", ASCENDING)], unique=True, sparse=True)
        self.collection.create_index([("about", ASCENDING)])  # an erasure's rows
        for fields in payload_indexes:
            self.collection.create_index([(f"payload.{f}", ASCENDING) for f in fields])
        for row in self.collection.find({"about": {"$exists": False}}, {"payload": 1}):
            # parked before every row named its customers: named once, here
            self.collection.update_one({"_id": row["_id"], "about": {"$exists": False}},
                                       {"$set": {"about": customers_named(row.get("payload"))}})

    def park(self, entrypoint: str, payload: Any, reason: str, detail: str = "",
             attempts: int = 1) -> str:
        """Store (or refresh) the message's one parked row; a replayed message that
        fails again is listed again, not twice.

        An upsert and, for a row that existed, a read of its id by the unique `key`
        (rows are never deleted, so the id is the one updated): not findAndModify,
        which reads the whole collection on SecantusDB."""
        key = message_key(entrypoint, payload)
        done = self.collection.update_one(
            {"key": key},
            {"$set": {"entrypoint": entrypoint, "payload": payload,
                      "about": customers_named(payload), "reason": reason,
                      "detail": mask_text(detail)[-4000:], "attempts": attempts,
                      "parked_at": clock.now(), "replayed": False},
             "$inc": {"times_parked": 1}},
            upsert=True)
        if done.upserted_id is not None:
            return str(done.upserted_id)
        return str(self.collection.find_one({"key": key}, {"_id": 1})["_id"])

    def park_text(self, entrypoint: str, payload: Any, reason: str, detail: str = "",
                  attempts: int = 1) -> None:
        """Keep a payload the database refused as a document as its JSON text."""
        text = json.dumps(payload, sort_keys=True, default=str)  # escaped: any str
        self.collection.update_one(
            {"key": message_key(entrypoint, payload)},
            {"$set": {"entrypoint": entrypoint, "payload": None,
                      "payload_json": text[:MAX_TEXT], "truncated": len(text) > MAX_TEXT,
                      "about": customers_named(payload), "reason": reason,
                      "detail": mask_text(detail)[-4000:], "attempts": attempts,
                      "parked_at": clock.now(), "replayed": False},
             "$inc": {"times_parked": 1}},
            upsert=True)

    def list(self, limit: int = 100) -> list[dict]:
        rows = self.collection.find({"replayed": False}).sort("parked_at", 1).limit(limit)
        return [{"id": str(r["_id"]), "entrypoint": r["entrypoint"], "reason": r["reason"],
                 "parked_at": r["parked_at"].isoformat()} for r in rows]

    def take(self, parked_id: str | None) -> list[dict]:
        from bson import ObjectId
        query = {"replayed": False}
        if parked_id:
            query["_id"] = ObjectId(parked_id)
        return list(self.collection.find(query))

    def mark_replayed(self, row: dict) -> None:
        """Mark a row taken for replay as done, unless its handler parked the message
        again meanwhile (`times_parked` moved): then it stays listed."""
        self.collection.update_one({"_id": row["_id"], "times_parked": row.get("times_parked")},
                                   {"$set": {"replayed": True}})

    def seal_about(self, customer_ids: list[str]) -> int:
        """An erased person's parked events lose their payload (it may carry masked
        names and figures) and are never replayed; the row stays as a trace. Found by
        `about` (its index), which every row holds: an `$or` over the payload's fields
        read every parked row on the embedded database, once per erasure."""
        if not customer_ids:
            return 0
        about = {"about": {"$in": customer_ids}}
        return self.collection.update_many(about, {"$set": {
            "payload": {"erased": True}, "detail": "", "replayed": True,
            "reason": "customer erased"}, "$unset": {"payload_json": ""}}).modified_count

    def seal_payloads(self, query: dict, seal_payload: Callable[[Any], Any],
                      session: Any = None) -> int:
        """Rewrite the payload of each row matching `query` by `seal_payload`, for an
        erasure that keeps the row replayable (only the person's part of it sealed);
        a payload it leaves as it was is not written. Returns how many were rewritten."""
        sealed = 0
        for row in self.collection.find(query, session=session):
            payload = seal_payload(row["payload"])
            if payload != row["payload"]:
                self.collection.update_one({"_id": row["_id"]}, {"$set": {"payload": payload}},
                                           session=session)
                sealed += 1
        return sealed


def payload_of(row: dict) -> Any:
    """The message a parked row keeps (read back from its text if kept as text);
    None when the text was cut (it cannot be replayed, only read)."""
    if "payload_json" not in row:
        return row["payload"]
    return None if row.get("truncated") else json.loads(row["payload_json"])


def customers_named(payload: Any) -> list[str]:
    """The customers an event is about (as `seal_about` finds them in a payload)."""
    if not isinstance(payload, dict):
        return []
    named = [payload.get("customer_id"), (payload.get("customer") or {}).get("customer_id")
             if isinstance(payload.get("customer"), dict) else None]
    return [c for c in named if isinstance(c, str)]
