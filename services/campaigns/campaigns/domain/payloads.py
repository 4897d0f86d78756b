"""The events campaigns publishes on `campaigns.events` (pure).

`call.logged` is meant for other systems: ids, counts and the outcome only, never the
free-text note (it may name the person) nor anything else personal.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping


def campaign_payload(doc: Mapping[str, Any]) -> dict:
    return {"campaign_id": doc["_id"], "title": doc["name"], "branch": doc["branch"],
            "owner": doc["owner"], "starts": doc["from"], "ends": doc["to"],
            "staff": list(doc["staff"]), "customers": sum(map(len, doc["lists"].values())),
            "criteria": dict(doc["criteria"])}


def call_payload(call: Mapping[str, Any]) -> dict:
    return {"call_id": call["_id"], "campaign_id": call["campaign_id"],
            "customer_id": call["customer_id"], "staff_id": call["staff_id"],
            "branch": call["branch"], "date": call["date"], "seconds": call["seconds"],
            "effective": call["effective"], "outcome": call["outcome"],
            "product": call.get("product")}


def day_payload(branch: str, day: date, sheet: Mapping[str, Any],
                signatures: Mapping[str, Mapping[str, str]], quota: int) -> dict:
    effective = int(sheet.get("effective", 0))
    return {"branch": branch, "date": day.isoformat(), "calls": int(sheet.get("calls", 0)),
            "effective": effective, "quota": quota, "met": effective >= quota,
            "supervisor": signatures["supervisor"]["by"],
            "president": signatures["president"]["by"]}
