"""Assignment's collections: the roster, current assignments, the unassigned backlog.

Capacity is enforced in the database, not in memory: a seat is taken with one
conditional update (`load < capacity`), so any number of replicas can assign at
once without pushing a maintainer past capacity.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .domain.erasure import PERSONAL_FIELDS, history_row


def _now() -> datetime:
    return datetime.now(timezone.utc)


class AssignmentStore:
    def __init__(self, db: Database):
        self.db = db
        self.managers = db["managers"]
        self.assignments = db["assignments"]
        self.backlog = db["backlog"]
        self.history = db["assignment_history"]
        self.erased = db["erased"]  # tombstones: _id = customer id, so lookups need no index
        self.outbox = db["outbox"]  # common.events.Outbox's rows, in this service's database

    def ensure_indexes(self) -> None:
        self.managers.create_index([("branch", ASCENDING), ("role", ASCENDING),
                                    ("active", ASCENDING)])
        self.assignments.create_index([("manager_id", ASCENDING)])
        self.backlog.create_index([("since", ASCENDING)])
        self.history.create_index([("customer_id", ASCENDING), ("at", ASCENDING)])
        self.outbox.create_index([("body.customer_id", ASCENDING)])  # erasure: events about one

    # -- roster ---------------------------------------------------------------------
    def upsert_manager(self, manager: dict) -> str:
        """Insert or update by id; 'created', 'updated' or 'unchanged' (import twice = no-op)."""
        fields = {k: manager[k] for k in ("name", "role", "branch", "capacity", "active")}
        current = self.managers.find_one({"_id": manager["id"]})
        if current is None:
            self.managers.update_one({"_id": manager["id"]}, {
                "$setOnInsert": {**fields, "load": 0, "created_at": _now()}}, upsert=True)
            return "created"
        if all(current.get(k) == v for k, v in fields.items()):
            return "unchanged"
        self.managers.update_one({"_id": manager["id"]}, {"$set": fields})
        return "updated"

    def get_manager(self, manager_id: str) -> dict | None:
        return self.managers.find_one({"_id": manager_id})

    def list_managers(self, branch: str | None = None) -> list[dict]:
        query = {"branch": branch} if branch else {}
        return list(self.managers.find(query).sort("_id", 1))

    def team(self, branch: str | None, roles: tuple[str, ...]) -> list[dict]:
        return list(self.managers.find({"branch": branch, "role": {"$in": list(roles)},
                                        "active": True}))

    def take_seat(self, manager_id: str, expected_load: int | None = None) -> bool:
        """Atomically add one customer to a maintainer who is active and has room.

        With `expected_load` the seat is only taken if nobody else changed the load
        since the strategy ranked the team (optimistic check), so concurrent workers
        do not all pile onto the maintainer that looked least loaded.
        """
        query: dict = {"_id": manager_id, "active": True,
                       "$expr": {"$lt": ["$load", "$capacity"]}}
        if expected_load is not None:
            query["load"] = expected_load
        return self.managers.find_one_and_update(
            query,
            {"$inc": {"load": 1}, "$set": {"last_assigned_at": _now()}},
            return_document=ReturnDocument.AFTER) is not None

    def free_seat(self, manager_id: str) -> None:
        self.managers.update_one({"_id": manager_id, "load": {"$gt": 0}}, {"$inc": {"load": -1}})

    # -- assignments ----------------------------------------------------------------
    def current(self, customer_id: str) -> dict | None:
        return self.assignments.find_one({"_id": customer_id})

    def record(self, customer_id: str, manager: dict | None, previous_id: str | None,
               reason: str, context: dict) -> bool:
        """Compare-and-set the customer's maintainer from previous_id; False if it moved meanwhile.

        Two replicas handling the same customer at once cannot both assign it: the
        second insert (or the update expecting the old maintainer) matches nothing.
        """
        if manager is None:
            done = self.assignments.delete_one({"_id": customer_id, "manager_id": previous_id})
            ok = done.deleted_count == 1
        else:
            doc = {"manager_id": manager["_id"], "role": manager["role"], "reason": reason,
                   "branch": context.get("branch"), "tier": context.get("tier"),
                   "registered_by": context.get("registered_by"),
                   "display": context.get("display") or {}, "at": _now(),
                   "cause_id": context.get("cause_id"), "previous_manager_id": previous_id}
            ok = self._set_assignment(customer_id, previous_id, doc)
        if not ok:
            return False
        self.backlog.delete_one({"_id": customer_id})
        self.history.insert_one({"customer_id": customer_id, "reason": reason, "at": _now(),
                                 "manager_id": manager["_id"] if manager else None})
        return True

    def _set_assignment(self, customer_id: str, previous_id: str | None, doc: dict) -> bool:
        if previous_id is None:
            try:
                self.assignments.insert_one({"_id": customer_id, **doc})
                return True
            except DuplicateKeyError:
                return False
        done = self.assignments.update_one({"_id": customer_id, "manager_id": previous_id},
                                           {"$set": doc})
        return done.matched_count == 1

    def note_tier(self, customer_id: str, tier: str | None) -> None:
        self.assignments.update_one({"_id": customer_id}, {"$set": {"tier": tier}})

    def customers_of(self, manager_id: str) -> list[dict]:
        return list(self.assignments.find({"manager_id": manager_id}))

    def export(self, skip: int = 0, limit: int = 5000) -> list[dict]:
        rows = self.assignments.find().sort("_id", 1).skip(skip).limit(limit)
        return [{"customer_id": r["_id"], "manager_id": r["manager_id"], "role": r["role"],
                 "branch": r.get("branch"), "tier": r.get("tier"), "reason": r.get("reason")}
                for r in rows]

    def history_of(self, customer_id: str) -> list[dict]:
        return [{"manager_id": h["manager_id"], "reason": h["reason"], "at": h["at"].isoformat()}
                for h in self.history.find({"customer_id": customer_id}).sort("at", 1)]

    # -- backlog --------------------------------------------------------------------
    def to_backlog(self, customer_id: str, context: dict, roles: tuple, reason: str) -> None:
        self.backlog.update_one({"_id": customer_id}, {
            "$set": {"branch": context.get("branch"), "tier": context.get("tier"),
                     "roles": list(roles), "reason": reason,
                     "registered_by": context.get("registered_by"),
                     "display": context.get("display"), "lease_until": None},
            "$setOnInsert": {"since": _now()}}, upsert=True)

    def claim_waiting(self, customer_id: str, seconds: float = 30) -> dict | None:
        """Lease a backlog entry to this replica; the row stays visible while leased.

        Deleting it instead would hide the customer (neither assigned nor waiting)
        for as long as the attempt takes; a lease also survives a crashed replica.
        """
        now = _now()
        return self.backlog.find_one_and_update(
            {"_id": customer_id, "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]},
            {"$set": {"lease_until": now + timedelta(seconds=seconds)}})

    def waiting(self, limit: int = 1000) -> list[dict]:
        return list(self.backlog.find().sort("since", 1).limit(limit))

    def drop_from_backlog(self, customer_id: str) -> None:
        self.backlog.delete_one({"_id": customer_id})

    def backlog_size(self) -> int:
        return self.backlog.count_documents({})

    # -- erasure --------------------------------------------------------------------
    def is_erased(self, customer_id: str) -> bool:
        return self.erased.find_one({"_id": customer_id}, {"_id": 1}) is not None

    def mark_erased(self, customer_id: str, erased_at: datetime, release: dict | None) -> dict:
        """Upsert the tombstone; remember the assignment being ended (if any) on it."""
        update: dict = {"$setOnInsert": {"erased_at": erased_at}}
        if release:
            update["$set"] = {"release": release}
        return self.erased.find_one_and_update({"_id": customer_id}, update, upsert=True,
                                               return_document=ReturnDocument.AFTER)

    def end_assignment(self, customer_id: str, manager_id: str) -> bool:
        """Delete the assignment if it is still with `manager_id` (compare-and-delete)."""
        done = self.assignments.delete_one({"_id": customer_id, "manager_id": manager_id})
        return done.deleted_count == 1

    def note_release(self, customer_id: str, release: dict) -> None:
        row = history_row(customer_id, release, _now())
        self.history.update_one({"_id": row.pop("_id")}, {"$setOnInsert": row}, upsert=True)

    def claim_seat_release(self, customer_id: str, cause_id: str) -> bool:
        """True exactly once per ended assignment: only then is the seat given back, so
        a redelivery never frees it twice (a crash right after this leaves it taken,
        the safe side: capacity is never exceeded)."""
        return self.erased.update_one(
            {"_id": customer_id, "release.cause_id": cause_id, "release.seat_freed": {"$ne": True}},
            {"$set": {"release.seat_freed": True}}).modified_count == 1

    def forget(self, customer_ids: list[str]) -> None:
        """Out of the backlog, and no personal display left on any row of theirs, nor in
        the bodies of this service's stored events (a pending one must not go out with it)."""
        self.backlog.delete_many({"_id": {"$in": customer_ids}})
        unset = {"$unset": {f: "" for f in PERSONAL_FIELDS}}
        self.assignments.update_many({"_id": {"$in": customer_ids}}, unset)
        self.history.update_many({"customer_id": {"$in": customer_ids}}, unset)
        self.outbox.update_many({"body.customer_id": {"$in": customer_ids}},
                                {"$set": {f"body.{f}": {} for f in PERSONAL_FIELDS}})
