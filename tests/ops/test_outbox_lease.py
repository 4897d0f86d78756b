"""Outbox leases against the real database: a pending event is published once, by
its own worker while the lease holds, or by exactly one sweeper after it ran out."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from common.events import Outbox

pytestmark = pytest.mark.integration


def row(n: int, lease: timedelta | None) -> dict:
    """A pending row staged ten minutes ago, its lease `lease` from now (None: none)."""
    now = datetime.now(timezone.utc)  # not at import: the suite runs for many minutes
    out = {"_id": f"e{n}", "type": "test.event", "body": {"n": n}, "sent": False,
           "created_at": now - timedelta(minutes=10)}
    if lease is not None:
        out["lease_until"] = now + lease
    return out


def test_sweeper_leaves_leased_rows_to_their_worker(outbox_collection):
    outbox_collection.insert_many([row(1, timedelta(minutes=5)), row(2, timedelta(minutes=-1)),
                                   row(3, None)])
    published = []
    sweeper = Outbox(outbox_collection, lambda kind, body: published.append(body["n"]))
    assert sweeper.flush_pending(older_than=0) == 2
    assert sorted(published) == [2, 3]
    assert outbox_collection.find_one({"_id": "e1"})["sent"] is False
    assert outbox_collection.count_documents({"sent": True}) == 2


def test_two_sweepers_publish_each_row_once(outbox_collection):
    outbox_collection.insert_many([row(n, timedelta(minutes=-1)) for n in range(5)])
    published: list[tuple[str, int]] = []
    second = Outbox(outbox_collection, lambda kind, body: published.append(("b", body["n"])))

    def first_dispatch(kind, body):
        second.flush_pending(older_than=0)  # a sweep on another replica, mid-publish
        published.append(("a", body["n"]))

    first = Outbox(outbox_collection, first_dispatch)
    assert first.flush_pending(older_than=0) == 5
    assert sorted(n for _, n in published) == list(range(5))
    assert {who for who, _ in published} == {"a"}


def fail_then_sweep(outbox_collection, rows: int) -> tuple[int, list[int]]:
    """Stage `rows` leased rows, publish them while the broker is down, then sweep:
    -> (how many the sweep published, their numbers)."""
    outbox_collection.insert_many([row(n, timedelta(minutes=5)) for n in range(rows)])
    staged = list(outbox_collection.find())

    def broker_down(kind, body):
        raise ConnectionError("broker down")

    assert Outbox(outbox_collection, broker_down)._publish(staged) == 0
    published = []
    swept = Outbox(outbox_collection, lambda k, b: published.append(b["n"])).flush_pending(
        older_than=0)
    return swept, sorted(published)


def test_a_failed_publish_frees_the_rows_for_the_next_sweep(outbox_collection):
    assert fail_then_sweep(outbox_collection, 3) == (3, [0, 1, 2])


def test_a_sweep_in_the_same_millisecond_as_the_failed_publish_takes_the_rows(
        outbox_collection, monkeypatch):
    """The clock pinned: a lease given back must not look held to a sweep that reads the
    same time (BSON keeps milliseconds; this flaked once when the two met)."""
    pinned = datetime.now(timezone.utc)
    monkeypatch.setattr("common.clock.now", lambda: pinned)
    assert fail_then_sweep(outbox_collection, 2) == (2, [0, 1])
