"""The exported JSON Schema and AsyncAPI files must match the marshmallow contracts."""
import json

import jsonschema
import pytest
from marshmallow import ValidationError

from contracts import names
from contracts.export import rendered
from contracts.schemas import EVENTS, build_event


def test_exported_files_are_current():
    stale = [str(path) for path, text in rendered().items()
             if not path.exists() or path.read_text() != text]
    assert not stale, f"run `make export-contracts`; stale: {stale}"


def test_every_event_carries_the_common_fields():
    for event_type in EVENTS:
        schema = json.loads(next(t for p, t in rendered().items() if p.name == f"{event_type}.json"))
        assert {"event_id", "occurred_at", "schema_version", "correlation_id"} <= set(schema["required"])


def test_built_tier_changed_validates_against_exported_schema():
    event = build_event(names.TIER_CHANGED, {
        "customer_id": "C1", "scheme": "star", "previous": "3", "current": "4",
        "direction": "up", "reason": "assets", "rules_version": "v1", "branch": "B1"})
    schema = json.loads(next(t for p, t in rendered().items() if p.name == "tier.changed.json"))
    jsonschema.validate(event, schema)
    assert event["schema_version"] == names.SCHEMA_VERSION


def test_build_event_rejects_a_payload_that_breaks_the_contract():
    with pytest.raises(ValidationError):
        build_event(names.TIER_CHANGED, {"customer_id": "C1", "scheme": "star",
                                          "direction": "sideways"})
