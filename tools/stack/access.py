"""Least privilege on the local broker: one RabbitMQ user per service, plus `upstream`.

Applied through the management API (one HTTP call per setting, idempotent) rather
than `rabbitmqctl`, which boots an Erlang VM per call (~1.5 s each).

RabbitMQ checks: declare/delete = configure on the resource; bind = write on the
queue + read on the exchange; publish = write on the exchange; consume = read on
the queue. nameko needs, per service S:
  * its own `S.events` exchange: configure (declare) + write (publish);
  * the exchanges it consumes from: configure (nameko re-declares them) + read (bind),
    never write, so S cannot publish another service's events;
  * its queues `evt-*--S.*` and `rpc-S`: configure, read, write (bind);
  * `nameko-rpc`: configure, read (bind rpc-S), write (publish replies); a topic
    permission limits that write to reply routing keys (uuids), so S cannot send RPC
    requests to other services;
  * ingestion also owns `crm.intake` (exchange) and its queues `crm.intake.ingestion`
    (records) and `crm.intake.erase` (erasure requests), and consumes `dedup.events`
    (`customer.erased`).
`upstream` may only publish to `crm.intake`. The crm command stays on `guest`
(administrator, loopback only).
"""
from __future__ import annotations

import base64
import importlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

# which exchanges each service consumes from, when its package cannot be inspected
SOURCES = {
    "ingestion": ("crm.intake", "dedup.events"),
    "dedup": ("ingestion.events",),
    "tiering": ("dedup.events",),
    "assignment": ("tiering.events", "dedup.events"),
    "notification": ("assignment.events", "tiering.events", "dedup.events"),
}
INTAKE_QUEUES = ("crm.intake.ingestion", "crm.intake.erase")
UPSTREAM = "upstream"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DEAD_LETTER_EXCHANGE = "crm.dead-letter"
DEAD_LETTER_QUEUE = "dead-letters"  # not "crm.*"/"evt-*": `crm drain` must not wait on it


def consumed(service: str) -> tuple[list[str], list[str]]:
    """(exchanges, plain queues) the service's entrypoints consume, read from its class,
    so a handler added later gets its permission without editing this file."""
    try:
        module = importlib.import_module(f"{service}.service")
        cls = next(v for v in vars(module).values()
                   if isinstance(v, type) and getattr(v, "name", None) == service)
    except Exception:  # noqa: BLE001 - not installed here: the static map
        return list(SOURCES[service]), (list(INTAKE_QUEUES) if service == "ingestion" else [])
    exchanges, queues = [], []
    for attr in dir(cls):
        for entry in getattr(getattr(cls, attr, None), "nameko_entrypoints", ()):
            if getattr(entry, "source_service", None):
                exchanges.append(f"{entry.source_service}.events")
            elif getattr(entry, "queue", None) is not None:
                queues.append(entry.queue.name)
                if entry.queue.exchange is not None and entry.queue.exchange.name:
                    exchanges.append(entry.queue.exchange.name)
    return exchanges, queues


def _q(name: str) -> str:
    return name.replace(".", r"\.")


def permissions(service: str) -> dict[str, str]:
    """The three regexes for one service user (see the module docstring)."""
    own = [rf"{_q(service)}\.events", rf"evt-.+--{_q(service)}\..+", rf"rpc-{_q(service)}",
           "nameko-rpc"]
    exchanges, plain = consumed(service)
    sources = [_q(s) for s in exchanges if s != f"{service}.events"]
    queues = [rf"evt-.+--{_q(service)}\..+", rf"rpc-{_q(service)}", *map(_q, plain)]
    own += map(_q, plain)
    configure = own + sources
    write = [rf"{_q(service)}\.events", "nameko-rpc", *queues]
    read = [*queues, "nameko-rpc", *sources]
    return {"configure": _rx(configure), "write": _rx(write), "read": _rx(read)}


def upstream_permissions() -> dict[str, str]:
    return {"configure": "^$", "write": r"^crm\.intake$", "read": "^$"}


def _rx(parts: list[str]) -> str:
    return "^(" + "|".join(dict.fromkeys(parts)) + ")$"


def users() -> tuple[str, ...]:
    return (*SOURCES, UPSTREAM)


def password_key(user: str) -> str:
    return f"AMQP_PASSWORD_{user.upper()}"


def new_passwords() -> dict[str, str]:
    return {password_key(u): secrets.token_hex(16) for u in users()}


class Management:
    """The few management-API calls we need, as the loopback administrator."""

    def __init__(self, port: int, user: str = "guest", password: str = "guest"):
        self.base = f"http://127.0.0.1:{port}/api"
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def put(self, path: str, body: dict, method: str = "PUT") -> None:
        request = urllib.request.Request(f"{self.base}/{path}", data=json.dumps(body).encode(),
                                         method=method)
        request.add_header("Authorization", self.auth)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=15):
            pass


def apply(mgmt_port: int, passwords: dict[str, str], vhost: str = "/") -> None:
    """Create/refresh the users, their permissions, and the dead-letter policy."""
    api, vh = Management(mgmt_port), urllib.parse.quote(vhost, safe="")
    for user in users():
        api.put(f"users/{user}", {"password": passwords[password_key(user)], "tags": ""})
        perms = upstream_permissions() if user == UPSTREAM else permissions(user)
        api.put(f"permissions/{vh}/{user}", perms)
        if user != UPSTREAM:
            api.put(f"topic-permissions/{vh}/{user}",
                    {"exchange": "nameko-rpc", "write": f"^{UUID}$", "read": ".*"})
    # a safety net: anything a pipeline queue rejects without requeue lands here
    api.put(f"exchanges/{vh}/{DEAD_LETTER_EXCHANGE}",
            {"type": "fanout", "durable": True, "auto_delete": False})
    api.put(f"queues/{vh}/{DEAD_LETTER_QUEUE}", {"durable": True, "auto_delete": False})
    api.put(f"bindings/{vh}/e/{DEAD_LETTER_EXCHANGE}/q/{DEAD_LETTER_QUEUE}", {},
            method="POST")
    api.put(f"policies/{vh}/pipeline-dead-letter",
            {"pattern": r"^(evt-|crm\.intake\.)", "apply-to": "queues", "priority": 0,
             "definition": {"dead-letter-exchange": DEAD_LETTER_EXCHANGE}})


def amqp_uri(user: str, password: str, port: int) -> str:
    return f"amqp://{user}:{password}@127.0.0.1:{port}/"
