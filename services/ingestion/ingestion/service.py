"""Ingestion: the single door for customer lists (AMQP, HTTP, list imports).

Every input ends in exactly one place: the accepted records (idempotent on
(source, external_id)) or the reject store with its reason. Entry points stay
thin: the HTTP intake's answers are http_intake's, a batch's use cases handlers', the
unusable inputs' rejects refused's, decisions domain/'s, storage storage.py's.
"""
from __future__ import annotations

import logging

from kombu import Exchange, Queue
from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.timer import timer
from werkzeug.wrappers import Response

from common import clock
from common.base import ServiceBase
from common.batch import batch_consume, reliable_batch
from common.mongo import MongoStore
from common.reliability import TRANSIENT, Parking, reliable
from common.rpcs import rpc
from contracts import names
from contracts.schemas import load_event

from . import handlers, http_intake, metrics
from .clients import ClientAdmin
from .dependencies import Pipeline
from .domain.clients import bearer_token
from .erasure import PARKED_INDEXES, erase_message, seal_erased
from .handlers import Entry
from .import_check import check_rows
from .intake_auth import delivered, sender_consume, sort_inputs
from .intake_server import intake_http
from .keys import KeyRotation
from .operators import OperatorAdmin
from .refused import count_refused, keep_reject
from .replay import replay_rejects
from .storage import IngestionStore

log = logging.getLogger(__name__)
ANSWERS_SWEEP_SECONDS = 600

_INTAKE_EXCHANGE = Exchange(names.INTAKE_EXCHANGE, type="topic", durable=True)
INTAKE = Queue(names.INTAKE_QUEUE, durable=True, routing_key=names.INTAKE_ROUTING_KEY,
               exchange=_INTAKE_EXCHANGE)
# Erasure requests get their own queue: a backlog of records never delays them.
ERASE_QUEUE = "crm.intake.erase"
ERASE = Queue(ERASE_QUEUE, durable=True, routing_key=names.INTAKE_ERASE_ROUTING_KEY,
              exchange=_INTAKE_EXCHANGE)


