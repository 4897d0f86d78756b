"""Tiering's dependency provider: the configured schemes and the validated rules."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from nameko.extensions import DependencyProvider

from common.plugins import load_plugins

from .domain.rules import validate_rules


class Ruleset:
    def __init__(self, schemes: dict, rules: dict, grace: dict):
        self.schemes = schemes
        self.rules = rules
        self.grace = grace


class Rules(DependencyProvider):
    """Load scheme plugins and the rules document at start-up; bad config stops the service."""

    def setup(self) -> None:
        config = self.container.config
        classes = load_plugins("crm.tiering_schemes", config.get("schemes"))
        path = config.get("rules_file")
        text = (Path(path).read_text(encoding="utf-8") if path else
                resources.files("tiering").joinpath("rules.yaml").read_text(encoding="utf-8"))
        rules = yaml.safe_load(text)
        errors = validate_rules(rules, classes)
        if errors:
            raise ValueError("invalid tiering rules: " + "; ".join(errors))
        grace = {k: int(v or 0) for k, v in (config.get("downgrade_grace") or {}).items()}
        self.ruleset = Ruleset({n: cls() for n, cls in classes.items()}, rules, grace)

    def get_dependency(self, worker_ctx) -> Ruleset:
        return self.ruleset
