"""promtool on the Prometheus config, the rules and their unit tests (deploy/prometheus)."""
from __future__ import annotations

import re

import pytest
import yaml

from .exported_metrics import crm_names, dashboard_files, exported_series
from .tools import PROMETHEUS_DIR, SERVICES, require_tool, run

ALERTS = {"CrmCampaignsBranchBelowQuota", "CrmPipelineStalled", "CrmIngestionRejectsSpiking", "CrmAssignmentBacklogGrowing",
          "CrmNotificationsFailing", "CrmServiceDown", "CrmServiceUnavailable",
          "CrmEventsUnroutable",
          # every place where work can get stuck (issue 22, point 2)
          "CrmQueueGrowing", "CrmQueueWithoutConsumer", "CrmDeadLetters", "CrmHandlerErrors",
          "CrmReviewsWaiting", "CrmRejectsNotRepaired", "CrmAssignmentBacklogWaiting",
          "CrmNotificationsDelayed", "CrmOutboxStuck", "CrmOutboxBacklog"}


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
    """A typo or a renamed metric makes an alert silently never fire: every crm_* name in
    the rules is a series the code registers (read from prometheus_client's registry)."""
    text = (PROMETHEUS_DIR / "rules.yml").read_text()
    used = crm_names(text)
    assert used, "the rules name no crm_* metric at all?"
    assert used <= exported_series(), sorted(used - exported_series())


def test_dashboard_queries_parse_and_use_recorded_or_exported_series(promtool, tmp_path):
    """promtool parses each panel query (as a recording rule); names must exist."""
    import json
    exprs = [t["expr"] for path in dashboard_files()
             for p in json.loads(path.read_text())["panels"] for t in p.get("targets", [])]
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
