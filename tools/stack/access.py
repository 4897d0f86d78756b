"""Least privilege on the broker: one RabbitMQ user per service, plus `upstream`.

Applied through the management API (one HTTP call per setting, idempotent) rather
than `rabbitmqctl`, which boots an Erlang VM per call (~1.5 s each):
  * the local stack calls `apply(mgmt_port, passwords)` (loopback `guest`);
  * Compose runs `python -m tools.stack.access --apply` once (service broker-access, a
    plain python image: standard library only, permissions from the static map);
  * Kubernetes gets the same users as RabbitMQ Messaging Topology Operator objects,
    `python -m tools.stack.access --k8s > deploy/k8s/base/rabbitmq-access.yaml`.

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
(administrator, loopback only) in the local stack, on the administrator elsewhere.

The same three paths also declare the pipeline's topology up front: every exchange, every
queue a service consumes and its binding (`pipeline_queues`). RabbitMQ drops a message
no queue is bound for, and nameko declares a queue only when its consumer starts: without
this, an event published before a service's first start was lost. Queues are declared as
nameko declares them (durable, not auto-delete, not exclusive, no arguments, so the
broker's default queue type applies: classic locally, quorum in Compose and Kubernetes),
so nameko's own later declaration is equivalent and never fails with PRECONDITION_FAILED.
"""
from __future__ import annotations

import argparse
import base64
import importlib
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import NamedTuple

# What each service's event handlers consume, when its package cannot be inspected (the
# Compose job's plain python, the Kubernetes manifests): (source service, event type,
# method). tests/ops/test_broker_access.py checks it against the service classes.
HANDLERS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "ingestion": (("dedup", "customer.erased", "on_customer_erased"),),
    "dedup": (("ingestion", "customer.ingested", "on_ingested"),
              ("ingestion", "customer.erasure_requested", "on_erasure_requested")),
    "tiering": (("dedup", "customer.registered", "on_registered"),
                ("dedup", "customer.updated", "on_updated"),
                ("dedup", "customer.merged", "on_merged"),
                ("dedup", "customer.erased", "on_customer_erased")),
    "assignment": (("tiering", "tier.changed", "on_tier_changed"),
                   ("dedup", "customer.erased", "on_customer_erased")),
    "notification": (("assignment", "customer.assigned", "on_assigned"),
                     ("tiering", "tier.changed", "on_tier_changed"),
                     ("dedup", "customer.review_needed", "on_review_needed"),
                     ("campaigns", "call.logged", "on_call_logged"),
                     ("dedup", "customer.erased", "on_customer_erased")),
    "campaigns": (("dedup", "customer.registered", "on_registered"),
                  ("dedup", "customer.updated", "on_updated"),
                  ("dedup", "customer.merged", "on_merged"),
                  ("tiering", "tier.changed", "on_tier_changed"),
                  ("assignment", "customer.assigned", "on_assigned"),
                  ("dedup", "customer.erased", "on_customer_erased")),
    "reporting": (("dedup", "customer.registered", "on_registered"),
                  ("dedup", "customer.updated", "on_updated"),
                  ("dedup", "customer.merged", "on_merged"),
                  ("tiering", "tier.changed", "on_tier_changed"),
                  ("assignment", "customer.assigned", "on_assigned"),
                  ("dedup", "customer.erased", "on_customer_erased")),
    "groups": (("dedup", "customer.registered", "on_registered"),
               ("dedup", "customer.updated", "on_updated"),
               ("dedup", "customer.merged", "on_merged"),
               ("dedup", "customer.erased", "on_customer_erased")),
}
# Every service keeps its own copy of the operators' grants (common/base.py).
OPERATOR_GRANTS = ("ingestion", "operator.changed", "on_operator_changed")
HANDLERS = {service: (*handlers, OPERATOR_GRANTS) for service, handlers in HANDLERS.items()}
INTAKE_EXCHANGE = "crm.intake"
# ingestion's own queues on crm.intake, with their routing keys
INTAKE_BINDINGS = {"crm.intake.ingestion": "customer.created", "crm.intake.erase": "customer.erase"}
INTAKE_QUEUES = tuple(INTAKE_BINDINGS)
# which exchanges each service consumes from, when its package cannot be inspected
SOURCES: dict[str, tuple[str, ...]] = {
    service: tuple(dict.fromkeys([*([INTAKE_EXCHANGE] if service == "ingestion" else []),
                                  *(f"{source}.events" for source, _, _ in handlers)]))
    for service, handlers in HANDLERS.items()}
