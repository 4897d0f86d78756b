"""tools/stack/access.py: the per-service RabbitMQ users, checked without a broker.

- the static map (used in Compose's plain python container and for the Kubernetes
  manifests) gives exactly the permissions read from the installed service packages;
- the regexes allow what each service needs and nothing of its neighbours';
- deploy/k8s/base/rabbitmq-access.yaml is the current output of `--k8s`;
- `--apply` talks to the management API as expected (a fake one, in-process) and stays
  standard-library only;
- the pipeline topology declared up front (exchanges, queues, bindings) is exactly what
  nameko declares itself (same names and settings), locally, in Compose and in Kubernetes.
"""
from __future__ import annotations

import ast
import base64
import http.server
import json
import re
import subprocess
import sys
import threading
import urllib.parse

import pytest
import yaml

from tools.stack import access

from .tools import K8S_DIR, ROOT, SERVICES

COMMITTED = ROOT / access.K8S_FILE
UUID = "0b8f5c8e-3f0e-4d5a-9a57-2f1c8f0e6a11"


def can(user: str, what: str, resource: str, source: str = "auto") -> bool:
    """RabbitMQ's check: the permission regex matched (unanchored, like re:run) against
    the exchange or queue name."""
    return re.search(access.user_permissions(user, source)[what], resource) is not None


# -- the static map is the packages' truth ------------------------------------------------
def test_every_pipeline_service_has_a_user():
    assert tuple(access.SOURCES) == SERVICES
    assert access.users() == (*SERVICES, "upstream")


@pytest.mark.parametrize("service", SERVICES)
def test_static_map_gives_the_same_permissions_as_the_packages(service):
    pytest.importorskip(f"{service}.service", reason=f"the {service} package is not installed")
    exchanges, queues = access.consumed(service, "package")  # raises if not inspectable
    assert exchanges, f"{service}.service has no consuming entrypoints?"
    static_exchanges, static_queues = access.consumed(service, "static")
    assert set(exchanges) == set(static_exchanges), (
        f"update access.SOURCES[{service!r}]: the package consumes {sorted(set(exchanges))}")
    assert set(queues) == set(static_queues), "update access.INTAKE_QUEUES"
    assert access.permissions(service, "package") == access.permissions(service, "static")
    assert access.permissions(service) == access.permissions(service, "static")


@pytest.mark.parametrize("service", SERVICES)
def test_static_queues_are_the_packages_queues(service):
    pytest.importorskip(f"{service}.service", reason=f"the {service} package is not installed")
    package = access.service_queues(service, "package")
    assert package, f"{service} consumes nothing?"
    assert sorted(package) == sorted(access.service_queues(service, "static")), (
        f"update access.HANDLERS[{service!r}] / INTAKE_BINDINGS: the package has {package}")


@pytest.mark.parametrize("service", SERVICES)
def test_declared_queues_are_what_nameko_declares(service):
    """Each consumer's own kombu Queue, as nameko builds it at set-up (no broker needed):
    same name, binding and settings, so nameko's declaration after ours is equivalent."""
    module = pytest.importorskip(f"{service}.service")
    from nameko.containers import ServiceContainer
    cls = next(v for v in vars(module).values()
               if isinstance(v, type) and getattr(v, "name", None) == service)
    container = ServiceContainer(cls, {"AMQP_URI": "memory://"})
    nameko_queues = []
    for entrypoint in container.entrypoints:
        if hasattr(entrypoint, "queue"):
            entrypoint.setup()
            queue = entrypoint.queue
            keys = tuple(sorted(b.routing_key for b in queue.bindings))  # selection keys
            exchange = next(iter(queue.bindings)).exchange if keys else queue.exchange
            assert len({b.exchange.name for b in queue.bindings} | {exchange.name}) == 1
            nameko_queues.append(access.PipelineQueue(
                queue.name, exchange.name, entrypoint.event_type if keys else queue.routing_key,
                service, keys))
            settings = {"durable": bool(queue.durable), "auto_delete": bool(queue.auto_delete),
                        "arguments": queue.queue_arguments or {}}
            assert settings == access.QUEUE_SETTINGS and not queue.exclusive, queue
            assert {"type": exchange.type, "durable": bool(exchange.durable),
                    "auto_delete": bool(exchange.auto_delete),
                    "internal": bool(getattr(exchange, "internal", False)),  # kombu: never
                    "arguments": exchange.arguments or {}} == access.EXCHANGE_SETTINGS
            assert exchange.name in access.pipeline_exchanges()
    static = [q._replace(selection=tuple(sorted(q.selection)))  # kombu keeps a set
              for q in access.service_queues(service, "static")]
    assert sorted(nameko_queues) == sorted(static)


