"""FollowUpStore.record: a follow-up and its prospect's reminder clock in one transaction.

Pure: the transaction runs the work in memory and the collections are dicts.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from notification import followup_store
from notification.followup_store import FollowUpStore

DUE = datetime(2026, 12, 10, tzinfo=timezone.utc)


class Collection:
    def __init__(self, rows: dict | None = None) -> None:
        self.rows, self.sessions = dict(rows or {}), []

    def find_one(self, query, projection=None, session=None):
        self.sessions.append(session)
        return self.rows.get(query["_id"])

    def insert_one(self, doc, session=None):
        self.sessions.append(session)
        doc.setdefault("_id", f"f{len(self.rows)}")
        self.rows[doc["_id"]] = doc

    def update_one(self, query, update, upsert=False, session=None):
        self.sessions.append(session)
        self.rows[query["_id"]] = {**self.rows.get(query["_id"], {}), **update["$set"]}


@pytest.fixture
def store(monkeypatch):
    monkeypatch.setattr(followup_store, "in_transaction", lambda db, work: work("session"))
    store = FollowUpStore.__new__(FollowUpStore)
    store.db = object()
    store.prospects = Collection({"c1": {"_id": "c1", "intent_class": "A", "due_at": DUE}})
    store.followups = Collection()
    return store


def test_the_follow_up_and_the_clock_are_written_in_one_unit_of_work(store):
    result = store.record("c1", "called 13800138000", "converted", "m1", DUE, key="call:1")
    assert result == {"customer_id": "c1", "intent_class": "A", "outcome": "converted",
                      "next_due": None}
    assert set(store.followups.sessions + store.prospects.sessions) == {"session"}
    assert store.prospects.rows["c1"]["due_at"] is None  # converted: the clock stops
    assert "13800138000" not in store.followups.rows["call:1"]["note"]


def test_a_redelivered_call_records_nothing_twice(store):
    store.record("c1", "first", "open", "m1", DUE, key="call:1")
    before = dict(store.prospects.rows["c1"])
    again = store.record("c1", "first", "open", "m1", DUE, key="call:1")
    assert again["duplicate"] is True and len(store.followups.rows) == 1
    assert store.prospects.rows["c1"] == before


def test_an_open_follow_up_moves_the_clock_to_the_next_due_date(store):
    result = store.record("c1", "", "open", None, DUE)
    assert result["next_due"] == DUE.isoformat()
    assert store.prospects.rows["c1"]["due_at"] == DUE
    assert store.prospects.rows["c1"]["outcome"] == "open"