UPSTREAM = "upstream"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DEAD_LETTER_EXCHANGE = "crm.dead-letter"
DEAD_LETTER_QUEUE = "dead-letters"  # not "crm.*"/"evt-*": `crm drain` must not wait on it


# A pipeline queue is bound under its event type's batch key (contracts/batches.py, which
# this plain-python module cannot import: tests/ops/test_broker_access.py checks they
# agree): the outbox publishes each pass's events of a type as one batch message there.
BATCH_KEY = "batch.{}"
# ... except the event types consumed one by one (contracts.subscriptions.ONE_BY_ONE),
# bound under the event type itself.
ONE_BY_ONE = frozenset({"customer.erasure_requested", "customer.erased", "operator.changed"})


class PipelineQueue(NamedTuple):
    """One durable queue a pipeline service consumes and its binding: the routing key
    (`routing_key`: the event type, or an intake key), or the keys it is bound under
    instead (`selection`: an event handler's batch key)."""
    name: str
    exchange: str
    routing_key: str
    service: str
    selection: tuple[str, ...] = ()

    @property
    def binding_keys(self) -> tuple[str, ...]:
        return self.selection or (self.routing_key,)


def event_queue(source: str, event_type: str, service: str, method: str) -> str:
    """nameko's name for the queue of a SERVICE_POOL event handler (EventHandler.setup)."""
    return f"evt-{source}-{event_type}--{service}.{method}"


def service_queues(service: str, source: str = "auto") -> list[PipelineQueue]:
    """The queues the service's entrypoints consume, read from its class, so a handler
    added later gets its queue and permissions without editing this file.

    source: "auto" (the package if importable, else the static map), "package" (the
    package only; ImportError/LookupError when it cannot be inspected) or "static" (the map
    HANDLERS/INTAKE_BINDINGS only, as in a plain python container)."""
    if source == "static":
        return _static(service)
    if source not in ("auto", "package"):
        raise ValueError(f"source must be auto, package or static, not {source!r}")
    try:
        return _inspect(service)
    except Exception:  # noqa: BLE001 - not installed here: the static map
        if source == "package":
            raise
        return _static(service)


def consumed(service: str, source: str = "auto") -> tuple[list[str], list[str]]:
    """(exchanges, plain queues) the service's entrypoints consume (see service_queues)."""
    queues = service_queues(service, source)
    return ([q.exchange for q in queues if q.exchange],
            [q.name for q in queues if not q.name.startswith("evt-")])


def pipeline_queues(source: str = "auto") -> list[PipelineQueue]:
    """Every queue of the pipeline with its binding, declared before anything publishes."""
    return [q for service in SOURCES for q in service_queues(service, source)]


def pipeline_exchanges() -> tuple[str, ...]:
    """The intake and every service's `<service>.events` (also those nobody in the pipeline
    binds to: an outside subscriber can bind before the service first starts)."""
    return (INTAKE_EXCHANGE, *(f"{service}.events" for service in SOURCES))


def _static(service: str) -> list[PipelineQueue]:
    queues = [PipelineQueue(event_queue(source, event_type, service, method),
                            f"{source}.events", event_type, service,
                            () if event_type in ONE_BY_ONE else (BATCH_KEY.format(event_type),))
              for source, event_type, method in HANDLERS[service]]
    if service == "ingestion":
        queues += [PipelineQueue(name, INTAKE_EXCHANGE, key, service)
                   for name, key in INTAKE_BINDINGS.items()]
    return queues