def test_queues_are_bound_under_the_contracts_batch_keys():
    from contracts.batches import batch_key
    from contracts.subscriptions import ONE_BY_ONE, in_batches
    assert access.ONE_BY_ONE == ONE_BY_ONE
    for queue in access.pipeline_queues("static"):
        if queue.name.startswith("evt-"):
            expected = (batch_key(queue.routing_key),) if in_batches(queue.routing_key) \
                else (queue.routing_key,)
            assert queue.binding_keys == expected, queue


def test_pipeline_queues_cover_every_service_and_are_unique():
    queues = access.pipeline_queues("static")
    names = [q.name for q in queues]
    assert len(names) == len(set(names))
    assert {q.service for q in queues} == set(SERVICES)
    assert {q.exchange for q in queues} <= set(access.pipeline_exchanges())
    assert set(access.INTAKE_QUEUES) <= set(names)


def test_consumed_rejects_an_unknown_source():
    with pytest.raises(ValueError):
        access.consumed("dedup", "guess")


# -- the regexes ---------------------------------------------------------------------------
@pytest.mark.parametrize("user", access.users())
def test_every_regex_is_anchored_and_compiles(user):
    for what, pattern in access.user_permissions(user, "static").items():
        assert pattern.startswith("^") and pattern.endswith("$"), (user, what, pattern)
        re.compile(pattern)


def test_tiering_publishes_its_own_events_only():
    assert can("tiering", "write", "tiering.events")
    assert not can("tiering", "write", "dedup.events")
    assert not can("tiering", "write", "assignment.events")
    for near_miss in ("tiering.events.x", "xtiering.events", "tieringXevents", "tiering"):
        assert not can("tiering", "write", near_miss), near_miss


def test_tiering_consumes_dedup_through_its_own_queues():
    queue = "evt-dedup--tiering.on_customer_merged"
    assert can("tiering", "configure", "dedup.events")   # nameko re-declares it
    assert can("tiering", "read", "dedup.events")        # bind: read on the exchange
    assert can("tiering", "write", queue)                # bind: write on the queue
    assert can("tiering", "read", queue) and can("tiering", "configure", queue)
    assert can("tiering", "configure", "rpc-tiering") and can("tiering", "read", "rpc-tiering")
    # not another service's queues, nor an exchange it does not consume
    for other in ("evt-dedup--assignment.on_customer_merged", "rpc-dedup", "crm.intake.ingestion"):
        for what in ("configure", "write", "read"):
            assert not can("tiering", what, other), (what, other)
    assert not can("tiering", "read", "assignment.events")
    assert not can("tiering", "configure", "assignment.events")
    # every service binds its own queue for operator.changed (its copy of the grants)
    assert can("tiering", "read", "ingestion.events")
    assert can("tiering", "read", "evt-ingestion--tiering.on_operator_changed")


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_may_publish_another_services_events(service):
    assert can(service, "write", f"{service}.events")
    assert can(service, "write", "nameko-rpc")  # RPC replies; the topic permission limits keys
    for other in SERVICES:
        if other != service:
            assert not can(service, "write", f"{other}.events"), other
            assert not can(service, "write", f"rpc-{other}"), other


def test_ingestion_consumes_the_intake_but_cannot_publish_to_it():
    assert can("ingestion", "read", "crm.intake")
    assert can("ingestion", "configure", "crm.intake")
    assert not can("ingestion", "write", "crm.intake")
    for queue in access.INTAKE_QUEUES:
        assert all(can("ingestion", what, queue) for what in ("configure", "write", "read"))
    assert can("ingestion", "read", "dedup.events")  # customer.erased
    assert not can("dedup", "read", "crm.intake")
    assert not can("dedup", "read", "crm.intake.ingestion")


def test_upstream_may_only_publish_to_the_intake():
    assert can("upstream", "write", "crm.intake")
    for resource in ("crm.intake.ingestion", "crm.intakes", "xcrm.intake", "crmXintake",
                     "ingestion.events", "nameko-rpc", "amq.default"):
        assert not can("upstream", "write", resource), resource
    for what in ("configure", "read"):
        for resource in ("crm.intake", "crm.intake.ingestion", "nameko-rpc", "dedup.events"):
            assert not can("upstream", what, resource), (what, resource)


def test_topic_permission_allows_rpc_replies_only():
    write = access.TOPIC_PERMISSION["write"]
    assert access.TOPIC_PERMISSION["exchange"] == "nameko-rpc"
    assert re.search(write, UUID)
    for key in ("dedup.get_customer", "tiering.recompute", f"{UUID}.x", f"x{UUID}", "#", ""):
        assert not re.search(write, key), key


