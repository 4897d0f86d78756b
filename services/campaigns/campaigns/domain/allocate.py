"""Sharing a call list among the campaign's staff (pure).

Every customer goes on exactly one staff member's list, the lists differ in length by
one at most, and a customer whose own maintainer is among the staff goes to that
maintainer whenever the balance allows it (they know the customer; domain §4, §9).

How: with n customers and k staff, n mod k lists get one customer more; those extra
places go to the staff with the most own customers, so as many customers as possible
stay with their maintainer. Each staff member first takes their own customers (up to
their list's size), then the rest are dealt, in customer-id order, to whoever has the
most room left (ties: the order the staff were given). Same input, same lists.
"""
from __future__ import annotations

from typing import Mapping


def allocate(customers: list[str], staff: list[str],
             maintainer_of: Mapping[str, str | None]) -> dict[str, list[str]]:
    """staff id -> customer ids (each list sorted); `customers` need not be sorted."""
    staff = list(dict.fromkeys(s for s in staff if s))
    if not staff:
        raise ValueError("a campaign needs at least one staff member")
    customers = sorted(dict.fromkeys(customers))
    own = {s: [c for c in customers if maintainer_of.get(c) == s] for s in staff}
    sizes = list_sizes(len(customers), staff, {s: len(own[s]) for s in staff})
    lists: dict[str, list[str]] = {s: own[s][:sizes[s]] for s in staff}
    placed = {c for chosen in lists.values() for c in chosen}
    for customer in (c for c in customers if c not in placed):
        roomiest = max(staff, key=lambda s: (sizes[s] - len(lists[s]), -staff.index(s)))
        lists[roomiest].append(customer)
    return {s: sorted(chosen) for s, chosen in lists.items()}


def list_sizes(total: int, staff: list[str], own_counts: Mapping[str, int]) -> dict[str, int]:
    """How long each list is: total // k each, one more for the (total mod k) staff with
    the most own customers (ties: given order)."""
    base, extra = divmod(total, len(staff))
    ranked = sorted(staff, key=lambda s: (-own_counts.get(s, 0), staff.index(s)))
    return {s: base + (1 if ranked.index(s) < extra else 0) for s in staff}
