"""The groups service's use cases, each one unit of work (one MongoDB transaction).

`follow_batch` takes a batch of golden-customer snapshots from dedup (registered,
updated, merged), writes the parties that changed and regroups their region; `link` /
`unlink` (rule 4) and `erase` do the same from their own change. Regrouping reads the
region (storage.region), decides in pure code (domain: graph, rules, grouping, plan),
stages `group.changed` / `group.limit_warning` in the outbox and writes parties, groups
and outbox rows together; the events go out after the commit. A redelivered batch finds
its changes stored and decides "nothing changed", or re-derives the same event ids.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Sequence

from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .dependencies import GroupingSetup
from .domain.graph import build_graph
from .domain.grouping import components, reconcile
from .domain.party import absorbed, apply_snapshot, sealed
from .domain.plan import GroupPlan, plan_groups
from .storage import GroupsStore


@dataclass(frozen=True)
class Arrival:
    """One golden snapshot: the customer, the ids it absorbed, the event's ids."""
    customer: dict
    absorbed_ids: tuple[str, ...]
    event_id: str
    correlation_id: str


def follow_batch(store: GroupsStore, outbox: Outbox, setup: GroupingSetup,
                 arrivals: Sequence[Arrival], today: date) -> GroupPlan:
    ids = {a.customer["customer_id"] for a in arrivals} | \
        {x for a in arrivals for x in a.absorbed_ids}
    cause = _cause(a.event_id for a in arrivals)
    correlation = arrivals[0].correlation_id if arrivals else None

    def change(session) -> list[str]:
        existing = store.parties_by_id(ids, session)
        docs: dict[str, dict] = {}
        for a in arrivals:
            cid = a.customer["customer_id"]
            doc = apply_snapshot(a.customer, docs.get(cid) or existing.get(cid))
            if doc:
                docs[cid] = doc
            for gone in a.absorbed_ids:
                doc = absorbed(gone, cid, docs.get(gone) or existing.get(gone))
                if doc:
                    docs[gone] = doc
        store.save_parties(list(docs.values()), session, known=existing)
        return sorted(docs)

    return regroup(store, outbox, setup, change, cause, correlation, today)


def regroup(store: GroupsStore, outbox: Outbox, setup: GroupingSetup,
            change: Callable[[Any], list[str]], cause: str, correlation: str | None,
            today: date) -> GroupPlan:
    """Apply `change(session)` (returns the ids it touched) and regroup their region,
    as one transaction; publish the staged events after it."""

    def work(session) -> GroupPlan:
        outbox.discard()
        seeds = change(session)
        if not seeds:
            return GroupPlan()
        region = store.region(seeds, session)
        graph = build_graph(region.parties.values(), region.links)
        outcomes, dissolved = reconcile(region.groups,
                                        components(graph, setup.rules, setup.params))
        plan = plan_groups(outcomes, dissolved, region.groups, region.parties, setup.limits,
                           today)
        stage(outbox, plan, cause, correlation)
        outbox.persist_in(session)
        store.save_groups(plan.rows, plan.removed, session)
        return plan

    plan = in_transaction(store.db, work)
    outbox.publish_staged()
    metrics.record(plan)
    return plan


def stage(outbox: Outbox, plan: GroupPlan, cause: str, correlation: str | None) -> None:
    for key, payload in plan.changed:
        outbox.stage(names.GROUP_CHANGED, payload, cause_id=cause, key=key,
                     correlation_id=correlation)
    for key, payload in plan.warnings:
        outbox.stage(names.GROUP_LIMIT_WARNING, payload, cause_id=cause, key=key,
                     correlation_id=correlation)


def link(store: GroupsStore, outbox: Outbox, setup: GroupingSetup, a: str, b: str,
         reason: str, by: str | None, today: date) -> GroupPlan:
    """Rule 4: an officer treats two customers as one group."""
    def change(session) -> list[str]:
        known = store.parties_by_id([a, b], session)
        missing = [c for c in (a, b) if not (known.get(c) or {}).get("active")]
        if missing or a == b:
            raise ValueError(f"no active customer {missing[0]}" if missing
                             else "link two different customers")
        store.add_link(a, b, reason, by, session)
        return [a, b]

    return regroup(store, outbox, setup, change, _command_cause(), None, today)


def unlink(store: GroupsStore, outbox: Outbox, setup: GroupingSetup, a: str, b: str,
           today: date) -> GroupPlan:
    def change(session) -> list[str]:
        if not store.remove_link(a, b, session):
            raise ValueError(f"no manual link between {a} and {b}")
        return [a, b]

    return regroup(store, outbox, setup, change, _command_cause(), None, today)


def erase(store: GroupsStore, outbox: Outbox, setup: GroupingSetup, ids: list[str],
          cause: str, correlation: str | None, today: date) -> GroupPlan:
    """An erased person leaves every group; only the id stays (a tombstone)."""
    def change(session) -> list[str]:
        store.save_parties([sealed(cid) for cid in ids], session)
        store.remove_links_of(ids, session)
        return list(ids)

    return regroup(store, outbox, setup, change, cause, correlation, today)


def _cause(parts: Iterable[str]) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


def _command_cause() -> str:
    """An operator's command is not redelivered: each one is its own cause, so linking,
    unlinking and linking again announce every change."""
    return uuid.uuid4().hex