# -- the Kubernetes manifests --------------------------------------------------------------
def test_committed_k8s_manifests_are_current():
    assert COMMITTED.is_file(), f"missing {access.K8S_FILE}: run `{access.K8S_COMMAND}`"
    assert COMMITTED.read_text() == access.k8s_manifests(), (
        f"{access.K8S_FILE} is stale (tools/stack/access.py changed): regenerate it with\n"
        f"    {access.K8S_COMMAND}")
    kustomization = yaml.safe_load((K8S_DIR / "base" / "kustomization.yaml").read_text())
    assert COMMITTED.name in kustomization["resources"]


def test_k8s_output_parses_to_the_resources():
    """The small stdlib YAML emitter: what kubectl reads is exactly `k8s_resources()`."""
    docs = [d for d in yaml.safe_load_all(access.k8s_manifests()) if d]
    assert docs == access.k8s_resources()


def test_k8s_resources_match_the_permissions():
    docs = access.k8s_resources()
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    for user in access.users():
        name = f"crm-{user}"
        assert by[("User", name)]["spec"]["importCredentialsSecret"] == {"name": f"crm-amqp-{user}"}
        assert by[("User", name)]["spec"]["tags"] == []
        permission = by[("Permission", name)]["spec"]
        assert permission["userReference"] == {"name": name} and permission["vhost"] == "/"
        assert permission["permissions"] == access.user_permissions(user)
        topic = by.get(("TopicPermission", name))
        if user == access.UPSTREAM:
            assert topic is None
        else:
            assert topic["spec"]["permissions"] == {
                "exchange": "nameko-rpc", "write": f"^{access.UUID}$", "read": ".*"}
            assert topic["spec"]["userReference"] == {"name": name}
    assert all(d["spec"]["rabbitmqClusterReference"] == {"name": "crm-rabbitmq"} for d in docs)
    policy = next(d["spec"] for d in docs if d["kind"] == "Policy")
    assert policy["definition"] == {"dead-letter-exchange": access.DEAD_LETTER_EXCHANGE}
    assert re.search(policy["pattern"], "evt-dedup--tiering.x")
    assert re.search(policy["pattern"], "crm.intake.ingestion")
    assert not re.search(policy["pattern"], access.DEAD_LETTER_QUEUE)


def test_k8s_declares_the_pipeline_topology():
    docs = access.k8s_resources()
    kinds: dict[str, dict[str, dict]] = {}
    for doc in docs:
        assert doc["metadata"]["name"] not in kinds.setdefault(doc["kind"], {}), doc
        kinds[doc["kind"]][doc["metadata"]["name"]] = doc["spec"]
    exchanges = {s["name"]: s for s in kinds["Exchange"].values()}
    assert set(access.pipeline_exchanges()) <= set(exchanges)
    for name in access.pipeline_exchanges():
        assert exchanges[name]["type"] == "topic" and exchanges[name]["durable"] is True
        assert exchanges[name]["autoDelete"] is False
    queues = {s["name"]: s for s in kinds["Queue"].values()}
    bindings = {(s["source"], s["destination"], s.get("routingKey", "")): s
                for s in kinds["Binding"].values()}
    for queue in access.pipeline_queues("static"):
        spec = queues[queue.name]
        # the operator's default is NOT durable; no type: the cluster's default (quorum)
        assert spec["durable"] is True and spec["autoDelete"] is False and "type" not in spec
        assert spec.get("arguments", {}) == access.QUEUE_SETTINGS["arguments"]
        for key in queue.binding_keys:
            binding = bindings[(queue.exchange, queue.name, key)]
            assert binding["destinationType"] == "queue" and binding["vhost"] == "/"
        if queue.selection:  # bound under its selection keys only
            assert (queue.exchange, queue.name, queue.routing_key) not in bindings
    assert len(queues) == len(access.pipeline_queues("static")) + 1  # + dead-letters


def test_k8s_topology_objects_match_the_operator_schemas():
    import jsonschema

    from .crd_schemas import SCHEMAS
    for doc in access.k8s_resources():
        errors = list(jsonschema.Draft202012Validator(SCHEMAS[doc["kind"]]).iter_errors(doc))
        assert not errors, (doc["kind"], doc["metadata"]["name"], [e.message for e in errors])


