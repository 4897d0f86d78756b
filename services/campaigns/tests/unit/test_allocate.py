"""Sharing a call list: everyone once, lists within one, own maintainer preferred."""
from __future__ import annotations

import random

import pytest

from campaigns.domain.allocate import allocate, list_sizes


def _check(lists: dict, customers: list[str]) -> None:
    placed = [c for chosen in lists.values() for c in chosen]
    assert sorted(placed) == sorted(set(customers))  # every customer exactly once
    lengths = [len(chosen) for chosen in lists.values()]
    assert max(lengths) - min(lengths) <= 1


@pytest.mark.parametrize("n,k", [(0, 1), (1, 2), (7, 2), (10, 3), (31, 4), (5, 7)])
def test_every_customer_once_and_lists_within_one(n, k):
    customers = [f"C{i:03d}" for i in range(n)]
    staff = [f"S{j}" for j in range(k)]
    lists = allocate(customers, staff, {})
    assert list(lists) == staff
    _check(lists, customers)


def test_own_maintainer_keeps_their_customers_when_the_balance_allows():
    customers = ["C1", "C2", "C3", "C4"]
    lists = allocate(customers, ["A", "B"], {"C3": "B", "C4": "B", "C1": "A"})
    assert lists == {"A": ["C1", "C2"], "B": ["C3", "C4"]}


def test_balance_wins_over_preference_and_extra_places_go_to_the_most_preferred():
    customers = [f"C{i}" for i in range(5)]
    lists = allocate(customers, ["A", "B"], {c: "B" for c in customers})
    assert len(lists["B"]) == 3 and len(lists["A"]) == 2  # B has more own: the extra place
    assert set(lists["B"]) < set(customers)


def test_a_maintainer_not_on_the_staff_changes_nothing():
    lists = allocate(["C1", "C2"], ["A", "B"], {"C1": "Z", "C2": "Z"})
    _check(lists, ["C1", "C2"])
    assert lists == allocate(["C2", "C1"], ["A", "B"], {})  # reproducible, order-free


def test_random_pools_keep_the_rules_and_maximise_own_customers():
    rng = random.Random(7)
    for _ in range(200):
        staff = [f"S{j}" for j in range(rng.randint(1, 5))]
        customers = [f"C{i}" for i in range(rng.randint(0, 40))]
        owner = {c: rng.choice(staff + [None, "OUT"]) for c in customers}
        lists = allocate(customers, staff, owner)
        _check(lists, customers)
        sizes = list_sizes(len(customers), staff,
                           {s: sum(o == s for o in owner.values()) for s in staff})
        for s in staff:  # each keeps as many own customers as their list's size allows
            own = sum(owner[c] == s for c in customers)
            assert sum(owner[c] == s for c in lists[s]) == min(own, sizes[s])


def test_no_staff_is_refused_and_duplicates_are_ignored():
    with pytest.raises(ValueError):
        allocate(["C1"], [], {})
    assert allocate(["C1", "C1"], ["A", "A"], {}) == {"A": ["C1"]}
