"""The live stack's /metrics: promtool check metrics, and a real Prometheus scraping it."""
from __future__ import annotations

import os
import signal
import subprocess
import urllib.request
import json
import re

import pytest

from tools.stack.procs import free_port, wait_for
from tools.stack.prometheus import Api, command, scrape_config, write_config

from .exported_metrics import dashboard_files
from .tools import SERVICES, require_tool

pytestmark = pytest.mark.integration


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def metrics_urls(stack) -> dict[str, str]:
    urls = stack.env["METRICS_URLS"].split()
    assert len(urls) == len(SERVICES)
    return dict(zip(SERVICES, urls))


def test_every_endpoint_passes_promtool_check_metrics(stack):
    promtool = require_tool("promtool", "prometheus")
    for service, url in metrics_urls(stack).items():
        text = fetch(url)
        assert "crm_messages_consumed_total" in text or "crm_handler_duration_seconds" in text
        result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0 and not result.stdout.strip() and \
            not result.stderr.strip(), f"{service}: {result.stdout}{result.stderr}"


class Prometheus(Api):
    """A private Prometheus on a free port scraping the stack every second, configured by
    tools/stack/prometheus.py as `make up`'s is; stopped by PID."""

    def __init__(self, binary: str, base, targets: dict[str, str], rabbit: str | None):
        self.port = free_port()
        super().__init__(f"http://127.0.0.1:{self.port}")
        write_config(base, scrape_config(targets, rabbit, interval="1s"))
        self.log = open(base / "prometheus.log", "w")
        self.proc = subprocess.Popen(command(binary, base, self.port),
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


@pytest.fixture
def prometheus(stack, tmp_path):
    binary = require_tool("prometheus", "prometheus")
    server = Prometheus(binary, tmp_path, metrics_urls(stack),
                        stack.env.get("RABBITMQ_METRICS_URL") or None)
    try:
        assert wait_for(server.ready, 60), (tmp_path / "prometheus.log").read_text()
        yield server
    finally:
        server.stop()


def test_prometheus_sees_every_service_up_and_business_metrics_move(stack, prometheus):
    def all_up() -> bool:
        up = {r["metric"]["job"]: r["value"][1] for r in prometheus.query("up")}
        return all(up.get(s) == "1" for s in SERVICES)
    assert wait_for(all_up, 60), prometheus.query("up")
    assert {r["metric"]["job"] for r in prometheus.query("up == 1")} >= set(SERVICES)

    received = "sum(crm_ingestion_records_received_total) or vector(0)"
    before = prometheus.value(received)
    stack.publish({"source": "ops_test", "external_id": "OPS-1", "name": "Zhao Min",
                   "national_id": "110101199003071233", "phones": ["13812348001"],
                   "branch": "OPS01", "registered_at": "2025-03-01T10:00:00"})
    stack.drain()
    assert wait_for(lambda: prometheus.value(received) > before, 30), \
        f"crm_ingestion_records_received_total stayed at {before}"
    # the rules file loads in a real Prometheus against real series
    groups = {g["name"]: g for g in prometheus.get("/api/v1/rules")["groups"]}
    assert {"crm-pipeline.recording", "crm-pipeline.alerts"} <= set(groups)
    assert all(r["health"] != "err" for g in groups.values() for r in g["rules"]), groups


SERIES_SUFFIXES = ("_bucket", "_sum", "_count", "_created")


def _dashboard_queries() -> list[tuple[str, str]]:
    """(panel title, query) of every dashboard target, with the template variables a
    Grafana user would pick (`$branch` = All)."""
    out = []
    for path in dashboard_files():
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                out.append((panel["title"], target["expr"].replace("$branch", ".*")))
    return out


def _all_up(prometheus) -> bool:
    up = {r["metric"]["job"]: r["value"][1] for r in prometheus.query("up")}
    return all(up.get(s) == "1" for s in (*SERVICES, "rabbitmq"))


def test_every_dashboard_query_runs_on_metrics_the_stack_exports(stack, prometheus):
    """Each panel query is evaluated by the real Prometheus scraping the test stack, and
    every metric it names is one that a service or RabbitMQ announced in its scrape (its
    # TYPE line, which is there even before the first sample): a renamed metric fails."""
    assert wait_for(lambda: _all_up(prometheus), 60), prometheus.query("up")
    announced: set[str] = set()

    def scraped() -> bool:
        announced.update(m["metric"] for m in prometheus.get("/api/v1/targets/metadata"))
        return any(n.startswith("crm_tiering_") for n in announced) and \
            any(n.startswith("rabbitmq_queue_") for n in announced)
    assert wait_for(scraped, 60), sorted(announced)[:20]

    def known(name: str) -> bool:
        return name in announced or any(
            name.endswith(s) and name[:-len(s)] in announced for s in SERIES_SUFFIXES)

    queries = _dashboard_queries()
    assert len(queries) >= 10
    for title, query in queries:
        names = set(re.findall(r"(?<![a-z0-9_:])((?:crm|rabbitmq)_[a-z0-9_]+)", query))
        unknown = sorted(n for n in names if not known(n))
        assert not unknown, f"panel {title!r} queries {unknown}, which nothing exports"
        prometheus.query(query)  # evaluates: a query Prometheus rejects fails here


def test_the_dashboard_check_sees_an_unknown_metric(stack, prometheus):
    """Guard: a misspelt metric is not among the announced names."""
    assert wait_for(lambda: _all_up(prometheus), 60)
    names = {m["metric"] for m in prometheus.get("/api/v1/targets/metadata")}
    assert "crm_messages_consumed_total" in names
    assert "crm_tiering_customers_entered_total" not in names
