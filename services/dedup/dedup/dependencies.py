"""Dedup's matching configuration: matcher plugins and scoring parameters."""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from common.plugins import load_plugins

from .domain.scoring import merged_params


class MatchingSetup:
    def __init__(self, matchers: list, params: dict, max_block: int, max_candidates: int):
        self.matchers = matchers
        self.params = params
        self.max_block = max_block
        self.max_candidates = max_candidates


class Matching(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        plugins = load_plugins("crm.matchers", config.get("matchers"))  # unknown names fail
        self.setup_ = MatchingSetup([cls() for cls in plugins.values()],
                                    merged_params(config.get("matching") or {}),
                                    int(config.get("max_block", 200)),
                                    int(config.get("max_candidates", 40)))

    def get_dependency(self, worker_ctx) -> MatchingSetup:
        return self.setup_