def _inspect(service: str) -> list[PipelineQueue]:
    module = importlib.import_module(f"{service}.service")
    cls = next((v for v in vars(module).values()
                if isinstance(v, type) and getattr(v, "name", None) == service), None)
    if cls is None:
        raise LookupError(f"no nameko service class named {service!r} in {module.__name__}")
    queues = []
    for attr in dir(cls):
        for entry in getattr(getattr(cls, attr, None), "nameko_entrypoints", ()):
            if getattr(entry, "source_service", None):
                if entry.handler_type != "service_pool" or not entry.reliable_delivery:
                    raise LookupError(f"{service}.{attr}: only reliable service_pool event "
                                      "handlers have a durable queue to declare up front")
                keys = entry.binding_keys() if hasattr(entry, "binding_keys") else ()
                queues.append(PipelineQueue(
                    event_queue(entry.source_service, entry.event_type, service, attr),
                    f"{entry.source_service}.events", entry.event_type, service,
                    () if keys == (entry.event_type,) else tuple(keys)))
            elif getattr(entry, "queue", None) is not None:
                queue = entry.queue
                exchange = queue.exchange.name if queue.exchange is not None else ""
                queues.append(PipelineQueue(queue.name, exchange, queue.routing_key, service))
    return queues


def _q(name: str) -> str:
    return name.replace(".", r"\.")


def permissions(service: str, source: str = "auto") -> dict[str, str]:
    """The three regexes for one service user (see the module docstring).

    Sources and queues are sorted, so the regexes are the same strings whether they come
    from the packages or from the static map (`source`, see `consumed`)."""
    own = [rf"{_q(service)}\.events", rf"evt-.+--{_q(service)}\..+", rf"rpc-{_q(service)}",
           "nameko-rpc"]
    exchanges, plain = consumed(service, source)
    plain = sorted(set(plain))
    sources = [_q(s) for s in sorted(set(exchanges)) if s != f"{service}.events"]
    queues = [rf"evt-.+--{_q(service)}\..+", rf"rpc-{_q(service)}", *map(_q, plain)]
    own += map(_q, plain)
    configure = own + sources
    write = [rf"{_q(service)}\.events", "nameko-rpc", *queues]
    # a service that consumes its own events (ingestion: operator.changed) binds to them
    own_read = [rf"{_q(service)}\.events"] if f"{service}.events" in exchanges else []
    read = [*queues, "nameko-rpc", *sources, *own_read]
    return {"configure": _rx(configure), "write": _rx(write), "read": _rx(read)}


def upstream_permissions() -> dict[str, str]:
    return {"configure": "^$", "write": r"^crm\.intake$", "read": "^$"}


OPERATOR_REPLY_QUEUES = r"rpc\.reply-standalone_rpc_proxy-.*"


def operator_permissions() -> dict[str, str]:
    """An operator (a person running `crm`) may send RPC requests and read the answers
    on its own reply queue, nothing else: no pipeline queue, no event exchange. What
    each RPC allows is judged by the services from the request's user_id and role."""
    rpc = _rx(["nameko-rpc", OPERATOR_REPLY_QUEUES])
    return {"configure": rpc, "write": rpc, "read": rpc}


DOWNSTREAM = "downstream"  # a subscriber outside the pipeline (examples/subscribe_tier_changed.py)


def downstream_permissions(user: str = DOWNSTREAM,
                           exchanges: tuple[str, ...] = ("tiering.events",)) -> dict[str, str]:
    """A downstream subscriber declares, binds and reads only its own queues, named
    `<user>.<anything>`, and binds them only to `exchanges` (a bind needs read on the
    exchange); it publishes nowhere and cannot touch a pipeline queue."""
    own = rf"{_q(user)}\..+"
    return {"configure": f"^{own}$", "write": f"^{own}$",
            "read": _rx([own, *map(_q, exchanges)])}


