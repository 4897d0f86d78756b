"""From reconciled sets to what is written and announced (pure): group rows, ids of
stored groups that no longer exist, `group.changed` and `group.limit_warning` payloads.

Payloads hold customer ids, branches and amounts only: no personal data leaves the
service in its events. Each payload comes with a key from which, with the cause, the
outbox derives its event id, so a redelivered batch stages the same events again.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Mapping, Sequence

from contracts.values import format_amount

from .exposure import Limits, crossings, figures
from .grouping import Outcome


@dataclass
class GroupPlan:
    rows: list[dict] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, dict]] = field(default_factory=list)   # (key, payload)
    warnings: list[tuple[str, dict]] = field(default_factory=list)


def plan_groups(outcomes: Sequence[Outcome], dissolved: Sequence[Mapping[str, Any]],
                old_groups: Sequence[Mapping[str, Any]], parties: Mapping[str, Mapping],
                limits: Limits, today: date) -> GroupPlan:
    plan = GroupPlan()
    for outcome in outcomes:
        _plan_one(plan, outcome, parties, limits, today)
    kept = {o.group_id for o in outcomes}
    plan.removed = sorted(g["_id"] for g in old_groups if g["_id"] not in kept)
    for group in dissolved:
        payload = {"group_id": group["_id"], "members": [], "lead_branch": None,
                   "exposure": format_amount(Decimal(0)), "limit": format_amount(limits.limit),
                   "share_of_limit": 0.0, "change": "dissolved",
                   "left": list(group["members"]),
                   "previous_lead_branch": group.get("lead_branch")}
        plan.changed.append((_key(group["_id"], "dissolved", []), payload))
    return plan


def _plan_one(plan: GroupPlan, o: Outcome, parties: Mapping[str, Mapping], limits: Limits,
              today: date) -> None:
    prev = o.previous or {}
    figs = figures([parties[m] for m in o.members], limits, today)
    alerted, crossed = crossings(Decimal(figs["exposure"]), limits, prev.get("alerted") or [])
    row = {"_id": o.group_id, "members": o.members, "ties": [t.as_row() for t in o.ties],
           **figs, "alerted": alerted}
    if any(prev.get(k) != v for k, v in row.items()):
        plan.rows.append(row)
    lead_moved = bool(o.previous) and prev.get("lead_branch") != figs["lead_branch"]
    change = o.change or ("lead_branch_changed" if lead_moved else None)
    base = {"group_id": o.group_id, "members": o.members, **figs}
    if change:
        plan.changed.append((_key(o.group_id, change, o.members, figs["lead_branch"]), {
            **base, "change": change, "joined": o.joined if o.previous else o.members,
            "left": o.left, "merged_from": o.merged_from, "split_from": o.split_from,
            "previous_lead_branch": prev.get("lead_branch")}))
    for name, threshold, escalation in crossed:
        plan.warnings.append((f"{o.group_id}:{name}:{figs['exposure']}", {
            **base, "level": name, "threshold": format_amount(threshold),
            "escalation": escalation}))


def _key(group_id: str, change: str, members: Sequence[str], lead: str | None = None) -> str:
    digest = hashlib.sha1("|".join([*members, str(lead)]).encode()).hexdigest()[:12]
    return f"{group_id}:{change}:{digest}"
