"""`Idempotency-Key` on the HTTP intake: a retried request gets the first answer.

An upstream system whose request timed out cannot know whether it was handled, so it
sends it again. Its records are idempotent on (source, external_id), but its bad
records would be kept as rejects a second time, and the second answer ('unchanged')
would not say what the first did. A client that sends `Idempotency-Key` (its own
value, unique per request) gets, for the same key and the same body, the answer the
first request got, marked `Idempotent-Replayed: true`, and nothing is kept twice; the
same key with another body is refused (422), as the IETF draft on the header asks.

The answer is kept in the request's unit of work (the records, the rejects and the
events commit with it), so a crash leaves either all of it or none. Two requests
with one key at once: the second's commit finds the first's answer (a duplicate key
or a write conflict runs its unit of work again) and gives it back. Answers are kept
for at least KEEP_HOURS, keyed by the client: one client's keys never
answer another. The body is kept only as a keyed digest. An answer holds record ids,
reject ids, reasons and error texts, which may quote an input: an erasure drops every
answer naming the person's records or rejects (`forget`, by the indexed `names`).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from common import clock

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_HOURS = 24
MAX_KEY = 255


class Answered(Exception):
    """The key was answered already (by a request that committed first): the unit of
    work that found it is abandoned, and this answer is given instead."""

    def __init__(self, row: dict) -> None:
        super().__init__(row["_id"])
        self.row = row


def key_problem(key: str) -> str | None:
    """Why a header value cannot serve as a key, or None: 1-255 printable ASCII."""
    if not 1 <= len(key) <= MAX_KEY or not all(" " < ch <= "~" for ch in key):
        return f"{HEADER} must be 1 to {MAX_KEY} printable ASCII characters, no spaces"
    return None


def mismatch(row: dict, digest: str) -> bool:
    """The key's first request had another body: answering it would mislead."""
    return row.get("digest") != digest


class HttpAnswers:
    """The kept answers (`http_answers`): _id is the client's name and the key."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection

    def ensure_indexes(self) -> None:
        # expired by `expire` (ingestion's timer), not by a TTL index: the embedded
        # database's TTL sweeper scans such a collection under the engine's global lock
        # every minute, and a CI run with one saw that database stall under a busy
        # intake; the same delete works on MongoDB
        self.collection.create_index([("at", ASCENDING)])
        self.collection.create_index([("names", ASCENDING)])  # an erasure's answers

    def expire(self, now: datetime) -> int:
        """Drop the answers older than KEEP_HOURS (by the `at` index) -> how many."""
        return self.collection.delete_many(
            {"at": {"$lt": now - timedelta(hours=KEEP_HOURS)}}).deleted_count

    def forget(self, names: list[str], session: Any = None) -> int:
        """Drop the answers naming any of these record or reject ids (an erasure:
        their error texts may quote the person); a retry is then judged again."""
        return self.collection.delete_many({"names": {"$in": names}},
                                           session=session).deleted_count if names else 0

    def prior(self, client: str, key: str, session: Any = None) -> dict | None:
        return self.collection.find_one({"_id": _id(client, key)}, session=session)

    def keep(self, client: str, key: str, digest: str, status: int, answer: dict,
             session: Any = None) -> None:
        """Keep the answer in `session` (the request's unit of work); one found there
        first raises Answered, which abandons the unit of work. Without a session
        (a request that wrote nothing else) a duplicate key means the same."""
        found = self.prior(client, key, session)
        if found is not None:
            raise Answered(found)
        row = {"_id": _id(client, key), "client": client, "digest": digest,
               "status": status, "answer": answer, "names": names_in(answer),
               "at": clock.now()}
        try:
            self.collection.insert_one(row, session=session)
        except DuplicateKeyError:
            if session is not None:
                raise  # in_transaction runs the unit of work again, which finds it
            raise Answered(self.prior(client, key) or row) from None


def names_in(answer: dict) -> list[str]:
    """The record and reject ids an answer names, by which an erasure finds it."""
    results = answer.get("results") if isinstance(answer.get("results"), list) else [answer]
    return sorted({r[k] for r in results if isinstance(r, dict)
                   for k in ("record_id", "reject_id") if isinstance(r.get(k), str)})


def _id(client: str, key: str) -> str:
    return f"{client}|{key}"
