"""The metric names the code exports, read from prometheus_client's registry, and the metric
names that the deploy files and docs mention.

No hand-typed list: every module under services/*/<package>/ that imports prometheus_client
is imported, and the registry says what exists. A file that names a series the code does not
export (a renamed metric, a typo) shows up as a difference between the two sets.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import REGISTRY

from .tools import ROOT

SERVICES_DIR = ROOT / "services"
# The series each family type exposes (OpenMetrics / prometheus_client 0.2x text output).
SUFFIXES = {"counter": ("_total", "_created"), "gauge": ("",),
            "histogram": ("_bucket", "_sum", "_count", "_created"),
            "summary": ("", "_sum", "_count", "_created"), "info": ("_info",)}
CRM_NAME = re.compile(r"(?<![a-z0-9_:.])crm_[a-z0-9_]+")
RECORDED_NAME = re.compile(r"\b[a-z_][a-z0-9_]*:[a-z0-9_:]+")


@dataclass(frozen=True)
class Family:
    name: str   # the family name as the registry has it (a counter's without _total)
    type: str
    help: str
    labels: tuple[str, ...]

    @property
    def series(self) -> set[str]:
        return {self.name + suffix for suffix in SUFFIXES[self.type]}


def metric_modules() -> list[str]:
    """Dotted names of the service modules that define metrics (they import prometheus_client
    and are not tests)."""
    found = []
    for path in sorted(SERVICES_DIR.glob("*/*/**/*.py")):
        package_dir = path.relative_to(SERVICES_DIR).parts[1]
        if "tests" in path.parts or "bench" in path.parts or package_dir.startswith((".", "_")):
            continue
        text = path.read_text(encoding="utf-8")
        if "prometheus_client" in text and re.search(r"\b(Counter|Gauge|Histogram|Summary)\(", text):
            parts = path.relative_to(SERVICES_DIR).with_suffix("").parts[1:]
            found.append(".".join(parts))
    return found


def families() -> dict[str, Family]:
    """Every crm_* metric family the services register, by family name."""
    for module in metric_modules():
        importlib.import_module(module)
    out = {}
    for collector in list(REGISTRY._collector_to_names):
        for metric in getattr(collector, "describe", lambda: [])():
            if metric.name.startswith("crm_"):
                out[metric.name] = Family(metric.name, metric.type, metric.documentation,
                                          tuple(getattr(collector, "_labelnames", ())))
    return out


def exported_series() -> set[str]:
    """Every series name a PromQL query may use: crm_x_total, crm_y_bucket, ..."""
    return {name for family in families().values() for name in family.series}


def documented_names() -> set[str]:
    """Names a text may use for a metric: its series, or a family name as the docs use it
    (`crm_handler_duration_seconds` for the histogram)."""
    return exported_series() | {f.name for f in families().values() if f.type != "counter"}


def crm_names(text: str) -> set[str]:
    """crm_* metric names mentioned in a file, leaving out recording-rule names
    (`service:crm_messages_consumed:rate5m`) and dotted names (`crm.intake`)."""
    return set(CRM_NAME.findall(RECORDED_NAME.sub(" ", text)))


def recorded_names(text: str) -> set[str]:
    return set(RECORDED_NAME.findall(text))


def dashboard_files() -> list[Path]:
    return sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