def add_downstream(mgmt_port: int | str, password: str, user: str = DOWNSTREAM,
                   vhost: str = "/", *, admin: str = "guest", admin_password: str = "guest") -> None:
    """Create (or refresh) a downstream subscriber's broker user with
    `downstream_permissions`, through the management API as `admin`."""
    api, vh = Management(mgmt_port, admin, admin_password), urllib.parse.quote(vhost, safe="")
    api.put(f"users/{user}", {"password": password, "tags": ""})
    api.put(f"permissions/{vh}/{user}", downstream_permissions(user))


def _rx(parts: list[str]) -> str:
    return "^(" + "|".join(dict.fromkeys(parts)) + ")$"


def users() -> tuple[str, ...]:
    return (*SOURCES, UPSTREAM)


def password_key(user: str) -> str:
    return f"AMQP_PASSWORD_{user.upper()}"


def new_passwords() -> dict[str, str]:
    return {password_key(u): secrets.token_hex(16) for u in users()}


TOPIC_PERMISSION = {"exchange": "nameko-rpc", "write": f"^{UUID}$", "read": ".*"}
# What nameko declares (nameko.standalone.events.get_event_exchange, EventHandler.setup,
# the intake Queue objects): equal settings, so either side may declare first.
EXCHANGE_SETTINGS = {"type": "topic", "durable": True, "auto_delete": False,
                     "internal": False, "arguments": {}}
QUEUE_SETTINGS = {"durable": True, "auto_delete": False, "arguments": {}}
# a safety net: anything a pipeline queue rejects without requeue lands here
DEAD_LETTER_POLICY = {"name": "pipeline-dead-letter", "pattern": r"^(evt-|crm\.intake\.)",
                      "apply-to": "queues", "priority": 0,
                      "definition": {"dead-letter-exchange": DEAD_LETTER_EXCHANGE}}


class Management:
    """The few management-API calls we need, as an administrator.

    `base` is a port on 127.0.0.1 (the local stack's loopback `guest`) or a base URL such
    as http://rabbitmq:15672 (Compose's broker-access job)."""

    def __init__(self, port: int | str, user: str = "guest", password: str = "guest"):
        self.base = management_api(port)
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.retry_until, self.retry_interval = 0.0, 2.0  # no retries unless wait_ready

    def request(self, path: str, body: dict | None = None, method: str = "GET") -> bytes:
        """One call; until `retry_until` (set by `wait_ready`) a broker still booting
        (connection refused, timeout, 5xx) is retried, any other error raised at once."""
        while True:
            try:
                return self._call(path, body, method)
            except (urllib.error.URLError, OSError) as exc:
                transient = not isinstance(exc, urllib.error.HTTPError) or exc.code >= 500
                if not transient or time.monotonic() >= self.retry_until:
                    raise
                print(f"broker-access: management API at {self.base} not ready ({exc}); "
                      "retrying", file=sys.stderr, flush=True)
                time.sleep(self.retry_interval)

    def _call(self, path: str, body: dict | None, method: str) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base}/{path}", data=data, method=method)
        request.add_header("Authorization", self.auth)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.read()

    def put(self, path: str, body: dict, method: str = "PUT") -> None:
        self.request(path, body, method)

    def delete_if_present(self, path: str) -> None:
        try:
            self.request(path, method="DELETE")
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise

    def wait_ready(self, timeout: float = 60.0, interval: float = 2.0) -> None:
        """Until the API answers, for up to `timeout` s; the calls that follow keep
        retrying transient errors until the same deadline. Wrong credentials (401) or
        any other 4xx fail at once."""
        self.retry_until, self.retry_interval = time.monotonic() + timeout, interval
        self.request("whoami")


