"""Which role looks after which tier, and who may serve a customer.

The default follows the service band (domain §4); a star-level mapping (domain §3)
is the documented alternative, chosen in configuration (`role_scheme`, `roles`).
"""
from __future__ import annotations

from typing import Mapping

from .manager import Manager

BAND_ROLES: dict[str, list[str]] = {
    "private": ["wealth_manager", "branch_president"],
    "financial": ["financial_manager"],
    "branch": ["branch_director", "lobby_manager"],
    "staff": ["branch_staff"],
    "mass": [],
}
STAR_ROLES: dict[str, list[str]] = {
    "1": [], "2": [], "3": ["branch_staff"], "4": ["customer_manager"], "5": ["branch_president"],
}
ROLES = ("wealth_manager", "financial_manager", "branch_director", "lobby_manager",
         "branch_staff", "branch_president", "customer_manager")


def roles_for(tier: str | None, mapping: Mapping[str, list[str]]) -> list[str]:
    """Roles that may maintain a customer of this tier; empty = no personal maintainer."""
    return list(mapping.get(tier or "", []))


def eligible(managers: list[Manager], branch: str | None, roles: list[str]) -> list[Manager]:
    """Active maintainers of the customer's own branch in one of the roles, with room."""
    return [m for m in managers if m.branch == branch and m.role in roles and m.has_room()]


def fairness(loads: list[int]) -> float:
    """Spread of load within a team: max minus min (0 = perfectly even)."""
    return float(max(loads) - min(loads)) if loads else 0.0
