"""How the crm command reaches the running stack: .local/env, nameko RPC, RabbitMQ's API."""
from __future__ import annotations

import base64
import json
import os
import re
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from contracts.caller import IdentifiedRpcProxy

SERVICES = ("ingestion", "dedup", "tiering", "assignment", "notification", "campaigns", "reporting", "groups")


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
    for key in ("AMQP_URI", "CRM_AMQP_URI", "MONGO_URI", "RABBITMQ_MANAGEMENT_URL", "INTAKE_URL",
                "METRICS_URLS"):
        if os.environ.get(key):
            found[key] = os.environ[key]
    if "AMQP_URI" not in found:
        raise SystemExit("crm: no stack found: run `make up` or set AMQP_URI")
    return found


def caller_uri() -> str:
    """The operator's broker URI (CRM_AMQP_URI, written by `make up` for the local admin
    operator, or given to a person by `crm operators add`); else the stack's AMQP_URI."""
    env = stack_env()
    return env.get("CRM_AMQP_URI") or env["AMQP_URI"]


RPC_TIMEOUT = 120.0
"""Seconds crm waits for a service's answer unless a command says otherwise."""


@contextmanager
def rpc(timeout: float = RPC_TIMEOUT) -> Iterator:
    with IdentifiedRpcProxy(caller_uri(), timeout=timeout) as proxy:
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


DEFAULT_STATISTICS_INTERVAL = 5.0  # RabbitMQ's collect_statistics_interval default
_STATS_SETTING = re.compile(r"^\s*\{?\s*collect_statistics_interval\s*[=,]\s*(\d+)", re.M)


def statistics_interval() -> float:
    """Seconds between the broker's statistics samples: how old a management count may
    be. The API does not publish the setting, so it is read from /api/overview when a
    broker does, else from the config files the node says it loaded (the local stack's
    node is ours), else RabbitMQ's default is assumed."""
    try:
        overview = management_get("overview")
        if overview.get("statistics_interval"):
            return float(overview["statistics_interval"]) / 1000
        node = management_get("nodes/" + urllib.parse.quote(overview["node"], safe=""))
        for path in node.get("config_files") or []:
            try:
                found = _STATS_SETTING.search(Path(path).read_text(errors="replace"))
            except OSError:  # a remote node's file, or not ours to read
                continue
            if found:
                return int(found.group(1)) / 1000
    except (OSError, KeyError, ValueError, TypeError):
        pass
    return DEFAULT_STATISTICS_INTERVAL


class ReadyCounter:
    """Exact ready counts by passive `queue.declare` (the management figures are
    sampled); one connection for many polls, opened again after a broker error."""

    def __init__(self) -> None:
        self.connection = None
        self.channel = None

    def __enter__(self) -> "ReadyCounter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.release()
            except Exception:  # noqa: BLE001 - a dead connection is closed already
                pass
        self.connection = self.channel = None

    def ready(self, names: list[str]) -> dict[str, int]:
        """Ready messages per queue; a queue deleted meanwhile is left out."""
        from amqp.exceptions import NotFound
        from kombu import Connection

        if self.connection is None:
            self.connection = Connection(stack_env()["AMQP_URI"], connect_timeout=10)
            self.channel = self.connection.channel()
        counts: dict[str, int] = {}
        try:
            for name in names:
                try:
                    counts[name] = self.channel.queue_declare(queue=name, passive=True).message_count
                except NotFound:  # the error closed the channel
                    self.channel = self.connection.channel()
        except Exception:
            self.close()
            raise
        return counts
