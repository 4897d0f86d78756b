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
import logging
import socket
import traceback
from typing import Any, Callable

import eventlet
from amqp.exceptions import RecoverableConnectionError
from kombu.exceptions import OperationalError
from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from pymongo.errors import (AutoReconnect, BulkWriteError, ConnectionFailure, ExecutionTimeout,
                            OperationFailure, PyMongoError, ServerSelectionTimeoutError,
                            WaitQueueTimeoutError)

from .parked import UNSTORABLE, ParkedMessages, message_key  # noqa: F401 - re-exported
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


class Parking(DependencyProvider):
    """The service's store of messages that failed permanently. `indexes`: the payload
    fields (one tuple per index) the service's erasure finds its parked rows by
    (`ParkedMessages.seal_payloads`), so an erasure does not read every parked row."""

    def __init__(self, indexes: tuple[tuple[str, ...], ...] = ()):
        self.indexes = indexes

    def setup(self) -> None:
        self.parked = ParkedMessages(
            connect(self.container.config, self.container.service_name)["parked"])
        self.parked.ensure_indexes(self.indexes)

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
    reason = mask_text(f"{type(exc).__name__}: {exc}")[:1000]
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    park = service.parked.park
    while True:
        try:
            park(entrypoint, payload, reason, detail, attempts)
            return
        except UNSTORABLE:  # not as a document: as its JSON text (common/parked.py)
            if park == service.parked.park_text:
                raise
            park = service.parked.park_text
        except Exception as err:  # noqa: BLE001 - the database is down: wait for it
            if not is_transient(err):
                raise
            eventlet.sleep(backoff(min(attempt, 5)))
            attempt += 1
