"""The outbox stores one document per pass (common.outbox_store), against the real
database: a redelivered unit of work stages nothing twice, the sweep publishes what a
dead worker left, a pass's keys live apart (marking it sent rewrites none of them) while
passes holding them inline still count, and rows of the earlier one-event shape are read
and converted."""
from __future__ import annotations

from datetime import timedelta

import pytest

from common import clock
from common.events import Outbox
from common.outbox_store import PassStore, new_pass

from .outbox_rows import sent_bodies, stored_event

pytestmark = pytest.mark.integration


def stage(outbox: Outbox, keys: list[str]) -> list[str]:
    return [outbox.stage("customer.erased", {"customer_id": k, "requested_by": "t",
                                             "erased_at": "2026-12-01T00:00:00+00:00"},
                         cause_id="cause", key=k)["event_id"] for k in keys]


def test_one_document_per_pass_and_a_redelivery_stages_nothing_twice(outbox_collection):
    published = []
    outbox = Outbox(outbox_collection, lambda t, b: published.append(b["customer_id"]))
    stage(outbox, ["a", "b", "c"])
    assert outbox.publish_staged() == 3
    assert outbox_collection.count_documents({}) == 1
    again = Outbox(outbox_collection, lambda t, b: published.append(b["customer_id"]))
    stage(again, ["b", "c", "d", "d"])  # a redelivered batch, one new event (twice)
    assert again.publish_staged() == 1
    assert published == ["a", "b", "c", "d"]
    assert outbox_collection.count_documents({}) == 2 and again.pending_count() == 0


def test_the_sweep_publishes_a_dead_workers_pass_in_order(outbox_collection):
    dead = Outbox(outbox_collection, lambda t, b: None)
    ids = stage(dead, ["x", "y"])
    dead.persist()  # staged and stored, then the worker died before publishing
    assert dead.pending_count() == 2
    outbox_collection.update_many({}, {"$set": {
        "lease_until": clock.now() - timedelta(seconds=1),
        "created_at": clock.now() - timedelta(minutes=1)}})
    published = []
    sweeper = Outbox(outbox_collection, lambda t, b: published.append(b["event_id"]))
    assert sweeper.flush_pending() == 2 and published == ids
    assert sweeper.pending_count() == 0 and sweeper.flush_pending() == 0


def test_rows_of_the_earlier_shape_are_published_and_converted(outbox_collection):
    old = clock.now() - timedelta(minutes=1)
    outbox_collection.insert_many([
        {"_id": "legacy-sent", "type": "tier.changed", "sent": True, "created_at": old,
         "body": {"event_id": "legacy-sent", "customer_id": "c1"}},
        {"_id": "legacy-pending", "type": "tier.changed", "sent": False, "created_at": old,
         "lease_until": old, "body": {"event_id": "legacy-pending", "customer_id": "c2"}}])
    published = []
    outbox = Outbox(outbox_collection, lambda t, b: published.append(b["event_id"]))
    assert outbox.pending_count() == 1
    assert outbox.flush_pending() == 1 and published == ["legacy-pending"]
    store = PassStore(outbox_collection)
    assert store.migrate_legacy() == 2 and store.migrate_legacy() == 0
    assert stored_event(outbox_collection, "legacy-sent") == (
        {"event_id": "legacy-sent", "customer_id": "c1"}, False)
    assert outbox.seal_about(["c2"], {"erased": True}) == 1
    assert {b["event_id"] for b in sent_bodies(outbox_collection)} == \
        {"legacy-sent", "legacy-pending"}


def test_a_pass_keeps_its_keys_apart_and_inline_keys_still_count(outbox_collection):
    outbox = Outbox(outbox_collection, lambda t, b: None)
    ids = stage(outbox, ["a", "b"])
    assert outbox.publish_staged() == 2
    (doc,) = outbox_collection.find()
    assert doc["sent"] and "event_ids" not in doc and "customer_ids" not in doc
    assert outbox.store.keys.find_one({"_id": doc["_id"]}) == {
        "_id": doc["_id"], "event_ids": ids, "customer_ids": ["a", "b"]}
    older = new_pass([{"_id": "old-1", "type": "customer.erased",  # an older replica's pass
                       "body": {"customer_id": "c"}}], "old", clock.now())
    outbox_collection.insert_one({**older, "event_ids": ["old-1"], "customer_ids": ["c"]})
    assert outbox.store.known([ids[0], "old-1", "new"]) == {ids[0], "old-1"}
    assert outbox.seal_about(["a", "c"], {"erased": True}) == 2
    assert stored_event(outbox_collection, "old-1")[0]["erased"] is True
