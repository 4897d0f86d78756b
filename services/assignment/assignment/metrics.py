"""Assignment's business metrics: load, utilization, backlog, fairness."""
import time

from prometheus_client import Counter, Gauge

from .domain.manager import Manager
from .domain.roles import fairness

ASSIGNMENTS = Counter("crm_assignment_assignments_total",
                      "Maintainer changes, by reason.", ["reason"])
BACKLOG = Gauge("crm_assignment_backlog_customers",
                "Eligible customers waiting for a maintainer with room.")
LOAD = Gauge("crm_assignment_maintainer_customers", "Customers per maintainer.",
             ["manager_id", "branch", "role"])
UTILIZATION = Gauge("crm_assignment_maintainer_utilization_ratio",
                    "Load divided by capacity per maintainer.", ["manager_id", "branch", "role"])
SPREAD = Gauge("crm_assignment_load_spread_customers",
               "Fairness: max minus min load within a branch and role.", ["branch", "role"])

BACKLOG_REFRESH_SECONDS = 30.0
_next_backlog_refresh = [0.0]


def gauges_due(now: float | None = None) -> bool:
    """True at most once per BACKLOG_REFRESH_SECONDS: a gauge read every few seconds
    by Prometheus need not cost a count of the whole backlog on every timer tick."""
    now = time.monotonic() if now is None else now
    if now < _next_backlog_refresh[0]:
        return False
    _next_backlog_refresh[0] = now + BACKLOG_REFRESH_SECONDS
    return True


def observe_loads(managers: list[Manager]) -> None:
    teams: dict[tuple, list[int]] = {}
    for m in managers:
        labels = (m.id, m.branch, m.role)
        LOAD.labels(*labels).set(m.load)
        UTILIZATION.labels(*labels).set(m.utilisation)
        if m.active:
            teams.setdefault((m.branch, m.role), []).append(m.load)
    for (branch, role), loads in teams.items():
        SPREAD.labels(branch, role).set(fairness(loads))
