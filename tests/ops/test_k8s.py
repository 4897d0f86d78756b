"""deploy/k8s: render base and overlays with kustomize, validate every manifest.

kustomize is the one built into kubectl (`kubectl kustomize`); built-in kinds are validated
with kubernetes-validate (strict) for a pinned Kubernetes version, custom resources against
the small schemas in crd_schemas.py.
"""
from __future__ import annotations

import base64
import re
import shutil

import jsonschema
import pytest
import yaml
# a dev requirement (requirements-dev.txt): when missing the run fails, it does not skip
from kubernetes_validate import utils as kubernetes_validate

from tools.stack import access

from .crd_schemas import SCHEMAS
from .tools import K8S_DIR, SERVICES, require_tool, run

K8S_VERSION = "1.31.0"
TARGETS = ("base", "overlays/dev", "overlays/prod")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, list[dict]]:
    """Each target rendered from a copy whose secret env files come from the .example files."""
    kubectl = require_tool("kubectl", "kubectl")
    tree = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S_DIR, tree)
    for example in tree.rglob("*.env.example"):
        example.with_suffix("").write_text(example.read_text())
    out = {}
    for target in TARGETS:
        result = run([kubectl, "kustomize", str(tree / target)])
        assert result.returncode == 0, f"kustomize {target}: {result.stderr}"
        out[target] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return out


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


@pytest.mark.parametrize("target", TARGETS)
def test_every_manifest_is_valid(rendered, target):
    errors = []
    for doc in rendered[target]:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] in SCHEMAS:
            errors += [f"{name}: {e.json_path}: {e.message}" for e in
                       jsonschema.Draft202012Validator(SCHEMAS[doc["kind"]]).iter_errors(doc)]
            continue
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{name}: {exc.message}")
    assert not errors, "\n".join(errors)


def test_validators_reject_mistakes():
    """Guard: strict validation and the CRD schemas really catch a misspelt field."""
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
           "spec": {"ports": [{"port": 80}], "selectr": {}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)
    bad_rabbit = {"apiVersion": "rabbitmq.com/v1beta1", "kind": "RabbitmqCluster",
                  "metadata": {"name": "x"}, "spec": {"replica": 3}}
    assert list(jsonschema.Draft202012Validator(SCHEMAS["RabbitmqCluster"]).iter_errors(bad_rabbit))
    good = next(d for d in access.k8s_resources() if d["kind"] == "Permission")
    assert not list(jsonschema.Draft202012Validator(SCHEMAS["Permission"]).iter_errors(good))
    misspelt = {**good, "spec": {**good["spec"], "permisions": good["spec"]["permissions"]}}
    no_user = {**good, "spec": {k: v for k, v in good["spec"].items() if k != "userReference"}}
    no_cluster = {**good, "spec": {k: v for k, v in good["spec"].items()
                                   if k != "rabbitmqClusterReference"}}
    bad_tag = {"apiVersion": "rabbitmq.com/v1beta1", "kind": "User", "metadata": {"name": "x"},
               "spec": {"tags": ["admin"], "rabbitmqClusterReference": {"name": "c"}}}
    for bad_doc in (misspelt, no_user, no_cluster, bad_tag):
        assert list(jsonschema.Draft202012Validator(SCHEMAS[bad_doc["kind"]]).iter_errors(bad_doc))


