"""No metric is labelled by a personal field.

A label's values go to Prometheus and every dashboard as they are, so a label named
after a personal field (phone, national_id, name, ...) would publish that data: every
service's metrics module is imported and its label names checked against the one
vocabulary (common.pii.PERSONAL_FIELDS).
"""
import importlib
from pathlib import Path

from prometheus_client import REGISTRY

from common.pii import field_kind

SERVICES = Path(__file__).resolve().parents[2]


def _label_names() -> dict[str, set[str]]:
    for path in sorted(SERVICES.glob("*/*/metrics.py")):
        importlib.import_module(f"{path.parent.name}.metrics")
    labels: dict[str, set[str]] = {}
    for collector, names in list(REGISTRY._collector_to_names.items()):
        for label in getattr(collector, "_labelnames", ()):
            labels.setdefault(label, set()).update(names)
    return labels


def test_every_service_metrics_module_is_seen():
    modules = {p.parent.name for p in SERVICES.glob("*/*/metrics.py")}
    assert {"common", "ingestion", "dedup", "tiering", "assignment", "notification",
            "reporting"} <= modules
    assert {"service", "branch", "source"} <= set(_label_names())


def test_no_metric_label_is_a_personal_field():
    personal = {label: sorted(metrics) for label, metrics in _label_names().items()
                if field_kind(label)}
    assert not personal, f"metrics labelled by personal fields: {personal}"
