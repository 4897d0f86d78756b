"""Tiering's dependency provider: the configured schemes and the validated rules.

Rules change without downtime: an operator sends a new rules document through
the `reload_rules` RPC; it is validated, then stored in the tiering database
(collection `rules`, document "active"), so every replica and every restart
picks up the same document. A replica notices a newer stored document within
`REFRESH_SECONDS` (one tiny indexed read, not per message), so no replica keeps
tiering with stale thresholds for long. With nothing stored, the packaged
rules.yaml (or TIERING_RULES_FILE) applies.
"""
from __future__ import annotations

import logging
import time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from nameko.extensions import DependencyProvider
from pymongo.errors import PyMongoError

from common import clock
from common.mongo import connect
from common.plugins import load_plugins

from .domain.rules import validate_rules

log = logging.getLogger(__name__)
REFRESH_SECONDS = 2.0
ACTIVE = "active"


class InvalidRules(ValueError):
    """A rules document that must not be used; the message lists every problem."""


class Ruleset:
    def __init__(self, schemes: dict, rules: dict, grace: dict, seq: int = 0,
                 source: str = "packaged"):
        self.schemes = schemes
        self.rules = rules
        self.grace = grace
        self.seq = seq
        self.source = source


def parse_rules(text: str, classes: dict) -> dict:
    """YAML text -> a validated rules document, or InvalidRules saying why."""
    try:
        rules = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidRules(f"invalid tiering rules: not YAML: {exc}") from None
    errors = validate_rules(rules, classes)
    if errors:
        raise InvalidRules("invalid tiering rules: " + "; ".join(errors))
    return rules


class Rules(DependencyProvider):
    """Load scheme plugins and the rules document; bad start-up config stops the service."""

    def setup(self) -> None:
        config = self.container.config
        self.classes = load_plugins("crm.tiering_schemes", config.get("schemes"))
        self.instances = {n: cls() for n, cls in self.classes.items()}
        self.grace = {k: int(v or 0) for k, v in (config.get("downgrade_grace") or {}).items()}
        path = config.get("rules_file")
        text = (Path(path).read_text(encoding="utf-8") if path else
                resources.files("tiering").joinpath("rules.yaml").read_text(encoding="utf-8"))
        self.ruleset = Ruleset(self.instances, parse_rules(text, self.classes), self.grace,
                               0, str(path or "packaged"))
        self.collection = connect(config, self.container.service_name)["rules"]
        self._checked = 0.0
        self.refresh(force=True)

    def stop(self) -> None:
        self.collection.database.client.close()

    def refresh(self, force: bool = False) -> Ruleset:
        """Adopt a newer stored document; a broken stored one is logged and skipped."""
        now = time.monotonic()
        if not force and now - self._checked < REFRESH_SECONDS:
            return self.ruleset
        self._checked = now
        head = self.collection.find_one({"_id": ACTIVE}, {"seq": 1})
        if not head or head["seq"] == self.ruleset.seq:
            return self.ruleset
        doc = self.collection.find_one({"_id": ACTIVE})
        try:
            rules = parse_rules(doc["text"], self.classes)
        except InvalidRules as exc:  # cannot happen via reload(); keep what we have
            log.error("stored tiering rules seq %s ignored: %s", doc["seq"], exc)
            return self.ruleset
        self.ruleset = Ruleset(self.instances, rules, self.grace, doc["seq"], "database")
        log.info("tiering rules version %s (seq %s) active", rules.get("version"), doc["seq"])
        return self.ruleset

    def reload(self, text: str) -> dict[str, Any]:
        """Validate and store a new document; raise InvalidRules and keep the old one."""
        rules = parse_rules(text, self.classes)
        seq = max(self.ruleset.seq, (self.collection.find_one({"_id": ACTIVE}, {"seq": 1})
                                     or {"seq": 0})["seq"]) + 1
        self.collection.replace_one({"_id": ACTIVE}, {
            "_id": ACTIVE, "seq": seq, "text": text, "version": str(rules.get("version")),
            "loaded_at": clock.now()}, upsert=True)
        self.refresh(force=True)
        return self.describe()

    def describe(self) -> dict[str, Any]:
        ruleset = self.refresh()
        return {"version": str(ruleset.rules.get("version")), "seq": ruleset.seq,
                "source": ruleset.source, "schemes": sorted(ruleset.schemes),
                "branches": sorted((ruleset.rules.get("branches") or {}))}

    def get_dependency(self, worker_ctx) -> "RulesAccess":
        try:
            ruleset = self.refresh()
        except PyMongoError as exc:  # database down: keep the rules we have; the handler retries
            log.warning("rules refresh failed, using the loaded rules: %s", exc)
            ruleset = self.ruleset
        return RulesAccess(self, ruleset)


class RulesAccess:
    """One worker's view: a fixed snapshot of the rules (consistent for the whole
    message), plus reload/describe for the operator RPCs."""

    def __init__(self, provider: Rules, ruleset: Ruleset):
        self.provider = provider
        self.schemes, self.rules, self.grace = ruleset.schemes, ruleset.rules, ruleset.grace
        self.seq = ruleset.seq

    def reload(self, text: str) -> dict[str, Any]:
        return self.provider.reload(text)

    def describe(self) -> dict[str, Any]:
        return self.provider.describe()