def test_keda_and_rule_schemas_reject_mistakes(rendered):
    """Guard: the ScaledObject, TriggerAuthentication and PrometheusRule schemas accept the
    rendered objects and catch a misspelt field, a bad trigger and a rule without its kind."""
    docs = rendered["base"]
    scaled = by_kind(docs, "ScaledObject")["dedup"]
    auth = by_kind(docs, "TriggerAuthentication")["crm-dedup-rabbitmq"]
    rule = next(iter(by_kind(docs, "PrometheusRule").values()))
    for good in (scaled, auth, rule):
        assert not list(jsonschema.Draft202012Validator(SCHEMAS[good["kind"]]).iter_errors(good))
    trigger = scaled["spec"]["triggers"][0]
    bad = [
        {**scaled, "spec": {**scaled["spec"], "minReplicas": 1}},
        {**scaled, "spec": {**scaled["spec"], "triggers": [
            {**trigger, "metadata": {**trigger["metadata"], "queueLenght": "5"}}]}},
        {**scaled, "spec": {**scaled["spec"], "triggers": [
            {**trigger, "metadata": {**trigger["metadata"], "value": 5}}]}},
        {**scaled, "spec": {**scaled["spec"], "triggers": [
            {**trigger, "metadata": {**trigger["metadata"],
                                     "host": "amqp://u:p@crm-rabbitmq:5672/"}}]}},
        {**auth, "spec": {"secretTargetRef": [{"parameter": "password", "name": "x"}]}},
        {**rule, "spec": {"groups": [{"name": "g", "rules": [{"expr": "up"}]}]}},
        {**rule, "spec": {"groups": [{"name": "g", "rules": [
            {"record": "a:b", "expr": "up", "for": "5m"}]}]}},
    ]
    for doc in bad:
        assert list(jsonschema.Draft202012Validator(SCHEMAS[doc["kind"]]).iter_errors(doc)), doc


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_objects(rendered, target, service):
    docs = rendered[target]
    deployment = by_kind(docs, "Deployment")[service]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    container = pod["containers"][0]
    assert container["args"] == [service]
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"  # 503 without its database
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    env = {e["name"]: e for e in container["env"]}
    assert env["MONGO_URI"]["valueFrom"]["secretKeyRef"]["name"] == f"crm-mongodb-{service}"
    # its own RabbitMQ user: the Secret the Topology Operator writes for User crm-<service>
    for var, key in (("RABBITMQ_USERNAME", "username"), ("RABBITMQ_PASSWORD", "password")):
        assert env[var]["valueFrom"]["secretKeyRef"] == {
            "name": f"crm-{service}-user-credentials", "key": key}
    assert env["AMQP_URI"]["value"] == \
        "amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@crm-rabbitmq:5672/"
    user = by_kind(docs, "User")[f"crm-{service}"]
    permission = by_kind(docs, "Permission")[f"crm-{service}"]["spec"]
    assert permission["userReference"]["name"] == user["metadata"]["name"]
    assert permission["permissions"] == access.permissions(service)
    topic = by_kind(docs, "TopicPermission")[f"crm-{service}"]["spec"]
    assert topic["userReference"]["name"] == user["metadata"]["name"]
    assert topic["permissions"]["exchange"] == "nameko-rpc"
    assert "replicas" not in deployment["spec"], "KEDA's HPA owns the replica count"

    labels = deployment["spec"]["selector"]["matchLabels"]
    service_obj = by_kind(docs, "Service")[service]
    assert service_obj["spec"]["selector"] == labels
    _scales_on_its_queues(docs, service)
    assert by_kind(docs, "PodDisruptionBudget")[service]["spec"]["selector"]["matchLabels"] == labels
    monitor = by_kind(docs, "ServiceMonitor")[service]
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert monitor["spec"]["endpoints"][0]["port"] == service_obj["spec"]["ports"][0]["name"]
    assert all(service_obj["metadata"]["labels"].get(k) == v
               for k, v in monitor["spec"]["selector"]["matchLabels"].items())


# The queues each service's work arrives on (its erasure and operator-change queues carry
# too little to scale on). Each must be one the service really consumes (tools/stack/access).
WORK_QUEUES = {
    "ingestion": {"crm.intake.ingestion"},
    "dedup": {"evt-ingestion-customer.ingested--dedup.on_ingested"},
    "tiering": {"evt-dedup-customer.registered--tiering.on_registered",
                "evt-dedup-customer.updated--tiering.on_updated",
                "evt-dedup-customer.merged--tiering.on_merged"},
    "assignment": {"evt-tiering-tier.changed--assignment.on_tier_changed"},
    "notification": {"evt-assignment-customer.assigned--notification.on_assigned",
                     "evt-tiering-tier.changed--notification.on_tier_changed",
                     "evt-dedup-customer.review_needed--notification.on_review_needed"},
    "campaigns": {"evt-dedup-customer.registered--campaigns.on_registered",
                  "evt-dedup-customer.updated--campaigns.on_updated",
                  "evt-dedup-customer.merged--campaigns.on_merged",
                  "evt-tiering-tier.changed--campaigns.on_tier_changed",
                  "evt-assignment-customer.assigned--campaigns.on_assigned"},
    "reporting": {"evt-dedup-customer.registered--reporting.on_registered",
                  "evt-dedup-customer.updated--reporting.on_updated",
                  "evt-dedup-customer.merged--reporting.on_merged",
                  "evt-tiering-tier.changed--reporting.on_tier_changed",
                  "evt-assignment-customer.assigned--reporting.on_assigned"},
    "groups": {"evt-dedup-customer.registered--groups.on_registered",
               "evt-dedup-customer.updated--groups.on_updated",
               "evt-dedup-customer.merged--groups.on_merged"}}