def management_api(port_or_url: int | str) -> str:
    """The management API's base (…/api) from a loopback port or a base URL."""
    if isinstance(port_or_url, int) or str(port_or_url).isdigit():
        return f"http://127.0.0.1:{int(port_or_url)}/api"
    url = str(port_or_url).rstrip("/")
    if not urllib.parse.urlsplit(url).scheme:
        raise ValueError(f"not a port nor a URL with a scheme: {port_or_url!r}")
    return url if url.endswith("/api") else f"{url}/api"


def apply(mgmt_port: int | str, passwords: dict[str, str], vhost: str = "/", *,
          user: str = "guest", password: str = "guest", wait: float = 0) -> None:
    """Create/refresh the users, their permissions, the pipeline's exchanges, queues and
    bindings, and the dead-letter policy.

    mgmt_port: a port on 127.0.0.1 or a base URL (http://rabbitmq:15672); user/password:
    the administrator; wait: seconds to wait for the management API first (0: don't)."""
    api, vh = Management(mgmt_port, user, password), urllib.parse.quote(vhost, safe="")
    if wait:
        api.wait_ready(wait)
    for name in users():
        api.put(f"users/{name}", {"password": passwords[password_key(name)], "tags": ""})
        api.put(f"permissions/{vh}/{name}", user_permissions(name))
        if name != UPSTREAM:
            api.put(f"topic-permissions/{vh}/{name}", TOPIC_PERMISSION)
    api.put(f"exchanges/{vh}/{DEAD_LETTER_EXCHANGE}",
            {"type": "fanout", "durable": True, "auto_delete": False})
    api.put(f"queues/{vh}/{DEAD_LETTER_QUEUE}", {"durable": True, "auto_delete": False})
    api.put(f"bindings/{vh}/e/{DEAD_LETTER_EXCHANGE}/q/{DEAD_LETTER_QUEUE}", {},
            method="POST")
    declare_topology(api, vh)
    policy = {k: v for k, v in DEAD_LETTER_POLICY.items() if k != "name"}
    api.put(f"policies/{vh}/{DEAD_LETTER_POLICY['name']}", policy)


def declare_topology(api: Management, vh: str, source: str = "auto") -> None:
    """Every pipeline exchange, queue and binding (idempotent: PUT of an equal exchange or
    queue and POST of an existing binding change nothing), so no event is dropped for
    want of a queue whose consumer has not started yet or was deleted by mistake. A queue
    loses every other binding to its exchange that an older version gave it (the event
    type itself, selection keys), once its own exist: until then it keeps receiving
    single events, which its consumer still takes, and afterwards never both."""
    for exchange in pipeline_exchanges():
        api.put(f"exchanges/{vh}/{_path(exchange)}", EXCHANGE_SETTINGS)
    for queue in pipeline_queues(source):
        api.put(f"queues/{vh}/{_path(queue.name)}", QUEUE_SETTINGS)
        if not queue.exchange:
            continue
        bindings = f"bindings/{vh}/e/{_path(queue.exchange)}/q/{_path(queue.name)}"
        for key in queue.binding_keys:
            api.put(bindings, {"routing_key": key, "arguments": {}}, method="POST")
        for stale in _stale_bindings(api, vh, queue):
            api.delete_if_present(f"{bindings}/{_path(stale)}")


def _stale_bindings(api: Management, vh: str, queue: PipelineQueue) -> list[str]:
    """The properties keys of the queue's bindings to its exchange under other keys."""
    listed = json.loads(api.request(f"queues/{vh}/{_path(queue.name)}/bindings") or b"[]")
    return [b["properties_key"] for b in listed if isinstance(b, dict)
            and b.get("source") == queue.exchange
            and b.get("routing_key") not in queue.binding_keys]


