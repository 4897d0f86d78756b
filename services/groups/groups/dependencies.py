"""The groups service's configuration as a dependency: the active grouping rules
(entry-point group ``crm.grouping_rules``, named in config.yaml) with their parameters,
and the credit limits (net capital, limit share, warning levels, escalation amount)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from nameko.extensions import DependencyProvider

from common.plugins import load_plugins

from .domain.exposure import Limits
from .domain.ports import GroupingRule


@dataclass(frozen=True)
class GroupingSetup:
    rules: tuple[GroupingRule, ...]
    params: Mapping[str, Any]
    limits: Limits


def limits_from(config: Mapping[str, Any]) -> Limits:
    """Limits from config.yaml's `limits` (amounts as text or numbers, yuan)."""
    escalation = config.get("escalation_amount")
    return Limits(net_capital=Decimal(str(config.get("net_capital") or 0)),
                  limit_share=Decimal(str(config.get("limit_share", "0.15"))),
                  warning_levels=tuple(Decimal(str(v)) for v in
                                       config.get("warning_levels") or ("0.8", "1.0")),
                  escalation_amount=Decimal(str(escalation)) if escalation not in
                  (None, "") else None)


def setup_from(config: Mapping[str, Any]) -> GroupingSetup:
    classes = load_plugins("crm.grouping_rules", config.get("rules"))  # unknown names fail
    return GroupingSetup(tuple(cls() for cls in classes.values()),
                         dict(config.get("grouping") or {}), limits_from(config.get("limits")
                                                                         or {}))


class Grouping(DependencyProvider):
    def setup(self) -> None:
        self.setup_value = setup_from(self.container.config)

    def get_dependency(self, worker_ctx) -> GroupingSetup:
        return self.setup_value
