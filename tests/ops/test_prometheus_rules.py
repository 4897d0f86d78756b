"""promtool on the Prometheus config, the rules and their unit tests (deploy/prometheus)."""
from __future__ import annotations

import re

import pytest
import yaml

from .tools import PROMETHEUS_DIR, SERVICES, require_tool, run

ALERTS = {"CrmPipelineStalled", "CrmIngestionRejectsSpiking", "CrmAssignmentBacklogGrowing",
          "CrmNotificationsFailing", "CrmServiceDown", "CrmServiceUnavailable",
          "CrmEventsUnroutable"}


@pytest.fixture(scope="module")
def promtool() -> str:
    return require_tool("promtool", "prometheus")


def test_config_is_valid(promtool):
    result = run([promtool, "check", "config", str(PROMETHEUS_DIR / "prometheus.yml")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_config_scrapes_every_service_and_rabbitmq_per_queue():
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(SERVICES) <= set(jobs)
    for name in SERVICES:  # DNS discovery: every replica of a scaled service is scraped
        assert jobs[name]["dns_sd_configs"][0]["names"] == [name]
    assert jobs["rabbitmq"]["metrics_path"] == "/metrics/per-object"
    assert config["rule_files"] == ["rules.yml"]


def test_rules_are_valid(promtool):
    result = run([promtool, "check", "rules", str(PROMETHEUS_DIR / "rules.yml")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_unit_tests_pass(promtool):
    result = run([promtool, "test", "rules", "rules_test.yml"], cwd=PROMETHEUS_DIR)
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr


def test_every_required_alert_exists_and_is_unit_tested():
    rules = yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    assert ALERTS <= alerts
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                assert rule["labels"]["severity"] in {"warning", "critical"}
                assert rule["annotations"]["summary"]
    tests = yaml.safe_load((PROMETHEUS_DIR / "rules_test.yml").read_text())["tests"]
    firing = {case["alertname"] for test in tests for case in test.get("alert_rule_test", [])
              if case.get("exp_alerts")}
    assert ALERTS <= firing, f"alerts never shown to fire in a unit test: {ALERTS - firing}"


def test_rules_use_only_metric_names_that_exist():
    """A typo in a metric name makes an alert silently never fire."""
    known = re.compile(r"^(crm_[a-z_]+|rabbitmq_queue_[a-z_]+|up)$")
    text = (PROMETHEUS_DIR / "rules.yml").read_text()
    exported = {"crm_messages_consumed_total", "crm_handler_duration_seconds_bucket",
                "crm_handler_errors_total", "crm_outbox_pending_events",
                "crm_events_unroutable_total",
                "crm_ingestion_records_received_total", "crm_ingestion_records_rejected_total",
                "crm_tiering_customers_entered_total", "crm_tiering_customers_left_total",
                "crm_assignment_backlog_customers", "crm_notification_messages_total",
                "crm_notification_oldest_pending_age_seconds", "rabbitmq_queue_messages_ready", "up"}
    used = {m for m in re.findall(r"\b([a-z_]+)\s*[{\[]", text) if known.match(m)}
    assert used and used <= exported, used - exported


def test_dashboard_queries_parse_and_use_recorded_or_exported_series(promtool, tmp_path):
    """promtool parses each panel query (as a recording rule); names must exist."""
    import json
    dashboard = json.loads((PROMETHEUS_DIR.parent / "grafana" / "pipeline-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 10
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:q{i}", "expr": e} for i, e in enumerate(exprs)]}]}
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = run([promtool, "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr
    recorded = {r["record"] for g in yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text())["groups"]
                for r in g["rules"] if "record" in r}
    text = " ".join(exprs)
    for name in set(re.findall(r"\b([a-z_]+:[a-z_0-9:]+)\b", text)):
        assert name in recorded, f"dashboard uses unrecorded {name}"
    for stage in ("crm_ingestion_records_received_total", "crm_dedup_decisions_total",
                  "crm_tiering_moves_total", "crm_assignment_backlog_customers",
                  "crm_notification_messages_total", "rabbitmq_queue_messages_ready"):
        assert stage in text
