"""`make up`'s Prometheus: the stack's own, scraping the five services and RabbitMQ with
the alert rules of deploy/prometheus/rules.yml loaded (tools/stack/prometheus.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tools.stack.procs import read_pid, wait_for
from tools.stack.prometheus import RABBIT_JOB, RABBIT_PATH, RULES, Api, scrape_config

from .tools import SERVICES, require_tool

URLS = {s: f"http://127.0.0.1:{9100 + i}/metrics" for i, s in enumerate(SERVICES)}


def _jobs(config: dict) -> dict[str, dict]:
    return {job["job_name"]: job for job in config["scrape_configs"]}


def test_the_configuration_scrapes_each_service_and_the_broker_per_object():
    config = scrape_config(URLS, "http://127.0.0.1:15692/metrics")
    jobs = _jobs(config)
    assert set(jobs) == {*SERVICES, RABBIT_JOB}
    assert jobs["dedup"]["static_configs"] == [{"targets": ["127.0.0.1:9101"]}]
    assert jobs["dedup"]["metrics_path"] == "/metrics"
    assert jobs[RABBIT_JOB]["metrics_path"] == RABBIT_PATH == "/metrics/per-object"
    assert jobs[RABBIT_JOB]["static_configs"] == [{"targets": ["127.0.0.1:15692"]}]
    assert config["rule_files"] == [str(RULES)] and RULES.is_file()


def test_without_a_broker_of_our_own_there_is_no_rabbitmq_job():
    config = scrape_config(URLS, None, interval="1s")
    assert set(_jobs(config)) == set(SERVICES)
    assert config["global"] == {"scrape_interval": "1s", "evaluation_interval": "1s"}


def _rule_count() -> dict[str, int]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {g["name"]: len(g["rules"]) for g in groups}


@pytest.mark.integration
def test_the_stack_runs_prometheus_with_six_healthy_targets_and_the_rules(stack):
    require_tool("prometheus", "prometheus")
    url = stack.env.get("PROMETHEUS_URL")
    assert url and url.startswith("http://127.0.0.1:"), stack.env
    pid = read_pid(stack.base / "pids" / "prometheus.pid")
    assert pid, "the stack did not record Prometheus's PID, so `make down` cannot stop it"
    cmdline = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    assert f"--storage.tsdb.path={stack.base / 'prometheus' / 'data'}" in cmdline, cmdline
    api = Api(url)
    assert wait_for(api.ready, 60), f"{url} is not ready"
    expected = {*SERVICES, RABBIT_JOB}

    def healthy() -> dict[str, str]:
        targets = api.get("/api/v1/targets", state="active")["activeTargets"]
        return {t["labels"]["job"]: t["health"] for t in targets}
    assert wait_for(lambda: healthy() == {job: "up" for job in expected}, 60), healthy()

    groups = {g["name"]: g for g in api.get("/api/v1/rules")["groups"]}
    assert {name: len(g["rules"]) for name, g in groups.items()} == _rule_count()
    alerts = [r for r in groups["crm-pipeline.alerts"]["rules"] if r["type"] == "alerting"]
    assert alerts and all(r["health"] != "err" for g in groups.values() for r in g["rules"])


def test_the_run_report_prints_the_prometheus_url_or_why_there_is_none():
    from tools.demo import prometheus_line

    assert prometheus_line({"PROMETHEUS_URL": "http://127.0.0.1:40123"}).endswith(
        ": http://127.0.0.1:40123")
    assert "not running" in prometheus_line({"PROMETHEUS_URL": ""})
    assert "not running" in prometheus_line({})
