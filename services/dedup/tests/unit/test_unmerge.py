"""handlers.unmerge: a record split out of its customer as one unit of work.

Pure: the transaction runs the work once, the commit and the outbox's collection are
in-memory recorders; nothing touches a broker or a database.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from common.events import Outbox
from contracts import names
from dedup import handlers
from dedup.dependencies import MatchingSetup
from dedup.domain.clusters import build_golden
from dedup.domain.snapshot import golden_keys

sys.path.insert(0, str(Path(__file__).resolve().parent))  # dedup_records
from dedup_records import rec  # noqa: E402


class Passes:
    """The outbox's collection: passes by id."""

    def __init__(self) -> None:
        self.rows: dict = {}

    def find(self, query, projection=None, session=None):
        wanted = set(query["event_ids"]["$in"])
        return [r for r in self.rows.values() if wanted & set(r.get("event_ids", ()))]

    def insert_many(self, rows, session=None):
        for row in rows:
            self.rows[row["_id"]] = {**row, "session": session}

    def update_many(self, *args, **kwargs):
        pass

    name = "outbox"

    @property
    def database(self) -> dict:
        """The passes' keys documents beside them (common.outbox_store)."""
        return {"outbox_keys": self.__dict__.setdefault("_keys", type(self)())}


class Customers:
    def __init__(self, *docs: dict) -> None:
        self.docs = {d["_id"]: d for d in docs}

    def find_one(self, query, session=None):
        assert session == "session"  # read inside the unit of work
        return self.docs.get(query["_id"])


class Store:
    def __init__(self, *docs: dict) -> None:
        self.db, self.customers = object(), Customers(*docs)


@pytest.fixture
def unit(monkeypatch):
    commits, sent = [], []
    monkeypatch.setattr(handlers, "in_transaction", lambda db, work: work("session"))
    monkeypatch.setattr(handlers, "commit",
                        lambda store, ws, session: commits.append((ws.writes(), session)))
    outbox = Outbox(Passes(), lambda event_type, body: sent.append((event_type, body)))
    return outbox, commits, sent


def customer(customer_id: str, *members: dict, revision: int = 3) -> dict:
    golden = build_golden(customer_id, members)
    return {**golden, "_id": customer_id, "keys": golden_keys(golden), "revision": revision,
            "active": True}


MATCHING = MatchingSetup([], {}, 100, 50)


def test_the_rest_and_the_new_customer_commit_together_with_both_events(unit):
    outbox, commits, sent = unit
    store = Store(customer("C1", rec("a:1", registered_at="2024-01-01T00:00:00"),
                           rec("b:2", registered_at="2025-01-01T00:00:00")))
    result = handlers.unmerge(store, outbox, MATCHING, "C1", "a:1")
    new_id = result["new_customer_id"]
    (((inserts, replaces), session),) = commits
    assert session == "session"
    assert [(d["_id"], d["members"], d["revision"]) for d in inserts] == [(new_id, ["a:1"], 1)]
    assert [(d["_id"], d["members"], d["revision"], base) for d, base in replaces] == [
        ("C1", ["b:2"], 4, 3)]
    assert [(t, b["customer"]["customer_id"], b["record_id"]) for t, b in sent] == [
        (names.CUSTOMER_UPDATED, "C1", ""), (names.CUSTOMER_REGISTERED, new_id, "a:1")]
    (staged,) = outbox.collection.rows.values()
    assert staged["session"] == "session" and len(staged["events"]) == 2


@pytest.mark.parametrize("customer_id, member, error", [
    ("C9", "a:1", "no active customer C9"),
    ("C1", "z:9", "z:9 is not a member of C1"),
    ("C2", "a:1", "a:1 is not a member of C2"),  # its only member
])
def test_nothing_is_written_or_sent_when_the_split_cannot_be_made(unit, customer_id, member,
                                                                   error):
    outbox, commits, sent = unit
    store = Store(customer("C1", rec("a:1"), rec("b:2")), customer("C2", rec("a:1")))
    with pytest.raises(ValueError, match=error):
        handlers.unmerge(store, outbox, MATCHING, customer_id, member)
    assert commits == [] and sent == [] and outbox.collection.rows == {}
