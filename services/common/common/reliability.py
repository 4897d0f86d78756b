"""Handlers that never let a message vanish.

nameko acknowledges a message whose handler raised. So every consuming handler is
wrapped: a transient failure (database or broker unreachable) is retried in place
with capped exponential backoff, the message staying unacknowledged meanwhile; a
permanent failure (invalid content, a bug) parks the message with its reason in the
service's `parked` collection, where operators list and replay it.
"""
from __future__ import annotations

import functools
import logging
import time
import traceback
from datetime import datetime, timezone
from typing import Any, Callable

import eventlet
from kombu.exceptions import OperationalError
from nameko.extensions import DependencyProvider
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError, WaitQueueTimeoutError

from .metrics import HANDLER_ERRORS, HANDLER_SECONDS, MESSAGES_CONSUMED
from .mongo import connect
from .pii import mask_text

log = logging.getLogger(__name__)
TRANSIENT = (ConnectionFailure, ServerSelectionTimeoutError, WaitQueueTimeoutError,
             OperationalError, ConnectionError)


def backoff(attempt: int, base: float = 0.5, cap: float = 10.0) -> float:
    return min(cap, base * (2 ** attempt))


class ParkedMessages:
    def __init__(self, collection):
        self.collection = collection

    def park(self, entrypoint: str, payload: Any, reason: str, detail: str = "") -> str:
        doc = {"entrypoint": entrypoint, "payload": payload, "reason": reason,
               "detail": mask_text(detail)[-4000:], "parked_at": datetime.now(timezone.utc),
               "replayed": False}
        return str(self.collection.insert_one(doc).inserted_id)

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

    def mark_replayed(self, parked_id) -> None:
        self.collection.update_one({"_id": parked_id}, {"$set": {"replayed": True}})


class Parking(DependencyProvider):
    """The service's store of messages that failed permanently."""

    def setup(self) -> None:
        self.parked = ParkedMessages(
            connect(self.container.config, self.container.service_name)["parked"])

    def get_dependency(self, worker_ctx) -> ParkedMessages:
        return self.parked


def reliable(handler: Callable) -> Callable:
    """Retry transient failures in place; park permanent ones (needs `self.parked`)."""

    @functools.wraps(handler)
    def wrapper(self, payload, *args, **kwargs):
        attempt = 0
        labels = (self.name, handler.__name__)
        MESSAGES_CONSUMED.labels(*labels).inc()
        while True:
            try:
                with HANDLER_SECONDS.labels(*labels).time():
                    return handler(self, payload, *args, **kwargs)
            except TRANSIENT as exc:
                HANDLER_ERRORS.labels(*labels, "transient").inc()
                delay = backoff(attempt)
                log.warning("%s: transient failure (%s), retry in %.1fs",
                            handler.__name__, type(exc).__name__, delay)
                eventlet.sleep(delay)
                attempt += 1
            except Exception as exc:
                HANDLER_ERRORS.labels(*labels, "permanent").inc()
                log.error("%s: permanent failure, message parked: %s", handler.__name__, exc)
                _park(self, handler.__name__, payload, exc)
                return None
    return wrapper


def _park(service, entrypoint: str, payload: Any, exc: Exception) -> None:
    attempt = 0
    while True:
        try:
            service.parked.park(entrypoint, payload, f"{type(exc).__name__}: {exc}",
                                traceback.format_exc())
            return
        except TRANSIENT:
            time.sleep(backoff(attempt))
            attempt += 1