def test_k8s_generation_needs_only_the_standard_library():
    """As in the python:3.11-slim container: no site-packages (-S), so the static map."""
    result = subprocess.run([sys.executable, "-S", "-m", "tools.stack.access", "--k8s"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == COMMITTED.read_text()


def test_access_imports_only_the_standard_library():
    tree = ast.parse((ROOT / "tools/stack/access.py").read_text())
    modules = {alias.name.split(".")[0] for node in ast.walk(tree)
               if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}, modules


# -- --apply against a fake management API -------------------------------------------------
class FakeManagement(http.server.ThreadingHTTPServer):
    """Records (method, path, auth, body); answers 503 to the first `booting` calls."""

    def __init__(self, booting: int = 0, status: int = 204):
        self.calls: list[tuple[str, str, str, object]] = []
        self.booting, self.status = booting, status
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        server: FakeManagement = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        server.calls.append((self.command, self.path, self.headers.get("Authorization"), body))
        if server.booting:
            server.booting -= 1
            status = 503
        elif server.status >= 400:
            status = server.status
        else:
            status = 200 if self.command == "GET" else server.status
        answer = json.dumps(_bindings_before(self.path)).encode() \
            if self.command == "GET" and self.path.endswith("/bindings") else b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args):
        pass


def _bindings_before(path: str) -> list[dict]:
    """A pipeline queue's bindings as an older version left them: the default exchange's,
    the plain event type and the batch key on its source's exchange."""
    name = urllib.parse.unquote(path.split("/")[-2])
    if not name.startswith("evt-"):
        return []
    source, event_type = name.split("-", 2)[1], name.split("-", 2)[2].split("--")[0]
    return [{"source": "", "routing_key": name, "properties_key": name},
            *({"source": f"{source}.events", "routing_key": key, "properties_key": key}
              for key in (event_type, access.BATCH_KEY.format(event_type)))]


@pytest.fixture
def fake():
    server = FakeManagement()
    yield server
    server.shutdown()
    server.server_close()


PASSWORDS = {access.password_key(u): f"pw-{u}" for u in access.users()}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_apply_by_port_keeps_the_local_stack_call(fake):
    access.apply(fake.port, PASSWORDS)
    writes = [(m, p, b) for m, p, auth, b in fake.calls]
    assert all(auth == basic("guest", "guest") for _, _, auth, _ in fake.calls)
    assert ("PUT", "/api/users/dedup", {"password": "pw-dedup", "tags": ""}) in writes
    assert ("PUT", "/api/permissions/%2F/upstream", access.upstream_permissions()) in writes
    assert ("PUT", "/api/permissions/%2F/tiering", access.permissions("tiering")) in writes
    assert ("PUT", "/api/topic-permissions/%2F/tiering", access.TOPIC_PERMISSION) in writes
    assert not any(p == "/api/topic-permissions/%2F/upstream" for _, p, _ in writes)
    assert ("POST", f"/api/bindings/%2F/e/{access.DEAD_LETTER_EXCHANGE}/q/"
            f"{access.DEAD_LETTER_QUEUE}", {}) in writes
    assert writes[-1] == ("PUT", "/api/policies/%2F/pipeline-dead-letter",
                          {"pattern": r"^(evt-|crm\.intake\.)", "apply-to": "queues",
                           "priority": 0,
                           "definition": {"dead-letter-exchange": "crm.dead-letter"}})


def test_apply_declares_the_topology_before_the_policy(fake):
    access.apply(fake.port, PASSWORDS)
    writes = [(m, p, b) for m, p, _, b in fake.calls]
    for exchange in access.pipeline_exchanges():
        assert ("PUT", f"/api/exchanges/%2F/{exchange}", access.EXCHANGE_SETTINGS) in writes
    queue_puts = [p for m, p, _ in writes if m == "PUT" and p.startswith("/api/queues/")]
    for queue in access.pipeline_queues():
        path = f"/api/queues/%2F/{queue.name}"
        assert ("PUT", path, {"durable": True, "auto_delete": False, "arguments": {}}) in writes
        bindings_path = f"/api/bindings/%2F/e/{queue.exchange}/q/{queue.name}"
        for key in queue.binding_keys:
            binding = ("POST", bindings_path, {"routing_key": key, "arguments": {}})
            assert binding in writes
            assert writes.index(binding) > writes.index(("PUT", path, access.QUEUE_SETTINGS))
            assert writes.index(binding) > writes.index(
                ("PUT", f"/api/exchanges/%2F/{queue.exchange}", access.EXCHANGE_SETTINGS))
        plain = ("DELETE", f"{bindings_path}/{queue.routing_key}", None)
        if queue.selection:  # an older version's plain binding goes, after the new ones
            assert writes.index(plain) > max(writes.index(
                ("POST", bindings_path, {"routing_key": k, "arguments": {}}))
                for k in queue.selection)
        else:
            assert plain not in writes
    assert len(queue_puts) == len(access.pipeline_queues()) + 1  # + dead-letters
    assert writes[-1][1] == "/api/policies/%2F/pipeline-dead-letter"


@pytest.mark.integration
def test_live_broker_holds_exactly_the_declared_topology(stack):
    """Against the test stack's broker, where the services declared their queues too: no
    pipeline queue exists beyond the declared ones (so our names are nameko's), each has
    our settings and binding, and applying again changes nothing (idempotent)."""
    import urllib.parse
    api = access.Management(stack.stack.ports()["amqp_mgmt"])
    selective = [q for q in access.pipeline_queues() if q.selection]
    assert selective, "no queue bound under selection keys"
    for queue in selective:  # as an older version bound them: declaring again removes it
        api.put(f"bindings/%2F/e/{queue.exchange}/q/{urllib.parse.quote(queue.name, safe='')}",
                {"routing_key": queue.routing_key, "arguments": {}}, method="POST")
    access.declare_topology(api, "%2F")
    live = {q["name"]: q for q in json.loads(api.request("queues/%2F"))}
    pipeline = access.pipeline_queues()
    assert {n for n in live if n.startswith(("evt-", "crm."))} == {q.name for q in pipeline}
    for queue in pipeline:
        found = live[queue.name]
        assert (found["durable"], found["auto_delete"], found["arguments"]) == (True, False, {})
        bindings = json.loads(api.request(
            f"queues/%2F/{urllib.parse.quote(queue.name, safe='')}/bindings"))
        assert {(b["source"], b["routing_key"]) for b in bindings if b["source"]} == \
            {(queue.exchange, key) for key in queue.binding_keys}, queue.name


@pytest.mark.parametrize("suffix", ["", "/", "/api"])
def test_apply_by_url_as_the_administrator(fake, suffix):
    access.apply(f"http://127.0.0.1:{fake.port}{suffix}", PASSWORDS, user="admin",
                 password="secret")
    assert fake.calls and all(auth == basic("admin", "secret") for _, _, auth, _ in fake.calls)
    assert all(path.startswith("/api/") and "//" not in path for _, path, _, _ in fake.calls)


def test_apply_waits_for_a_booting_broker(fake, monkeypatch):
    monkeypatch.setattr(access.time, "sleep", lambda s: None)
    fake.booting = 3
    access.apply(fake.port, PASSWORDS, wait=30)
    assert [c[1] for c in fake.calls[:4]] == ["/api/whoami"] * 4
    assert fake.calls[-1][1] == "/api/policies/%2F/pipeline-dead-letter"


def test_apply_fails_at_once_on_wrong_credentials(monkeypatch):
    monkeypatch.setattr(access.time, "sleep", lambda s: pytest.fail("retried a 401"))
    server = FakeManagement(status=401)
    try:
        with pytest.raises(access.urllib.error.HTTPError) as error:
            access.apply(server.port, PASSWORDS, user="crm", password="wrong", wait=30)
        assert error.value.code == 401 and len(server.calls) == 1
    finally:
        server.shutdown()
        server.server_close()


def test_main_apply_reads_the_environment(fake, monkeypatch, capsys):
    monkeypatch.setenv("RABBITMQ_MANAGEMENT_URL", f"http://127.0.0.1:{fake.port}")
    monkeypatch.setenv("RABBITMQ_DEFAULT_USER", "crm")
    monkeypatch.setenv("RABBITMQ_DEFAULT_PASS", "admin-pw")
    for key, value in PASSWORDS.items():
        monkeypatch.setenv(key, value)
    assert access.main(["--apply"]) == 0
    assert fake.calls[0][:2] == ("GET", "/api/whoami")
    assert all(auth == basic("crm", "admin-pw") for _, _, auth, _ in fake.calls)
    bodies = {p: b for _, p, _, b in fake.calls}
    assert bodies["/api/users/notification"]["password"] == "pw-notification"
    out = capsys.readouterr()
    assert "applied" in out.out and "admin-pw" not in out.out + out.err


def test_main_apply_refuses_a_missing_password(monkeypatch, capsys):
    monkeypatch.setenv("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("RABBITMQ_DEFAULT_USER", "crm")
    monkeypatch.setenv("RABBITMQ_DEFAULT_PASS", "x")
    for key, value in PASSWORDS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AMQP_PASSWORD_UPSTREAM")
    assert access.main(["--apply"]) == 2
    assert "AMQP_PASSWORD_UPSTREAM" in capsys.readouterr().err


def test_main_k8s_prints_the_manifests(capsys):
    assert access.main(["--k8s"]) == 0
    assert capsys.readouterr().out == access.k8s_manifests()
