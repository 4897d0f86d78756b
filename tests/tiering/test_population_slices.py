"""The population gauges' slices against the real database: the slices' counts add up
to one count of the whole pool, customers on a slice's bound included."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pymongo import MongoClient

from tiering.domain.sweep import BOUNDS, SLICES, Sweep
from tiering.storage import TieringStore

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.fixture
def store(stack):
    client = MongoClient(stack.mongo_uri("tiering"), tz_aware=True)
    client.drop_database("crm_tiering_slices_test")
    store = TieringStore(client["crm_tiering_slices_test"])
    store.ensure_indexes()
    yield store
    client.drop_database("crm_tiering_slices_test")
    client.close()


def as_counts(rows: list[dict], field: str) -> dict:
    return {tuple(v for k, v in sorted(r.items()) if k != field): r[field] for r in rows}


def test_slices_sum_to_the_whole_pool(store):
    ids = [f"C{n:016x}" for n in range(0, 2 ** 64, 2 ** 58)] + list(BOUNDS) + ["A9", "Z"]
    store.tiers.insert_many([{"_id": f"{cid}:star", "customer_id": cid, "scheme": "star",
                              "tier": str(n % 4), "branch": f"B{n % 2}"}
                             for n, cid in enumerate(ids)])
    store.history.insert_many([{"customer_id": cid, "scheme": "star", "branch": f"B{n % 2}",
                                "direction": "up" if n % 3 else "down",
                                "at": T0 + timedelta(days=n % 40)} for n, cid in enumerate(ids)])
    since = T0 + timedelta(days=10)
    sweep = Sweep()
    for index, ids_of_slice in sweep.due():
        sweep.keep(index, store.population(ids_of_slice),
                   store.moves_by_branch(since, ids_of_slice))
    assert len(sweep.population) == SLICES
    population, moves = sweep.totals()
    assert as_counts(population, "customers") == as_counts(store.population(), "customers")
    assert as_counts(moves, "count") == as_counts(store.moves_by_branch(since), "count")
    assert sum(r["customers"] for r in population) == len(ids)
