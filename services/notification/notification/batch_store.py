"""Notification's reads and writes for a batch as one unit of work (notification.handlers).

Apart from storage.py, which keeps the one-row operations (erasure, the retry timer's
leases, the operator's commands). Reads are one `$in` per collection; writes are
inserts where the read found nothing (ten times cheaper than upserts on the embedded
database) and updates by `_id` where it found a row. A row inserted by someone else
since the read is a duplicate key that aborts the transaction: the caller runs the
unit of work again from its reads.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterable

from pymongo import InsertOne, UpdateOne
from pymongo.collection import Collection

from common import clock
from common.mongo import find_in

from .domain.batch import Attempt, Key, first_attempt_fields, message_key
from .domain.erasure import CANCELLED


def by_ids(collection: Collection, ids: Iterable[str], session) -> dict[str, dict]:
    return {row["_id"]: row for row in find_in(collection, "_id", ids, session)}


def queued_keys(outbox: Collection, event_ids: Iterable[str], session) -> set[Key]:
    """The (event id, recipient, channel) already queued, through the unique index."""
    rows = find_in(outbox, "event_id", event_ids, session,
                   {"event_id": 1, "recipient": 1, "channel": 1})
    return {message_key(r) for r in rows}


def set_fields(collection: Collection, fields: dict[str, dict], known: Iterable[str],
               session) -> None:
    """`$set` each id's fields: an update by `_id` for rows the read found, an insert
    for the others (what the one-by-one upsert did)."""
    known = set(known)
    ops = [UpdateOne({"_id": cid}, {"$set": values}) if cid in known
           else InsertOne({"_id": cid, **values}) for cid, values in fields.items()]
    if ops:
        collection.bulk_write(ops, ordered=False, session=session)


def record_messages(outbox: Collection, attempted: list[tuple[dict, Attempt | None]],
                    session) -> list[dict]:
    """Insert the batch's messages as their first attempt left them (one insert, no
    update after it: on the embedded database an update costs three inserts)."""
    now = clock.now()
    docs = [{**row, **first_attempt_fields(attempt, now), "created_at": now}
            for row, attempt in attempted]
    if docs:
        outbox.insert_many(docs, ordered=False, session=session)
    return docs


def record_attempts(outbox: Collection, attempts: list[tuple[dict, Attempt]],
                    session: Any = None) -> None:
    """Every delivery attempt of a batch in one write. A failure never turns a message
    cancelled meanwhile (erasure) into one that is retried or requeued."""
    now, ops = clock.now(), []
    for doc, attempt in attempts:
        if attempt.status == "sent":
            ops.append(UpdateOne({"_id": doc["_id"]},
                                 {"$set": {"status": "sent", "sent_at": now}}))
            continue
        update = {"attempts": attempt.attempts, "error": (attempt.error or "")[:500]}
        if attempt.delay is None:
            update["status"] = "failed"
        else:
            update["next_attempt_at"] = now + timedelta(seconds=attempt.delay)
        ops.append(UpdateOne({"_id": doc["_id"], "status": {"$ne": CANCELLED}},
                             {"$set": update}))
    if ops:
        outbox.bulk_write(ops, ordered=False, session=session)