def _scales_on_its_queues(docs: list[dict], service: str) -> None:
    """A KEDA ScaledObject, not a CPU-only HPA: one rabbitmq trigger per work queue, read as
    the service's own broker user, with documented thresholds."""
    assert service not in by_kind(docs, "HorizontalPodAutoscaler"), "KEDA creates the HPA"
    spec = by_kind(docs, "ScaledObject")[service]["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": service}
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    rabbit = [t for t in spec["triggers"] if t["type"] == "rabbitmq"]
    queues = {t["metadata"]["queueName"] for t in rabbit}
    assert queues == WORK_QUEUES[service]
    assert queues <= {q.name for q in access.service_queues(service)}
    auth = by_kind(docs, "TriggerAuthentication")[f"crm-{service}-rabbitmq"]["spec"]
    assert {(r["parameter"], r["name"], r["key"]) for r in auth["secretTargetRef"]} == {
        ("username", f"crm-{service}-user-credentials", "username"),
        ("password", f"crm-{service}-user-credentials", "password")}
    for trigger in rabbit:
        meta = trigger["metadata"]
        assert trigger["authenticationRef"] == {"name": f"crm-{service}-rabbitmq"}
        assert meta["mode"] == "QueueLength" and meta["protocol"] == "amqp"
        assert meta["host"] == "amqp://crm-rabbitmq:5672/", "no credentials in the manifest"
        assert meta["value"] == QUEUE_THRESHOLDS[service]
    assert [t["metadata"] for t in spec["triggers"] if t["type"] == "cpu"] == [{"value": "70"}]


def _documented_thresholds() -> dict[str, str]:
    """The messages-per-replica column of docs/operations.md's scaling table."""
    text = (K8S_DIR.parents[1] / "docs" / "operations.md").read_text()
    rows = re.findall(r"^\| (\w+) \| ([0-9]+) ready messages per replica", text, re.M)
    return dict(rows)


QUEUE_THRESHOLDS = _documented_thresholds()


def test_thresholds_are_documented_for_every_service():
    assert set(QUEUE_THRESHOLDS) == set(SERVICES), QUEUE_THRESHOLDS


@pytest.mark.parametrize("target", TARGETS)
def test_rabbitmq_cluster_and_mongodb_replica_set(rendered, target):
    docs = rendered[target]
    rabbit = by_kind(docs, "RabbitmqCluster")["crm-rabbitmq"]
    assert "default_queue_type = quorum" in rabbit["spec"]["rabbitmq"]["additionalConfig"]
    assert "rabbitmq_prometheus" in rabbit["spec"]["rabbitmq"]["additionalPlugins"]
    mongo = by_kind(docs, "MongoDBCommunity")["crm-mongodb"]
    assert mongo["spec"]["type"] == "ReplicaSet"
    users = {u["name"]: u for u in mongo["spec"]["users"]}
    for service in SERVICES:
        assert users[service]["roles"] == [{"name": "readWrite", "db": f"crm_{service}"}]
        assert users[service]["connectionStringSecretName"] == f"crm-mongodb-{service}"
    if target != "base":
        secrets = by_kind(docs, "Secret")
        assert "crm-mongodb-passwords" in secrets, "the operator reads this exact name"
        assert set(secrets["crm-mongodb-passwords"]["data"]) == {u["passwordSecretRef"]["key"]
                                                                  for u in users.values()}


