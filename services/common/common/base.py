"""What every service has besides its own entrypoints: outbox, parking, metrics, health."""
from __future__ import annotations

import json
import logging

from nameko.events import event_handler
from nameko.timer import timer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from contracts import names
from contracts.schemas import load_event

from .events import OutboxDispatcher
from .gate import Gate
from .inflight import in_flight
from .metrics import OUTBOX_PENDING
from .operators import Grant
from .parked import payload_of
from .reliability import TRANSIENT, Parking, reliable
from .rpcs import rpc
from .web import http

log = logging.getLogger(__name__)


class ServiceBase:
    """Mixin for a nameko service class; nameko collects inherited entrypoints too."""

    name = "base"
    events = OutboxDispatcher()
    parked = Parking()
    door = Gate()

    @http("GET", "/metrics")
    def http_metrics(self, request) -> Response:
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @http("GET", "/health")
    def http_health(self, request) -> Response:
        return Response('{"status": "ok"}', mimetype="application/json")

    @http("GET", "/ready")
    def http_ready(self, request) -> Response:
        """Readiness: 503 while the service's database does not answer. The answer is
        the status only (a driver's error names hosts and users); the cause is logged."""
        try:
            self.events.collection.database.command("ping")
        except Exception as exc:  # any failure means "do not route traffic here"
            log.warning("not ready: database unavailable: %s: %s", type(exc).__name__, exc)
            return Response(json.dumps({"status": "unavailable"}),
                            status=503, mimetype="application/json")
        return Response('{"status": "ready"}', mimetype="application/json")

    @timer(interval=5)
    def sweep_outbox(self) -> None:
        """Publish events left pending by a broker outage (quietly skipped while the
        database itself is down: the next tick tries again)."""
        try:
            self.events.flush_pending()
            pending = self.events.pending_count()
        except TRANSIENT as exc:
            log.warning("outbox sweep skipped: %s", type(exc).__name__)
            return
        OUTBOX_PENDING.labels(self.name).set(pending)

    @rpc(role="viewer")
    def work_pending(self) -> dict:
        """What this service still has to do, for `crm drain`: handlers running in this
        process, and outbox rows not yet published (a lease hides them for 60 s, and
        no queue shows them)."""
        return {"in_flight": in_flight(),
                "outbox_pending": self.events.pending_count()}

    @rpc(role="viewer", personal=True)
    def parked_list(self, limit: int = 100) -> list[dict]:
        return self.parked.list(limit)

    @rpc(role="officer")
    def parked_replay(self, parked_id: str | None = None) -> int:
        """Run parked messages through their handler again (after a fix). A row is
        marked replayed only once its handler returned, and not if the handler parked
        the message again (the same row, listed again): marked first, a process dying
        inside the handler lost the message. Handlers are idempotent, so a replay that
        runs twice does no harm."""
        replayed = 0
        for row in self.parked.take(parked_id):
            payload = payload_of(row)
            if payload is None:  # kept as text and cut: it can be read, not replayed
                continue
            getattr(self, row["entrypoint"])(payload)
            self.parked.mark_replayed(row)
            replayed += 1
        return replayed

    # -- access control (common/gate.py, docs/access-control.md) ------------------------
    @event_handler("ingestion", names.OPERATOR_CHANGED)
    @reliable
    def on_operator_changed(self, payload: dict) -> None:
        """Keep this service's copy of an operator's grant (the newest version wins)."""
        self.door.learn(Grant.from_payload(load_event(names.OPERATOR_CHANGED, payload)))

    @rpc(role="admin")
    def grant_version(self, broker_user: str) -> int | None:
        """The version of this user's grant this service holds, so that `crm operators
        add|revoke` can wait until every service has it."""
        return self.door.gate.grants.version(broker_user)

    @rpc(role="admin")
    def audit_list(self, actor: str | None = None, limit: int = 1000) -> list[dict]:
        """This service's audit rows, newest first (`crm audit list` merges them); not
        this request's own row, which is `started` while it runs."""
        return self.door.gate.audit.listing(actor, limit, exclude=self.door.row)
