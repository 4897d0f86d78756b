"""Ingestion: the single door for customer lists (AMQP, HTTP, list imports).

Every input ends in exactly one place: the accepted records (idempotent on
(source, external_id)) or the reject store with its reason. Entry points stay
thin: decoding and limits here, decisions in domain/, storage in storage.py.
"""
from __future__ import annotations

import json
import logging

from kombu import Exchange, Queue
from nameko.dependency_providers import Config
from nameko.events import event_handler
from common.rpcs import rpc
from werkzeug.wrappers import Response

from common.base import ServiceBase
from common.batch import batch_consume, reliable_batch, sender
from common.messaging import UNDECODABLE
from common.mongo import MongoStore, in_transaction
from common.reliability import reliable
from contracts import names
from contracts.schemas import load_event

from . import handlers, metrics
from .operators import OperatorAdmin
from .clients import ClientAdmin
from .domain.clients import bearer_token
from .intake_auth import (ERASE_NOT_ALLOWED, NO_USER_ID, SOURCE_NOT_ALLOWED, UNAUTHENTICATED,
                          forbidden, forbidden_result, sender_consume, split_records)
from .intake_server import intake_http
from .keys import KeyRotation
from .dependencies import Pipeline
from .handlers import Entry
from .domain.erasure import ERASED_ERROR, ERASED_REASON
from .domain.repair import field_errors
from .erasure import request_erasure, seal_erased
from .refused import count_refused, insert_refused
from .replay import replay_rejects
from .import_book import (accepted_keys, batch_increments, import_counts, resolve_answered,
                          resolve_rejects)
from .import_check import check_rows
from .storage import IngestionStore

log = logging.getLogger(__name__)

_INTAKE_EXCHANGE = Exchange(names.INTAKE_EXCHANGE, type="topic", durable=True)
INTAKE = Queue(names.INTAKE_QUEUE, durable=True, routing_key=names.INTAKE_ROUTING_KEY,
               exchange=_INTAKE_EXCHANGE)
# Erasure requests get their own queue: a backlog of records never delays them.
ERASE_QUEUE = "crm.intake.erase"
ERASE = Queue(ERASE_QUEUE, durable=True, routing_key=names.INTAKE_ERASE_ROUTING_KEY,
              exchange=_INTAKE_EXCHANGE)


