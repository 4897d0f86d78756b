"""deploy/k8s: render base and overlays with kustomize, validate every manifest.

kustomize is the one built into kubectl (`kubectl kustomize`); built-in kinds are validated
with kubernetes-validate (strict) for a pinned Kubernetes version, custom resources against
the small schemas in crd_schemas.py.
"""
from __future__ import annotations

import base64
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tools.stack import access

from .crd_schemas import SCHEMAS
from .tools import K8S_DIR, SERVICES, require_tool, run

kubernetes_validate = pytest.importorskip("kubernetes_validate.utils")
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
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] == "/health"
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
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"

    labels = deployment["spec"]["selector"]["matchLabels"]
    service_obj = by_kind(docs, "Service")[service]
    assert service_obj["spec"]["selector"] == labels
    hpa = by_kind(docs, "HorizontalPodAutoscaler")[service]
    assert hpa["spec"]["scaleTargetRef"]["name"] == service
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert by_kind(docs, "PodDisruptionBudget")[service]["spec"]["selector"]["matchLabels"] == labels
    monitor = by_kind(docs, "ServiceMonitor")[service]
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert monitor["spec"]["endpoints"][0]["port"] == service_obj["spec"]["ports"][0]["name"]
    assert all(service_obj["metadata"]["labels"].get(k) == v
               for k, v in monitor["spec"]["selector"]["matchLabels"].items())


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
    assert all(h["spec"]["minReplicas"] >= 3 for h in by_kind(prod, "HorizontalPodAutoscaler").values())
    images = {c["image"] for d in by_kind(prod, "Deployment").values()
              for c in d["spec"]["template"]["spec"]["containers"]}
    assert not any(i.endswith(":latest") for i in images), images


def test_no_secret_values_in_the_repository():
    for path in K8S_DIR.rglob("*"):
        if path.is_file() and path.suffix in {".yaml", ".yml"}:
            for doc in yaml.safe_load_all(path.read_text()):
                assert not (doc and doc.get("kind") == "Secret"), f"{path} commits a Secret"
    ignored = (K8S_DIR / ".gitignore").read_text().split()
    assert {"secrets.env", "mongodb-passwords.env", "**/amqp-users/*.env"} <= set(ignored)
