"""How the crm command reaches the running stack: .local/env, nameko RPC, RabbitMQ's API."""
from __future__ import annotations

import base64
import json
import os
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from nameko.standalone.rpc import ClusterRpcProxy

SERVICES = ("ingestion", "dedup", "tiering", "assignment", "notification")


def stack_env() -> dict[str, str]:
    """The environment wins; otherwise the nearest .local/env (written by `make up`)."""
    found: dict[str, str] = {}
    path = os.environ.get("CRM_ENV_FILE")
    candidates = [Path(path)] if path else [p / ".local" / "env" for p in
                                            [Path.cwd(), *Path.cwd().parents]]
    for candidate in candidates:
        if candidate.is_file():
            found = dict(line.split("=", 1) for line in candidate.read_text().splitlines()
                         if "=" in line)
            break
    for key in ("AMQP_URI", "MONGO_URI", "RABBITMQ_MANAGEMENT_URL", "INTAKE_URL", "METRICS_URLS"):
        if os.environ.get(key):
            found[key] = os.environ[key]
    if "AMQP_URI" not in found:
        raise SystemExit("crm: no stack found: run `make up` or set AMQP_URI")
    return found


@contextmanager
def rpc(timeout: float = 120.0) -> Iterator:
    with ClusterRpcProxy({"AMQP_URI": stack_env()["AMQP_URI"]}, timeout=timeout) as proxy:
        yield proxy


def management_get(path: str) -> list | dict:
    """GET on RabbitMQ's management API (credentials taken from the URL)."""
    url = stack_env().get("RABBITMQ_MANAGEMENT_URL")
    if not url:
        raise SystemExit("crm: RABBITMQ_MANAGEMENT_URL is not set")
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1) if "@" in rest else ("guest:guest", rest)
    request = urllib.request.Request(f"{scheme}://{host}/api/{path}")
    request.add_header("Authorization", "Basic " + base64.b64encode(creds.encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def pipeline_queues() -> list[dict]:
    """Durable work queues of the pipeline (nameko event queues and the intake queue)."""
    return [q for q in management_get("queues?columns=name,messages,messages_ready,"
                                      "messages_unacknowledged,consumers")
            if q["name"].startswith(("evt-", "crm."))]
