"""Assignment's collections: the roster, current assignments, the unassigned backlog.

Seats and assignments change together, inside one transaction per unit of work
(batch_store.py, handlers.py): a maintainer's `load` is the number of customers
assigned to them. This module keeps the indexes, the roster, reads for the RPCs and
the erasure path's compare-and-set writes. `take_seat`, `to_backlog` and
`claim_waiting` are the single-document compare-and-sets of the one-by-one design,
kept for callers outside a unit of work (and guarded by tests/ops/test_hot_path_cost).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pymongo import ASCENDING, ReplaceOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .domain.erasure import PERSONAL_FIELDS, history_row


# Rounds of read-then-compare-and-set before giving up on one row (each lost round
# means another writer changed it: seats taken by others, a concurrent delivery).
CAS_ATTEMPTS = 50


class TombstoneContention(RuntimeError):
    """An erasure tombstone kept changing while it was written; the message is retried."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def unchanged(doc: dict) -> dict:
    """A filter matching `doc` only while every field read is still what was read, so
    `find_one` + `update_one` is a compare-and-set on the whole document (the row read
    is the one updated, as findAndModify would return it). `$eq` keeps values literal."""
    return {"_id": doc["_id"], **{k: {"$eq": v} for k, v in doc.items() if k != "_id"}}


def _has_room(load, capacity) -> bool:
    """load < capacity as the server compares them (a missing value is null, which
    sorts below every number)."""
    if capacity is None:
        return False
    return load is None or load < capacity


def _leased(row: dict, now: datetime) -> bool:
    until = row.get("lease_until")
    if until is None:
        return False
    if until.tzinfo is None:  # a client without tz_aware gives naive UTC
        until = until.replace(tzinfo=timezone.utc)
    return until >= now


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

    def take_seat(self, manager_id: str, expected_load: int | None = None) -> bool:
        """Atomically add one customer to a maintainer who is active and has room.

        With `expected_load` the seat is only taken if nobody else changed the load
        since the strategy ranked the team (optimistic check), so concurrent workers
        do not all pile onto the maintainer that looked least loaded.

        A compare-and-set: the maintainer is read, and `load` goes up only while
        `active`, `load` and `capacity` are still what showed room, so capacity holds
        with any number of replicas. Another seat taken in between makes the update
        match nothing and the maintainer is read again. Neither findAndModify nor a
        `$expr` filter (load < capacity): SecantusDB reads the whole roster for both.
        """
        for _ in range(CAS_ATTEMPTS):
            seen = self.managers.find_one({"_id": manager_id},
                                          {"active": 1, "load": 1, "capacity": 1})
            if seen is None or seen.get("active") is not True:
                return False
            load, capacity = seen.get("load"), seen.get("capacity")
            if not _has_room(load, capacity) or \
                    (expected_load is not None and load != expected_load):
                return False
            done = self.managers.update_one(
                {"_id": manager_id, "active": True, "load": load, "capacity": capacity},
                {"$inc": {"load": 1}, "$set": {"last_assigned_at": _now()}})
            if done.matched_count == 1:
                return True
        return False  # the load kept moving: the caller ranks the team again

    # -- assignments ----------------------------------------------------------------
    def current(self, customer_id: str) -> dict | None:
        return self.assignments.find_one({"_id": customer_id})

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

        Returns the row as it was when leased, None when it is gone or leased to
        another. The lease is a compare-and-set on the whole row (`unchanged`): if
        another replica leased it, or `to_backlog` rewrote it, between the read and
        the write, the row is read again.
        """
        now = _now()
        lease = {"$set": {"lease_until": now + timedelta(seconds=seconds)}}
        for _ in range(CAS_ATTEMPTS):
            row = self.backlog.find_one({"_id": customer_id})
            if row is None or _leased(row, now):
                return None
            if self.backlog.update_one(unchanged(row), lease).matched_count == 1:
                return row
        return None  # it keeps changing under us: another replica is working on it

    def waiting(self, limit: int = 1000) -> list[dict]:
        return list(self.backlog.find().sort("since", 1).limit(limit))

    def backlog_size(self) -> int:
        return self.backlog.count_documents({})

    # -- erasure --------------------------------------------------------------------
    def is_erased(self, customer_id: str) -> bool:
        return self.erased.find_one({"_id": customer_id}, {"_id": 1}) is not None

    def mark_erased(self, customer_id: str, erased_at: datetime, release: dict | None) -> dict:
        """Upsert the tombstone; remember the assignment being ended (if any) on it.

        Returns the tombstone as written. A compare-and-set on the stored `release`
        (or an insert guarded by the _id) instead of findAndModify, so the returned
        row is exactly the one this write produced, whatever a concurrent delivery
        does. (The erasure handler writes tombstones inside its transaction instead.)
        """
        for _ in range(CAS_ATTEMPTS):
            tomb = self.erased.find_one({"_id": customer_id})
            if tomb is None:
                tomb = {"_id": customer_id, "erased_at": erased_at,
                        **({"release": release} if release else {})}
                try:
                    self.erased.insert_one(dict(tomb))
                    return tomb
                except DuplicateKeyError:  # a concurrent delivery wrote it first
                    continue
            if not release:
                return tomb
            same = {"_id": customer_id, "release": {"$eq": tomb.get("release")}}
            if self.erased.update_one(same, {"$set": {"release": release}}).matched_count == 1:
                return {**tomb, "release": release}
        raise TombstoneContention(f"tombstone of {customer_id} kept changing")

    def note_release(self, customer_id: str, release: dict, session=None) -> None:
        row = history_row(customer_id, release, _now())
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
        """Out of the backlog, and no personal display left on any row of theirs, nor in
        the bodies of this service's stored events (a pending one must not go out with it)."""
        ids = {"$in": customer_ids}
        self.backlog.delete_many({"_id": ids}, session=session)
        unset = {"$unset": {f: "" for f in PERSONAL_FIELDS}}
        self.assignments.update_many({"_id": ids}, unset, session=session)
        self.history.update_many({"customer_id": ids}, unset, session=session)
        self.outbox.update_many({"body.customer_id": ids},
                                {"$set": {f"body.{f}": {} for f in PERSONAL_FIELDS}},
                                session=session)
