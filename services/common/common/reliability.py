"""Handlers that never let a message vanish.

nameko acknowledges a message whose handler raised. So every consuming handler is
wrapped: a transient failure (database or broker unreachable) is retried in place
with capped exponential backoff, the message staying unacknowledged meanwhile; a
permanent failure (invalid content, a bug) parks the message with its reason in the
service's `parked` collection, where operators list and replay it.

Bounds, so one bad message never holds a worker for ever:
  * a contract violation (marshmallow ValidationError) is parked at once: retrying
    cannot change the content;
  * any other error is tried PERMANENT_ATTEMPTS times (a race may clear), then parked;
  * a transient error is retried as long as the database is down; after
    TRANSIENT_ATTEMPTS tries with the database answering, the "transient" error is
    evidently caused by the message itself, and it is parked.
Parking is idempotent (one row per entrypoint and event id), so a redelivery of a
message that was parked just before a crash does not park it twice.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import socket
import traceback
from typing import Any, Callable

import eventlet
from amqp.exceptions import RecoverableConnectionError
from kombu.exceptions import OperationalError
from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING
from pymongo.errors import (AutoReconnect, BulkWriteError, ConnectionFailure, ExecutionTimeout,
                            OperationFailure, PyMongoError, ServerSelectionTimeoutError,
                            WaitQueueTimeoutError)

from . import clock
from .inflight import busy
from .metrics import HANDLER_ERRORS, HANDLER_SECONDS, MESSAGES_CONSUMED
from .mongo import connect
from .pii import mask_text

log = logging.getLogger(__name__)
# AutoReconnect covers NotPrimaryError, NetworkTimeout and PoolClearedError
TRANSIENT = (ConnectionFailure, AutoReconnect, ServerSelectionTimeoutError,
             WaitQueueTimeoutError, ExecutionTimeout, OperationalError,
             RecoverableConnectionError, ConnectionError, socket.timeout, TimeoutError)
# server codes that mean "shutting down / stepping down / interrupted", not "bad request"
TRANSIENT_CODES = {6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436}
PERMANENT_ATTEMPTS = 3
TRANSIENT_ATTEMPTS = 12


def is_transient(exc: BaseException) -> bool:
    """True for failures of the environment (database, broker), not of the message."""
    if isinstance(exc, TRANSIENT):
        return True
    if isinstance(exc, BulkWriteError):
        codes = {e.get("code") for e in exc.details.get("writeErrors", [])}
        return bool(codes) and codes <= TRANSIENT_CODES
    if isinstance(exc, PyMongoError):
        if exc.has_error_label("RetryableWriteError") or \
                exc.has_error_label("TransientTransactionError"):
            return True
        return isinstance(exc, OperationFailure) and exc.code in TRANSIENT_CODES
    return False


def backoff(attempt: int, base: float = 0.5, cap: float = 10.0) -> float:
    return min(cap, base * (2 ** attempt))


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

    def ensure_indexes(self) -> None:
        self.collection.create_index([("key", ASCENDING)], unique=True, sparse=True)

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
            {"$set": {"entrypoint": entrypoint, "payload": payload, "reason": reason,
                      "detail": mask_text(detail)[-4000:], "attempts": attempts,
                      "parked_at": clock.now(), "replayed": False},
             "$inc": {"times_parked": 1}},
            upsert=True)
        if done.upserted_id is not None:
            return str(done.upserted_id)
        return str(self.collection.find_one({"key": key}, {"_id": 1})["_id"])

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
        names and figures) and are never replayed; the row stays as a trace."""
        if not customer_ids:
            return 0
        about = {"$or": [{"payload.customer_id": {"$in": customer_ids}},
                         {"payload.customer.customer_id": {"$in": customer_ids}}]}
        return self.collection.update_many(about, {"$set": {
            "payload": {"erased": True}, "detail": "", "replayed": True,
            "reason": "customer erased"}}).modified_count

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


class Parking(DependencyProvider):
    """The service's store of messages that failed permanently."""

    def setup(self) -> None:
        self.parked = ParkedMessages(
            connect(self.container.config, self.container.service_name)["parked"])
        self.parked.ensure_indexes()

    def stop(self) -> None:
        self.parked.collection.database.client.close()

    def get_dependency(self, worker_ctx) -> ParkedMessages:
        return self.parked


def reliable(handler: Callable) -> Callable:
    """Retry transient failures in place; park permanent ones (needs `self.parked`)."""

    def attempt(self, payload, *args, **kwargs):
        transient = permanent = 0
        labels = (self.name, handler.__name__)
        MESSAGES_CONSUMED.labels(*labels).inc()
        while True:
            try:
                with HANDLER_SECONDS.labels(*labels).time():
                    return handler(self, payload, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - sorted below, never swallowed
                if is_transient(exc):
                    transient += 1
                    if retry_transient(self, labels, transient, exc, handler.__name__):
                        continue
                else:
                    HANDLER_ERRORS.labels(*labels, "permanent").inc()
                    permanent += 1
                    if permanent < PERMANENT_ATTEMPTS and not isinstance(exc, ValidationError):
                        log.warning("%s: failed (%s), attempt %d of %d", handler.__name__,
                                    type(exc).__name__, permanent, PERMANENT_ATTEMPTS)
                        eventlet.sleep(0.2 * permanent)
                        continue
                log.error("%s: message parked after %d attempt(s): %s", handler.__name__,
                          transient + permanent, mask_text(str(exc))[:300])
                _park(self, handler.__name__, payload, exc, transient + permanent)
                return None

    @functools.wraps(handler)
    def wrapper(self, payload, *args, **kwargs):
        with busy():  # retries and parking included: `crm drain` waits for all of it
            return attempt(self, payload, *args, **kwargs)
    return wrapper


def retry_transient(service, labels: tuple[str, str], transient: int, exc: Exception,
                    what: str) -> bool:
    """Count the `transient`-th transient failure; back off and say "retry" while the
    database is down, or while the failure has not outlasted TRANSIENT_ATTEMPTS with the
    database answering (then the message itself is the cause: park or isolate it)."""
    HANDLER_ERRORS.labels(*labels, "transient").inc()
    if transient < TRANSIENT_ATTEMPTS or not _database_answers(service):
        delay = backoff(min(transient - 1, 8))
        log.warning("%s: transient failure (%s: %s), retry %d in %.1fs", what,
                    type(exc).__name__, str(exc)[:200], transient, delay)
        eventlet.sleep(delay)
        return True
    return False


def _database_answers(service) -> bool:
    try:
        service.parked.collection.database.command("ping")
        return True
    except Exception:  # noqa: BLE001 - any failure: treat as down, keep retrying
        return False


def _park(service, entrypoint: str, payload: Any, exc: Exception, attempts: int) -> None:
    attempt = 0
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    while True:
        try:
            service.parked.park(entrypoint, payload, mask_text(f"{type(exc).__name__}: {exc}")[:1000],
                                detail, attempts)
            return
        except Exception as err:  # noqa: BLE001 - the database is down: wait for it
            if not is_transient(err):
                raise
            eventlet.sleep(backoff(min(attempt, 5)))
            attempt += 1
