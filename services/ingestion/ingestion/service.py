"""Ingestion: the single door for customer lists (AMQP, HTTP, list imports).

Every input ends in exactly one place: the accepted records (idempotent on
(source, external_id)) or the reject store with its reason.
"""
from __future__ import annotations

import json
import logging

from kombu import Exchange, Queue
from nameko.rpc import rpc
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from common.base import ServiceBase
from common.messaging import UNDECODABLE, tolerant_consume
from common.mongo import MongoStore
from common.reliability import reliable
from contracts import names

from . import metrics
from .dependencies import Pipeline
from .domain.intake import Accepted
from .storage import IngestionStore

log = logging.getLogger(__name__)

INTAKE = Queue(names.INTAKE_QUEUE, durable=True, routing_key=names.INTAKE_ROUTING_KEY,
               exchange=Exchange(names.INTAKE_EXCHANGE, type="topic", durable=True))


class IngestionService(ServiceBase):
    name = "ingestion"
    store = MongoStore(IngestionStore)
    pipeline = Pipeline()

    @tolerant_consume(INTAKE)
    @reliable
    def on_intake(self, body) -> None:
        if isinstance(body, dict) and body.get(UNDECODABLE):
            self._reject("amqp", "undecodable", [body["error"]], body["raw"])
            return
        for raw in body if isinstance(body, list) else [body]:
            self.ingest(raw, "amqp")

    @http("POST", "/v1/customers")
    def http_intake(self, request) -> Response:
        limits = self.container.config
        if (request.content_length or 0) > int(limits.get("http_max_bytes", 5_000_000)):
            return _json(413, {"error": "payload too large"})
        raw_bytes = request.get_data()
        try:
            body = json.loads(raw_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            self._reject("http", "undecodable", [str(exc)], raw_bytes.decode("utf-8", "replace"))
            return _json(400, {"error": f"body is not valid UTF-8 JSON: {exc}"})
        records = body if isinstance(body, list) else [body]
        if len(records) > int(limits.get("http_max_records", 1000)):
            return _json(413, {"error": f"at most {limits.get('http_max_records')} records"})
        results = [self.ingest(raw, "http") for raw in records]
        if not isinstance(body, list) and results[0]["status"] == "rejected":
            return _json(400, results[0])
        return _json(202, {"results": results})

    @rpc
    def start_import(self, source: str, imported_by: str, filename: str) -> str:
        return self.store.start_batch(source, imported_by, filename)

    @rpc
    def import_rows(self, batch_id: str, rows: list, finished: bool = False) -> dict:
        """One chunk of a list import; rows are (row_number, record | error text)."""
        counts = {"received": 0, "accepted": 0, "rejected": 0, "unchanged": 0}
        for row_number, raw in rows:
            counts["received"] += 1
            result = (self.ingest(raw, "import", batch_id=batch_id, row=row_number)
                      if not isinstance(raw, str) else
                      self._reject("import", "unreadable_row", [raw], raw, batch_id, row_number))
            counts[_count_key(result)] += 1
        metrics.IMPORT_ROWS.inc(counts["received"])
        self.store.count_batch(batch_id, counts, finished)
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
    def rejects_replay(self, reject_id: str | None = None) -> dict:
        """Run open rejects through the (fixed) pipeline again."""
        outcome = {"accepted": 0, "still_rejected": 0}
        for reject in self.store.open_rejects(reject_id):
            text = self.pipeline.open_raw(reject["raw"])
            try:
                raw = json.loads(text)
            except ValueError:
                outcome["still_rejected"] += 1
                continue
            result = self.ingest(raw, reject["channel"], replay=True)
            accepted = result["status"] != "rejected"
            outcome["accepted" if accepted else "still_rejected"] += 1
            if accepted:
                self.store.close_reject(reject["_id"], "replayed")
        return outcome

    # -- the one pipeline behind every channel -------------------------------------
    def ingest(self, raw, channel: str, batch_id: str | None = None, row: int | None = None,
               replay: bool = False) -> dict:
        source = raw.get("source") if isinstance(raw, dict) else None
        metrics.RECEIVED.labels(channel, str(source)[:40]).inc()
        with metrics.PROCESSING.labels(channel).time():
            outcome = self.pipeline.process(raw)
            if not isinstance(outcome, Accepted):
                if replay:
                    return {"status": "rejected", "reason": outcome.reason}
                return self._reject(channel, outcome.reason, outcome.errors, raw, batch_id, row)
            status, version = self.store.save_record(outcome.record_id, outcome.stored)
            self.events.stage(names.CUSTOMER_INGESTED, outcome.event,
                              cause_id=f"{outcome.record_id}#{version}", key=outcome.record_id)
            self.events.publish_staged()
        metrics.ACCEPTED.labels(channel, status).inc()
        return {"status": status, "record_id": outcome.record_id,
                "quality": [f"{i['field']}: {i['issue']}" for i in outcome.issues]}

    def _reject(self, channel, reason, errors, raw, batch_id=None, row=None) -> dict:
        sealed, excerpt = self.pipeline.seal_raw(raw)
        source = raw.get("source") if isinstance(raw, dict) else None
        reject_id = self.store.add_reject(channel, reason, errors, sealed, excerpt, batch_id,
                                          row, source if isinstance(source, str) else None)
        metrics.REJECTED.labels(channel, reason).inc()
        log.info("rejected %s input: %s (%s)", channel, reason, "; ".join(errors)[:300])
        return {"status": "rejected", "reason": reason, "errors": errors, "reject_id": reject_id}


def _count_key(result: dict) -> str:
    return {"rejected": "rejected", "unchanged": "unchanged"}.get(result["status"], "accepted")


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")