@pytest.mark.parametrize("target", TARGETS)
def test_rabbitmq_users_and_their_credentials(rendered, target):
    docs = rendered[target]
    cluster = by_kind(docs, "RabbitmqCluster")["crm-rabbitmq"]["metadata"]["name"]
    users = by_kind(docs, "User")
    assert set(users) == {f"crm-{u}" for u in access.users()}
    upstream = by_kind(docs, "Permission")["crm-upstream"]["spec"]["permissions"]
    assert upstream == access.upstream_permissions()
    assert "crm-upstream" not in by_kind(docs, "TopicPermission")
    for doc in docs:
        if doc["apiVersion"] == "rabbitmq.com/v1beta1" and doc["kind"] != "RabbitmqCluster":
            assert doc["spec"]["rabbitmqClusterReference"] == {"name": cluster}, doc["kind"]
    assert by_kind(docs, "Policy")["crm-pipeline-dead-letter"]["spec"]["definition"] == {
        "dead-letter-exchange": access.DEAD_LETTER_EXCHANGE}
    for deployment in by_kind(docs, "Deployment").values():  # the admin is the operator's only
        assert "crm-rabbitmq-default-user" not in yaml.safe_dump(deployment)
    if target == "base":
        return
    secrets = by_kind(docs, "Secret")
    for user in access.users():
        imported = users[f"crm-{user}"]["spec"]["importCredentialsSecret"]["name"]
        assert imported == f"crm-amqp-{user}"
        assert imported in secrets, f"the overlay generates no Secret {imported} (no hash suffix)"
        data = secrets[imported]["data"]
        assert set(data) == {"username", "password"}, "the operator imports exactly these keys"
        assert base64.b64decode(data["username"]).decode() == user


def test_overlays_size_the_environments(rendered):
    dev, prod = rendered["overlays/dev"], rendered["overlays/prod"]
    assert {d["metadata"].get("namespace") for d in dev if d["kind"] != "Namespace"} == {"crm-dev"}
    assert {d["metadata"].get("namespace") for d in prod if d["kind"] != "Namespace"} == {"crm-prod"}
    assert by_kind(dev, "RabbitmqCluster")["crm-rabbitmq"]["spec"]["replicas"] == 1
    assert by_kind(prod, "RabbitmqCluster")["crm-rabbitmq"]["spec"]["replicas"] == 3
    assert by_kind(prod, "MongoDBCommunity")["crm-mongodb"]["spec"]["members"] == 3
    assert all(o["spec"]["minReplicaCount"] >= 3 and o["spec"]["maxReplicaCount"] == 20
               for o in by_kind(prod, "ScaledObject").values())
    assert all(o["spec"]["maxReplicaCount"] == 3 for o in by_kind(dev, "ScaledObject").values())
    images = {c["image"] for d in by_kind(prod, "Deployment").values()
              for c in d["spec"]["template"]["spec"]["containers"]}
    assert not any(i.endswith(":latest") for i in images), images


def test_no_secret_values_in_the_repository():
    for path in K8S_DIR.rglob("*"):
        if path.is_file() and path.suffix in {".yaml", ".yml"}:
            for doc in yaml.safe_load_all(path.read_text()):
                assert not (doc and doc.get("kind") == "Secret"), f"{path} commits a Secret"
    ignored = (K8S_DIR / ".gitignore").read_text().split()
    assert {"*-secrets.env", "mongodb-passwords.env", "**/amqp-users/*.env"} <= set(ignored)


# -- secrets and transport (issue 16, point 3) ------------------------------------------
OWN_SECRETS = {"ingestion": {"CRM_ENCRYPTION_KEYS", "CRM_BLIND_INDEX_KEY"},
               "notification": {"CRM_WEBHOOK_SECRET", "SMTP_USERNAME", "SMTP_PASSWORD"}}


