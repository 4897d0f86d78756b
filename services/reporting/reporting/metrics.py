"""Reporting's gauges: the five indicators per branch for the current quarter.

Per branch only (a maintainer's figures are in the report, `crm kpi --by maintainer`),
so the label set stays as small as the branch list. Refreshed by the service's timer.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from prometheus_client import Gauge

from common import clock
from common.metrics import watch_oldest

from .domain.periods import quarter_of

CHURN = Gauge("crm_reporting_churn_ratio",
              "Keep: maintained customers churned this quarter over those maintained at its "
              "start, per branch.", ["branch"])
UPGRADE = Gauge("crm_reporting_upgrade_ratio",
                "Win: maintained customers moved up a band or star level this quarter over "
                "those maintained at its start, per branch.", ["branch"])
COVERAGE = Gauge("crm_reporting_product_coverage_ratio",
                 "Dig: products held per maintained customer now, per branch.", ["branch"])
GROWTH = Gauge("crm_reporting_customer_growth_customers",
               "Grab: maintained customers now minus at the start of the quarter, per branch.",
               ["branch"])
ASSETS = Gauge("crm_reporting_asset_growth_ratio",
               "Cultivate: maintained average daily assets now over at the start of the "
               "quarter, minus 1, per branch.", ["branch"])
MID_HIGH = Gauge("crm_reporting_mid_high_grown_customers",
                 "Mid- and high-end band customers maintained now minus at the start of the "
                 "quarter, per branch.", ["branch"])

BEHIND = Gauge("crm_reporting_gauges_behind_seconds",
               "Seconds since the moment up to which the gauges count (the last refresh's "
               "mark): about the refresh interval when caught up; grows while refreshes lag.")


def watch_behind(gauges_collection) -> None:
    """The lag gauge reads the current quarter's kept mark at each scrape: refreshes are
    paced, so a value they set would stand still exactly while they lag."""
    watch_oldest(BEHIND, gauges_collection,
                 lambda: {"_id": quarter_of(clock.today()).label}, "mark")


def _ratio(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def asset_growth_ratio(start: str, end: str) -> float | None:
    begin = Decimal(start)
    return None if not begin else float(Decimal(end) / begin - 1)


def observe(rows: Iterable[dict]) -> None:
    """Set the gauges from `kpi.compute(..., by="branch")` rows of the current quarter."""
    for row in rows:
        branch = row["branch"] or ""
        CHURN.labels(branch).set(_ratio(row["churn_rate"]))
        UPGRADE.labels(branch).set(_ratio(row["upgrade_rate"]))
        COVERAGE.labels(branch).set(_ratio(row["product_coverage"]))
        GROWTH.labels(branch).set(row["customer_growth"])
        ASSETS.labels(branch).set(_ratio(asset_growth_ratio(row["assets_start"],
                                                            row["assets_end"])))
        MID_HIGH.labels(branch).set(row["mid_high_grown"])
