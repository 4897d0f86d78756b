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
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from common.base import ServiceBase
from common.batch import batch_consume, reliable_batch
from common.messaging import UNDECODABLE, tolerant_consume
from common.mongo import MongoStore
from common.reliability import reliable
from contracts import names
from contracts.schemas import load_event

from . import handlers, metrics
from .audit import AuditTrail
from .keys import KeyRotation
from .dependencies import Pipeline
from .handlers import Entry
from .domain.erasure import ERASED_ERROR, ERASED_REASON
from .domain.repair import field_errors
from .erasure import request_erasure, seal_erased
from .replay import replay_rejects
from .storage import IngestionStore

log = logging.getLogger(__name__)

_INTAKE_EXCHANGE = Exchange(names.INTAKE_EXCHANGE, type="topic", durable=True)
INTAKE = Queue(names.INTAKE_QUEUE, durable=True, routing_key=names.INTAKE_ROUTING_KEY,
               exchange=_INTAKE_EXCHANGE)
# Erasure requests get their own queue: a backlog of records never delays them.
ERASE_QUEUE = "crm.intake.erase"
ERASE = Queue(ERASE_QUEUE, durable=True, routing_key=names.INTAKE_ERASE_ROUTING_KEY,
              exchange=_INTAKE_EXCHANGE)


class IngestionService(AuditTrail, KeyRotation, ServiceBase):
    name = "ingestion"
    store = MongoStore(IngestionStore)
    pipeline = Pipeline()
    config = Config()

    @batch_consume(INTAKE)
    @reliable_batch
    def on_intake(self, bodies: list) -> None:
        """A batch of messages, each a record or a JSON array of records (upstream
        batches), as one unit of work; a huge one goes in slices of the HTTP limit so
        that no transaction grows without bound (a redelivery finds the done slices
        'unchanged'). Undecodable bodies become rejects once the records committed."""
        records = [raw for body in bodies if not _undecodable(body)
                   for raw in (body if isinstance(body, list) else [body])]
        step = self._max_records()
        for start in range(0, len(records), step):
            self.ingest_many([Entry(raw) for raw in records[start:start + step]], "amqp")
        for body in filter(_undecodable, bodies):
            metrics.RECEIVED.labels("amqp", "-").inc()
            self._reject("amqp", "undecodable", [body["error"]], body["raw"])

    @tolerant_consume(ERASE)
    @reliable
    def on_erase_request(self, body) -> None:
        """Upstream `customer.erase` (one request or an array): validated and passed
        on to dedup as `customer.erasure_requested`; bad ones become rejects."""
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

    @http("POST", "/v1/customers")
    def http_intake(self, request) -> Response:
        """One record (202, or 400 with field errors) or an array (202, per-record results)."""
        config = self.config
        max_bytes = int(config.get("http_max_bytes", 5_000_000))
        max_records = self._max_records()
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
        results = self.ingest_many([Entry(raw) for raw in records], "http")
        if not isinstance(body, list) and results[0]["status"] == "rejected":
            return _json(400, {**results[0], "fields": field_errors(results[0]["errors"])})
        return _json(202, {"results": results})

    @rpc
    def start_import(self, source: str, imported_by: str, filename: str) -> str:
        metrics.IMPORT_BATCHES.labels("started").inc()
        return self.store.start_batch(source, imported_by, filename)

    @rpc
    def import_rows(self, batch_id: str, rows: list, finished: bool = False) -> dict:
        """One chunk of a list import, as one unit of work with its batch's counts;
        rows are (row_number, record | error text)."""
        entries = [Entry(raw, batch_id, row_number, unreadable=isinstance(raw, str))
                   for row_number, raw in rows]

        def tally(results: list[dict], session) -> None:
            self.store.count_batch(batch_id, import_counts(results), finished, session)

        counts = import_counts(self.ingest_many(entries, "import", extra=tally))
        for key in ("accepted", "rejected", "unchanged"):
            if counts[key]:
                metrics.IMPORT_ROWS.labels(key).inc(counts[key])
        if finished:
            metrics.IMPORT_BATCHES.labels("finished").inc()
        return counts

    @rpc
    def imports_list(self) -> list[dict]:
        return self.store.list_batches()

    @rpc
    def imports_show(self, batch_id: str) -> dict | None:
        return self.store.get_batch(batch_id)

    @rpc
    def rejects_list(self, status: str = "open", limit: int = 1000) -> list[dict]:
        return self.store.list_rejects(status, limit)

    @rpc
    def rejects_show(self, reject_id: str) -> dict | None:
        """One reject with its whole raw input, masked, so an operator can repair it."""
        doc = self.store.get_reject(reject_id)
        if doc is None:
            return None
        raw = doc.get("raw")  # None once erased: nothing of the input was kept
        return {**self.store.reject_view(doc),
                "raw": self.pipeline.masked_raw(raw) if raw else None}

    @rpc
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


def import_counts(results: list[dict]) -> dict:
    """An import chunk's counts: 'created' and 'updated' rows count as accepted."""
    counts = {"received": len(results), "accepted": 0, "rejected": 0, "unchanged": 0}
    for result in results:
        counts[result["status"] if result["status"] in ("rejected", "unchanged")
               else "accepted"] += 1
    return counts


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


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _undecodable(body) -> bool:
    """The tolerant consumer's marker, not an upstream body that merely looks like it."""
    return (isinstance(body, dict) and body.get(UNDECODABLE) is True
            and isinstance(body.get("error"), str) and isinstance(body.get("raw"), str))
