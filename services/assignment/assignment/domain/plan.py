"""What a tier change means for a customer's maintainer (pure).

Rules (domain §4): a customer in a band without personal maintenance has no
maintainer; a new eligible customer gets one; an upgrade never forces a move (the
current maintainer keeps the customer, specialists may assist); a downgrade moves
the customer only when the current maintainer's role does not serve the new band.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .roles import roles_for

KEEP, ASSIGN, RELEASE, NOTHING = "keep", "assign", "release", "nothing"


@dataclass(frozen=True)
class Plan:
    action: str
    roles: tuple[str, ...]
    reason: str


def plan(tier: str | None, direction: str, current: Mapping | None,
         mapping: Mapping[str, list[str]]) -> Plan:
    roles = tuple(roles_for(tier, mapping))
    if not roles:
        if current:
            return Plan(RELEASE, roles, f"tier {tier} has no personal maintainer")
        return Plan(NOTHING, roles, f"tier {tier} has no personal maintainer")
    if current and (current.get("role") in roles or direction == "up"):
        why = "upgrade: current maintainer keeps the customer" if direction == "up" else \
            "current maintainer's role serves the tier"
        return Plan(KEEP, roles, why)
    if current:
        return Plan(ASSIGN, roles, f"tier moved {direction} to {tier}: role changes")
    return Plan(ASSIGN, roles, f"new customer in tier {tier}")


def survivor_manager(survivor: Mapping | None, absorbed: Mapping | None) -> str | None:
    """After a merge the survivor keeps its own maintainer, else inherits the absorbed one's."""
    if survivor and survivor.get("manager_id"):
        return survivor["manager_id"]
    return absorbed.get("manager_id") if absorbed else None
