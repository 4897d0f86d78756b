"""Plugins through entry points, named in configuration; unknown names fail at start-up.

Built-in plugins are registered in each service's pyproject.toml exactly like a
third-party package would register its own, so both are loaded the same way.
"""
from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

GROUPS = {
    "normalizers": "crm.normalizers",
    "matchers": "crm.matchers",
    "tiering_schemes": "crm.tiering_schemes",
    "assignment_strategies": "crm.assignment_strategies",
    "notification_channels": "crm.notification_channels",
    "grouping_rules": "crm.grouping_rules",
}


class UnknownPlugin(LookupError):
    pass


def available(group: str) -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=group)}


def load_plugins(group: str, wanted: list[str] | None = None) -> dict[str, Any]:
    """Load the named plugins of a group (all when wanted is None), in the given order."""
    found = available(group)
    names = list(found) if wanted is None else list(wanted)
    missing = [n for n in names if n not in found]
    if missing:
        raise UnknownPlugin(f"unknown plugin(s) {missing} in group {group}; "
                            f"installed: {sorted(found)}")
    return {name: found[name].load() for name in names}
