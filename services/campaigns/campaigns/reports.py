"""Campaigns' read side: listings, the day's count, the leaderboard, the audit sample
and the gauges, each one or two reads shaped by pure domain code."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from . import metrics
from .domain import calls, plan
from .domain import reports as ranked
from .handlers import Settings
from .storage import CampaignsStore


def call_row(call: dict) -> dict:
    """A stored call as the RPCs answer it."""
    row = {k: v for k, v in call.items() if k not in ("_id", "sealed_at")}
    row["call_id"] = call["_id"]
    if isinstance(row.get("at"), datetime):
        row["at"] = row["at"].isoformat()
    return row


def summary(doc: dict, made: list[dict]) -> dict:
    """One line of `crm campaigns list`."""
    progress = plan.progress(doc["lists"], made)
    return {"campaign_id": doc["_id"], "name": doc["name"], "branch": doc["branch"],
            "owner": doc["owner"], "from": doc["from"], "to": doc["to"],
            "status": doc["status"], "staff": len(doc["staff"]),
            "customers": progress["customers"], "called": progress["called"],
            "reached": progress["reached"], "progress": progress["ratio"]}


def day(store: CampaignsStore, settings: Settings, when: date,
        branch: str | None = None) -> list[dict]:
    """`crm calls day`: the branches with calls or a sheet that day (or the one asked)."""
    made = store.calls_on([when], branch)
    sheets = store.sheets_on(when)
    branches = {branch} if branch else {c["branch"] for c in made} | {s["branch"] for s in sheets}
    closed = {s["branch"]: bool(s.get("closed")) for s in sheets}
    return calls.day_lines(made, branches, when, settings.quota, settings.holidays, closed)


def leaderboard(store: CampaignsStore, week: str) -> list[dict]:
    monday, sunday = ranked.iso_week(week)
    days = [monday + timedelta(days=n) for n in range((sunday - monday).days + 1)]
    return [{"week": week.upper(), **row} for row in ranked.leaderboard(store.calls_on(days))]


def audit(store: CampaignsStore, settings: Settings, month: str, branch: str,
          seed: str | None) -> dict:
    """The day drawn for the branch and month, and every call of it to verify."""
    seed = seed or settings.audit_seed
    drawn = ranked.audit_day(month, branch, seed, settings.holidays)
    made = [call_row(c) for c in store.calls_on([drawn], branch)]
    sheet = store.sheet(branch, drawn) or {}
    return {"branch": branch, "month": month, "seed": seed, "date": drawn.isoformat(),
            "signatures": sheet.get("signatures", {}), "calls": made}


def last_working_day(today: date, holidays: Any = ()) -> date:
    day = today - timedelta(days=1)
    while not calls.working_day(day, holidays):
        day -= timedelta(days=1)
    return day


def refresh_gauges(store: CampaignsStore, settings: Settings, today: date) -> None:
    open_docs = store.open_campaigns()
    branches = {d["branch"] for d in open_docs}
    before = last_working_day(today, settings.holidays)
    now_lines = [line for line in day(store, settings, today) if line["staff_id"] is None]
    known = branches | {line["branch"] for line in now_lines}
    now_lines += calls.day_lines([], known - {line["branch"] for line in now_lines}, today,
                                 settings.quota, settings.holidays)
    past = [line for line in calls.day_lines(store.calls_on([before]), known, before,
                                             settings.quota, settings.holidays)
            if line["staff_id"] is None]
    made = store.calls_of([d["_id"] for d in open_docs])
    progress = {(d["_id"], d["branch"]): plan.progress(
        d["lists"], [c for c in made if c["campaign_id"] == d["_id"]])["ratio"]
        for d in open_docs}
    metrics.publish(now_lines, past, progress)
