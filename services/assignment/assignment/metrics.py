"""Assignment's business metrics: load, utilization, backlog, fairness."""
from prometheus_client import Counter, Gauge

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


def observe_loads(managers: list[dict]) -> None:
    teams: dict[tuple, list[int]] = {}
    for m in managers:
        labels = (m["_id"], m["branch"], m["role"])
        LOAD.labels(*labels).set(m.get("load", 0))
        UTILIZATION.labels(*labels).set(m.get("load", 0) / max(m.get("capacity", 0), 1))
        if m.get("active"):
            teams.setdefault((m["branch"], m["role"]), []).append(m.get("load", 0))
    for (branch, role), loads in teams.items():
        SPREAD.labels(branch, role).set(fairness(loads))