class IngestionService(ClientAdmin, OperatorAdmin, KeyRotation, ServiceBase):
    name = "ingestion"
    parked = Parking(indexes=PARKED_INDEXES)
    store = MongoStore(IngestionStore)
    pipeline = Pipeline()
    config = Config()

    @batch_consume(INTAKE, senders=True)
    @reliable_batch
    def on_intake(self, payloads: list) -> None:
        """A batch of messages, each a record or a JSON array of records (upstream
        batches), as one unit of work per slice of the HTTP limit. A message from no
        active client (its `user_id`), a record of a source its client may not write and
        an undecodable body become rejects in that unit of work: a re-run adds none twice."""
        records, refused = sort_inputs(delivered(payloads), self.clients.by_broker_user)
        kept = handlers.intake_batch(self.store, self.events, self.pipeline, records, refused,
                                     self._limits().max_records)
        count_refused("amqp", kept)

    @sender_consume(ERASE)
    @reliable
    def on_erase_request(self, payload) -> None:
        """Upstream `customer.erase` (one request or an array) from a client that may
        erase: validated and passed on to dedup as `customer.erasure_requested`; bad
        ones, and any from another sender, become rejects."""
        [(user, body, came)] = delivered([payload])
        erase_message(self.store, self.events, self.pipeline,
                      self.clients.by_broker_user(user), body, came)

    @event_handler("dedup", names.CUSTOMER_ERASED)
    @reliable
    def on_customer_erased(self, payload: dict) -> None:
        """Seal this service's copies of an erased customer's records (idempotent)."""
        seal_erased(self, load_event(names.CUSTOMER_ERASED, payload))

    @timer(interval=ANSWERS_SWEEP_SECONDS)
    def answers_expiry(self) -> None:
        """Forget the HTTP answers kept for Idempotency-Key beyond their 24 hours
        (idempotency.py; quietly skipped while the database is down)."""
        try:
            self.store.answers.expire(clock.now())
        except TRANSIENT as exc:
            log.warning("kept HTTP answers not expired now: %s", type(exc).__name__)

    @intake_http("POST", "/v1/customers")
    def http_intake(self, request) -> Response:
        """One record or an array from a client with a valid bearer token; the answers
        and their status codes are http_intake's."""
        client = self.clients.by_token(bearer_token(request.headers.get("Authorization")))
        return http_intake.receive(
            request, self._limits(), client, reject=self._reject,
            judge=lambda known, records, extra: http_intake.judged(known, records,
                                                                   self.ingest_many, extra),
            memory=http_intake.Memory(self.store.answers, self.pipeline.input_digest))

    @rpc(role="officer")
    def start_import(self, source: str, imported_by: str, filename: str) -> str:
        metrics.IMPORT_BATCHES.labels("started").inc()
        return self.store.start_batch(source, imported_by, filename)

    @rpc(role="officer")
    def import_rows(self, batch_id: str, rows: list, finished: bool = False,
                    answers: dict | None = None) -> dict:
        """One chunk of a list import, as one unit of work with its batch's counts;
        rows are (row_number, record | error text); `answers` maps a row number (as
        text) to the reject the row is the fixed version of (a re-imported export)."""
        counts = handlers.import_chunk(self.store, self.events, self.pipeline, batch_id, rows,
                                       finished, answers or {})
        if finished:
            metrics.IMPORT_BATCHES.labels("finished").inc()
        return counts

    @rpc(role="officer")
    def import_check(self, rows: list, carry: list | None = None) -> dict:
        """`crm import --dry-run`: rows judged as `import_rows` would, nothing kept or
        sent; `carry` is the previous chunk's answer's (import_check.check_rows)."""
        return check_rows(self.store.records, self.pipeline, rows, carry)

    @rpc(role="viewer")
    def imports_list(self) -> list[dict]:
        return self.store.list_batches()

    @rpc(role="viewer", personal=True)
    def imports_show(self, batch_id: str) -> dict | None:
        return self.store.get_batch(batch_id)

    @rpc(role="viewer", personal=True)
    def rejects_list(self, status: str = "open", limit: int = 1000,
                     batch_id: str | None = None) -> list[dict]:
        return self.store.list_rejects(status, limit, batch_id)

    @rpc(role="viewer", personal=True)
    def rejects_export(self, batch_id: str, limit: int = 100000) -> list[dict]:
        """An import batch's open rejects with their original rows (opened; masked for a
        viewer by the personal gate), in row order, so the list owner can fix them."""
        return [{**self.store.reject_view(doc),
                 "record": self.pipeline.opened_raw(doc["raw"]) if doc.get("raw") else None}
                for doc in self.store.batch_rejects(batch_id, limit)]

    @rpc(role="viewer", personal=True)
    def rejects_show(self, reject_id: str) -> dict | None:
        """One reject with its whole raw input, masked, so an operator can repair it."""
        doc = self.store.get_reject(reject_id)
        if doc is None:
            return None
        raw = doc.get("raw")  # None once erased: nothing of the input was kept
        return {**self.store.reject_view(doc),
                "raw": self.pipeline.masked_raw(raw) if raw else None}

    @rpc(role="officer")
    def rejects_replay(self, reject_id: str | None = None,
                       corrections: dict | None = None) -> dict:
        """Run open rejects through the pipeline again, after the normalizers or the
        data were fixed; `corrections` (path -> value) repair one reject's raw input."""
        return replay_rejects(self, reject_id, corrections)

    # -- the one pipeline behind every channel -------------------------------------
    def ingest_many(self, entries: list[Entry], channel: str, extra=None) -> list[dict]:
        """An array as one unit of work (handlers.ingest_batch): one result per entry."""
        return handlers.ingest_batch(self.store, self.events, self.pipeline, entries,
                                     channel, extra=extra)

    def _limits(self) -> http_intake.Limits:
        return http_intake.Limits(int(self.config.get("http_max_bytes", 5_000_000)),
                                  int(self.config.get("http_max_records", 1000)))

    def _reject(self, channel, reason, errors, raw, batch_id=None, row=None,
                replay: bool = False, extra=None) -> dict:
        """Keep an unusable input (refused.keep_reject)."""
        return keep_reject(self.store, self.pipeline, channel, reason, errors, raw,
                           batch_id, row, replay, extra=extra)