class IngestionService(ClientAdmin, OperatorAdmin, KeyRotation, ServiceBase):
    name = "ingestion"
    store = MongoStore(IngestionStore)
    pipeline = Pipeline()
    config = Config()

    @batch_consume(INTAKE, senders=True)
    @reliable_batch
    def on_intake(self, payloads: list) -> None:
        """A batch of messages, each a record or a JSON array of records (upstream
        batches), as one unit of work; a huge one goes in slices of the HTTP limit so
        that no transaction grows without bound (a redelivery finds the done slices
        'unchanged'). A message from no active client (its `user_id`), a record of a
        source its client may not write and an undecodable body become rejects in the
        unit of work of the batch's records (refused.py): a re-run adds none twice."""
        records, refused = [], []
        for user, body in map(sender, payloads):
            client = self.clients.by_broker_user(user)
            if client is None:
                refused.append((UNAUTHENTICATED, [NO_USER_ID], body))
            elif _undecodable(body):
                refused.append(("undecodable", [body["error"]], body["raw"]))
            else:
                for raw in body if isinstance(body, list) else [body]:
                    errors = forbidden(client, raw)
                    if errors is None:
                        records.append(raw)
                    else:
                        refused.append((SOURCE_NOT_ALLOWED, errors, raw))
        kept: list[dict] = []

        def keep(_results, session) -> None:  # re-run with the transaction: replaced
            kept[:] = insert_refused(self.store, self.pipeline, "amqp", refused, session)

        step = self._max_records()
        for start in range(0, len(records), step):
            self.ingest_many([Entry(raw) for raw in records[start:start + step]], "amqp",
                             extra=keep if start == 0 and refused else None)
        if refused and not records:
            in_transaction(self.store.db, lambda session: keep(None, session))
        count_refused("amqp", kept)

    @sender_consume(ERASE)
    @reliable
    def on_erase_request(self, payload) -> None:
        """Upstream `customer.erase` (one request or an array) from a client that may
        erase: validated and passed on to dedup as `customer.erasure_requested`; bad
        ones, and any from another sender, become rejects."""
        user, body = sender(payload)
        client = self.clients.by_broker_user(user)
        if client is None or not client.get("may_erase"):
            reason = UNAUTHENTICATED if client is None else ERASE_NOT_ALLOWED
            errors = [NO_USER_ID] if client is None else \
                [f"client {client['_id']} may not request erasures"]
            self._reject("erase", reason, errors, body)
            return
        if _undecodable(body):
            self._reject("erase", "undecodable", [body["error"]], body["raw"])
            return
        for raw in body if isinstance(body, list) else [body]:
            request_erasure(self, raw)

    @event_handler("dedup", names.CUSTOMER_ERASED)
    @reliable
    def on_customer_erased(self, payload: dict) -> None:
        """Seal this service's copies of an erased customer's records (idempotent)."""
        seal_erased(self, load_event(names.CUSTOMER_ERASED, payload))

    @intake_http("POST", "/v1/customers")
    def http_intake(self, request) -> Response:
        """One record (202, or 400 with field errors) or an array (202, per-record results)
        from a client with a valid bearer token (else 401); a record of a source the
        client may not write gets 403 (a single record) or its own 403 result."""
        config = self.config
        max_bytes = int(config.get("http_max_bytes", 5_000_000))
        max_records = self._max_records()
        client = self.clients.by_token(bearer_token(request.headers.get("Authorization")))
        if client is None:
            _discard(request.stream, request.content_length or 0)
            return _unauthorized()
        if (request.content_length or 0) > max_bytes:
            _discard(request.stream, request.content_length)
            return _json(413, {"error": f"body larger than {max_bytes} bytes"})
        raw_bytes = request.get_data()
        if len(raw_bytes) > max_bytes:  # chunked bodies carry no Content-Length
            return _json(413, {"error": f"body larger than {max_bytes} bytes"})
        try:
            body = json.loads(raw_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            metrics.RECEIVED.labels("http", "-").inc()
            result = self._reject("http", "undecodable", [_short(exc)],
                                  raw_bytes.decode("utf-8", "replace"))
            return _json(400, {**result, "error": "body is not valid UTF-8 JSON"})
        records = body if isinstance(body, list) else [body]
        if len(records) > max_records:
            return _json(413, {"error": f"at most {max_records} records per request"})
        results = self._judged(client, records)
        if not isinstance(body, list) and results[0].get("code") == 403:
            return _json(403, results[0])
        if not isinstance(body, list) and results[0]["status"] == "rejected":
            return _json(400, {**results[0], "fields": field_errors(results[0]["errors"])})
        return _json(202, {"results": results})

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
        entries = [Entry(raw, batch_id, row_number, unreadable=isinstance(raw, str))
                   for row_number, raw in rows]

        def tally(results: list[dict], session) -> None:
            self.store.count_batch(batch_id, batch_increments(import_counts(results)),
                                   finished, session)
            resolve_rejects(self.store.rejects, accepted_keys([e.raw for e in entries], results),
                            batch_id, session)
            resolve_answered(self.store.rejects, [e.row for e in entries], results,
                             answers or {}, batch_id, session)

        counts = import_counts(self.ingest_many(entries, "import", extra=tally))
        for key in ("accepted", "rejected", "unchanged"):
            if counts[key]:
                metrics.IMPORT_ROWS.labels(key).inc(counts[key])
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
    def ingest(self, raw, channel: str, batch_id: str | None = None, row: int | None = None,
               replay: bool = False) -> dict:
        """One record (reject replays): an array of one."""
        return handlers.ingest_batch(self.store, self.events, self.pipeline,
                                     [Entry(raw, batch_id, row)], channel, replay)[0]

    def ingest_many(self, entries: list[Entry], channel: str, extra=None) -> list[dict]:
        """An array as one unit of work (handlers.ingest_batch): one result per entry."""
        return handlers.ingest_batch(self.store, self.events, self.pipeline, entries,
                                     channel, extra=extra)

    def _judged(self, client: dict, records: list) -> list[dict]:
        """The HTTP array's results in its order: refused records never reach the pipeline."""
        allowed, refused = split_records(client, records)
        done = iter(self.ingest_many([Entry(records[i]) for i in allowed], "http")) \
            if allowed else iter(())
        for _ in refused:
            metrics.REJECTED.labels("http", SOURCE_NOT_ALLOWED).inc()
        return [forbidden_result(refused[i]) if i in refused else next(done)
                for i in range(len(records))]

    def _max_records(self) -> int:
        return int(self.config.get("http_max_records", 1000))

    def _reject(self, channel, reason, errors, raw, batch_id=None, row=None,
                replay: bool = False) -> dict:
        """Keep an unusable input (raw encrypted); for an erased (source, external_id)
        nothing of the input is kept but its key, whatever else was wrong with it."""
        source, external_id = (_text(raw.get("source")), _text(raw.get("external_id"))) \
            if isinstance(raw, dict) else (None, None)
        if reason == ERASED_REASON or (channel != "erase" and source and external_id
                                       and self.store.is_erased(source, external_id)):
            reason, errors = ERASED_REASON, [ERASED_ERROR]
            if replay:
                return {"status": "rejected", "reason": reason, "errors": errors}
            sealed, excerpt = None, ""
        else:
            sealed, excerpt = self.pipeline.seal_raw(raw)
        reject_id = self.store.add_reject(channel, reason, errors, sealed, excerpt, batch_id,
                                          row, source, external_id)
        metrics.REJECTED.labels(channel, reason).inc()
        log.info("rejected %s input %s: %s", channel, reject_id, reason)
        return {"status": "rejected", "reason": reason, "errors": errors, "reject_id": reject_id}


def _discard(stream, length: int, cap: int = 64 * 1024 * 1024) -> None:
    """Read a refused body without keeping it: a server that answers before the
    client has sent everything gets its connection reset instead of a 413."""
    left = min(length, cap)
    while left > 0:
        chunk = stream.read(min(left, 65536))
        if not chunk:
            return
        left -= len(chunk)


def _short(exc: Exception) -> str:
    """An error text without the input: UnicodeDecodeError/JSONDecodeError carry none."""
    return f"{type(exc).__name__}: {exc}"[:300]


def _unauthorized() -> Response:
    response = _json(401, {"error": UNAUTHENTICATED,
                           "detail": "send Authorization: Bearer <token> of an active client"})
    response.headers["WWW-Authenticate"] = 'Bearer realm="crm-intake"'
    return response


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _undecodable(body) -> bool:
    """The tolerant consumer's marker, not an upstream body that merely looks like it."""
    return (isinstance(body, dict) and body.get(UNDECODABLE) is True
            and isinstance(body.get("error"), str) and isinstance(body.get("raw"), str))
