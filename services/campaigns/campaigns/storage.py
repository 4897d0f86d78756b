"""Campaigns' collections: the pool's read model, campaigns, calls and the days' sheets.

`customers` is this service's own copy of what the events say about each golden
customer (domain/follow.py); `days` holds one sheet per branch and date with its
signatures and counters: a call and a sign-off of the same day both write it, so the
two never interleave (one of the transactions is retried and sees the other).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from .pool_rows import PARTS, PoolRows, Read


def day_key(branch: str, day: date) -> str:
    return f"{branch}|{day.isoformat()}"


class CampaignsStore:
    def __init__(self, db: Database):
        self.db = db
        self.customers = db["customers"]
        self.pool = PoolRows(db)
        self.campaigns = db["campaigns"]
        self.calls = db["calls"]
        self.days = db["days"]
        self.outbox = db["outbox"]  # common.events.Outbox's rows, in this service's database

    def ensure_indexes(self) -> None:
        self.customers.create_index([("branch", ASCENDING)])
        self.campaigns.create_index([("branch", ASCENDING), ("created_at", DESCENDING)])
        self.calls.create_index([("campaign_id", ASCENDING)])
        self.calls.create_index([("date", ASCENDING), ("branch", ASCENDING)])
        self.calls.create_index([("customer_id", ASCENDING)])

    # -- the read model (pool_rows.py: a row is up to three documents) -------------------
    def rows(self, ids: list[str], session=None, parts: Iterable[str] = PARTS) -> Read:
        return self.pool.read(ids, session, parts)

    def save_rows(self, rows: dict[str, dict], session=None,
                  known: Read | None = None) -> None:
        """Write what changed of the rows against `known`, the rows the batch read (None:
        nothing was read, every document is written). A document inserted by another
        replica meanwhile is a duplicate key: the unit of work runs again from its reads
        (common.mongo.in_transaction)."""
        self.pool.save(rows, session, known)

    def branch_rows(self, branch: str) -> list[dict]:
        return self.pool.in_branch(branch)

    # -- campaigns ----------------------------------------------------------------------
    def insert_campaign(self, doc: dict, session=None) -> None:
        self.campaigns.insert_one(doc, session=session)

    def campaign(self, campaign_id: str, session=None) -> dict | None:
        return self.campaigns.find_one({"_id": campaign_id}, session=session)

    def campaign_list(self, branch: str | None, status: str | None, limit: int) -> list[dict]:
        query = {k: v for k, v in (("branch", branch), ("status", status)) if v}
        return list(self.campaigns.find(query).sort("created_at", DESCENDING).limit(limit))

    def open_campaigns(self) -> list[dict]:
        return list(self.campaigns.find({"status": "open"}))

    def close_campaign(self, campaign_id: str, fields: dict, session=None) -> None:
        self.campaigns.update_one({"_id": campaign_id}, {"$set": fields}, session=session)

    # -- calls and the days' sheets -----------------------------------------------------
    def insert_call(self, doc: dict, session=None) -> None:
        self.calls.insert_one(doc, session=session)

    def call(self, call_id: str, session=None) -> dict | None:
        return self.calls.find_one({"_id": call_id}, session=session)

    def calls_of(self, campaign_ids: list[str]) -> list[dict]:
        return list(self.calls.find({"campaign_id": {"$in": list(campaign_ids)}}))

    def calls_on(self, days: list[date], branch: str | None = None) -> list[dict]:
        query: dict[str, Any] = {"date": {"$in": [d.isoformat() for d in days]}}
        if branch:
            query["branch"] = branch
        return list(self.calls.find(query).sort([("at", ASCENDING), ("_id", ASCENDING)]))

    def sheet(self, branch: str, day: date, session=None) -> dict | None:
        return self.days.find_one({"_id": day_key(branch, day)}, session=session)

    def sheets_on(self, day: date) -> list[dict]:
        return list(self.days.find({"date": day.isoformat()}))

    def count_call(self, branch: str, day: date, is_effective: bool, session=None) -> None:
        """Add a call to the day's sheet (created on its first call)."""
        self.days.update_one({"_id": day_key(branch, day)}, {
            "$setOnInsert": {"branch": branch, "date": day.isoformat(), "signatures": {},
                             "closed": False},
            "$inc": {"calls": 1, "effective": int(is_effective)}}, upsert=True,
            session=session)

    def sign(self, branch: str, day: date, role: str, signature: dict, closed: bool,
             session=None) -> None:
        self.days.update_one({"_id": day_key(branch, day)}, {
            "$setOnInsert": {"branch": branch, "date": day.isoformat(), "calls": 0,
                             "effective": 0},
            "$set": {f"signatures.{role}": signature, "closed": closed}}, upsert=True,
            session=session)

    # -- erasure ------------------------------------------------------------------------
    def seal_calls(self, customer_ids: list[str], erased_at: datetime, session=None) -> int:
        """A call's free-text note may name the person: it goes; the call (counts,
        outcome, the pseudonymous customer id) stays, the audit trail needs it."""
        return self.calls.update_many(
            {"customer_id": {"$in": customer_ids}, "note": {"$ne": None}},
            {"$set": {"note": None, "sealed_at": erased_at}}, session=session).modified_count
