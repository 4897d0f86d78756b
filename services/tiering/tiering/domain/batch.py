"""A batch of golden-customer snapshots, decided as if they had come one by one.

Pure: the batch's arrivals (registered, updated or merged customers, in delivery
order), what the store holds for those customers (snapshot revision, erased flag,
tiers) and a classifier go in; the plan of one unit of work comes out: snapshots to
keep, customers merged away, removals and changes to announce, final tier records.

The rules are the one-message rules, applied in delivery order against the state the
earlier arrivals of the same batch left: an older revision than the one kept is
ignored (the newer one decided already), an erased customer accepts nothing, a
merge removes the absorbed customers' tiers before the survivor is re-tiered. Two
snapshots of one customer in a batch are evaluated in turn, each against the tiers
the previous one produced, so downgrade grace counts both and each real move is
announced once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .evaluate import Change, TierRecord

Recorded = dict[str, dict[str, Any]]  # scheme -> stored tier row
Classifier = Callable[[Mapping[str, Any], Recorded], tuple[list[TierRecord], list[Change]]]


@dataclass(frozen=True)
class Arrival:
    customer: dict
    cause_id: str
    correlation_id: str | None = None
    absorbed_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Removal:
    customer_id: str
    merged_into: str
    had: dict  # the tier row it had, one per scheme
    cause_id: str
    correlation_id: str | None


@dataclass(frozen=True)
class Retiered:
    customer: dict
    records: list[TierRecord]
    changes: list[Change]
    cause_id: str
    correlation_id: str | None

    @property
    def customer_id(self) -> str:
        return self.customer["customer_id"]


@dataclass
class Plan:
    snapshots: dict[str, dict] = field(default_factory=dict)  # customer_id -> kept snapshot
    merged: dict[str, str] = field(default_factory=dict)      # absorbed id -> survivor
    removals: list[Removal] = field(default_factory=list)
    retiered: list[Retiered] = field(default_factory=list)
    final: dict[str, tuple[str | None, list[TierRecord]]] = field(default_factory=dict)

    def customer_ids(self) -> set[str]:
        return set(self.snapshots) | set(self.merged)


def as_recorded(records: list[TierRecord], branch: str | None) -> Recorded:
    return {r.scheme: {"scheme": r.scheme, "tier": r.tier, "reason": r.reason,
                       "rules_version": r.rules_version, "below_count": r.below_count,
                       "branch": branch} for r in records}


def plan_batch(arrivals: list[Arrival], stored: Mapping[str, Mapping[str, Any]],
               recorded: Mapping[str, Recorded], classify: Classifier) -> Plan:
    """`stored`: customer_id -> {"revision", "erased"} of kept snapshots; `recorded`:
    customer_id -> scheme -> tier row, for every customer the arrivals name."""
    plan = Plan()
    revisions = {cid: (row.get("revision", 0), bool(row.get("erased")))
                 for cid, row in stored.items()}
    tiers: dict[str, Recorded] = {cid: dict(rows) for cid, rows in recorded.items()}
    for arrival in arrivals:
        survivor = arrival.customer["customer_id"]
        for absorbed in arrival.absorbed_ids:
            for row in tiers.pop(absorbed, {}).values():
                plan.removals.append(Removal(absorbed, survivor, row, arrival.cause_id,
                                             arrival.correlation_id))
            plan.merged[absorbed] = survivor
            plan.final.pop(absorbed, None)
        _retier(plan, arrival, revisions, tiers, classify)
    return plan


def _retier(plan: Plan, arrival: Arrival, revisions: dict, tiers: dict[str, Recorded],
            classify: Classifier) -> None:
    customer = arrival.customer
    cid, revision = customer["customer_id"], customer.get("revision", 0)
    kept, erased = revisions.get(cid, (None, False))
    if erased or (kept is not None and revision < kept):
        return  # erased: nothing comes back; older: the newer snapshot decided already
    revisions[cid] = (revision, False)
    plan.snapshots[cid] = customer
    plan.merged.pop(cid, None)
    records, changes = classify(customer, tiers.get(cid, {}))
    tiers[cid] = as_recorded(records, customer.get("branch"))
    plan.final[cid] = (customer.get("branch"), records)
    plan.retiered.append(Retiered(customer, records, changes, arrival.cause_id,
                                  arrival.correlation_id))
