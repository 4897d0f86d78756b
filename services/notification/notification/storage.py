"""Notification's collections: the outbox of messages, who maintains whom, preferences."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import clock

from .domain.erasure import CANCELLABLE, Seal, cancel_message, seal_message, tombstone


LEASE_SECONDS = 30


class NotificationStore:
    def __init__(self, db: Database):
        self.db = db
        self.outbox = db["notifications"]
        self.maintained = db["maintained"]
        self.preferences = db["preferences"]

    def ensure_indexes(self) -> None:
        self.outbox.create_index([("event_id", ASCENDING), ("recipient", ASCENDING),
                                  ("channel", ASCENDING)], unique=True)
        self.outbox.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
        self.outbox.create_index([("subjects", ASCENDING)])  # erasure: messages about a person

    def lease_due(self, limit: int = 200) -> list[dict]:
        """Claim due messages one by one, so two replicas never send the same one.

        One indexed read of the due messages, then a compare-and-set per message
        (see `unchanged`) that moves its lease forward only if nobody touched it since
        the read: a message another replica leased, sent or cancelled meanwhile is
        left out. Not findAndModify, which reads the whole outbox on SecantusDB.
        """
        now = clock.now()
        due = self.outbox.find({"status": "pending", "next_attempt_at": {"$lte": now}}
                               ).sort("next_attempt_at", 1).limit(limit)
        lease = {"$set": {"next_attempt_at": now + timedelta(seconds=LEASE_SECONDS)}}
        return [doc for doc in list(due)
                if self.outbox.update_one(unchanged(doc), lease).matched_count == 1]

    def listing(self, status: str | None = None, limit: int = 1000) -> list[dict]:
        query = {"status": status} if status else {}
        return [_view(r) for r in self.outbox.find(query).sort("created_at", 1).limit(limit)]

    def requeue_failed(self, notification_id: str | None) -> int:
        query = {"status": "failed"}
        if notification_id:
            query["_id"] = ObjectId(notification_id)
        return self.outbox.update_many(query, {
            "$set": {"status": "pending", "attempts": 0, "next_attempt_at": clock.now()},
            "$inc": {"requeued": 1}}).modified_count

    def counts(self) -> dict:
        """Messages still needing action, per status. Delivered ones are not counted
        (they are ``crm_notification_messages_total``): counting them scans the whole,
        ever-growing outbox, while these two statuses are small and use the index."""
        return {status: self.outbox.count_documents({"status": status})
                for status in ("pending", "failed")}

    def oldest_pending(self) -> datetime | None:
        row = self.outbox.find_one({"status": "pending"}, sort=[("created_at", 1)])
        return row["created_at"] if row else None

    def set_maintainer(self, customer_id: str, manager_id: str | None) -> bool:
        """Record the maintainer; True when the customer is erased.

        One conditional upsert in the usual case: it matches (or creates) a row that
        is not erased. Only an erased row makes it fail (its _id exists, so the
        upsert's insert is a duplicate); the maintainer is then set on that row,
        which reports the erasure. Erasure is never undone, so this ends.
        """
        update = {"$set": {"manager_id": manager_id}}
        while True:
            try:
                self.maintained.update_one({"_id": customer_id, "erased": {"$ne": True}},
                                           update, upsert=True)
                return False
            except DuplicateKeyError:  # erased, or a concurrent upsert created the row
                if self.maintained.update_one({"_id": customer_id, "erased": True},
                                              update).matched_count == 1:
                    return True

    def maintainer_of(self, customer_id: str) -> str | None:
        return self.maintenance(customer_id).get("manager_id")

    def maintenance(self, customer_id: str) -> dict:
        """The customer's row: `manager_id`, and `erased` once the person is erased."""
        return self.maintained.find_one({"_id": customer_id}) or {}

    def is_erased(self, customer_id: str) -> bool:
        return bool(self.maintenance(customer_id).get("erased"))

    def mark_erased(self, customer_ids: list[str], erased_at: datetime,
                    session: Any = None) -> None:
        """The tombstone every later event checks (upserted: the customer may be unknown)."""
        seal = tombstone(erased_at)
        self.maintained.bulk_write([UpdateOne({"_id": cid}, seal_update(seal), upsert=True)
                                    for cid in customer_ids], ordered=False, session=session)

    def seal_messages(self, subject_ids: list[str], session: Any = None) -> int:
        """Cancel what is not sent yet, then strip the text of every message about the
        person (both by the `subjects` index). Returns how many were cancelled."""
        about = {"subjects": {"$in": subject_ids}}
        cancelled = self.outbox.update_many({**about, "status": {"$in": list(CANCELLABLE)}},
                                            seal_update(cancel_message()),
                                            session=session).modified_count
        self.outbox.update_many({**about, "erased": {"$ne": True}}, seal_update(seal_message()),
                                session=session)
        return cancelled

    def preferences_of(self, recipient: str) -> dict:
        return self.preferences.find_one({"_id": recipient}) or {}

    def set_preferences(self, recipient: str, prefs: dict) -> None:
        self.preferences.update_one({"_id": recipient}, {"$set": prefs}, upsert=True)


def unchanged(doc: dict) -> dict:
    """A filter matching `doc` only while every field read is still what was read.

    With it, `find` + `update_one` is a compare-and-set on the whole document: the
    update happens only if no other writer changed the document since the read, so
    the document read is exactly the one the update applied to (what findAndModify
    returned). `$eq` keeps stored values literal (a key like `$x` is not an operator).
    """
    return {"_id": doc["_id"], **{k: {"$eq": v} for k, v in doc.items() if k != "_id"}}


def seal_update(seal: Seal) -> dict:
    """A domain Seal as a MongoDB update document."""
    update: dict = {"$set": dict(seal.set)}
    if seal.unset:
        update["$unset"] = {f: "" for f in seal.unset}
    return update


def _view(r: dict) -> dict:
    return {"id": str(r["_id"]), "event_id": r["event_id"], "recipient": r["recipient"],
            "channel": r["channel"], "status": r["status"], "language": r.get("language"),
            "text": r["text"], "attempts": r.get("attempts", 0), "error": r.get("error"),
            "created_at": r["created_at"].isoformat()}
