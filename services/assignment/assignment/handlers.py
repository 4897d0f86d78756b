"""Assignment's use cases, each one unit of work: read once, decide in the domain,
commit seats, assignments, history, backlog and outbox rows in one transaction.

Taking a seat and recording the assignment used to be separate writes, so a crash
or a retry in between leaked the seat for ever; here they commit together or not at
all, and a maintainer's `load` always equals the number of customers assigned to
them. The events are published only after the commit (the outbox rows committed with
the state, so a crash before publishing leaves them to the sweeper).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from common.clock import now
from common.events import Outbox
from common.mongo import in_transaction
from contracts import names

from . import metrics
from .batch_store import commit_unit, read_unit
from .domain import batch, roster
from .domain.unit import Unit
from .storage import AssignmentStore


def assign_batch(store: AssignmentStore, outbox: Outbox, policy: Any,
                 events: list[Mapping[str, Any]]) -> Unit | None:
    """A batch of `tier.changed` events, applied in delivery order as one transaction."""
    events = batch.relevant(events, policy.scheme)
    if not events:
        return None
    ids = batch.customers_named(events)
    branches = {e.get("branch") for e in events}

    def decide(session) -> Unit:
        return batch.plan_events(read_unit(store, ids, session, branches), events, policy)
    correlations = {e["event_id"]: e.get("correlation_id") for e in events}
    return _run(store, outbox, decide, correlations)[0]


def drain_backlog(store: AssignmentStore, outbox: Outbox, policy: Any, limit: int) -> int:
    """Seat the longest-waiting customers whose team has room; returns how many."""
    listed = store.waiting(limit)
    if not listed:
        return 0
    ids = [row["_id"] for row in listed]
    branches = {row.get("branch") for row in listed}

    def decide(session) -> tuple[Unit, int]:
        unit = read_unit(store, ids, session, branches)
        rows = sorted((r for r in unit.backlog.values() if r), key=lambda r: r["since"])
        return unit, roster.drain(unit, rows, policy)
    return _run(store, outbox, decide)[1]


def upsert_managers(store: AssignmentStore, outbox: Outbox, policy: Any,
                    managers: list[dict]) -> dict:
    """Roster entries inserted or updated -> counts by outcome. One that goes from
    active to inactive takes its other changes first and then leaves as `deactivate`
    does. Each entry is its own write, and a roster sent again changes only what
    differs, so a crash partway is completed by sending the roster again."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for manager in managers:
        record = policy.manager_record(manager)
        stored = store.get_manager(record["id"])
        if stored and stored.active and not record["active"]:
            store.upsert_manager({**record, "active": True})
            deactivate(store, outbox, policy, record["id"])
            counts["updated"] += 1
            continue
        counts[store.upsert_manager(record)] += 1
    return counts


def deactivate(store: AssignmentStore, outbox: Outbox, policy: Any, manager_id: str) -> dict:
    """Take a maintainer off the roster with every customer moved or, when no colleague
    has room, released into the backlog: one commit, so nobody is left assigned to a
    leaver and waiting at the same time."""
    manager = store.get_manager(manager_id)
    if manager is None:
        raise ValueError(f"no maintainer {manager_id}")
    cause = f"deactivate:{manager_id}:{now().isoformat()}"

    def decide(session) -> tuple[Unit, dict]:
        unit = read_unit(store, [], session, [manager.branch], manager_of=manager_id,
                         manager_ids=[manager_id])
        return unit, roster.deactivate(unit, manager_id, policy, cause)
    return _run(store, outbox, decide)[1]


def assign_manually(store: AssignmentStore, outbox: Outbox, customer_id: str,
                    manager_id: str, reason: str) -> dict:
    """`crm assign`: the chosen maintainer, if active and with room (ValueError if not)."""
    manager = store.get_manager(manager_id)
    if manager is None:
        raise ValueError(f"no active maintainer {manager_id}")

    def decide(session) -> tuple[Unit, dict]:
        unit = read_unit(store, [customer_id], session, [manager.branch],
                         manager_ids=[manager_id])
        return unit, roster.assign_manually(unit, customer_id, manager_id, reason)
    return _run(store, outbox, decide)[1]


def _run(store: AssignmentStore, outbox: Outbox, decide: Callable[[Any], Any],
         correlations: Mapping[str, str | None] | None = None) -> tuple[Unit, Any]:
    """Run `decide(session)` (returning a Unit, or (Unit, result)) and commit the unit
    with its events in one transaction; publish after the commit. `correlations` maps a
    causing event's id to its correlation id, which the moves it caused carry on."""
    def work(session) -> tuple[Unit, Any]:
        outbox.discard()
        decided = decide(session)
        unit, result = decided if isinstance(decided, tuple) else (decided, decided)
        stage(outbox, unit, correlations or {})
        outbox.persist_in(session)
        commit_unit(store, unit, session)
        return unit, result

    unit, result = in_transaction(store.db, work)
    outbox.publish_staged()
    for reason in unit.reasons:
        metrics.ASSIGNMENTS.labels(reason.split(":")[0][:40]).inc()
    return unit, result


def stage(outbox: Outbox, unit: Unit,
          correlations: Mapping[str, str | None] | None = None) -> None:
    """One `customer.assigned` per move, its id derived from the cause and the move. A
    move caused by a `tier.changed` keeps that event's correlation id, so a reader (the
    reporting read model) can date it by the data that caused it (its `as_of`); a roster
    action starts a correlation of its own."""
    for note in unit.announcements:
        outbox.stage(names.CUSTOMER_ASSIGNED, note.payload, cause_id=note.cause_id,
                     key=note.key, correlation_id=(correlations or {}).get(note.cause_id))
