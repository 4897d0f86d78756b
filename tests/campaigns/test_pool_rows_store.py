"""Campaigns' read model in its three collections, against the real database."""
from __future__ import annotations

import pytest

from campaigns.domain.follow import Fact, erased_row, fold, new_row
from campaigns.pool_rows import parts_for
from campaigns.storage import CampaignsStore

from tests.support import scratch_database

pytestmark = pytest.mark.integration
DB = "crm_campaigns_pool_rows_test"


@pytest.fixture
def store(stack):
    with scratch_database(stack, "campaigns", DB) as db:
        yield CampaignsStore(db)


def facts(cid: str, branch: str) -> list[Fact]:
    return [Fact("customer.registered", "2026-12-01T00:00:00",
                 {"customer": {"customer_id": cid, "branch": branch, "revision": 1}}),
            Fact("tier.changed", "2026-12-01T00:00:01",
                 {"customer_id": cid, "scheme": "star", "current": "3", "branch": branch}),
            Fact("customer.assigned", "2026-12-01T00:00:02",
                 {"customer_id": cid, "manager_id": "M1"})]


def apply(store: CampaignsStore, batch: list[Fact]) -> None:
    """What follow_batch does, one event kind at a time as the queues deliver them."""
    known = store.rows([f.body.get("customer_id") or f.body["customer"]["customer_id"]
                        for f in batch], parts=parts_for(f.type for f in batch))
    store.save_rows(fold(batch, known), known=known)


def test_each_event_kind_writes_its_own_document_and_rows_read_whole(store):
    for fact in facts("C01", "BJ"):
        apply(store, [fact])
    db = store.db
    assert db.customers.find_one({"_id": "C01"}).keys() >= {"branch", "revision"}
    golden = db.customers.find_one({"_id": "C01"})
    assert golden["tiers"] == {}  # the default, kept
    assert golden.keys() >= new_row("C01").keys()  # an older replica reads it as a row
    assert db.customer_tiers.find_one({"_id": "C01"})["tiers"]["star"]["current"] == "3"
    assert db.customer_maintainers.find_one({"_id": "C01"})["maintainer"] == "M1"
    row = store.rows(["C01"])["C01"]
    assert (row["branch"], row["maintainer"], row["tiers"]["star"]["current"]) == \
        ("BJ", "M1", "3")
    listed = store.branch_rows("BJ")
    assert [(r["_id"], r["maintainer"], r["tiers"]["star"]["current"]) for r in listed] == \
        [("C01", "M1", "3")]


def test_rows_stored_inline_by_an_earlier_version_read_and_move_apart(store):
    store.db.customers.insert_one({
        "_id": "C02", "branch": "SH", "revision": 1, "maintainer": "M0",
        "maintainer_at": "2026-11-01T00:00:00", "consent": {}, "products": [],
        "merged_into": None, "erased": False,
        "tiers": {"star": {"current": "2", "at": "2026-11-01T00:00:00"}}})
    assert store.branch_rows("SH")[0]["maintainer"] == "M0"
    apply(store, [facts("C02", "SH")[2]])  # a new maintainer
    assert store.db.customers.find_one({"_id": "C02"})["maintainer"] is None
    row = store.rows(["C02"])["C02"]
    assert (row["maintainer"], row["tiers"]["star"]["current"]) == ("M1", "2")


def test_an_erasure_leaves_a_tombstone_and_no_part(store):
    apply(store, facts("C03", "BJ"))
    store.save_rows({"C03": erased_row("C03")})
    assert store.db.customer_tiers.count_documents({}) == 0
    assert store.db.customer_maintainers.count_documents({}) == 0
    assert store.rows(["C03"])["C03"]["erased"] is True and store.branch_rows("BJ") == []


def test_a_batch_reads_only_the_parts_its_events_change_and_keeps_the_others(store):
    apply(store, facts("C04", "BJ"))
    apply(store, [Fact("customer.updated", "2026-12-02T00:00:00",
                       {"customer": {"customer_id": "C04", "branch": "SH", "revision": 2}})])
    row = store.rows(["C04"])["C04"]
    assert (row["branch"], row["revision"], row["maintainer"]) == ("SH", 2, "M1")
    assert row["tiers"]["star"]["current"] == "3"


def test_a_row_rewritten_inline_by_an_older_replica_beside_its_parts_moves_apart_again(store):
    """During a rolling upgrade an older replica may write a row inline while its parts
    exist: the next write reads them all and replaces them, no duplicate key."""
    apply(store, facts("C05", "BJ"))
    store.db.customers.update_one({"_id": "C05"}, {"$set": {
        "maintainer": "M0", "maintainer_at": "2026-12-01T00:00:03",
        "tiers": {"star": {"current": "2", "at": "2026-12-01T00:00:03"}}}})
    apply(store, [Fact("customer.updated", "2026-12-02T00:00:00",
                       {"customer": {"customer_id": "C05", "branch": "BJ", "revision": 2}})])
    assert store.db.customers.find_one({"_id": "C05"})["tiers"] == {}
    row = store.rows(["C05"])["C05"]
    assert (row["revision"], row["maintainer"], row["tiers"]["star"]["current"]) == \
        (2, "M0", "2")