def _path(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def user_permissions(user: str, source: str = "auto") -> dict[str, str]:
    """configure/write/read of any of `users()`."""
    return upstream_permissions() if user == UPSTREAM else permissions(user, source)


def amqp_uri(user: str, password: str, port: int) -> str:
    return f"amqp://{user}:{password}@127.0.0.1:{port}/"


# -- Kubernetes: the same users through the RabbitMQ Messaging Topology Operator --------
K8S_CLUSTER = "crm-rabbitmq"
K8S_FILE = "deploy/k8s/base/rabbitmq-access.yaml"
K8S_COMMAND = f"python -m tools.stack.access --k8s > {K8S_FILE}"


def k8s_user(user: str) -> str:
    """Name of the User object; the operator writes its credentials to
    `<name>-user-credentials` (keys username, password)."""
    return f"crm-{user}"


def k8s_import_secret(user: str) -> str:
    """The Secret (username, password) the User imports its credentials from, generated
    by each overlay: imported credentials keep the username (`user`) and a hex password,
    where the operator's random ones are standard base64 (may hold `/` and `+`, which
    break an AMQP URI)."""
    return f"crm-amqp-{user}"


def k8s_object_name(kind: str, resource: str) -> str:
    """A Kubernetes name (lower case, digits, '-') for the object of a broker resource:
    `crm-queue-evt-dedup-customer-erased--tiering-on-customer-erased`."""
    return f"crm-{kind}-" + re.sub(r"[^a-z0-9-]+", "-", resource.lower()).strip("-")


def k8s_resources(cluster: str = K8S_CLUSTER, vhost: str = "/") -> list[dict]:
    """User, Permission (and TopicPermission for services) per user, the dead-letter
    exchange, queue, binding and policy, and the pipeline's exchanges, queues and bindings:
    what `apply` does, as Topology Operator objects. Permissions and queues come from the
    static map, so the output does not depend on what is installed
    (tests/ops/test_broker_access.py checks the map matches the packages). Queues carry
    no `type`: the cluster's default_queue_type (quorum) applies, as for nameko's own
    declarations."""
    ref = {"name": cluster}

    def obj(kind: str, name: str, spec: dict) -> dict:
        return {"apiVersion": "rabbitmq.com/v1beta1", "kind": kind,
                "metadata": {"name": name}, "spec": {**spec, "rabbitmqClusterReference": ref}}

    docs = []
    for user in users():
        name = k8s_user(user)
        docs.append(obj("User", name, {
            "tags": [], "importCredentialsSecret": {"name": k8s_import_secret(user)}}))
        docs.append(obj("Permission", name, {
            "vhost": vhost, "userReference": {"name": name},
            "permissions": user_permissions(user, "static")}))
        if user != UPSTREAM:
            docs.append(obj("TopicPermission", name, {
                "vhost": vhost, "userReference": {"name": name},
                "permissions": dict(TOPIC_PERMISSION)}))
    docs.append(obj("Exchange", "crm-dead-letter", {
        "name": DEAD_LETTER_EXCHANGE, "vhost": vhost, "type": "fanout", "durable": True,
        "autoDelete": False}))
    docs.append(obj("Queue", "crm-dead-letters", {
        "name": DEAD_LETTER_QUEUE, "vhost": vhost, "durable": True, "autoDelete": False}))
    docs.append(obj("Binding", "crm-dead-letters", {
        "vhost": vhost, "source": DEAD_LETTER_EXCHANGE, "destination": DEAD_LETTER_QUEUE,
        "destinationType": "queue"}))
    docs.append(obj("Policy", "crm-pipeline-dead-letter", {
        "name": DEAD_LETTER_POLICY["name"], "vhost": vhost,
        "pattern": DEAD_LETTER_POLICY["pattern"], "applyTo": DEAD_LETTER_POLICY["apply-to"],
        "priority": DEAD_LETTER_POLICY["priority"],
        "definition": dict(DEAD_LETTER_POLICY["definition"])}))
    for exchange in pipeline_exchanges():
        docs.append(obj("Exchange", k8s_object_name("exchange", exchange), {
            "name": exchange, "vhost": vhost, "type": "topic", "durable": True,
            "autoDelete": False}))
    for queue in pipeline_queues("static"):
        docs.append(obj("Queue", k8s_object_name("queue", queue.name), {
            "name": queue.name, "vhost": vhost, "durable": True, "autoDelete": False}))
        for key in queue.binding_keys:
            name = f"{queue.name}-{key}" if queue.selection else queue.name
            docs.append(obj("Binding", k8s_object_name("binding", name), {
                "vhost": vhost, "source": queue.exchange, "destination": queue.name,
                "destinationType": "queue", "routingKey": key}))
    return docs


def k8s_manifests(cluster: str = K8S_CLUSTER, vhost: str = "/") -> str:
    """`k8s_resources` as a YAML stream (stdlib only: a tiny emitter, strings quoted)."""
    header = (f"# GENERATED by `{K8S_COMMAND}`; do not edit.\n"
              "# One RabbitMQ user per service plus `upstream`, with the permissions of\n"
              "# tools/stack/access.py, through the RabbitMQ Messaging Topology Operator,\n"
              "# and the pipeline's exchanges, queues and bindings, declared before any\n"
              "# service publishes (queues without a type: the cluster default, quorum).\n"
              "# Each User imports its credentials from the Secret crm-amqp-<user> (made by\n"
              "# the overlay); the operator writes them to crm-<user>-user-credentials,\n"
              "# which the service's Deployment reads.\n")
    return header + "".join("---\n" + "\n".join(_yaml(doc)) + "\n"
                            for doc in k8s_resources(cluster, vhost))


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return "'" + text.replace("'", "''") + "'"


def _yaml(node, indent: int = 0) -> list[str]:
    pad, lines = " " * indent, []
    for key, value in node.items():
        if isinstance(value, dict) and value:
            lines += [f"{pad}{key}:", *_yaml(value, indent + 2)]
        elif isinstance(value, (dict, list)) and not value:
            lines.append(f"{pad}{key}: {'{}' if isinstance(value, dict) else '[]'}")
        elif isinstance(value, list):
            lines.append(f"{pad}{key}:")
            lines += [f"{pad}  - {_scalar(item)}" for item in value]
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return lines


# -- command line: Compose's one-shot broker-access job, and the Kubernetes manifests ---
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.stack.access",
        description="Per-service RabbitMQ users and permissions (standard library only).")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--apply", action="store_true",
                      help="create/refresh the users, permissions, pipeline exchanges, "
                           "queues and bindings, and the dead-letter policy through the "
                           "management API: RABBITMQ_MANAGEMENT_URL, admin "
                           "RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS, passwords "
                           "AMQP_PASSWORD_<USER>")
    mode.add_argument("--k8s", action="store_true",
                      help=f"print the Topology Operator manifests ({K8S_FILE})")
    parser.add_argument("--wait", type=float, default=60.0,
                        help="seconds to wait for the management API (default 60)")
    args = parser.parse_args(argv)
    if args.k8s:
        sys.stdout.write(k8s_manifests())
        return 0
    env = os.environ
    needed = ["RABBITMQ_MANAGEMENT_URL", "RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS",
              *(password_key(u) for u in users())]
    missing = [k for k in needed if not env.get(k)]
    if missing:
        print(f"broker-access: set {', '.join(missing)}", file=sys.stderr)
        return 2
    passwords = {password_key(u): env[password_key(u)] for u in users()}
    try:
        apply(env["RABBITMQ_MANAGEMENT_URL"], passwords, env.get("RABBITMQ_VHOST", "/"),
              user=env["RABBITMQ_DEFAULT_USER"], password=env["RABBITMQ_DEFAULT_PASS"],
              wait=args.wait)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"broker-access: failed: {exc}", file=sys.stderr)
        return 1
    print(f"broker-access: {len(users())} users ({', '.join(users())}), their permissions, "
          f"{len(pipeline_queues())} pipeline queues with their bindings and the dead-letter "
          "policy applied", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
