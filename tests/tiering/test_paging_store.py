"""Recompute pages against the real database: buckets back-filled once, ranges exact."""
from __future__ import annotations

import pytest
from pymongo import MongoClient

from tiering.domain.paging import BUCKETS, bucket_of
from tiering.storage import TieringStore

pytestmark = pytest.mark.integration


@pytest.fixture
def db(stack):
    client = MongoClient(stack.mongo_uri("tiering"), tz_aware=True)
    client.drop_database("crm_tiering_paging_test")
    yield client["crm_tiering_paging_test"]
    client.drop_database("crm_tiering_paging_test")
    client.close()


def legacy_rows(db, count: int) -> list[str]:
    """Snapshots and tiers as an earlier version stored them: no `bucket`."""
    ids = [f"C{n:016x}" for n in range(count)]
    db.customers.insert_many([{"_id": cid, "customer_id": cid, "branch": f"B{n % 2}",
                               "active": n != 3, "revision": 1} for n, cid in enumerate(ids)])
    db.tiers.insert_many([{"_id": f"{cid}:star", "customer_id": cid, "scheme": "star",
                           "tier": "2", "branch": f"B{n % 2}"} for n, cid in enumerate(ids)])
    return ids


def test_backfill_then_pages_find_every_active_customer_and_its_tiers(db):
    ids = legacy_rows(db, 40)
    store = TieringStore(db)
    store.ensure_indexes()
    for row in list(db.customers.find()) + list(db.tiers.find()):
        assert row["bucket"] == bucket_of(row["customer_id"])
    found, tiers = {}, {}
    for start in range(0, BUCKETS, 512):
        rows, recorded = store.page(None, start, start + 512)
        found.update((r["_id"], start) for r in rows)
        tiers.update(recorded)
    active = {cid for n, cid in enumerate(ids) if n != 3}
    assert set(found) == active
    assert set(tiers) == active and all(set(t) == {"star"} for t in tiers.values())
    branch_rows, _ = store.page("B1", 0, BUCKETS)
    assert {r["_id"] for r in branch_rows} == {cid for n, cid in enumerate(ids)
                                               if n % 2 and n != 3}


def test_backfill_runs_once_per_database(db):
    legacy_rows(db, 5)
    assert TieringStore(db).backfill_buckets() == 10
    db.customers.insert_one({"_id": "late", "customer_id": "late", "active": True})
    assert TieringStore(db).backfill_buckets() == 0


def test_tiers_written_without_bucket_after_the_backfill_are_still_found(db):
    store = TieringStore(db)
    store.ensure_indexes()  # marker set: no further back-fill
    cid = "C00000000000000aa"
    db.customers.insert_one({"_id": cid, "customer_id": cid, "active": True,
                             "bucket": bucket_of(cid)})
    db.tiers.insert_one({"_id": f"{cid}:star", "customer_id": cid, "scheme": "star",
                         "tier": "3"})  # as an older replica would write it
    rows, recorded = store.page(None, 0, BUCKETS)
    assert [r["_id"] for r in rows] == [cid]
    assert recorded[cid]["star"]["tier"] == "3"


def test_indexes_no_query_needs_are_dropped_at_start_up_and_pages_still_read_tiers(db):
    """An earlier version's (active, branch) and tiers' bucket and (scheme, branch, tier)
    indexes cost every write an entry: start-up drops them (twice is harmless, as for two
    replicas starting), and a page still finds each customer's tiers, by customer id."""
    db.customers.create_index([("active", 1), ("branch", 1)])
    db.tiers.create_index([("bucket", 1)])
    db.tiers.create_index([("scheme", 1), ("branch", 1), ("tier", 1)])
    ids = legacy_rows(db, 6)
    TieringStore(db).ensure_indexes()
    TieringStore(db).ensure_indexes()
    assert "active_1_branch_1" not in db.customers.index_information()
    assert "active_1_branch_1_bucket_1" in db.customers.index_information()
    assert "bucket_1" not in db.tiers.index_information()
    assert "scheme_1_branch_1_tier_1" not in db.tiers.index_information()
    rows, recorded = TieringStore(db).page("B0", 0, BUCKETS)
    assert sorted(r["_id"] for r in rows) == sorted(ids[n] for n in (0, 2, 4))
    assert set(recorded) == {r["_id"] for r in rows}
    assert all(recorded[cid]["star"]["tier"] == "2" for cid in recorded)
