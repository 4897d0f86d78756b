"""Assignment's policy: role mapping and strategy plugins from configuration."""
from __future__ import annotations

from typing import Any, Mapping

from nameko.extensions import DependencyProvider

from common.plugins import load_plugins

from .domain.roles import BAND_ROLES, ROLES, STAR_ROLES


class AssignmentPolicy:
    def __init__(self, scheme: str, roles: dict, strategies: dict, per_tier: dict,
                 default_capacity: int):
        self.scheme = scheme
        self.roles = roles
        self._strategies = strategies
        self._per_tier = per_tier
        self.default_capacity = default_capacity

    def strategy_name(self, tier: str | None) -> str:
        return self._per_tier.get(tier or "", self._per_tier.get("*", "least_loaded"))

    def strategy(self, name: str):
        return self._strategies[name]

    def manager_record(self, raw: dict) -> dict:
        """Validate one roster entry (from the CLI or a file) into the stored shape."""
        missing = [k for k in ("id", "name", "role", "branch") if not str(raw.get(k) or "").strip()]
        if missing:
            raise ValueError(f"maintainer {raw.get('id')!r}: missing {', '.join(missing)}")
        role = str(raw["role"]).strip()
        if role not in ROLES:
            raise ValueError(f"maintainer {raw['id']}: unknown role {role!r}; one of {ROLES}")
        capacity = int(raw.get("capacity") or self.default_capacity)
        if capacity < 0:
            raise ValueError(f"maintainer {raw['id']}: capacity must be >= 0")
        active = raw.get("active", True)
        active = active if isinstance(active, bool) else str(active).lower() not in ("false", "0", "no", "否")
        return {"id": str(raw["id"]).strip(), "name": str(raw["name"]).strip(), "role": role,
                "branch": str(raw["branch"]).strip(), "capacity": capacity, "active": active}


def role_scheme(config: Mapping[str, Any]) -> str:
    """The tiering scheme whose tiers decide a maintainer's role (`role_scheme`)."""
    return config.get("role_scheme") or "service_band"


class Policy(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        scheme = role_scheme(config)
        roles = config.get("roles") or (STAR_ROLES if scheme == "star" else BAND_ROLES)
        per_tier = {str(k): v for k, v in (config.get("strategies") or {}).items()}
        wanted = sorted(set(per_tier.values()) | {"least_loaded"})
        plugins = load_plugins("crm.assignment_strategies", wanted)  # unknown names fail here
        self.policy = AssignmentPolicy(scheme, roles, {n: c() for n, c in plugins.items()},
                                       per_tier, int(config.get("default_capacity", 800)))

    def get_dependency(self, worker_ctx) -> AssignmentPolicy:
        return self.policy
