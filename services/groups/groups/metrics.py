"""The groups service's business metrics: how many groups, the largest exposure share
(the alert `GroupExposureNearLimit` watches it), changes and warnings."""
from prometheus_client import Counter, Gauge

from .domain.plan import GroupPlan

GROUPS = Gauge("crm_groups_group_customers", "Group customers (connected sets of related parties).")
LARGEST_SHARE = Gauge("crm_groups_largest_exposure_share_ratio",
                      "The largest group exposure divided by the group limit (1 = at the limit).")
CHANGES = Counter("crm_groups_changes_total", "group.changed events staged, by change.",
                  ["change"])
WARNINGS = Counter("crm_groups_limit_warnings_total",
                   "group.limit_warning events staged, by level.", ["level"])


def record(plan: GroupPlan) -> None:
    for _, payload in plan.changed:
        CHANGES.labels(payload["change"]).inc()
    for _, payload in plan.warnings:
        WARNINGS.labels(payload["level"]).inc()


def publish_gauges(count: int, largest_share: float) -> None:
    GROUPS.set(count)
    LARGEST_SHARE.set(largest_share)
