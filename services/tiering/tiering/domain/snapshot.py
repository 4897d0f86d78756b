"""A kept snapshot as the schemes read it (pure).

Tiering keeps each golden customer as its last event carried it, so a recompute
after a rules change can re-tier the pool without dedup. The row's money is read
through the contract (contracts.schemas.Money): snapshots kept before amounts
travelled as decimal strings hold JSON numbers, which the contract turns into the
same two-place strings that contracts.values.money then reads exactly.
"""
from __future__ import annotations

from typing import Any, Mapping

from contracts.schemas import Money

_MONEY = Money()
_STORAGE_FIELDS = ("_id", "active")


def customer_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """The customer a stored snapshot row describes, its financials in contract form."""
    customer = {k: v for k, v in row.items() if k not in _STORAGE_FIELDS}
    customer["customer_id"] = row["_id"]
    customer["financials"] = _MONEY.load(customer.get("financials") or {})
    return customer
