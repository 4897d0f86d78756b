"""The customer facts one assignment decision is made on (pure).

Built once per customer in a unit of work (from the event, the assignment or the
backlog row, with the maintainer the customer has now) and handed down unchanged to
the strategy, the assignment row, the backlog row and the `customer.assigned` payload.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

FACT_KEYS = ("branch", "tier", "registered_by", "display")


@dataclass(frozen=True)
class Context:
    customer_id: str
    branch: str | None = None
    tier: str | None = None
    registered_by: str | None = None
    display: Mapping[str, Any] | None = field(default=None, hash=False)
    current_manager_id: str | None = None

    @classmethod
    def of(cls, customer_id: str, row: Mapping[str, Any] | None,
           current_manager_id: str | None = None, **overrides: Any) -> "Context":
        """From an assignment, backlog row or event; `overrides` replace its facts."""
        facts = {k: (row or {}).get(k) for k in FACT_KEYS}
        return cls(customer_id, **{**facts, **overrides}, current_manager_id=current_manager_id)

    def facts(self) -> dict[str, Any]:
        """The facts an assignment or backlog row stores."""
        return {k: getattr(self, k) for k in FACT_KEYS}

    def get(self, key: str, default: Any = None) -> Any:
        """Mapping-style reading, so a strategy written for the former dict still works."""
        return getattr(self, key, default) if key in self.__dataclass_fields__ else default
