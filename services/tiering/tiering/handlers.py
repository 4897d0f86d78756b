"""Tiering's use cases over a batch: read once, decide in the domain, commit once.

`retier_batch` is the unit of work behind `customer.registered`, `customer.updated`
and `customer.merged`: inside one MongoDB transaction it reads the kept snapshots and
the tiers of every customer the batch names (one query each), plans the batch in pure
code (domain/batch.py), stages the `tier.changed` events and writes snapshots, tiers,
history and outbox rows; only after the commit are the events published. A crash or
a write conflict anywhere before the commit leaves nothing behind, and the retried
or redelivered batch decides again from what is stored.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .domain import payloads
from .domain.batch import Arrival, Plan, plan_batch
from .domain.evaluate import evaluate
from .domain.snapshot import customer_of
from .storage import TieringStore


def retier_batch(store: TieringStore, outbox: Outbox, ruleset: Any, arrivals: list[Arrival],
                 today: date) -> Plan:
    """Re-tier a batch of snapshots as one unit of work; returns the committed plan."""
    ids = {a.customer["customer_id"] for a in arrivals} | \
        {absorbed for a in arrivals for absorbed in a.absorbed_ids}
    versions: dict = {}  # (scheme, branch) -> (params, rules version) under this ruleset

    def classify(customer, recorded):
        return evaluate(customer, ruleset.schemes, ruleset.rules, recorded, today,
                        ruleset.grace, versions=versions)

    def work(session) -> Plan:
        outbox.discard()
        recorded = store.recorded_many(ids, session)
        stored = store.snapshot_states(ids, session)
        plan = plan_batch(arrivals, stored, recorded, classify)
        stage_plan(outbox, plan)
        outbox.persist_in(session)
        store.commit_plan(plan, stored, recorded, session)
        return plan

    plan = in_transaction(store.db, work)
    outbox.publish_staged()
    record_metrics(plan)
    return plan


def recompute_page(store: TieringStore, outbox: Outbox, ruleset: Any, schemes: dict,
                   branch: str | None, start: int, end: int, today: date) -> dict:
    """Re-tier one page of the pool (buckets [start, end)) under the rules in force, as
    one unit of work: one read for the snapshots, one for their tiers, one bulk write
    for the records that differ, one insert for history and the outbox rows, committed
    together, so a page cannot overwrite tiers a pipeline batch wrote meanwhile (the
    write conflict re-runs the page from what is stored). Events only for real moves;
    the snapshot is re-read as it was, so a recompute does not advance downgrade grace."""
    versions: dict = {}

    def work(session) -> tuple[list, list]:
        outbox.discard()
        rows, recorded = store.page(branch, start, end, session)
        items = []
        for row in rows:
            customer = customer_of(row)
            mine = recorded.get(row["_id"], {})
            records, changes = evaluate(customer, schemes, ruleset.rules, mine, today,
                                        ruleset.grace, new_snapshot=False, versions=versions)
            cause = f"recompute:{ruleset.seq}:{row['_id']}:{row.get('revision')}"
            stage_changes(outbox, row["_id"], customer, changes, cause, None)
            items.append((row["_id"], row.get("branch"), records, changes, cause, mine))
        outbox.persist_in(session)
        return items, store.save_many(items, session)

    items, written = in_transaction(store.db, work)
    outbox.publish_staged()
    for _, branch_of, _, changes, _, _ in items:
        metrics.record_changes(changes, branch_of)
    return {"processed": len(items), "changes": sum(len(i[3]) for i in items),
            "written": written}


def stage_plan(outbox: Outbox, plan: Plan) -> None:
    for removal in plan.removals:
        outbox.stage(names.TIER_CHANGED,
                     payloads.merged_away(removal.customer_id, removal.had, removal.merged_into),
                     cause_id=removal.cause_id,
                     key=f"{removal.customer_id}:{removal.had['scheme']}",
                     correlation_id=removal.correlation_id)
    for done in plan.retiered:
        stage_changes(outbox, done.customer_id, done.customer, done.changes, done.cause_id,
                      done.correlation_id)


def stage_changes(outbox: Outbox, customer_id: str, customer: dict, changes: list,
                  cause_id: str, correlation_id: str | None) -> None:
    """One `tier.changed` per real move, its id derived from the cause and the move."""
    for change in changes:
        outbox.stage(names.TIER_CHANGED, payloads.moved(customer_id, customer, change),
                     cause_id=cause_id,
                     key=f"{customer_id}:{change.scheme}:{change.previous}>{change.current}",
                     correlation_id=correlation_id)


def record_metrics(plan: Plan) -> None:
    for removal in plan.removals:
        metrics.record_removed(removal.had["scheme"], removal.had.get("branch"))
    for done in plan.retiered:
        metrics.record_changes(done.changes, done.customer.get("branch"))
