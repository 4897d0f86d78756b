"""Reading and writing one unit of work (domain/unit.py) inside a transaction.

One query per collection on indexed keys (`_id $in`, the roster by branch) and one
bulk write per collection. Every write of state that was read is conditional on what
was read (a maintainer's load, capacity and active flag; a customer's maintainer),
so a concurrent writer outside this transaction (another replica, the erasure path)
turns into a retry of the whole transaction rather than a lost update or a seat
above capacity. Filters stay plain equality on `_id` plus fields: SecantusDB reads
a whole collection for findAndModify and for `$expr`.
"""
from __future__ import annotations

from typing import Any, Iterable

from pymongo import DeleteOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, OperationFailure

from common import clock
from common.mongo import find_in

from .domain.unit import Unit
from .storage import AssignmentStore, manager_key

WRITE_CONFLICT = 112


class UnitConflict(OperationFailure):
    """What this unit read changed before it wrote: `with_transaction` retries it
    (labelled TransientTransactionError, like a server-side write conflict)."""

    def __init__(self, what: str):
        super().__init__(f"write conflict: {what}", code=WRITE_CONFLICT,
                         details={"errorLabels": ["TransientTransactionError"],
                                  "code": WRITE_CONFLICT})


def read_unit(store: AssignmentStore, customer_ids: Iterable[str], session,
              branches: Iterable[str | None] = (), manager_of: str | None = None,
              manager_ids: Iterable[str] = ()) -> Unit:
    """The state a unit of work decides on: the customers' assignments (plus every
    customer of `manager_of`), backlog rows and tombstones, and the maintainers of
    every branch involved (and of every maintainer named)."""
    ids = list(dict.fromkeys(customer_ids))
    assignments = {r["_id"]: r for r in find_in(store.assignments, "_id", ids, session)}
    if manager_of is not None:
        for row in store.assignments.find({"manager_id": manager_of}, session=session):
            assignments.setdefault(row["_id"], row)
        ids = list(dict.fromkeys([*ids, *assignments]))
    wanted_branches = {b for b in branches} | {r.get("branch") for r in assignments.values()}
    managers = {m.id: m for m in store.find_managers(
        {"branch": {"$in": sorted(wanted_branches, key=str)}}, session)}
    named = {r.get("manager_id") for r in assignments.values()} | set(manager_ids)
    missing = sorted(m for m in named - set(managers) if m)
    if missing:  # a maintainer outside the customer's branch (rare): one more read
        managers.update({m.id: m for m in store.find_managers(
            manager_key({"$in": missing}), session)})
    backlog = {r["_id"]: r for r in find_in(store.backlog, "_id", ids, session)}
    erased = {r["_id"] for r in find_in(store.erased, "_id", ids, session, {"_id": 1})}
    return Unit(assignments, managers.values(), backlog, erased,
                clock.now())


def commit_unit(store: AssignmentStore, unit: Unit, session,
                manager_fields: dict[str, dict[str, Any]] | None = None) -> None:
    """Write what the unit changed: seats, assignments, backlog rows, history.
    `manager_fields`: roster fields to set with the seats (e.g. a deactivation)."""
    _write_managers(store, unit, session, manager_fields or {})
    _write_assignments(store, unit, session)
    _write_backlog(store, unit, session)
    if unit.history:
        store.history.insert_many([dict(h) for h in unit.history], ordered=False,
                                  session=session)


def _write_managers(store: AssignmentStore, unit: Unit, session,
                    fields: dict[str, dict[str, Any]]) -> None:
    ops = []
    for mid, after in unit.managers.items():
        before = unit.before_managers[mid]
        change = dict(fields.get(mid, {}))
        if after.load != before.load:
            change["load"] = after.load
        if after.last_assigned_at != before.last_assigned_at:
            change["last_assigned_at"] = after.last_assigned_at
        if after.active != before.active:
            change["active"] = after.active
        if change:
            seen = {"load": before.load, "capacity": before.capacity, "active": before.active}
            ops.append(UpdateOne(manager_key(mid, **seen), {"$set": change}))
    if ops and store.managers.bulk_write(ops, ordered=False,
                                         session=session).matched_count != len(ops):
        raise UnitConflict("a maintainer changed since it was read")


def _write_assignments(store: AssignmentStore, unit: Unit, session) -> None:
    inserts, ops = [], []
    for cid, after in unit.assignments.items():
        before = unit.before_assignments.get(cid)
        if after == before:
            continue
        if before is None:
            inserts.append(after)
        elif after is None:
            ops.append(DeleteOne({"_id": cid, "manager_id": before.get("manager_id")}))
        else:
            body = {k: v for k, v in after.items() if k != "_id"}
            ops.append(ReplaceOne({"_id": cid, "manager_id": before.get("manager_id")}, body))
    if ops:
        done = store.assignments.bulk_write(ops, ordered=False, session=session)
        if done.matched_count + done.deleted_count != len(ops):
            raise UnitConflict("an assignment moved since it was read")
    if inserts:
        try:
            store.assignments.insert_many(inserts, ordered=False, session=session)
        except BulkWriteError as exc:
            raise UnitConflict("a customer was assigned meanwhile") from exc


def _write_backlog(store: AssignmentStore, unit: Unit, session) -> None:
    gone, ops = [], []
    for cid, after in unit.backlog.items():
        before = unit.before_backlog.get(cid)
        if after == before:
            continue
        if after is None:
            gone.append(cid)
        else:
            ops.append(ReplaceOne({"_id": cid}, {k: v for k, v in after.items() if k != "_id"},
                                  upsert=True))
    if gone:
        store.backlog.delete_many({"_id": {"$in": gone}}, session=session)
    if ops:
        store.backlog.bulk_write(ops, ordered=False, session=session)
