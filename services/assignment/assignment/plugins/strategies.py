"""Assignment strategies (entry-point group `crm.assignment_strategies`).

A strategy only orders the eligible maintainers by preference; the service then
claims the first one that still has room with an atomic conditional update, so
capacity holds even with several replicas assigning at once.
"""
from __future__ import annotations

from typing import Any, Mapping, Protocol


class Strategy(Protocol):
    name: str

    def rank(self, candidates: list[dict], context: Mapping[str, Any]) -> list[dict]: ...


class LeastLoaded:
    """The maintainer with the lowest utilization first (ties by id, deterministic)."""
    name = "least_loaded"

    def rank(self, candidates: list[dict], context: Mapping[str, Any]) -> list[dict]:
        return sorted(candidates, key=lambda m: (m["load"] / max(m["capacity"], 1), m["_id"]))


class RoundRobin:
    """Take turns: the maintainer assigned longest ago first."""
    name = "round_robin"

    def rank(self, candidates: list[dict], context: Mapping[str, Any]) -> list[dict]:
        return sorted(candidates, key=lambda m: (str(m.get("last_assigned_at") or ""), m["_id"]))


class FirstRegistrant:
    """A prospect goes to the staff member who registered it first (domain §2)."""
    name = "first_registrant"

    def rank(self, candidates: list[dict], context: Mapping[str, Any]) -> list[dict]:
        owner = context.get("registered_by")
        first = [m for m in candidates if m["_id"] == owner]
        return first + LeastLoaded().rank([m for m in candidates if m["_id"] != owner], context)


class Sticky:
    """The current maintainer keeps the customer (no forced migration on upgrade)."""
    name = "sticky"

    def rank(self, candidates: list[dict], context: Mapping[str, Any]) -> list[dict]:
        current = context.get("current_manager_id")
        kept = [m for m in candidates if m["_id"] == current]
        return kept + FirstRegistrant().rank([m for m in candidates if m["_id"] != current],
                                             context)
