"""Assignment strategies (entry-point group `crm.assignment_strategies`).

A strategy only orders the eligible maintainers by preference; the service then
claims the first one that still has room with an atomic conditional update, so
capacity holds even with several replicas assigning at once.
"""
from __future__ import annotations

from typing import Protocol

from ..domain.context import Context
from ..domain.manager import Manager


class Strategy(Protocol):
    """The port a strategy plugin implements: order the eligible maintainers (each a
    domain Manager: `m.id`, `m.load`, `m.utilisation`, ...) for one customer's Context
    (`context.registered_by`, `context.current_manager_id`, ...)."""
    name: str

    def rank(self, candidates: list[Manager], context: Context) -> list[Manager]: ...


class LeastLoaded:
    """The maintainer with the lowest utilization first (ties by id, deterministic)."""
    name = "least_loaded"

    def rank(self, candidates: list[Manager], context: Context) -> list[Manager]:
        return sorted(candidates, key=lambda m: (m.utilisation, m.id))


class RoundRobin:
    """Take turns: the maintainer assigned longest ago first."""
    name = "round_robin"

    def rank(self, candidates: list[Manager], context: Context) -> list[Manager]:
        return sorted(candidates, key=lambda m: (str(m.last_assigned_at or ""), m.id))


class FirstRegistrant:
    """A prospect goes to the staff member who registered it first (domain §2)."""
    name = "first_registrant"

    def rank(self, candidates: list[Manager], context: Context) -> list[Manager]:
        owner = context.registered_by
        first = [m for m in candidates if m.id == owner]
        return first + LeastLoaded().rank([m for m in candidates if m.id != owner], context)


class Sticky:
    """The current maintainer keeps the customer (no forced migration on upgrade)."""
    name = "sticky"

    def rank(self, candidates: list[Manager], context: Context) -> list[Manager]:
        current = context.current_manager_id
        kept = [m for m in candidates if m.id == current]
        return kept + FirstRegistrant().rank([m for m in candidates if m.id != current],
                                             context)
