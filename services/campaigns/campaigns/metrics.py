"""Campaigns' business metrics: effective calls against the quota, campaign progress.

Gauges are refreshed by the service's timer from the database (any replica may have
recorded the calls), for the branches that have an open campaign or a sheet today.
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge

CALLS = Counter("crm_campaigns_calls", "Calls recorded, by branch, outcome and whether "
                "they were effective (60 s or more).", ["branch", "outcome", "effective"])
DAY_EFFECTIVE = Gauge("crm_campaigns_day_effective_calls",
                      "Effective calls of the current day, per branch.", ["branch"])
DAY_QUOTA = Gauge("crm_campaigns_day_quota_calls",
                  "The current day's quota of effective calls, per branch (0 on a day off).",
                  ["branch"])
SHORTFALL = Gauge("crm_campaigns_last_working_day_shortfall_calls",
                  "Effective calls the branch was short of its quota on the last working "
                  "day before today (0: quota met).", ["branch"])
PROGRESS = Gauge("crm_campaigns_progress_ratio",
                 "Share of an open campaign's customers reached by an effective call.",
                 ["campaign_id", "branch"])


def record_call(call: dict) -> None:
    CALLS.labels(call["branch"], call["outcome"], str(call["effective"]).lower()).inc()


def publish(today: list[dict], last_working_day: list[dict], progress: dict[tuple, float]) -> None:
    """`today` / `last_working_day`: the branch lines of `domain.calls.day_lines`."""
    for line in today:
        DAY_EFFECTIVE.labels(line["branch"]).set(line["effective"])
        DAY_QUOTA.labels(line["branch"]).set(line["quota"])
    for line in last_working_day:
        SHORTFALL.labels(line["branch"]).set(max(0, line["quota"] - line["effective"]))
    PROGRESS.clear()  # closed campaigns leave the gauge
    for (campaign_id, branch), ratio in progress.items():
        PROGRESS.labels(campaign_id, branch).set(ratio)
