"""Assignment's collections: the roster, current assignments, the unassigned backlog.

Seats and assignments change together, inside one transaction per unit of work
(batch_store.py, handlers.py): a maintainer's `load` is the number of customers
assigned to them. This module keeps the indexes, the roster, reads for the RPCs and
the erasure path's writes, each taking the unit of work's session.
"""
from __future__ import annotations

from pymongo import ASCENDING, ReplaceOne
from pymongo.database import Database

from common import clock

from .domain.erasure import PERSONAL_FIELDS, history_row
from .domain.manager import Manager


def manager_of(doc: dict) -> Manager:
    """A stored maintainer as the domain's Manager: the one place `_id` becomes `id`."""
    return Manager(id=doc["_id"], role=doc.get("role"), branch=doc.get("branch"),
                   capacity=doc.get("capacity") or 0, active=doc.get("active") is True,
                   load=doc.get("load") or 0, name=doc.get("name") or "",
                   last_assigned_at=doc.get("last_assigned_at"))


def manager_key(manager_id: str, **fields) -> dict:
    """The filter (or key) of one stored maintainer: the one place `id` becomes `_id`."""
    return {"_id": manager_id, **fields}


class AssignmentStore:
    def __init__(self, db: Database):
        self.db = db
        self.managers = db["managers"]
        self.assignments = db["assignments"]
        self.backlog = db["backlog"]
        self.history = db["assignment_history"]
        self.erased = db["erased"]  # tombstones: _id = customer id, so lookups need no index

    def ensure_indexes(self) -> None:
        self.managers.create_index([("branch", ASCENDING), ("role", ASCENDING),
                                    ("active", ASCENDING)])
        self.assignments.create_index([("manager_id", ASCENDING)])
        self.backlog.create_index([("since", ASCENDING)])
        self.history.create_index([("customer_id", ASCENDING), ("at", ASCENDING)])

    # -- roster ---------------------------------------------------------------------
    def upsert_manager(self, manager: dict) -> str:
        """Insert or update by id; 'created', 'updated' or 'unchanged' (import twice = no-op)."""
        fields = {k: manager[k] for k in ("name", "role", "branch", "capacity", "active")}
        key = manager_key(manager["id"])
        current = self.managers.find_one(key)
        if current is None:
            self.managers.update_one(key, {
                "$setOnInsert": {**fields, "load": 0, "created_at": clock.now()}}, upsert=True)
            return "created"
        if all(current.get(k) == v for k, v in fields.items()):
            return "unchanged"
        self.managers.update_one(key, {"$set": fields})
        return "updated"

    def get_manager(self, manager_id: str) -> Manager | None:
        doc = self.managers.find_one(manager_key(manager_id))
        return manager_of(doc) if doc else None

    def list_managers(self, branch: str | None = None) -> list[Manager]:
        query = {"branch": branch} if branch else {}
        return [manager_of(d) for d in self.managers.find(query).sort("_id", 1)]

    def find_managers(self, query: dict, session=None) -> list[Manager]:
        return [manager_of(d) for d in self.managers.find(query, session=session)]

    # -- assignments ----------------------------------------------------------------
    def export(self, skip: int = 0, limit: int = 5000) -> list[dict]:
        rows = self.assignments.find().sort("_id", 1).skip(skip).limit(limit)
        return [{"customer_id": r["_id"], "manager_id": r["manager_id"], "role": r["role"],
                 "branch": r.get("branch"), "tier": r.get("tier"), "reason": r.get("reason")}
                for r in rows]

    def history_of(self, customer_id: str) -> list[dict]:
        return [{"manager_id": h["manager_id"], "reason": h["reason"], "at": h["at"].isoformat()}
                for h in self.history.find({"customer_id": customer_id}).sort("at", 1)]

    # -- backlog --------------------------------------------------------------------
    def waiting(self, limit: int = 1000) -> list[dict]:
        return list(self.backlog.find().sort("since", 1).limit(limit))

    def backlog_size(self) -> int:
        return self.backlog.count_documents({})

    # -- erasure --------------------------------------------------------------------
    def note_release(self, customer_id: str, release: dict, session=None) -> None:
        row = history_row(customer_id, release, clock.now())
        self.history.update_one({"_id": row.pop("_id")}, {"$setOnInsert": row}, upsert=True,
                                session=session)

    def tombstones(self, customer_ids: list[str], session=None) -> dict[str, dict]:
        return {t["_id"]: t for t in self.erased.find({"_id": {"$in": list(customer_ids)}},
                                                      session=session)}

    def save_tombstones(self, tombs: list[dict], session=None) -> None:
        """Write the tombstones an erasure decided (whole rows, by id)."""
        if tombs:
            self.erased.bulk_write([ReplaceOne({"_id": t["_id"]}, t, upsert=True)
                                    for t in tombs], ordered=False, session=session)

    def forget(self, customer_ids: list[str], session=None) -> None:
        """Out of the backlog, and no personal display left on any row of theirs (the
        outbox seals this service's stored events itself: Outbox.seal_about)."""
        ids = {"$in": customer_ids}
        self.backlog.delete_many({"_id": ids}, session=session)
        unset = {"$unset": {f: "" for f in PERSONAL_FIELDS}}
        self.assignments.update_many({"_id": ids}, unset, session=session)
        self.history.update_many({"customer_id": ids}, unset, session=session)
