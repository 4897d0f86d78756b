"""No metric, alert or panel names a metric the code does not export (issue 22, point 4).

The exported names come from prometheus_client's registry after importing the services'
metric modules (exported_metrics.py), so a renamed metric fails here until the rules,
the dashboards and docs/operations.md follow it.
"""
from __future__ import annotations

import json
import re

import pytest

from .exported_metrics import (crm_names, dashboard_files, documented_names, exported_series,
                               families, recorded_names)
from .tools import PROMETHEUS_DIR, ROOT

OPERATIONS = ROOT / "docs" / "operations.md"
CHANGES_HEADING = "## Metric name changes"
UNITS = ("seconds", "ratio", "customers", "messages", "events", "bytes", "size", "calls",
         "users")
WINDOW = re.compile(r"_(\d+[smhdw]|rate|per_[a-z]+|daily|hourly|weekly)(_|$)")


def _docs_parts() -> tuple[str, str]:
    """(docs/operations.md without its changelog, the changelog section)."""
    text = OPERATIONS.read_text()
    start = text.index(CHANGES_HEADING)
    end = text.find("\n## ", start + len(CHANGES_HEADING))
    end = len(text) if end < 0 else end
    return text[:start] + text[end:], text[start:end]


def _dashboard_exprs() -> list[str]:
    exprs = []
    for path in dashboard_files():
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            exprs += [t["expr"] for t in panel.get("targets", [])]
        exprs += [v["query"]["query"] if isinstance(v.get("query"), dict) else v["query"]
                  for v in dashboard.get("templating", {}).get("list", []) if v["type"] == "query"]
    return exprs


def test_the_registry_is_read_from_the_code():
    """Guard: the derived list sees every service and the shared runtime."""
    names = set(families())
    for prefix in ("crm_ingestion_", "crm_dedup_", "crm_tiering_", "crm_assignment_",
                   "crm_notification_", "crm_handler_", "crm_batch_"):
        assert any(n.startswith(prefix) for n in names), prefix
    assert "crm_messages_consumed_total" in exported_series()
    assert "crm_handler_duration_seconds_bucket" in exported_series()


def test_the_name_scan_finds_names_and_skips_recording_rules():
    text = 'rate(crm_a_total[5m]) / service:crm_b:rate5m{queue="crm.intake.x"} + crm_c_bucket'
    assert crm_names(text) == {"crm_a_total", "crm_c_bucket"}
    assert recorded_names(text) == {"service:crm_b:rate5m"}


def test_rules_name_only_exported_metrics():
    text = (PROMETHEUS_DIR / "rules.yml").read_text()
    missing = crm_names(text) - exported_series()
    assert crm_names(text) and not missing, sorted(missing)


def test_rules_unit_tests_feed_only_exported_series():
    """An input series the code no longer exports proves nothing about production."""
    text = (PROMETHEUS_DIR / "rules_test.yml").read_text()
    missing = crm_names(text) - exported_series()
    assert not missing, sorted(missing)


def test_dashboards_name_only_exported_metrics_and_recorded_rules():
    exprs = _dashboard_exprs()
    assert len(exprs) >= 10 and dashboard_files()
    used = set().union(*(crm_names(e) for e in exprs))
    assert used and used <= exported_series(), sorted(used - exported_series())
    rules = (PROMETHEUS_DIR / "rules.yml").read_text()
    recorded = set(re.findall(r"record:\s*(\S+)", rules))
    unknown = set().union(*(recorded_names(e) for e in exprs)) - recorded
    assert not unknown, f"dashboards use recording rules nobody records: {sorted(unknown)}"


def test_operations_guide_names_only_exported_metrics():
    body, _ = _docs_parts()
    missing = crm_names(body) - documented_names()
    assert crm_names(body) and not missing, sorted(missing)


def test_every_exported_metric_is_documented():
    body, _ = _docs_parts()
    table = {m for m in re.findall(r"^\| `([a-z0-9_]+)`", body, re.M)}
    undocumented = {f.name + ("_total" if f.type == "counter" else "")
                    for f in families().values()} - table
    assert not undocumented, f"add to the metrics table in docs/operations.md: {undocumented}"


def test_changelog_lists_old_names_that_are_gone_and_new_names_that_exist():
    _, changes = _docs_parts()
    rows = re.findall(r"^\| (`.+?) \| (`.+?) \|", changes, re.M)
    assert rows, "the changelog table is empty"
    for old, new in rows:
        gone = set(re.findall(r"`(crm_[a-z0-9_]+)", old))
        now = set(re.findall(r"`(crm_[a-z0-9_]+)", new))
        assert gone and not gone & exported_series(), f"{gone} is still exported"
        assert now and now <= documented_names(), f"{now} is not exported"


@pytest.mark.parametrize("family", sorted(families().values(), key=lambda f: f.name),
                         ids=lambda f: f.name)
def test_names_follow_the_naming_guide(family):
    """Base units, `_total` on counters only, no window or rate in a gauge's name."""
    series = family.series
    if family.type == "counter":
        assert family.name + "_total" in series
    else:
        assert not family.name.endswith("_total"), f"{family.name} is a {family.type}"
        assert family.name.endswith(UNITS), f"{family.name}: end with a unit ({UNITS})"
    assert not re.search(r"_(milli|micro)?seconds?_|_ms$|_(minutes|hours|days)$", family.name)
    assert not WINDOW.search(family.name), f"{family.name} names a window or a rate"
    assert family.help.strip(), f"{family.name} has no help text"


def test_the_naming_check_rejects_the_old_tiering_gauges():
    """Guard: the names this change removed would fail the rules above."""
    for old in ("crm_tiering_upgrade_rate", "crm_tiering_downgrade_rate", "crm_queue_depth_5m"):
        assert WINDOW.search(old) or not old.endswith(UNITS)
