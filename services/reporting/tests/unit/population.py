"""A hand-made population over 2026Q3-Q4 as the events that reach the read model.

Figures expected for 2026Q4 are computed by hand in the tests that use it."""
from __future__ import annotations

import itertools

Q3, Q4 = "2026-09-30", "2026-11-30"
_ids = itertools.count(1)


def _env(correlation: str, occurred: str) -> dict:
    return {"event_id": f"ev-{next(_ids)}", "correlation_id": correlation,
            "occurred_at": occurred}


def golden(cid: str, branch: str, assets: str, products: list[str], as_of: str,
           corr: str, occurred: str = "2026-12-02T01:00:00+00:00") -> dict:
    return {**_env(corr, occurred), "customer": {
        "customer_id": cid, "branch": branch,
        "financials": {"avg_daily_assets": assets, "as_of": as_of},
        "products": [{"code": p, "as_of": as_of} for p in products]}}


def merged(survivor: str, absorbed: str, branch: str, assets: str, products: list[str],
           as_of: str, corr: str) -> dict:
    return {**golden(survivor, branch, assets, products, as_of, corr),
            "survivor_id": survivor, "absorbed_ids": [absorbed]}


def tier(cid: str, scheme: str, current: str | None, direction: str, corr: str,
         merged_into: str | None = None, occurred: str = "2026-12-02T01:00:01+00:00") -> dict:
    return {**_env(corr, occurred), "customer_id": cid, "scheme": scheme, "current": current,
            "direction": direction, "merged_into": merged_into}


def assigned(cid: str, manager: str | None, branch: str, reason: str, corr: str,
             occurred: str = "2026-12-02T01:00:02+00:00") -> dict:
    return {**_env(corr, occurred), "customer_id": cid, "manager_id": manager,
            "branch": branch, "reason": reason}
