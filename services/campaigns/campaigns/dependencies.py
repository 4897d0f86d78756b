"""Campaigns' settings from configuration: the daily quota, holidays, the audit seed."""
from __future__ import annotations

from datetime import date

from nameko.extensions import DependencyProvider

from .domain.calls import Quota
from .handlers import Settings


def settings_of(config: dict) -> Settings:
    """Validated settings (a bad quota or holiday stops start-up with its name)."""
    default = int(config.get("daily_quota", 10))
    per_branch = {str(k): int(v) for k, v in (config.get("quota_per_branch") or {}).items()}
    if default < 0 or any(v < 0 for v in per_branch.values()):
        raise ValueError("daily_quota and quota_per_branch must be 0 or more")
    holidays = tuple(date.fromisoformat(str(d)) for d in config.get("holidays") or ())
    return Settings(Quota(default, per_branch), holidays,
                    str(config.get("audit_seed") or "crm-audit"))


class CampaignSettings(DependencyProvider):
    def setup(self) -> None:
        self.settings = settings_of(self.container.config)

    def get_dependency(self, worker_ctx) -> Settings:
        return self.settings
