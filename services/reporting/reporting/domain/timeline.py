"""Customers' histories, restated: business times, merges, state at a moment (pure).

Business time: a snapshot is dated by its data (`as_of`), else by when it was handled.
A tier move or an assignment carries no date of its own; when it was caused by data
(same correlation id and customer as a dated snapshot) it takes that snapshot's date,
otherwise (a maintainer leaving, a backlog seat) the time it was handled. Ties are
ordered by handling time.

Merges restate history: a survivor's history includes the customers it absorbed. The
group (survivor and every id merged into it, transitively) reads, at any moment, the
survivor's own state where it has one, else an absorbed member's (merge order). An
absorbed id's facts from its merge on (the release "merged into ...", the tier
removal) are identity bookkeeping, not business, and are left out: a merge is never a
churn, and the merged customer is counted once.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

Fact = Mapping[str, Any]


def business_times(facts: Iterable[Fact]) -> dict[str, datetime]:
    """Fact id -> business time."""
    facts = list(facts)
    dated: dict[tuple[Any, str], datetime] = {}
    for fact in facts:
        if fact["kind"] in ("snapshot", "merge") and fact.get("as_of"):
            ids = [fact["customer_id"], *fact.get("absorbed_ids", ())]
            for cid in ids:
                key = (fact.get("correlation_id"), cid)
                dated[key] = max(dated.get(key, fact["as_of"]), fact["as_of"])
    times: dict[str, datetime] = {}
    for fact in facts:
        if fact["kind"] in ("snapshot", "merge"):
            times[fact["_id"]] = fact.get("as_of") or fact["occurred_at"]
        else:
            key = (fact.get("correlation_id"), fact["customer_id"])
            times[fact["_id"]] = dated.get(key) or fact["occurred_at"]
    return times


@dataclass
class Member:
    """One customer id's facts, by kind, in business-time order."""
    snapshots: list[tuple[datetime, Fact]] = field(default_factory=list)
    assignments: list[tuple[datetime, Fact]] = field(default_factory=list)
    tiers: dict[str, list[tuple[datetime, Fact]]] = field(default_factory=dict)

    @staticmethod
    def last_before(rows: list[tuple[datetime, Fact]], moment: datetime) -> Fact | None:
        index = bisect_left([t for t, _ in rows], moment)
        return rows[index - 1][1] if index else None


@dataclass
class Group:
    """A customer as restated: its member ids, the survivor first."""
    customer_id: str
    members: list[Member]

    def _first(self, pick) -> Any:
        return next((value for value in map(pick, self.members) if value is not None), None)

    def maintainer_at(self, moment: datetime) -> tuple[str, str | None] | None:
        """(maintainer id, branch) just before `moment`, or None when not maintained."""
        def pick(member: Member):
            row = Member.last_before(member.assignments, moment)
            return (row["manager_id"], row.get("branch")) if row and row["manager_id"] else None
        return self._first(pick)

    def snapshot_at(self, moment: datetime) -> Fact | None:
        return self._first(lambda m: Member.last_before(m.snapshots, moment))

    def tier_at(self, scheme: str, moment: datetime) -> str | None:
        def pick(member: Member):
            row = Member.last_before(member.tiers.get(scheme, []), moment)
            return row.get("current") if row and row["direction"] != "removed" else None
        return self._first(pick)

    def upgrades(self, schemes: Iterable[str], start: datetime, end: datetime) -> list[datetime]:
        """Business times of the moves up a band or star level within [start, end)."""
        return sorted(t for member in self.members for scheme in schemes
                      for t, row in member.tiers.get(scheme, [])
                      if start <= t < end and row["direction"] == "up")


def groups(facts: Iterable[Fact]) -> list[Group]:
    """Every customer as restated through its merges, survivors first in each group."""
    facts = list(facts)
    times = business_times(facts)
    merged_into: dict[str, tuple[datetime, str]] = {}
    for fact in sorted((f for f in facts if f["kind"] == "merge"),
                       key=lambda f: (times[f["_id"]], f["occurred_at"])):
        for absorbed in fact["absorbed_ids"]:
            merged_into.setdefault(absorbed, (times[fact["_id"]], fact["customer_id"]))
    members: dict[str, Member] = {}
    ordered = sorted(facts, key=lambda f: (times[f["_id"]], f["occurred_at"], f["_id"]))
    for fact in ordered:
        cid, moment = fact["customer_id"], times[fact["_id"]]
        if cid in merged_into and moment >= merged_into[cid][0]:
            continue  # the absorbed id's own bookkeeping of the merge
        _file(members.setdefault(cid, Member()), fact, moment)
    return _grouped(members, merged_into)


def _file(member: Member, fact: Fact, moment: datetime) -> None:
    if fact["kind"] in ("snapshot", "merge"):
        member.snapshots.append((moment, fact))
    elif fact["kind"] == "assignment":
        member.assignments.append((moment, fact))
    elif fact["kind"] == "tier":
        member.tiers.setdefault(fact["scheme"], []).append((moment, fact))


def _root(cid: str, merged_into: Mapping[str, tuple[datetime, str]]) -> str:
    seen = set()
    while cid in merged_into and cid not in seen:
        seen.add(cid)
        cid = merged_into[cid][1]
    return cid


def _grouped(members: Mapping[str, Member],
             merged_into: Mapping[str, tuple[datetime, str]]) -> list[Group]:
    by_root: dict[str, list[str]] = {}
    for cid in members:
        by_root.setdefault(_root(cid, merged_into), []).append(cid)
    out = []
    for root, ids in sorted(by_root.items()):
        absorbed = sorted((merged_into[i][0], i) for i in ids if i != root)
        ids = [root, *(i for _, i in absorbed)] if root in members else [i for _, i in absorbed]
        out.append(Group(root, [members[i] for i in ids]))
    return out
