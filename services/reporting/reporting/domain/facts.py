"""Events -> facts: the few figures the indicators need, and nothing personal.

One fact per event (its `_id` is the event id, so a redelivery is a no-op):

* `snapshot`   - customer.registered / updated / merged: branch, average daily assets,
                 product codes held, dated by the data (`financials.as_of`, else the
                 newest product `as_of`);
* `merge`      - customer.merged: the survivor and the ids it absorbed;
* `tier`       - tier.changed: scheme, current tier, direction;
* `assignment` - customer.assigned: the maintainer (None: no longer maintained), branch;
* an erasure becomes an `assignment` with no maintainer, reason `erased`: the
  anonymous customer left the bank on that day (facts.erased_exit).

A fact keeps the event's `correlation_id` and `occurred_at` (handling time); a tier or
assignment fact is dated later (timeline.business_times) by the data that caused it.
No names, contacts, identifiers or display values are kept.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Mapping

Fact = dict[str, Any]


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def day_start(day: date) -> datetime:
    """A business date as the moment it starts (UTC): what happened as of 30 September
    is in the state at 1 October."""
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _base(event: Mapping[str, Any], kind: str, customer_id: str) -> Fact:
    return {"_id": event["event_id"], "kind": kind, "customer_id": customer_id,
            "correlation_id": event.get("correlation_id"),
            "occurred_at": _parse_time(event["occurred_at"])}


def snapshot(event: Mapping[str, Any]) -> Fact:
    """customer.registered / updated / merged -> a dated snapshot of the golden customer."""
    customer = event["customer"]
    financials = customer.get("financials") or {}
    products = customer.get("products") or []
    dates = [d for d in (_date(p.get("as_of")) for p in products) if d]
    as_of = _date(financials.get("as_of")) or (max(dates) if dates else None)
    return {**_base(event, "snapshot", customer["customer_id"]),
            "as_of": day_start(as_of) if as_of else None,
            "branch": customer.get("branch"),
            "assets": financials.get("avg_daily_assets"),
            "products": sorted({str(p["code"]) for p in products if p.get("code")})}


def merge(event: Mapping[str, Any]) -> Fact:
    fact = snapshot(event)
    return {**fact, "_id": f"{event['event_id']}:merge", "kind": "merge",
            "absorbed_ids": [i for i in event.get("absorbed_ids") or []
                             if i != event["survivor_id"]]}


def tier(event: Mapping[str, Any]) -> Fact:
    return {**_base(event, "tier", event["customer_id"]), "scheme": event["scheme"],
            "current": event.get("current"), "direction": event["direction"],
            "merged_into": event.get("merged_into")}


def assignment(event: Mapping[str, Any]) -> Fact:
    return {**_base(event, "assignment", event["customer_id"]),
            "manager_id": event.get("manager_id"), "branch": event.get("branch"),
            "reason": str(event.get("reason") or "")[:80]}


def erased_exit(customer_id: str, event_id: str, occurred_at: str) -> Fact:
    """The anonymous customer's last fact: it left maintenance (and the bank) when erased."""
    return {"_id": f"{event_id}:exit", "kind": "assignment", "customer_id": customer_id,
            "correlation_id": None, "occurred_at": _parse_time(occurred_at),
            "manager_id": None, "branch": None, "reason": "erased"}
