"""What the groups RPCs answer (`crm groups list|show|explain`, link and unlink):
read-only views over the stored parties and groups. Names are masked as dedup
published them; relation targets show as party keys (a national id only as its
blind index)."""
from __future__ import annotations

from .domain.grouping import rule_of_member
from .domain.plan import GroupPlan
from .domain.ports import Tie
from .storage import GroupsStore

LIST_FIELDS = ("members", "lead_branch", "exposure", "limit", "share_of_limit")


def list_line(group: dict) -> dict:
    """{"group_id", "members", "lead_branch", "exposure", "limit", "share_of_limit"}"""
    return {"group_id": group["_id"], **{k: group.get(k) for k in LIST_FIELDS}}


def show(store: GroupsStore, group_id: str) -> dict:
    group = store.get_group(group_id)
    if not group:
        raise ValueError(f"no group {group_id}")
    parties = store.parties_by_id(group["members"])
    members = [{"customer_id": m, "name": parties.get(m, {}).get("name"),
                "branch": parties.get(m, {}).get("branch"),
                "credit": parties.get(m, {}).get("credit"),
                "joined_by": rule_of_member(m, _ties(group))} for m in group["members"]]
    return {**list_line(group), "members": members, "ties": group.get("ties") or [],
            "alerted": group.get("alerted") or []}


def explain(store: GroupsStore, customer_id: str) -> dict:
    party = store.parties_by_id([customer_id]).get(customer_id)
    if not party:
        raise ValueError(f"no customer {customer_id} known to the groups service")
    group = store.group_of(customer_id)
    holders = store.holders([r["target_key"] for r in party.get("relations") or []])
    relations = [{**r, "target": holders.get(r["target_key"], "not yet known")}
                 for r in party.get("relations") or []]
    return {"customer_id": customer_id, "kind": party.get("kind"),
            "active": party.get("active", True), "merged_into": party.get("merged_into"),
            "relations": relations, "group_id": group["_id"] if group else None,
            "joined_by": rule_of_member(customer_id, _ties(group)) if group else [],
            "why_not": None if group else "no tie under the active rules joins it to "
                                           "another organisation"}


def command_answer(store: GroupsStore, customer_id: str, plan: GroupPlan) -> dict:
    group = store.group_of(customer_id)
    return {"group_id": group["_id"] if group else None,
            "changes": [p["change"] for _, p in plan.changed],
            "warnings": [p["level"] for _, p in plan.warnings]}


def _ties(group: dict | None) -> list[Tie]:
    return [Tie(**t) for t in (group or {}).get("ties") or []]

