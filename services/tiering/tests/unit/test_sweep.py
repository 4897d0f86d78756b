"""The population gauges counted a slice at a time (tiering.domain.sweep)."""
from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from tiering.domain.sweep import SLICES, Sweep, contains, id_range

ODD_IDS = ["", "A1", "C", "C0", "C0ffff", "C1", "C1000", "C9zz", "Ca", "Cf", "Cfffff", "D",
           "Z", "c1", "客户", "C\uffff"]


def dedup_ids(count: int) -> list[str]:
    return ["C" + hashlib.sha1(str(n).encode()).hexdigest()[:16] for n in range(count)]


@pytest.mark.parametrize("customer_id", ODD_IDS + dedup_ids(50))
def test_every_customer_id_is_in_exactly_one_slice(customer_id):
    assert sum(contains(id_range(i), customer_id) for i in range(SLICES)) == 1


def test_dedup_ids_spread_over_every_slice():
    per_slice = Counter(next(i for i in range(SLICES) if contains(id_range(i), cid))
                        for cid in dedup_ids(3400))
    assert set(per_slice) == set(range(SLICES))
    assert max(per_slice.values()) < 1.5 * min(per_slice.values())


def test_a_slice_out_of_range_is_an_error():
    with pytest.raises(ValueError):
        id_range(SLICES)


def population_of(pool: dict[str, tuple[str, str]], ids) -> list[dict]:
    """What the database answers for one slice: customers per scheme, tier, branch."""
    counts = Counter((("star",) + pool[cid]) for cid in pool if contains(ids, cid))
    return [{"scheme": s, "tier": t, "branch": b, "customers": n}
            for (s, t, b), n in counts.items()]


def moves_of(pool, ids) -> list[dict]:
    counts = Counter(pool[cid][1] for cid in pool if contains(ids, cid))
    return [{"scheme": "star", "branch": b, "direction": "up", "count": n}
            for b, n in counts.items()]


def refresh(sweep: Sweep, pool) -> list[int]:
    read = []
    for index, ids in sweep.due():
        sweep.keep(index, population_of(pool, ids), moves_of(pool, ids))
        read.append(index)
    return read


def whole(rows: list[dict], field: str) -> dict:
    return {tuple(v for k, v in sorted(r.items()) if k != field): r[field] for r in rows}


def test_the_first_refresh_reads_every_slice_and_sums_to_the_whole_pool():
    pool = {cid: (str(n % 5), f"B{n % 3}") for n, cid in enumerate(dedup_ids(500) + ODD_IDS)}
    sweep = Sweep()
    assert refresh(sweep, pool) == list(range(SLICES))
    population, moves = sweep.totals()
    everyone = (None, None)
    assert whole(population, "customers") == whole(population_of(pool, everyone), "customers")
    assert whole(moves, "count") == whole(moves_of(pool, everyone), "count")
    assert sum(r["customers"] for r in population) == len(pool)


def test_later_refreshes_read_one_slice_each_in_turn_and_replace_its_counts():
    pool = {cid: ("1", "B0") for cid in dedup_ids(300)}
    sweep = Sweep()
    refresh(sweep, pool)
    assert [refresh(sweep, pool) for _ in range(SLICES + 1)] == \
        [[i] for i in range(SLICES)] + [[0]]
    moved = next(cid for cid in pool if contains(id_range(1), cid))
    pool[moved] = ("4", "B0")
    refresh(sweep, pool)  # slice 1: the move is counted, and the customer once
    population, _ = sweep.totals()
    assert whole(population, "customers") == {("B0", "star", "1"): 299, ("B0", "star", "4"): 1}