def _secret_refs(container: dict) -> set[str]:
    refs = {e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})}
    return refs | {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_gets_only_its_own_secrets(rendered, target, service):
    """As in docker-compose.yml: the keys reach ingestion only, the webhook secret and the
    SMTP credentials notification only, and no service reads another's Secret."""
    docs = rendered[target]
    container = by_kind(docs, "Deployment")[service]["spec"]["template"]["spec"]["containers"][0]
    refs = _secret_refs(container)
    assert {"crm-secrets"} & refs == set()
    own = {r for r in refs if r.startswith(f"crm-{service}-secrets")}
    assert refs - own == {f"crm-mongodb-{service}", f"crm-{service}-user-credentials"}
    assert len(own) == (1 if service in OWN_SECRETS else 0)
    if own and target != "base":
        assert set(by_kind(docs, "Secret")[own.pop()]["data"]) == OWN_SECRETS[service]


def test_no_secret_is_shared_between_services(rendered):
    docs = rendered["overlays/prod"]
    containers = {s: by_kind(docs, "Deployment")[s]["spec"]["template"]["spec"]["containers"][0]
                  for s in SERVICES}
    for service, container in containers.items():
        for other, other_container in containers.items():
            if other != service:
                assert not _secret_refs(container) & _secret_refs(other_container), (service, other)
    keys = [k for d in by_kind(docs, "Secret").values() if "secrets" in d["metadata"]["name"]
            for k in d["data"]]
    assert sorted(keys) == sorted(k for ks in OWN_SECRETS.values() for k in ks)


@pytest.mark.parametrize("target", TARGETS)
def test_ingestion_serves_the_intake_on_its_own_port(rendered, target):
    docs = rendered[target]
    container = by_kind(docs, "Deployment")["ingestion"]["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8000, "intake": 8001}
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["INTAKE_PORT"] == "8001" and env["WEB_PORT"] == "8000"
    service = {p["name"]: p for p in by_kind(docs, "Service")["ingestion"]["spec"]["ports"]}
    assert service["intake"]["targetPort"] == "intake" and service["http"]["targetPort"] == "http"
    monitor = by_kind(docs, "ServiceMonitor")["ingestion"]["spec"]["endpoints"]
    assert [e["port"] for e in monitor] == ["http"], "Prometheus scrapes the metrics port only"


def _selects(selector: dict, labels: dict) -> bool:
    assert set(selector) <= {"matchLabels"}, "only matchLabels selectors are evaluated here"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _peers(docs: list[dict], pod_labels: dict, port: str, number: int) -> list:
    """Every `from` peer that some NetworkPolicy lets reach (pod, port); None = anyone."""
    peers = []
    for policy in by_kind(docs, "NetworkPolicy").values():
        spec = policy["spec"]
        if "Ingress" not in spec["policyTypes"] or not _selects(spec["podSelector"], pod_labels):
            continue
        for rule in spec.get("ingress", []):
            ports = rule.get("ports")
            if ports is None or any(p.get("port") in (port, number) for p in ports):
                peers += rule.get("from") or [None]
    return peers


INTAKE_CLIENTS = {"namespaceSelector": {},
                  "podSelector": {"matchLabels": {"crm.bank/intake-client": "true"}}}
PROMETHEUS = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
              "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}


@pytest.mark.parametrize("target", TARGETS)
def test_network_policies_deny_by_default(rendered, target):
    policies = by_kind(rendered[target], "NetworkPolicy")
    deny = policies["default-deny-ingress"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}


@pytest.mark.parametrize("target", TARGETS)
def test_only_intake_clients_reach_the_intake_and_only_prometheus_the_metrics(rendered, target):
    docs = rendered[target]
    for service in SERVICES:
        labels = by_kind(docs, "Deployment")[service]["spec"]["template"]["metadata"]["labels"]
        assert _peers(docs, labels, "http", 8000) == [PROMETHEUS], service
        if service == "ingestion":
            assert _peers(docs, labels, "intake", 8001) == [INTAKE_CLIENTS]
        else:
            assert _peers(docs, labels, "intake", 8001) == []


def test_the_policy_check_sees_an_opening():
    """Guard: _peers finds a rule that lets anyone in, on any port."""
    open_all = {"kind": "NetworkPolicy", "metadata": {"name": "x"}, "spec": {
        "podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}}
    assert _peers([open_all], {"app.kubernetes.io/name": "ingestion"}, "intake", 8001) == [None]


@pytest.mark.parametrize("target", TARGETS)
def test_the_backing_stores_stay_reachable_by_the_services(rendered, target):
    """A default deny must not cut the services off their broker and database."""
    docs = rendered[target]
    services = {"podSelector": {"matchLabels": {"app.kubernetes.io/component": "service"}}}
    assert services in _peers(docs, {"app.kubernetes.io/name": "crm-rabbitmq"}, "amqp", 5672)
    assert INTAKE_CLIENTS in _peers(docs, {"app.kubernetes.io/name": "crm-rabbitmq"}, "amqp", 5672)
    assert services in _peers(docs, {"app": "crm-mongodb-svc"}, "mongodb", 27017)
